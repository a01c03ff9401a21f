import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { SampleHost, startSampleHost } from './sampleHost';

/**
 * `externalDurableClient` (used by test/conformance to run orchestrations on the real Durable
 * extension): the app's durable client gets the given binding JSON, so its calls go to that engine's
 * RPC endpoint, and the dev host's own engine does not take the instance. The stand-in engine here
 * only records requests; the real one is exercised by `npm run test:conformance`.
 */
describe('dev host with an external durable engine', () => {
    let sample: SampleHost;
    let engine: Server;
    const seen: string[] = [];

    before(async () => {
        engine = createServer((req, res) => {
            seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
            req.resume();
            req.on('end', () => {
                res.writeHead(202, { 'content-type': 'application/json' });
                res.end(JSON.stringify({ id: 'ext-1' }));
            });
        });
        await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', resolve));
        const base = `http://127.0.0.1:${(engine.address() as AddressInfo).port}/durabletask/`;
        const binding = {
            taskHubName: 'ExternalHub',
            creationUrls: {},
            managementUrls: {
                id: 'INSTANCEID',
                statusQueryGetUri: `${base}instances/INSTANCEID`,
                sendEventPostUri: `${base}instances/INSTANCEID/raiseEvent/{eventName}`,
                terminatePostUri: `${base}instances/INSTANCEID/terminate?reason={text}`,
                rewindPostUri: `${base}instances/INSTANCEID/rewind?reason={text}`,
                purgeHistoryDeleteUri: `${base}instances/INSTANCEID`,
                restartPostUri: `${base}instances/INSTANCEID/restart`,
                suspendPostUri: `${base}instances/INSTANCEID/suspend?reason={text}`,
                resumePostUri: `${base}instances/INSTANCEID/resume?reason={text}`,
            },
            baseUrl: base,
            requiredQueryStringParameters: '',
            rpcBaseUrl: base,
        };
        sample = await startSampleHost({}, { externalDurableClient: JSON.stringify(binding) });
    });
    after(async () => {
        await sample?.host.stop();
        await new Promise<void>((resolve) => engine?.close(() => resolve()));
    });

    it("sends the app's startNew to the external engine, not to its own", async () => {
        const res = await fetch(sample.url('/api/orchestrators/Pipeline/ext-1'), {
            method: 'POST',
            body: '"Tokyo"',
        });
        assert.equal(res.status, 202, await res.clone().text());
        assert.deepEqual(seen, ['POST /durabletask/orchestrators/Pipeline/ext-1']);
        const own = await sample.host.service.getStatus('ext-1').catch(() => undefined);
        assert.equal(own, undefined, "the dev host's engine holds no such instance");
    });
});
