import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import * as prettier from 'prettier';

import { startAzurite } from '../../src/local/common/azurite';
import { HostKind, startHost } from './hosts';
import { buildConformanceHost, dotnetVersion, engineSelfTest, REPO_ROOT } from './realEngine';
import {
    COMMITTED_RESULTS,
    FIDELITY_DOC,
    renderFidelityDoc,
    ResultsFile,
    resultsDisagreement,
    ScenarioResult,
} from './results';
import { differingKeys, Outcome, Scenario } from './scenario';
import { retrainerScenarios } from './retrainerScenarios';
import { spikeScenarios } from './spikeScenarios';

/**
 * `npm run test:conformance [-- <id substring>...] [-- --update]`: runs each scenario on the dev
 * host and on the real Durable Task engine (test/conformance/host), compares their outcomes and
 * writes test/conformance/results/latest.json. A scenario fails when it could not finish on a host,
 * when the hosts differ in a way the scenario does not explain (knownDifferences), or (full runs)
 * when the outcomes disagree with the committed results.json. `--update` (full runs only) rewrites
 * results.json and docs/fidelity-real-engine.md from this run instead of comparing. Without the
 * .NET SDK it says so and exits 0 without running or claiming anything.
 */

const RESULTS_DIR = path.join(REPO_ROOT, 'test', 'conformance', 'results');

const SCENARIOS: Scenario[] = [...spikeScenarios, ...retrainerScenarios];

interface HostRun {
    outcome: Outcome | { error: string };
    engineInstances?: { name: string; runtimeStatus: string }[];
}

async function runOn(kind: HostKind, scenario: Scenario, storage: string): Promise<HostRun> {
    const env = await scenario.prepare(storage);
    try {
        const host = await startHost(kind, scenario.appRoot, env.settings);
        try {
            const outcome = await scenario.run(host, env);
            const engineInstances = await host.engineInstances?.();
            if (engineInstances && engineInstances.length === 0) {
                throw new Error('the real engine lists no orchestration instance: the run did not happen there');
            }
            return { outcome, engineInstances };
        } catch (err: unknown) {
            // The whole log is in the file written below; the message keeps the last lines that are not polling.
            const tail = host.logs
                .filter((l) => !l.includes('runsHttp') && !l.includes('SpikeStatus'))
                .slice(-25)
                .join('\n');
            return {
                outcome: {
                    error: `${err instanceof Error ? err.message : String(err)}\n--- last host lines ---\n${tail}`,
                },
            };
        } finally {
            await host.stop();
            writeFileSync(path.join(RESULTS_DIR, `${scenario.id}.${kind}.log`), host.logs.join('\n') + '\n');
        }
    } catch (err: unknown) {
        return { outcome: { error: err instanceof Error ? err.message : String(err) } };
    } finally {
        await env.close();
    }
}

async function main(): Promise<number> {
    const filter = process.argv.slice(2).filter((a) => !a.startsWith('--'));
    const update = process.argv.includes('--update');
    if (update && filter.length > 0)
        throw new Error('--update rewrites the results of every scenario: run it without a filter.');
    const dotnet = await dotnetVersion();
    if (!dotnet) {
        process.stdout.write(
            'conformance: SKIPPED, nothing was run: the .NET SDK (dotnet) is not on PATH, and the real Durable Task engine needs it.\n',
        );
        return 0;
    }
    const scenarios = SCENARIOS.filter((s) => filter.length === 0 || filter.some((f) => s.id.includes(f)));
    if (scenarios.length === 0) throw new Error(`No scenario matched ${filter.join(' ')}`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const t0 = Date.now();
    const build = await buildConformanceHost([...new Set(SCENARIOS.map((s) => s.appRoot))]);
    process.stdout.write(`conformance: built the host (.NET ${dotnet}) in ${Date.now() - t0} ms\n`);
    const azurite = await startAzurite();
    try {
        process.stdout.write(`conformance: engine self test: ${await engineSelfTest(azurite.connectionString)}\n`);
    } catch (err: unknown) {
        await azurite.stop();
        throw err;
    }
    const results: ScenarioResult[] = [];
    const failures: string[] = [];
    const t1 = Date.now();
    try {
        for (const s of scenarios) {
            const devHost = (await runOn('dev-host', s, azurite.connectionString)).outcome;
            const real = await runOn('real-engine', s, azurite.connectionString);
            const realEngine = real.outcome;
            const unfinished = 'error' in devHost || 'error' in realEngine;
            const differences = unfinished ? undefined : differingKeys(devHost, realEngine);
            const causes: Record<string, string> = {};
            for (const key of differences ?? []) {
                const cause = s.knownDifferences?.[key];
                if (cause) causes[key] = cause;
            }
            const unexplained = (differences ?? []).filter((k) => !(k in causes));
            results.push({
                id: s.id,
                title: s.title,
                devHost,
                realEngine,
                differences,
                ...(Object.keys(causes).length > 0 ? { causes } : {}),
                ...(s.observationNotes ? { observationNotes: s.observationNotes } : {}),
                engineInstances: real.engineInstances,
            });
            let verdict: string;
            if (unfinished) verdict = 'FAILED (did not finish)';
            else if (unexplained.length > 0) verdict = `FAILED (unexplained difference in ${unexplained.join(', ')})`;
            else if (differences!.length > 0) verdict = `differs as known in ${differences!.join(', ')}`;
            else verdict = 'same';
            process.stdout.write(`conformance: ${s.id}: ${verdict}\n`);
            if (verdict.startsWith('FAILED')) {
                failures.push(s.id);
                process.stdout.write(`${JSON.stringify({ devHost, realEngine }, null, 2)}\n`);
            }
        }
    } finally {
        await azurite.stop();
    }
    const file: ResultsFile = { engine: { extension: '3.19.0', azureStorage: '2.11.2', dotnet }, scenarios: results };
    const timings = { buildInMs: build.buildInMs + build.proxiesInMs, scenariosInMs: Date.now() - t1 };
    writeFileSync(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify({ ...file, timings }, null, 2) + '\n');
    process.stdout.write(`conformance: build ${timings.buildInMs} ms, scenarios ${timings.scenariosInMs} ms\n`);
    if (update) {
        if (failures.length > 0) throw new Error(`Not updating the committed results: ${failures.join(', ')} failed.`);
        // Formatted as the repo's Prettier config wants, so `npm run format:check` accepts the file.
        const options = (await prettier.resolveConfig(COMMITTED_RESULTS)) ?? {};
        writeFileSync(COMMITTED_RESULTS, await prettier.format(JSON.stringify(file), { ...options, parser: 'json' }));
        writeFileSync(FIDELITY_DOC, renderFidelityDoc(file));
        process.stdout.write(`conformance: wrote ${COMMITTED_RESULTS} and ${FIDELITY_DOC}\n`);
    } else if (existsSync(COMMITTED_RESULTS)) {
        const committed = JSON.parse(readFileSync(COMMITTED_RESULTS, 'utf8')) as ResultsFile;
        for (const line of resultsDisagreement(committed, file)) {
            process.stdout.write(`conformance: disagrees with results.json: ${line}\n`);
            const id = line.slice(0, line.indexOf(':'));
            if (!failures.includes(id)) failures.push(id);
        }
    }
    process.stdout.write(`conformance: ${results.length - failures.length} passed, ${failures.length} failed\n`);
    return failures.length > 0 ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        process.stderr.write(`conformance: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
    },
);
