import { BlobSASPermissions, BlobServiceClient } from '@azure/storage-blob';

import { classificationCsv, toText } from '../../../src/local/samples';
import { trainExperiment } from '../../../src/local/studio/training';
import { seed } from '../../helpers/demoTargets';
import { Readable } from 'node:stream';

export const CHURN_FEATURES = ['tenure', 'monthly_charges', 'support_calls', 'contract_months'];

/**
 * Trains a churn model on 10k rows and binds it to the demo's classic endpoint `retrained`
 * through the management API (PATCH with a read SAS), as a promotion would.
 */
export async function bindChurnModel(studioUrl: string, connectionString: string): Promise<void> {
    const text = await toText(classificationCsv({ rows: 10_000, seed: 5 }));
    const outcome = await trainExperiment(
        () => Promise.resolve(Readable.from([text])),
        {
            algorithm: 'two-class-logistic-regression',
            labelColumn: 'churned',
            featureColumns: CHURN_FEATURES,
        },
        {},
    );
    const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient('bench-models');
    await container.createIfNotExists();
    const blob = container.getBlockBlobClient('churn.ilearner');
    await blob.uploadData(outcome.ilearner);
    const sasUrl = await blob.generateSasUrl({
        permissions: BlobSASPermissions.parse('r'),
        expiresOn: new Date(Date.now() + 3_600_000),
    });
    const u = new URL(sasUrl);
    const res = await fetch(`${studioUrl}/workspaces/ws-demo/webservices/churn-predictive/endpoints/retrained`, {
        method: 'PATCH',
        headers: {
            Authorization: `Bearer ${seed.workspaces[0].authorizationToken}`,
            'Content-Type': 'application/json',
        },
        body: JSON.stringify({
            Resources: [
                {
                    Name: 'Churn Model [trained model]',
                    Location: {
                        BaseLocation: `${u.origin}${u.pathname.slice(0, u.pathname.indexOf('/bench-models/') + 1)}`,
                        RelativeLocation: 'bench-models/churn.ilearner',
                        SasBlobToken: u.search,
                    },
                },
            ],
        }),
    });
    if (res.status !== 204) throw new Error(`binding the model failed: ${res.status} ${await res.text()}`);
}
