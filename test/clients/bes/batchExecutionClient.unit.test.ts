import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { BatchExecutionClient } from '../../../src/clients/bes/batchExecutionClient';
import { ScriptedServer } from '../scriptedServer';

const quiet = { error() {}, warning() {}, info() {}, verbose() {} };

describe('BatchExecutionClient (scripted)', () => {
    let server: ScriptedServer;
    before(async () => {
        server = await ScriptedServer.start();
    });
    after(() => server.close());

    it('accepts a pasted portal URL and speaks the documented paths', async () => {
        server.script(
            { status: 200, body: 'job-9' },
            { status: 204 },
            { status: 200, body: { StatusCode: 1, Results: null, Details: null } },
            { status: 204 },
        );
        const c = new BatchExecutionClient(
            `${server.url}/workspaces/ws/services/svc/jobs?api-version=2.0`,
            'bes-key-0123456',
            { logger: quiet },
        );
        assert.equal(c.endpoint, `${server.url}/workspaces/ws/services/svc`);
        const id = await c.submitJob({
            Inputs: { input1: { ConnectionString: 'AccountName=a;AccountKey=k', RelativeLocation: 'c/x.csv' } },
        });
        assert.equal(id, 'job-9');
        await c.startJob(id);
        assert.equal((await c.getJob(id)).status, 'Running');
        await c.cancelJob(id);
        assert.deepEqual(
            server.requests.map((r) => `${r.method} ${r.url}`),
            [
                'POST /workspaces/ws/services/svc/jobs?api-version=2.0',
                'POST /workspaces/ws/services/svc/jobs/job-9/start?api-version=2.0',
                'GET /workspaces/ws/services/svc/jobs/job-9?api-version=2.0',
                'DELETE /workspaces/ws/services/svc/jobs/job-9?api-version=2.0',
            ],
        );
        assert.equal(server.requests[0]?.headers.authorization, 'Bearer bes-key-0123456');
    });

    it('keeps connection-string keys of a request out of its errors', async () => {
        server.script({
            status: 400,
            body: { error: { code: 'BadArgument', message: 'bad input AccountName=a;AccountKey=VERYSECRETKEY==' } },
        });
        const c = new BatchExecutionClient(`${server.url}/workspaces/ws/services/svc`, 'bes-key-0123456', {
            logger: quiet,
        });
        await assert.rejects(
            c.submitJob({ Inputs: { input1: { ConnectionString: 'AccountName=a;AccountKey=VERYSECRETKEY==' } } }),
            (e: unknown) =>
                !String(e).includes('VERYSECRETKEY') &&
                !JSON.stringify(e).includes('VERYSECRETKEY') &&
                /BES submitJob failed: 400 BadArgument/.test(String(e)),
        );
    });
    it('treats a refused start of an already running job as started, and rethrows otherwise', async () => {
        const refused = {
            status: 400,
            body: { error: { code: 'InvalidOperation', details: [{ code: 'CannotStartJob' }] } },
        };
        const c = new BatchExecutionClient(`${server.url}/workspaces/ws/services/svc`, 'bes-key-0123456', {
            logger: quiet,
        });
        server.script(refused, { status: 200, body: { StatusCode: 'Running' } });
        await c.startJob('j1');
        server.script(refused, { status: 200, body: { StatusCode: 'Cancelled' } });
        await assert.rejects(c.startJob('j1'), /BES startJob failed: 400 InvalidOperation \(CannotStartJob\)/);
    });
});
