import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { isAzureMlError, jobModelUri, readJobMetrics } from '../../../src/clients/azureml';
import { testStorage, uniqueName } from '../../helpers/azurite';

describe('readJobMetrics reads a job metrics output from its datastore (Azurite)', () => {
    let container: ContainerClient;
    const job = (folder: string) => ({
        name: 'job-1',
        status: 'Completed',
        outputs: {
            metrics: `azureml://datastores/workspaceblobstore/paths/${folder}/`,
            model: `azureml://datastores/workspaceblobstore/paths/${folder}-model/`,
        },
    });
    const put = (path: string, text: string) =>
        container.getBlockBlobClient(path).upload(text, Buffer.byteLength(text));
    before(async () => {
        const storage = await testStorage();
        container = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(
            uniqueName('metrics'),
        );
        await container.createIfNotExists();
    });

    it('returns the metrics as numbers', async () => {
        await put('good/metrics.json', JSON.stringify({ AUC: 0.81, Accuracy: 0.77 }));
        assert.deepEqual(await readJobMetrics(job('good'), { workspaceblobstore: container }), {
            AUC: 0.81,
            Accuracy: 0.77,
        });
        assert.equal(jobModelUri(job('good')), 'azureml://datastores/workspaceblobstore/paths/good-model/');
    });

    it('names what is wrong: missing file, bad JSON, a non-number, an unknown datastore, no output', async () => {
        const fails = (p: Promise<unknown>, code: string, pattern: RegExp) =>
            assert.rejects(p, (err: unknown) => isAzureMlError(err) && err.code === code && pattern.test(err.message));
        await fails(
            readJobMetrics(job('missing'), { workspaceblobstore: container }),
            'MetricsUnreadable',
            /missing\/metrics\.json.*404/,
        );
        await put('notjson/metrics.json', 'AUC=0.8');
        await fails(readJobMetrics(job('notjson'), { workspaceblobstore: container }), 'MetricsInvalid', /not JSON/);
        await put('nan/metrics.json', JSON.stringify({ AUC: 'high' }));
        await fails(
            readJobMetrics(job('nan'), { workspaceblobstore: container }),
            'MetricsInvalid',
            /'AUC' is not a finite number/,
        );
        await fails(readJobMetrics(job('good'), { otherstore: container }), 'UnknownDatastore', /workspaceblobstore/);
        await fails(
            readJobMetrics({ name: 'j', status: 'Completed', outputs: {} }, {}),
            'NoMetricsOutput',
            /'metrics'/,
        );
    });
});
