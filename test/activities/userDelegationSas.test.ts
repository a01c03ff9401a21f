import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { BlobClient, BlobServiceClient, RestError } from '@azure/storage-blob';

import { dataBlobService } from '../../src/activities/dataStorage';
import { blobSas } from '../../src/activities/sas';
import {
    clientOptions,
    FakeIdentityCredential,
    OAuthAzurite,
    opensslAvailable,
    startOAuthAzurite,
} from './oauthAzurite';

const HOUR = 3_600_000;

/**
 * With shared keys off (as infra/ deploys storage), the data connection is identity-based and
 * every SAS handed to BES is a user delegation SAS. Azurite with OAuth issues delegation keys and
 * checks delegation SAS signatures, so a wrong key or permission fails here as it would in Azure.
 */
describe(
    'identity-based data storage signs SAS with a user delegation key',
    { skip: !opensslAvailable() && 'needs openssl for the HTTPS certificate Azurite OAuth requires' },
    () => {
        let azurite: OAuthAzurite;
        let blobs: BlobServiceClient;
        const credential = new FakeIdentityCredential();
        const container = 'training-data';
        const blob = 'churn/2026-03.csv';

        before(async () => {
            azurite = await startOAuthAzurite();
            blobs = dataBlobService(
                'RETRAINER_DATA_STORAGE',
                {
                    RETRAINER_DATA_STORAGE__blobServiceUri: azurite.blobServiceUri,
                    RETRAINER_DATA_STORAGE__credential: 'managedidentity',
                },
                { credential, pipeline: clientOptions },
            );
            await blobs.getContainerClient(container).create();
            await blobs.getContainerClient(container).getBlockBlobClient(blob).upload('a,b\n1,2\n', 8);
        });

        after(async () => {
            await azurite?.stop();
        });

        const anonymous = (url: string) => new BlobClient(url, undefined, clientOptions);

        it('connects with the identity (a bearer token for storage), not a key', () => {
            assert.equal(blobs.url, azurite.blobServiceUri);
            assert.ok(credential.requestedScopes.some((s) => s.startsWith('https://storage.azure.com')));
        });

        it('a read SAS reads exactly that blob', async () => {
            const sas = await blobSas(blobs, container, blob, 'r', new Date(), HOUR);
            const params = new URLSearchParams(sas.slice(1));
            assert.ok(params.get('skoid'), 'a user delegation SAS names the signing object id');
            assert.equal(params.get('sp'), 'r');
            const url = `${blobs.getContainerClient(container).getBlobClient(blob).url}${sas}`;
            assert.equal((await anonymous(url).downloadToBuffer()).toString(), 'a,b\n1,2\n');
            const other = `${blobs.getContainerClient(container).getBlobClient('churn/other.csv').url}${sas}`;
            await assert.rejects(
                anonymous(other).downloadToBuffer(),
                (e: unknown) => e instanceof RestError && e.statusCode === 403,
            );
        });

        it('a create/write SAS lets BES write its output and nothing more', async () => {
            const out = 'models/run-1/model.ilearner';
            await blobs.getContainerClient('models').createIfNotExists();
            const sas = await blobSas(blobs, 'models', out, 'cw', new Date(), HOUR);
            const url = `${blobs.getContainerClient('models').getBlobClient(out).url}${sas}`;
            await anonymous(url).getBlockBlobClient().upload('model', 5);
            assert.equal(
                (await blobs.getContainerClient('models').getBlobClient(out).downloadToBuffer()).toString(),
                'model',
            );
            await assert.rejects(
                anonymous(url).downloadToBuffer(),
                (e: unknown) => e instanceof RestError && e.statusCode === 403,
            );
        });

        it('a SAS past its expiry is refused', async () => {
            const sas = await blobSas(blobs, container, blob, 'r', new Date(Date.now() - 2 * HOUR), HOUR);
            const url = `${blobs.getContainerClient(container).getBlobClient(blob).url}${sas}`;
            await assert.rejects(
                anonymous(url).downloadToBuffer(),
                (e: unknown) => e instanceof RestError && e.statusCode === 403,
            );
        });
    },
);
