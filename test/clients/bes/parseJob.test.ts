import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { blobEndpointOf, parseBatchJob, parseJobStatus } from '../../../src/clients/bes/parseJob';
import { isMlServiceError } from '../../../src/clients/errors';

describe('BES job parsing', () => {
    it('accepts string and numeric StatusCodes in enum order', () => {
        const names = ['NotStarted', 'Running', 'Failed', 'Cancelled', 'Finished'];
        names.forEach((n, i) => {
            assert.equal(parseJobStatus(n), n);
            assert.equal(parseJobStatus(i), n);
            assert.equal(parseJobStatus(String(i)), n);
            assert.equal(parseJobStatus(n.toLowerCase()), n);
        });
        assert.equal(parseJobStatus(5), undefined);
        assert.equal(parseJobStatus('Done'), undefined);
    });

    it('turns Results into typed blob locations and keeps Details', () => {
        const job = parseBatchJob(
            'j1',
            {
                StatusCode: 4,
                Results: {
                    output1: {
                        ConnectionString: null,
                        RelativeLocation: 'models/t/r/model.ilearner',
                        BaseLocation: 'https://acct.blob.core.windows.net/',
                        SasBlobToken: '?sv=1&sig=s',
                    },
                    output2: {
                        ConnectionString: 'AccountName=acct;AccountKey=k',
                        RelativeLocation: 'models/t/r/eval.csv',
                    },
                    output3: null,
                },
                Details: null,
            },
            'op',
        );
        assert.equal(job.status, 'Finished');
        assert.equal(
            job.results.output1?.url(),
            'https://acct.blob.core.windows.net/models/t/r/model.ilearner?sv=1&sig=s',
        );
        assert.equal(job.results.output2?.uri(), 'https://acct.blob.core.windows.net/models/t/r/eval.csv');
        assert.equal(job.results.output3, undefined);
        assert.equal(job.details, undefined);
        assert.equal(parseBatchJob('j2', { StatusCode: 'Failed', Details: 'boom' }, 'op').details, 'boom');
    });

    it('rejects an unknown status with a named error', () => {
        assert.throws(
            () => parseBatchJob('j', { StatusCode: 'Exploded' }, 'BES getJob'),
            (e: unknown) => isMlServiceError(e) && e.code === 'UnexpectedResponse' && /BES getJob/.test(e.message),
        );
    });

    it('derives the blob endpoint from a connection string without keeping the key', () => {
        assert.equal(
            blobEndpointOf('BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;AccountKey=k'),
            'http://127.0.0.1:1/devstoreaccount1/',
        );
        assert.equal(
            blobEndpointOf(
                'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k;EndpointSuffix=core.chinacloudapi.cn',
            ),
            'https://a.blob.core.chinacloudapi.cn/',
        );
        assert.equal(blobEndpointOf('AccountKey=k'), undefined);
    });
});
