import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

import { writeLatest } from './lib/report';

/**
 * Runs every *.bench.js beside this file, one at a time in its own process, so one benchmark's
 * heap never colours another's numbers. Arguments filter by file name. Each writes its own
 * results file; latest.json gathers them (a filtered run replaces only the benchmarks it ran).
 * Not part of `npm test`.
 */
async function main(): Promise<void> {
    const startedAt = new Date();
    const filter = process.argv.slice(2);
    const files = readdirSync(__dirname)
        .filter((f) => f.endsWith('.bench.js'))
        .filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)))
        .sort();
    if (files.length === 0) throw new Error(`No benchmark matched ${filter.join(' ') || '*.bench.js'}`);
    let failed = 0;
    for (const file of files) {
        console.log(`\n## ${file}\n`);
        const t0 = Date.now();
        const code = await new Promise<number>((resolve) => {
            const child = spawn(process.execPath, [path.join(__dirname, file)], { stdio: 'inherit' });
            child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
        });
        if (code !== 0) failed++;
        console.log(`\n(${file}: ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
    const out = await writeLatest(
        files.map((f) => f.replace(/\.bench\.js$/, '')),
        startedAt,
        Date.now() - startedAt.getTime(),
    );
    console.log(`\nAll benchmarks: ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s; results in ${out}`);
    if (failed > 0) {
        console.error(`${failed} benchmark file(s) failed`);
        process.exitCode = 1;
    }
}

main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
});
