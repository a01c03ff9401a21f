import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { RUN_EXIT_CODES } from '../../../src/cli/wait';
import { eventually } from '../../helpers/environment';
import { AzureMlClient } from '../../../src/clients/azureml';
import { EmulatorCredential } from '../../../src/local/studio/emulatorCredential';
import { freePortRun, laterPort, ROOT, sampleConfigFor, StackFlags, StackProcess } from '../../helpers/stackProcess';

interface TargetJson {
    champion: { runId: string; lineage: string[] } | null;
}
interface ScoreJson {
    champion: { runId: string } | null;
    columnNames: string[];
    rows: string[][];
}

/**
 * The README walkthrough as a new user runs it: `npm start` as a child process, the CLI in
 * another "terminal", a drifted batch that wins, a degraded one that is rejected, Ctrl-C, and a
 * second `npm start` that still serves the promoted model.
 */
describe('npm start + the CLI walkthrough', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-walkthrough-'));
    const data = path.join(dir, 'data');
    let flags: StackFlags;
    let stack: StackProcess;
    let studioPort = 0;

    const cli = (...args: string[]): Promise<string> => stack.cli(dir, ...args);
    const champion = async () => (JSON.parse(await cli('status', 'churn', '--json')) as TargetJson).champion;
    const score = async () =>
        JSON.parse(await cli('score', 'churn', 'churn-baseline.csv', '--rows', '25', '--json')) as ScoreJson;

    before(async () => {
        studioPort = await laterPort();
        writeFileSync(path.join(dir, 'config.json'), sampleConfigFor(studioPort));
        flags = { data, studioPort, blobPort: await freePortRun(3), config: path.join(dir, 'config.json') };
        stack = await StackProcess.start(flags);
    });

    after(async () => {
        await stack.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    it('promotes the baseline, then the drifted batch, and rejects the degraded one', async () => {
        assert.match(stack.output, /Function key \(local only\) +\S{20,}/);
        // The first start seeds the v2 demo quietly: the emulator's line per request buried the banner.
        const startup = stack.output.slice(0, stack.output.indexOf('Retrainer offline stack is up'));
        assert.match(startup, /Seeding the demo Azure ML v2 endpoint churn-online/);
        assert.doesNotMatch(startup, /\[studio\] [A-Z]+ \S+ -> \d{3}/, startup);
        // A new user finds the status page from the banner, and it answers there.
        const page = /Status page +(http:\/\/\S+\/api\/ui\/)/.exec(stack.output);
        assert.ok(page, stack.output);
        assert.equal((await fetch(page[1])).status, 200);
        assert.equal(await champion(), null, 'a fresh stack has no champion');

        await cli('sample', 'churn', 'baseline');
        assert.match(await cli('upload', 'churn-baseline.csv', '--wait'), /Run \S+ of 'churn': Promoted/);
        const first = await champion();
        assert.ok(first);
        const before = await score();
        assert.equal(before.champion?.runId, first.runId);

        await cli('sample', 'churn', 'drifted');
        assert.match(await cli('upload', 'churn-drifted.csv', '--wait'), /Run \S+ of 'churn': Promoted/);
        const second = await champion();
        assert.ok(second);
        assert.notEqual(second.runId, first.runId, 'the champion changed');
        assert.deepEqual(second.lineage, [first.runId, second.runId]);
        const after = await score();
        assert.equal(after.champion?.runId, second.runId);
        const p = after.columnNames.indexOf('Scored Probabilities');
        assert.ok(p >= 0, `scored columns: ${after.columnNames.join(', ')}`);
        const changed = after.rows.filter((r, i) => r[p] !== before.rows[i]?.[p]).length;
        assert.equal(changed, after.rows.length, 'every scored row answers from the new model');

        await cli('sample', 'churn', 'degraded');
        const degraded = await stack.cliExit(dir, 'upload', 'churn-degraded.csv', '--wait');
        assert.match(degraded.stdout, /Run \S+ of 'churn': Rejected/);
        assert.equal(degraded.code, RUN_EXIT_CODES.Rejected, '--wait exits with the Rejected code');
        assert.equal((await champion())?.runId, second.runId, 'a worse model is not promoted');
        assert.deepEqual((await score()).rows, after.rows, 'the endpoint still serves the drifted model');

        const table = await cli('runs', '--target', 'churn');
        assert.equal(table.match(/\bPromoted\b/g)?.length, 2, table);
        assert.equal(table.match(/\bRejected\b/g)?.length, 1, table);
    });

    it("promotes the Azure ML v2 demo target on the endpoint npm start seeded, keeping 'blue' at 0%", async () => {
        const seed = JSON.parse(readFileSync(path.join(ROOT, 'studio.seed.json'), 'utf8')) as {
            armTokenSecret: string;
            azureml: { subscriptionId: string; resourceGroup: string; name: string }[];
        };
        const ws = seed.azureml[0];
        const client = new AzureMlClient(
            { subscriptionId: ws.subscriptionId, resourceGroup: ws.resourceGroup, workspace: ws.name },
            new EmulatorCredential(seed.armTokenSecret),
            { endpoint: `http://127.0.0.1:${studioPort}` },
        );
        assert.deepEqual((await client.getEndpoint('churn-online')).traffic, { blue: 100 }, 'the seeded endpoint');

        const out = await cli('upload', 'churn-baseline.csv', '--target', 'churn-v2', '--wait');
        assert.match(out, /Run \S+ of 'churn-v2': Promoted/);
        const traffic = (await client.getEndpoint('churn-online')).traffic;
        const fresh = Object.keys(traffic).filter((d) => d !== 'blue');
        assert.equal(fresh.length, 1, JSON.stringify(traffic));
        // As the README shows it: the deployment, the steps reached, the outcome.
        assert.match(
            out,
            new RegExp(
                `^ {2}rollout: model churn:\\S+ as deployment '${fresh[0]}' \\(beside 'blue'\\)\\n` +
                    ' {2}traffic: 10% -> 50% -> 100%\\n' +
                    ` {2}outcome: promoted: '${fresh[0]}' takes all traffic; 'blue' kept at 0%$`,
                'm',
            ),
        );
        assert.equal(traffic[fresh[0]], 100);
        assert.equal(traffic.blue ?? 0, 0);
        assert.equal((await client.findDeployment('churn-online', 'blue'))?.provisioningState, 'Succeeded');
        // The live checks read the new deployment's window of the emulator's counters at each step.
        assert.match(stack.output, new RegExp(`/deployments/${fresh[0]}/metrics -> 200`));
    });

    it('stops on Ctrl-C and resumes with the same state on the next npm start', async () => {
        const served = await score();
        const held = await champion();
        await stack.stop();
        assert.match(
            stack.output,
            /Stopping \(the app, then the studio emulator, then Azurite\)\.\.\.[\s\S]*Host stopped/,
        );
        assert.equal(existsSync(path.join(data, 'stack.json')), false, 'a stopped stack is not advertised');
        const gone = await stack.cliExit(dir, 'status');
        assert.equal(gone.code, 1);
        assert.match(gone.stderr, /No Retrainer app to talk to/);

        stack = await StackProcess.start(flags);
        assert.deepEqual(await champion(), held);
        assert.deepEqual(await score(), served, 'the promoted model is still served after a restart');
    });

    it('Ctrl-C while a job trains: after the restart the same job finishes, and the studio ran one job', async () => {
        const seedFile = JSON.parse(readFileSync(path.join(ROOT, 'studio.seed.json'), 'utf8')) as { adminKey: string };
        const studioJobs = (): Record<string, { id: string; status: string }> =>
            (
                JSON.parse(readFileSync(path.join(data, 'studio', 'state.json'), 'utf8')) as {
                    jobs: Record<string, { id: string; status: string }>;
                }
            ).jobs;
        const jobsBefore = Object.keys(studioJobs()).length;
        // Long enough for the signal to land while the job trains (the fault is not persisted).
        const fault = await fetch(`http://127.0.0.1:${studioPort}/_studio/faults/churn-training`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json', 'x-studio-admin-key': seedFile.adminKey },
            body: JSON.stringify({ jobDurationInMs: 60_000 }),
        });
        assert.equal(fault.status, 204);
        await cli('sample', 'churn', 'drifted', '--rows', '3000', '--out', 'churn-more.csv');
        await cli('upload', 'churn-more.csv');

        const jobId = await eventually(
            async () => {
                const target = JSON.parse(await cli('status', 'churn', '--json')) as {
                    inFlight: { step: { step: string; jobId?: string } | null } | null;
                };
                return target.inFlight?.step?.step === 'training' ? target.inFlight.step.jobId : undefined;
            },
            () => `the run to reach training; log:\n${stack.tail()}`,
            180_000,
            200,
        );

        await stack.stop();
        const stopped = Object.values(studioJobs()).find((j) => j.id === jobId);
        assert.equal(stopped?.status, 'Running', 'a job training at Ctrl-C is kept, not failed');

        stack = await StackProcess.start(flags);
        interface RunJson {
            state: string;
            reason?: string;
            job?: { jobId: string };
            manifest?: { blobs: { name: string }[] };
        }
        const run = await eventually(
            async () => {
                const runs = JSON.parse(await cli('runs', '--target', 'churn', '--json')) as RunJson[];
                return runs.find((r) => r.manifest?.blobs.some((b) => b.name.endsWith('churn-more.csv')));
            },
            () => `a run recording the upload made before Ctrl-C; log:\n${stack.tail()}`,
            180_000,
            200,
        );
        assert.equal(run.job?.jobId, jobId, 'the run finished with the job it started before Ctrl-C');
        // The run judges every file under churn/ (the data policy keeps a Rejected run's files): the
        // degraded batch is still merged in, and 3,000 more drifted rows (fixed seed) do not lift
        // the AUC back to within 0.01 of the champion's (about 0.72 against 0.77), so it is Rejected.
        assert.deepEqual(
            run.manifest?.blobs.map((b) => b.name),
            ['churn/churn-baseline.csv', 'churn/churn-degraded.csv', 'churn/churn-drifted.csv', 'churn/churn-more.csv'],
        );
        assert.equal(run.state, 'Rejected', `the run: ${JSON.stringify(run)}`);
        assert.match(run.reason ?? '', /^AUC \S+ vs champion \S+ \S+: improvement -\S+ is below required -0\.01;/);
        assert.equal(Object.keys(studioJobs()).length, jobsBefore + 1, 'exactly one more job in the studio');
    });
});
