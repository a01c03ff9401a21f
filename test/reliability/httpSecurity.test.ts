import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient } from '@azure/storage-blob';
import fc from 'fast-check';

import type { NamedBlobProblems } from '../../src/functions/shared/namedBlobs';
import { classificationCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { AppUnderTest, startApp } from '../functions/appHost';
import { testStorage } from '../helpers/azurite';
import { churnLike } from './appConfig';
import { eventually, REPO_ROOT } from '../helpers/environment';
import { retrainAnswerFor, retrainBodies, scoreRefusalFor } from '../helpers/retrainBodies';
import { runsOf } from './kit';
import { findSecrets } from './secrets';

/** Keys, hostile requests and hostile blob names against the app on the dev host. */
describe('security and hostile input over HTTP and blob names', () => {
    let app: AppUnderTest;
    before(async () => {
        app = await startApp((w) => [churnLike(w, 'guarded'), churnLike(w, 'names')]);
    });
    after(async () => {
        await app?.stop();
        assert.deepEqual(findSecrets(app.logs.join('\n')), [], 'no secret in the host log');
    });

    const origin = (): string => app.host.origin;
    const keys = () => app.host.keys;
    /**
     * Every app.http registration in src/functions, so a new HTTP function is covered by default;
     * the anonymous ones (signed in by App Service Authentication instead) are listed apart.
     */
    const ANONYMOUS: string[] = [];
    const FUNCTIONS: [string, string][] = readdirSync(path.join(REPO_ROOT, 'src', 'functions'))
        .filter((f) => f.endsWith('.ts'))
        .flatMap((f) => {
            const text = readFileSync(path.join(REPO_ROOT, 'src', 'functions', f), 'utf8');
            const reg = /app\.http\('\w+',\s*\{[^}]*?methods:\s*\[([^\]]*)\][^}]*?route:\s*'([^']+)'/s.exec(text);
            if (!reg) return [];
            if (/authLevel:\s*'anonymous'/.test(text)) {
                ANONYMOUS.push(reg[2]);
                return [];
            }
            const route = `/api/${reg[2].replace(/\{\w+\??\}/g, 'guarded')}`;
            return [...reg[1].matchAll(/'(\w+)'/g)].map((m): [string, string] => [m[1], route]);
        });

    it('every HTTP function refuses a missing, empty, wrong or look-alike key', async () => {
        const k = keys().functionDefault;
        const bad: (Record<string, string> | string)[] = [
            {},
            { 'x-functions-key': '' },
            { 'x-functions-key': 'wrong' },
            { 'x-functions-key': k.toUpperCase() === k ? k.toLowerCase() : k.toUpperCase() },
            { 'x-functions-key': k.slice(0, -1) },
            { 'x-functions-key': `${k} ` + 'x' },
            '?code=',
            '?code=wrong',
            `?code=${encodeURIComponent(k.slice(1))}`,
        ];
        let refused = 0;
        for (const [method, path] of FUNCTIONS) {
            for (const b of bad) {
                const url =
                    typeof b === 'string'
                        ? `${origin()}${path}${path.includes('?') ? b.replace('?', '&') : b}`
                        : `${origin()}${path}`;
                const res = await fetch(url, { method, headers: typeof b === 'string' ? {} : b });
                await res.arrayBuffer();
                assert.equal(res.status, 401, `${method} ${path} with ${JSON.stringify(b).length} chars of bad key`);
                refused += 1;
            }
        }
        assert.equal(refused, FUNCTIONS.length * bad.length);
        assert.ok(FUNCTIONS.length >= 4, `found the HTTP functions: ${FUNCTIONS.map((f) => f.join(' ')).join(', ')}`);
        const ok = await fetch(`${origin()}/api/targets`, { headers: { 'x-functions-key': k } });
        assert.equal(ok.status, 200, 'the right key works');
        // Only the status page goes without a key; its principal check is tested in test/ui/handler.
        assert.deepEqual(ANONYMOUS, ['ui/{*path}']);
    });

    it('admin and durable endpoints need the master (or durable system) key; function keys do not open them', async () => {
        const { functionDefault, master, durableSystem } = keys();
        const durable = [
            ['GET', '/runtime/webhooks/durabletask/instances'],
            ['GET', '/runtime/webhooks/durabletask/instances/retrain-guarded'],
            ['POST', '/runtime/webhooks/durabletask/orchestrators/retrain'],
            ['POST', '/runtime/webhooks/durabletask/instances/retrain-guarded/terminate?reason=x'],
            ['DELETE', '/runtime/webhooks/durabletask/instances/retrain-guarded'],
            ['GET', '/durabletask/instances'],
        ];
        for (const [method, path] of [...durable, ['POST', '/admin/functions/retrainTimer']]) {
            for (const key of [undefined, 'wrong', functionDefault]) {
                const sep = path.includes('?') ? '&' : '?';
                const res = await fetch(`${origin()}${path}${key === undefined ? '' : `${sep}code=${key}`}`, {
                    method,
                });
                await res.arrayBuffer();
                assert.equal(res.status, 401, `${method} ${path} without the right key`);
            }
        }
        const admin = await fetch(`${origin()}/admin/functions/retrainTimer?code=${durableSystem}`, { method: 'POST' });
        assert.equal(admin.status, 401, 'the durable system key is not an admin key');
        for (const key of [durableSystem, master]) {
            const res = await fetch(`${origin()}/runtime/webhooks/durabletask/instances?code=${key}`);
            await res.arrayBuffer();
            assert.equal(res.status, 200);
        }
    });

    const alive = async (): Promise<void> => {
        const res = await fetch(`${origin()}/api/targets`, { headers: { 'x-functions-key': keys().functionDefault } });
        assert.equal(res.status, 200, 'the host still serves');
    };

    it('hostile target names, paths and bodies each get the one answer they are owed; arbitrary raw paths never a 5xx', async (t) => {
        const k = keys().functionDefault;
        const statuses = new Map<number, number>();
        const seen = (s: number): void => void statuses.set(s, (statuses.get(s) ?? 0) + 1);
        /** The four routes that take a target name, with `seg` in the path and `n` in the query. */
        const routesFor = (seg: string, n: string): [string, string][] => [
            ['GET', `/api/targets/${seg}`],
            ['POST', `/api/retrain/${seg}`],
            ['POST', `/api/score/${seg}`],
            ['GET', `/api/runs?target=${encodeURIComponent(n)}&limit=${encodeURIComponent(n)}`],
        ];
        const call = async (method: string, p: string): Promise<[number, unknown]> => {
            const res = await fetch(`${origin()}${p}`, { method, headers: { 'x-functions-key': k } });
            seen(res.status);
            return [res.status, await res.json()];
        };
        const unknownTarget = (n: string) => ({ error: `Unknown target '${n}'.` });

        // A name sent percent-encoded reaches each route as itself, and no configured target has it:
        // a 404 naming it, whatever the runs query's limit says. ('', '.' and '..' are path shapes,
        // not names: the URL parser drops or resolves them; they are below.)
        const configured = new Set(['guarded', 'names']);
        await fc.assert(
            fc.asyncProperty(
                fc
                    .string({ unit: 'binary', maxLength: 30 })
                    .filter((n) => !['', '.', '..'].includes(n) && !configured.has(n)),
                async (n) => {
                    for (const [method, p] of routesFor(encodeURIComponent(n), n)) {
                        assert.deepEqual(
                            await call(method, p),
                            [404, unknownTarget(n)],
                            `${method} ${JSON.stringify(p.slice(0, 80))}`,
                        );
                    }
                },
            ),
            { numRuns: 40 },
        );

        // Hostile path shapes sent raw, with what the URL parser and the router make of each: a target
        // name the app answers 404 for, or no route at all (/api/: the host's 404; /: the host's own
        // status). The runs query names the text as written.
        const noRoute: [number, unknown] = [404, { Message: 'Not found' }];
        const hostRoot: [number, unknown] = [200, { state: 'Running' }];
        const shapes: [string, [number, unknown]][] = [
            ['..', noRoute],
            ['%2e%2e', noRoute],
            ['../..', hostRoot],
            ['..%2F..%2Fadmin', [404, unknownTarget('../../admin')]],
            ['guarded/../odd', [404, unknownTarget('odd')]],
            ['GUARDED', [404, unknownTarget('GUARDED')]],
            ['guarded%00', [404, unknownTarget('guarded\u0000')]],
            ['💥', [404, unknownTarget('💥')]],
            ['<script>', [404, unknownTarget('<script>')]],
            ['a'.repeat(3000), [404, unknownTarget('a'.repeat(3000))]],
        ];
        for (const [raw, pathAnswer] of shapes) {
            const [get, retrain, score, runs] = routesFor(raw, raw);
            const what = JSON.stringify(raw.slice(0, 40));
            assert.deepEqual(await call(...get), pathAnswer, `GET targets/${what}`);
            assert.deepEqual(await call(...retrain), pathAnswer, `POST retrain/${what}`);
            assert.deepEqual(await call(...score), pathAnswer, `POST score/${what}`);
            assert.deepEqual(await call(...runs), [404, unknownTarget(raw)], `GET runs?target=${what}`);
        }

        // Arbitrary text sent raw as a path segment: what it resolves to is the URL parser's and the
        // router's business (dot segments, '%' escapes, '\\' as '/'); the app must only never fail on it.
        await fc.assert(
            fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 30 }), async (n) => {
                for (const [method, p] of routesFor(n.replace(/[\s#?]/g, '_'), n)) {
                    const res = await fetch(`${origin()}${p}`, { method, headers: { 'x-functions-key': k } });
                    await res.arrayBuffer();
                    seen(res.status);
                    assert.ok(res.status < 500, `${method} ${JSON.stringify(p.slice(0, 80))} answered ${res.status}`);
                }
            }),
            { numRuns: 40 },
        );
        // Every body gets the one answer the API owes it (test/helpers/retrainBodies.ts). That needs
        // the oracle's premise to hold at each call: 'guarded' has no live run (a valid body would
        // otherwise be a 409) and no data (a named blob would otherwise exist).
        assert.equal(
            (await app.data.listBlobsFlat({ prefix: 'guarded/' }).next()).done,
            true,
            'no data under guarded/',
        );
        await app.settled();
        const answered = new Map<string, number>();
        await fc.assert(
            fc.asyncProperty(
                retrainBodies,
                fc.constantFrom(
                    'application/json',
                    'text/plain; charset=utf-16',
                    'application/x-www-form-urlencoded',
                    '',
                ),
                async (body, type) => {
                    const expected = retrainAnswerFor(body);
                    const res = await fetch(`${origin()}/api/retrain/guarded`, {
                        method: 'POST',
                        headers: { 'x-functions-key': k, ...(type ? { 'Content-Type': type } : {}) },
                        body,
                    });
                    const answer = (await res.json()) as { id?: string; error?: string } & Partial<NamedBlobProblems>;
                    seen(res.status);
                    const what = `${JSON.stringify(body.toString('utf8').slice(0, 120))} as '${type}'`;
                    assert.equal(res.status, expected.status, `${what}: ${JSON.stringify(answer).slice(0, 300)}`);
                    if ('error' in expected) {
                        assert.deepEqual(answer, { error: expected.error }, what);
                    } else if ('blobs' in expected) {
                        // Nothing exists under guarded/: each named blob is no training-data name
                        // ('..', '.' or empty segments), foreign or missing, once.
                        assert.deepEqual(
                            [...answer.invalid!, ...answer.foreign!, ...answer.missing!].sort(),
                            [...expected.blobs].sort(),
                            what,
                        );
                        assert.deepEqual(answer.empty, [], what);
                        assert.match(
                            answer.error!,
                            new RegExp(
                                `^blobNames: ${expected.blobs.length} blob\\(s\\) cannot be trained for 'guarded': `,
                            ),
                        );
                    } else {
                        assert.equal(answer.id, 'retrain-guarded', what);
                        // Back to the premise before the next body: the run ends (it has no data) and nothing waits.
                        await app.settled();
                    }
                    const kind =
                        'error' in expected ? expected.error.split(':')[0] : 'blobs' in expected ? 'blobs' : '202';
                    answered.set(kind, (answered.get(kind) ?? 0) + 1);
                },
            ),
            { numRuns: 80 },
        );
        t.diagnostic(`retrain bodies by expected answer: ${JSON.stringify(Object.fromEntries(answered))}`);
        // The scoring proxy refuses each of these bodies before anything reaches the service, with
        // the message its schema gives (none of them is a scoring envelope).
        await fc.assert(
            fc.asyncProperty(
                retrainBodies.filter((b) => scoreRefusalFor(b) !== undefined),
                async (body) => {
                    const res = await fetch(`${origin()}/api/score/guarded`, {
                        method: 'POST',
                        headers: { 'x-functions-key': k },
                        body,
                    });
                    seen(res.status);
                    assert.deepEqual(
                        [res.status, await res.json()],
                        [400, { error: scoreRefusalFor(body) }],
                        JSON.stringify(body.toString('utf8').slice(0, 120)),
                    );
                },
            ),
            { numRuns: 60 },
        );
        const hugeScore = await fetch(`${origin()}/api/score/guarded`, {
            method: 'POST',
            headers: { 'x-functions-key': k },
            body: Buffer.alloc(8 * 1024 * 1024, 0x7b),
        });
        await hugeScore.arrayBuffer();
        assert.equal(hugeScore.status, 413, 'an 8 MB scoring body');
        const huge = await fetch(`${origin()}/api/retrain/guarded`, {
            method: 'POST',
            headers: { 'x-functions-key': k },
            body: Buffer.alloc(8 * 1024 * 1024, 0x7b),
        });
        await huge.arrayBuffer();
        assert.equal(huge.status, 400, 'an 8 MB body that is not JSON');
        const bigHeader = await fetch(`${origin()}/api/targets`, {
            headers: { 'x-functions-key': k, 'x-big': 'a'.repeat(64 * 1024) },
        });
        await bigHeader.arrayBuffer();
        assert.equal(bigHeader.status, 431, 'a 64 KB header');
        await alive();
        t.diagnostic(`hostile HTTP statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    });

    it('raw garbage on the socket and a bad Host header: a 400, the host lives on', async () => {
        const send = (bytes: Buffer): Promise<string> =>
            new Promise((resolve) => {
                const url = new URL(origin());
                const socket = connect(Number(url.port), url.hostname);
                let got = '';
                socket.on('data', (d) => (got += d.toString('latin1')));
                socket.on('error', () => resolve(got));
                socket.on('close', () => resolve(got));
                socket.setTimeout(3000, () => socket.destroy());
                socket.end(bytes);
            });
        // Bytes that are not only line breaks: never a whole request, so the parser answers 400.
        // (Line breaks alone may precede a request; then the end of input just closes: below.)
        const garbage = fc
            .uint8Array({ minLength: 1, maxLength: 300 })
            .filter((b) => b.some((x) => x !== 0x0d && x !== 0x0a));
        await fc.assert(
            fc.asyncProperty(garbage, async (b) => {
                const answer = await send(Buffer.from(b));
                assert.match(answer, /^HTTP\/1\.1 400 /, answer.slice(0, 40));
            }),
            { numRuns: 40 },
        );
        assert.equal(await send(Buffer.from('\r\n\r\n')), '', 'line breaks alone: closed, no answer');
        const answers: Record<string, string> = {};
        for (const host of ['a b', '[', '%', 'evil.example:99999', '']) {
            const answer = await send(
                Buffer.from(
                    `GET /api/targets HTTP/1.1\r\nHost: ${host}\r\nx-functions-key: ${keys().functionDefault}\r\nConnection: close\r\n\r\n`,
                ),
            );
            answers[host] = answer.split('\r\n')[0];
        }
        assert.deepEqual(answers, {
            'a b': 'HTTP/1.1 400 Bad Request',
            '[': 'HTTP/1.1 400 Bad Request',
            '%': 'HTTP/1.1 400 Bad Request',
            'evil.example:99999': 'HTTP/1.1 400 Bad Request',
            '': 'HTTP/1.1 400 Bad Request',
        });
        await alive();
    });

    it('hostile blob names: bad files rejected with a logged reason, odd names trained, no partial model', async () => {
        const good = await toText(classificationCsv({ rows: 600, seed: 21 }));
        const goodNames = [
            'names/ünï cödé.csv',
            'names/a b%20c.csv',
            'names/semi;colon,comma.csv',
            `names/${'x'.repeat(400)}.csv`,
            'names/deep/er/still.csv',
        ];
        const badFiles: [string, string][] = [
            ['names/../names/escape.csv', 'tenure\n1\n'],
            ['names/binary.csv', '\u0000\u0001\u0002'],
            ['names/empty-header.csv', '\n\n\n'],
            ['names/not-csv.txt', good],
            ['names/ﾟ･✿ヾ.csv', 'churned;tenure\n1;2\n'],
        ];
        for (const [n, text] of badFiles) await app.data.getBlockBlobClient(n).upload(text, Buffer.byteLength(text));
        for (const n of goodNames) await app.data.getBlockBlobClient(n).upload(good, Buffer.byteLength(good));
        const k = keys().functionDefault;
        const [run, ...more] = await eventually(
            async () => {
                const r = await runsOf(origin(), k, 'names');
                return r.length > 0 ? r : undefined;
            },
            'the run of names',
            60_000,
        );
        assert.equal(more.length, 0);
        assert.equal(run.state, 'Promoted', run.reason);
        const inManifest = run.manifest!.blobs.map((b) => b.name);
        const refused = (run.manifest!.rejected ?? []).map((r) => r.name);
        for (const [n] of badFiles.filter(([x]) => x.endsWith('.csv')))
            assert.ok(
                refused.some((r) => r.endsWith(n.split('/').pop()!)),
                `'${n}' left out with its reason`,
            );
        for (const n of goodNames) assert.ok(inManifest.includes(n), `'${n.slice(0, 30)}' trained`);
        for (const [n] of badFiles) {
            if (n.endsWith('.txt')) continue;
            await eventually(
                () =>
                    app.logs.some((l) => l.includes('Rejected training file') && l.includes(n.split('/').pop()!))
                        ? true
                        : undefined,
                `the rejection of ${n}`,
                20_000,
            );
        }
        assert.ok(
            app.logs.some((l) => l.includes("Ignored 'names/not-csv.txt'")),
            'a non-matching name is ignored with a log line',
        );
        await assertNoPartialModels(run);
    });

    /** Every model file in the models container belongs to a run whose job finished and was recorded. */
    async function assertNoPartialModels(run: RunRecord): Promise<void> {
        const all = [
            ...(await runsOf(origin(), keys().functionDefault, 'names')),
            ...(await runsOf(origin(), keys().functionDefault, 'guarded')),
        ];
        const finished = new Set(
            all.filter((r) => r.job?.finalStatus?.state === 'Finished').map((r) => r.job!.modelOutput.relativeLocation),
        );
        const modelsName = run.job!.modelOutput.relativeLocation.split('/')[0];
        const blobs = BlobServiceClient.fromConnectionString((await testStorage()).connectionString);
        let models = 0;
        for await (const b of blobs.getContainerClient(modelsName).listBlobsFlat()) {
            if (!b.name.endsWith('.ilearner')) continue;
            models += 1;
            assert.ok(finished.has(`${modelsName}/${b.name}`), `model ${b.name} has a finished, recorded run`);
        }
        assert.ok(models > 0, 'the run trained a model');
    }
});
