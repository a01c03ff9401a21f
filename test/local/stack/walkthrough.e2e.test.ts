import assert from 'node:assert/strict';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { RUN_EXIT_CODES } from '../../../src/cli/wait';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const run = promisify(execFile);

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
    let studioPort = 0;
    let blobPort = 0;
    let stack: ChildProcess | undefined;
    let output = '';

    /** Runs the CLI; a non-zero exit is returned with its output, for the outcome exit codes. */
    const cliExit = async (...args: string[]): Promise<{ code: number; stdout: string }> => {
        try {
            return { code: 0, stdout: await cli(...args) };
        } catch (err) {
            const e = (err as { cause?: { code?: unknown; stdout?: string } }).cause;
            if (typeof e?.code !== 'number') throw err;
            return { code: e.code, stdout: e.stdout ?? '' };
        }
    };
    const cli = async (...args: string[]): Promise<string> => {
        try {
            const { stdout } = await run(process.execPath, [CLI, ...args, ...stackFlag(args)], {
                cwd: dir,
                env: cleanEnv(),
                timeout: 180_000,
            });
            return stdout;
        } catch (err) {
            const e = err as { stdout?: string; stderr?: string; message: string };
            throw new Error(
                `retrainer ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}\nstack log:\n${tail()}`,
                { cause: err },
            );
        }
    };
    const stackFlag = (args: string[]) => (args[0] === 'sample' ? [] : ['--stack', data]);
    const tail = () => output.split('\n').slice(-40).join('\n');
    const champion = async () => (JSON.parse(await cli('status', 'churn', '--json')) as TargetJson).champion;
    const score = async () =>
        JSON.parse(await cli('score', 'churn', 'churn-baseline.csv', '--rows', '25', '--json')) as ScoreJson;

    async function startStack(): Promise<void> {
        output = '';
        stack = spawn(
            'npm',
            [
                'start',
                '--',
                '--data',
                data,
                '--blob-port',
                // Fixed across restarts, as a user's default 10000 is: a job's input URLs keep it.
                String(blobPort),
                '--host-port',
                '0',
                '--studio-port',
                String(studioPort),
                '--config',
                path.join(dir, 'config.json'),
            ],
            { cwd: ROOT, env: cleanEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        stack.stdout!.on('data', (c: Buffer) => (output += c.toString()));
        stack.stderr!.on('data', (c: Buffer) => (output += c.toString()));
        const started = Date.now();
        while (!output.includes('Retrainer offline stack is up')) {
            if (stack.exitCode !== null) throw new Error(`npm start exited with ${stack.exitCode}:\n${tail()}`);
            if (Date.now() - started > 120_000) throw new Error(`npm start did not come up:\n${tail()}`);
            await new Promise((ok) => setTimeout(ok, 200));
        }
    }

    /**
     * Ctrl-C in a terminal signals the whole process group: npm and the stack under it. Stopped
     * means the stack process itself has exited (npm may go first), leaving nothing running.
     */
    async function stopStack(): Promise<void> {
        const child = stack;
        stack = undefined;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const stackPid = (JSON.parse(readFileSync(path.join(data, 'stack.json'), 'utf8')) as { pid: number }).pid;
        const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
        process.kill(-child.pid!, 'SIGINT');
        await exited;
        for (let i = 0; i < 150 && alive(stackPid); i++) await new Promise((ok) => setTimeout(ok, 200));
        assert.equal(alive(stackPid), false, `the stack process is still running; log:\n${tail()}`);
    }

    before(async () => {
        studioPort = await freePort();
        blobPort = await freePortRun(3);
        // The sample config, pointed at this test's studio port and with a short debounce.
        const sample = readFileSync(path.join(ROOT, 'retrainer.config.sample.json'), 'utf8')
            .replaceAll('127.0.0.1:7090', `127.0.0.1:${studioPort}`)
            .replaceAll('"quietPeriodInMs": 10000', '"quietPeriodInMs": 500');
        writeFileSync(path.join(dir, 'config.json'), sample);
        await startStack();
    });

    after(async () => {
        await stopStack();
        rmSync(dir, { recursive: true, force: true });
    });

    it('promotes the baseline, then the drifted batch, and rejects the degraded one', async () => {
        assert.match(output, /Function key \(local only\) +\S{20,}/);
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
        const degraded = await cliExit('upload', 'churn-degraded.csv', '--wait');
        assert.match(degraded.stdout, /Run \S+ of 'churn': Rejected/);
        assert.equal(degraded.code, RUN_EXIT_CODES.Rejected, '--wait exits with the Rejected code');
        assert.equal((await champion())?.runId, second.runId, 'a worse model is not promoted');
        assert.deepEqual((await score()).rows, after.rows, 'the endpoint still serves the drifted model');

        const table = await cli('runs', '--target', 'churn');
        assert.equal(table.match(/\bPromoted\b/g)?.length, 2, table);
        assert.equal(table.match(/\bRejected\b/g)?.length, 1, table);
    });

    it('stops on Ctrl-C and resumes with the same state on the next npm start', async () => {
        const served = await score();
        const held = await champion();
        await stopStack();
        assert.match(output, /Stopping \(the app, then the studio emulator, then Azurite\)\.\.\.[\s\S]*Host stopped/);
        assert.equal(existsSync(path.join(data, 'stack.json')), false, 'a stopped stack is not advertised');
        await assert.rejects(cli('status'), /No Retrainer app to talk to/);

        await startStack();
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

        let jobId: string | undefined;
        for (let i = 0; i < 600 && !jobId; i++) {
            const target = JSON.parse(await cli('status', 'churn', '--json')) as {
                inFlight: { step: { step: string; jobId?: string } | null } | null;
            };
            if (target.inFlight?.step?.step === 'training') jobId = target.inFlight.step.jobId;
            else await new Promise((ok) => setTimeout(ok, 200));
        }
        assert.ok(jobId, `the run never reached training; log:\n${tail()}`);

        await stopStack();
        const stopped = Object.values(studioJobs()).find((j) => j.id === jobId);
        assert.equal(stopped?.status, 'Running', 'a job training at Ctrl-C is kept, not failed');

        await startStack();
        interface RunJson {
            state: string;
            job?: { jobId: string };
            manifest?: { blobs: { name: string }[] };
        }
        let run: RunJson | undefined;
        for (let i = 0; i < 900 && !run; i++) {
            const runs = JSON.parse(await cli('runs', '--target', 'churn', '--json')) as RunJson[];
            run = runs.find((r) => r.manifest?.blobs.some((b) => b.name.endsWith('churn-more.csv')));
            if (!run) await new Promise((ok) => setTimeout(ok, 200));
        }
        assert.ok(run, `no run recorded the upload made before Ctrl-C; log:\n${tail()}`);
        assert.equal(run.job?.jobId, jobId, 'the run finished with the job it started before Ctrl-C');
        assert.notEqual(run.state, 'Failed', `the run failed: ${JSON.stringify(run)}`);
        assert.equal(Object.keys(studioJobs()).length, jobsBefore + 1, 'exactly one more job in the studio');
    });
});

/** The user's environment: none of the test runner's storage or app settings leak into the stack. */
function cleanEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (!/^(AzureWebJobs|RETRAINER_|TASKHUB|.*_API_KEY|STUDIO_|NODE_TEST)/i.test(k)) env[k] = v;
    }
    return env;
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** The first of `count` consecutive free ports (Azurite takes blob, queue, table in a row). */
async function freePortRun(count: number): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
        const first = await freePort();
        const rest = await Promise.all(Array.from({ length: count - 1 }, (_, i) => isFree(first + i + 1)));
        if (rest.every(Boolean)) return first;
    }
    throw new Error(`no run of ${count} free ports found`);
}

function isFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = createServer();
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
}

async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    await new Promise((ok) => server.close(ok));
    return port;
}
