import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';

import {
    isSampleTarget,
    isSampleVariant,
    SAMPLE_TARGETS,
    SAMPLE_VARIANTS,
    sampleScenario,
} from '../../local/samples/scenarios';
import { CliError } from '../connection';

export const sampleUsage = `retrainer sample <churn|houses> [baseline|drifted|degraded] [--rows N] [--out FILE]
  Writes a demo data set (fixed seed) to FILE (default <target>-<variant>.csv).`;

export async function sample(argv: string[]): Promise<void> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { rows: { type: 'string' }, out: { type: 'string' } },
    });
    const [target, variant = 'baseline'] = positionals;
    if (!target || positionals.length > 2) throw new CliError(`usage: ${sampleUsage}`);
    if (!isSampleTarget(target)) throw new CliError(`No sample for '${target}': use ${SAMPLE_TARGETS.join(' or ')}.`);
    if (!isSampleVariant(variant))
        throw new CliError(`Unknown variant '${variant}': use ${SAMPLE_VARIANTS.join(', ')}.`);
    const scenario = sampleScenario(target, variant);
    const rows = values.rows === undefined ? scenario.rows : Number(values.rows);
    if (!Number.isInteger(rows) || rows < 1) throw new CliError('--rows must be a positive integer.');
    const out = values.out ?? `${target}-${variant}.csv`;
    await pipeline(scenario.generate(rows), createWriteStream(out));
    console.log(`Wrote ${rows} rows to ${out}: ${scenario.story}.`);
}
