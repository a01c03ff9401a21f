import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { BlobLocation } from '../../../src/clients/blobLocation';
import { ClassicEndpointClient } from '../../../src/clients/classic/classicEndpointClient';
import { isMlServiceError } from '../../../src/clients/errors';
import { ScriptedServer } from '../scriptedServer';

const quiet = { error() {}, warning() {}, info() {}, verbose() {} };
const model = new BlobLocation(
    'https://acct.blob.core.windows.net/',
    'models/churn/r1/model.ilearner',
    '?sv=1&sig=SIGVALUE',
);

describe('ClassicEndpointClient (scripted)', () => {
    let server: ScriptedServer;
    before(async () => {
        server = await ScriptedServer.start();
    });
    after(() => server.close());

    it('refuses the configured default endpoint without sending anything', async () => {
        server.script();
        const c = new ClassicEndpointClient(server.url, 'ws', 'svc', 'token-123456', {
            defaultEndpointName: 'default',
            logger: quiet,
        });
        await assert.rejects(c.updateTrainedModel('default', 'M [trained model]', model), (e: unknown) => {
            return isMlServiceError(e) && e.code === 'DefaultEndpointUpdateNotAllowed' && e.statusCode === undefined;
        });
        assert.equal(server.requests.length, 0);
    });

    it('learns the default endpoint from the web service, then refuses before PATCH', async () => {
        server.script({ status: 200, body: { Id: 'svc', DefaultEndpointName: 'primary' } });
        const c = new ClassicEndpointClient(server.url, 'ws', 'svc', 'token-123456', { logger: quiet });
        await assert.rejects(c.updateTrainedModel('PRIMARY', 'M [trained model]', model), /default endpoint/);
        assert.deepEqual(
            server.requests.map((r) => `${r.method} ${r.url}`),
            ['GET /workspaces/ws/webservices/svc'],
        );
    });

    it('PATCHes the documented body to a non-default endpoint', async () => {
        server.script({ status: 204 });
        const c = new ClassicEndpointClient(server.url, 'ws', 'svc', 'token-123456', {
            defaultEndpointName: 'default',
            logger: quiet,
        });
        await c.updateTrainedModel('retrained', 'M [trained model]', model);
        const req = server.requests[0];
        assert.equal(`${req?.method} ${req?.url}`, 'PATCH /workspaces/ws/webservices/svc/endpoints/retrained');
        assert.deepEqual(JSON.parse(req?.body ?? ''), {
            Resources: [
                {
                    Name: 'M [trained model]',
                    Location: {
                        BaseLocation: 'https://acct.blob.core.windows.net/',
                        RelativeLocation: 'models/churn/r1/model.ilearner',
                        SasBlobToken: '?sv=1&sig=SIGVALUE',
                    },
                },
            ],
        });
    });

    it('confirms by reading the resource location back', async () => {
        const endpoint = (rel: string): unknown => ({
            Name: 'retrained',
            PrimaryKey: 'endpoint-key-abcdef',
            Resources: [
                {
                    Name: 'M [trained model]',
                    Kind: 'TrainedModel',
                    Location: {
                        BaseLocation: 'https://acct.blob.core.windows.net/',
                        RelativeLocation: rel,
                        SasBlobToken: '?sig=x',
                    },
                },
            ],
        });
        server.script(
            { status: 200, body: endpoint('models/churn/r1/model.ilearner') },
            { status: 200, body: endpoint('models/old.ilearner') },
        );
        const c = new ClassicEndpointClient(server.url, 'ws', 'svc', 'token-123456', { logger: quiet });
        assert.deepEqual(await c.confirmTrainedModel('retrained', 'M [trained model]', model), {
            confirmed: true,
            currentUri: model.uri(),
        });
        const stale = await c.confirmTrainedModel('retrained', 'M [trained model]', model);
        assert.equal(stale.confirmed, false);
        assert.equal(stale.currentUri, 'https://acct.blob.core.windows.net/models/old.ilearner');
    });
});
