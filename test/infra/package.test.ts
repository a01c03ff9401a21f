import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient } from '@azure/storage-blob';

import { classificationCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { Activities } from '../../src/orchestrators/contracts';
import { appFiles } from '../helpers/appFiles';
import { eventually, settled, spawnHost, startStudio, testStorage } from '../helpers/environment';
import { churnTarget, seed } from '../helpers/demoTargets';
import { copyFiles, describeBuild, RemoteBuild, remoteBuild, shippedFiles } from './remoteBuild';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Functions a happy-path run does not execute: they answer failures only. */
const FAILURE_ONLY = new Set<string>([
    Activities.rollback,
    Activities.cancelJob,
    // A person's decision on a run that waits for approval; the demo target needs none.
    'approveRunHttp',
    'rejectRunHttp',
    Activities.readDecision,
    // An Azure ML v2 target's rollout (test/functions/azureml.e2e runs them); the packaged demo target is classic.
    Activities.registerModel,
    Activities.beginDeployment,
    Activities.pollOperation,
    Activities.setTraffic,
    Activities.deleteDeployment,
    Activities.checkDeployment,
    // Data management: a person's choice, not part of a run.
    'dataListHttp',
    'dataExcludeHttp',
    'dataIncludeHttp',
    // Asks a live run to stop; a happy-path run is never asked.
    'cancelRetrainHttp',
]);

/** The functions the app at `appRoot` registers, loaded by the dev host's loader in a fresh process (one app per process). */
function functionsOf(appRoot: string): string[] {
    const loader = path.join(ROOT, 'dist', 'src', 'local', 'host', 'core', 'loader.js');
    const script = `const { loadApp } = require(${JSON.stringify(loader)});
        process.stdout.write(JSON.stringify([...loadApp(process.argv[1]).registry.functions.keys()].sort()));`;
    return JSON.parse(execFileSync(process.execPath, ['-e', script, appRoot], { encoding: 'utf8' })) as string[];
}

const work = mkdtempSync(path.join(tmpdir(), 'retrainer-package-'));
after(() => rmSync(work, { recursive: true, force: true }));

const pkg = path.join(work, 'package');
const mutant = path.join(work, 'mutant');
let builds: Promise<[RemoteBuild, RemoteBuild]> | undefined;

/**
 * Both builds at once (each is mostly one single-threaded tsc): the package as shipped, and a copy
 * whose postbuild chmods the CLI, which .funcignore leaves out (the fault this test was written for).
 */
function bothBuilds(): Promise<[RemoteBuild, RemoteBuild]> {
    builds ??= (() => {
        copyFiles(ROOT, pkg, shippedFiles(ROOT));
        copyFiles(ROOT, mutant, shippedFiles(ROOT));
        const file = path.join(mutant, 'package.json');
        const json = JSON.parse(readFileSync(file, 'utf8')) as { scripts: Record<string, string> };
        json.scripts.postbuild = `node -e "require('fs').chmodSync('dist/src/cli/main.js', 0o755)"`;
        writeFileSync(file, JSON.stringify(json, null, 4));
        return Promise.all([
            remoteBuild(pkg, { seedModulesFrom: ROOT }),
            remoteBuild(mutant, { seedModulesFrom: ROOT }),
        ]);
    })();
    return builds;
}

/**
 * The deployment package built exactly as Azure builds it for `azure.yaml`'s `remoteBuild: true`:
 * the files `.funcignore` lets azd upload, copied alone into a fresh folder, then the platform's
 * remote-build lifecycle (see remoteBuild.ts for the steps and their sources), then the result
 * started on the dev host. The local-build alternative is not covered: azure.yaml does not use it.
 */
describe('the deployment package, built as Azure builds it remotely', () => {
    let build: RemoteBuild;

    before(async () => {
        [build] = await bothBuilds();
    });

    it('ships only app sources and build inputs', () => {
        const files = shippedFiles(ROOT);
        for (const f of ['host.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'src/index.ts']) {
            assert.ok(files.includes(f), `${f} is not shipped`);
        }
        const stray = files.filter(
            (f) =>
                !/^(src\/(?!local\/|cli\/)|ui\/|scripts\/prune-dist\.mjs$|host\.json$|package(-lock)?\.json$|tsconfig\.json$|retrainer\.config\.json$|\.funcignore$|azure\.yaml$|\.prettier)/.test(
                    f,
                ),
        );
        assert.deepEqual(stray, []);
    });

    it("does not ship the offline stack's emulator credential or its config kind", () => {
        const shipped = shippedFiles(ROOT).filter((f) => f.startsWith('src/'));
        assert.deepEqual(
            shipped.filter((f) => /emulator/i.test(f)),
            [],
        );
        for (const f of shipped) {
            const text = readFileSync(path.join(ROOT, f), 'utf8');
            assert.ok(
                !/EmulatorCredential|mintEmulatorToken|'emulator'/.test(text),
                `${f} knows the emulator credential`,
            );
        }
    });

    it('the remote build succeeds step by step and leaves only production dependencies', () => {
        assert.ok(build.ok, describeBuild(build));
        assert.deepEqual(
            build.steps.map((s) => `${s.command} @${path.relative(pkg, s.cwd) || '.'}`),
            ['npm install --production @.oryx_prod_node_modules', 'npm install @.', 'npm run build @.'],
        );
        assert.ok(existsSync(path.join(pkg, 'dist', 'src', 'index.js')));
        assert.ok(!existsSync(path.join(pkg, 'dist', 'src', 'cli')), 'the CLI is not shipped, so not built');
        assert.ok(!existsSync(path.join(pkg, 'node_modules', 'typescript')), 'dev dependencies are pruned');
        const pkgJson = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')) as {
            dependencies: Record<string, string>;
        };
        for (const dep of Object.keys(pkgJson.dependencies)) {
            assert.ok(existsSync(path.join(pkg, 'node_modules', dep, 'package.json')), `${dep} is not installed`);
        }
    });

    it('the built package starts on the dev host: every function registers, and a dropped file is retrained, promoted and served', async (t) => {
        assert.ok(build.ok, 'the build failed (see the test above)');
        const expected = functionsOf(ROOT);
        assert.ok(expected.length >= 10, `the repo registers ${expected.join(', ')}`);
        assert.deepEqual(functionsOf(pkg), expected, 'the package registers what the repo does');

        const storage = await testStorage();
        const studio = await startStudio({ seed });
        t.after(() => studio.close());
        const files = appFiles(storage.connectionString, studio.url, (w) => [churnTarget(w)], 'Pkg');
        const stateDir = path.join(files.dir, 'devhost');
        const output: string[] = [];
        const host = await spawnHost({
            appRoot: pkg,
            // The timer fires every 2 s here, so it runs within the test.
            env: { ...files.env, RETRAINER_TIMER_SCHEDULE: '*/2 * * * * *' },
            stateDir,
            output,
            leaseMs: 5000,
        });
        t.after(() => host.kill9());
        const { origin, keys } = host;
        assert.ok(
            output.some((l) => l.includes(`(task hub ${files.env.TASKHUB_NAME}, ${expected.length} functions)`)),
            `the host serves ${expected.length} functions:\n${output.join('\n')}`,
        );
        const api = (p: string, init: RequestInit = {}) =>
            fetch(`${origin}/api/${p}`, {
                ...init,
                headers: { 'x-functions-key': keys.functionDefault, ...(init.headers ?? {}) },
            });

        // The blob trigger: a training file lands and a run follows.
        const data = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(
            files.where.dataContainer,
        );
        await data.createIfNotExists();
        const csv = await toText(classificationCsv({ rows: 1500, seed: 8 }));
        await data.getBlockBlobClient('churn/a.csv').upload(csv, Buffer.byteLength(csv));
        const [run] = await eventually(
            async () => {
                const res = await api('runs?target=churn');
                if (res.status !== 200) return undefined;
                const runs = (await res.json()) as RunRecord[];
                return runs.length > 0 ? runs : undefined;
            },
            'a run of the dropped file',
            120_000,
        );
        assert.equal(run.state, 'Promoted', run.reason);

        // The HTTP functions answer.
        const targets = await api('targets');
        assert.equal(targets.status, 200);
        assert.match(await targets.text(), /"churn"/);
        const scored = await api('score/churn', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({
                columnNames: ['tenure', 'monthly_charges', 'support_calls', 'contract_months'],
                rows: [['12', '70.5', '3', '1']],
            }),
        });
        assert.equal(scored.status, 200, await scored.clone().text());
        // The status page and its chart library come from the package (the dev host signs in a developer).
        for (const asset of ['ui/', 'ui/chart.umd.js']) {
            const page = await fetch(`${origin}/api/${asset}`);
            assert.equal(page.status, 200, `${asset}: ${await page.clone().text()}`);
            await page.arrayBuffer();
        }
        // Once the run's orchestration has ended and nothing waits (no arrival, no trigger message,
        // the 2 s timer's catch-up finds every file judged), an HTTP retrain starts one: a 202, never a 409.
        await settled(
            {
                connectionString: storage.connectionString,
                origin,
                keys,
                hostId: host.hostId,
                data,
                runs: BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(
                    files.runsContainer,
                ),
            },
            () => output.slice(-40).join('\n'),
        );
        const again = await api('retrain/churn', { method: 'POST' });
        const started = (await again.json()) as { id?: string };
        assert.equal(again.status, 202, JSON.stringify(started));
        assert.equal(started.id, 'retrain-churn');

        // Every function ran and succeeded, but those that answer failures only.
        // Activities and triggers log Executed lines; the durable engine logs an orchestration's end.
        const succeeded = (id: string) =>
            output.some(
                (l) =>
                    l.includes(`Executed 'Functions.${id}' (Succeeded`) ||
                    new RegExp(`Orchestration '${id}' \\([^)]*\\) (Completed|ContinuedAsNew)`).test(l),
            );
        const allRan = () => expected.every((id) => FAILURE_ONLY.has(id) || succeeded(id));
        try {
            await eventually(() => Promise.resolve(allRan() ? true : undefined), 'every function to run', 60_000);
        } catch {
            // Named below, function by function.
        }
        const missing = expected.filter((id) => !FAILURE_ONLY.has(id) && !succeeded(id));
        assert.deepEqual(
            missing,
            [],
            `never executed successfully: ${missing.join(', ')}\n${output.slice(-40).join('\n')}`,
        );
        assert.ok(!output.some((l) => /Executed 'Functions\.[^']+' \(Failed/.test(l)), output.join('\n'));
    });
});

describe('the remote build catches a postbuild that needs an unshipped file (mutation)', () => {
    it('a copy of the package whose postbuild chmods the CLI (left out by .funcignore) fails at npm run build', async () => {
        const [, build] = await bothBuilds();
        assert.equal(build.ok, false, 'the mutant built');
        const last = build.steps[build.steps.length - 1];
        assert.equal(last.command, 'npm run build', describeBuild(build));
        assert.match(last.output, /ENOENT[^\n]*dist\/src\/cli\/main\.js/);
        assert.ok(
            statSync(path.join(mutant, 'dist', 'src', 'index.js')).isFile(),
            'tsc itself ran; the postbuild failed',
        );
    });
});
