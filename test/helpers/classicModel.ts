import { Readable } from 'node:stream';

import { BlobSASPermissions, BlobServiceClient } from '@azure/storage-blob';

import { trainExperiment } from '../../src/local/studio/training';
import type { ExperimentDefinition } from '../../src/local/studio/training/types';
import { uniqueName } from './azurite';
import { seed } from './demoTargets';

/** The columns the demo churn model scores (those of `classificationCsv`, label excluded). */
export const CHURN_FEATURES = ['tenure', 'monthly_charges', 'support_calls', 'contract_months'];

/** The demo seed's churn experiment: what its BES job trains, so a model made here is one it could make. */
const churnExperiment = (
    seed as unknown as { trainingServices: { serviceId: string; experiment: ExperimentDefinition }[] }
).trainingServices.find((t) => t.serviceId === 'churn-training')!.experiment;

/**
 * Puts a model on a classic endpoint from outside Retrainer, as a person or another tool would:
 * trains the demo churn experiment on `csv` (the studio's own trainer, in this process), uploads the
 * `.ilearner` to a fresh blob of `connectionString`'s storage, and binds it to endpoint `endpoint`
 * of the demo web service `churn-predictive` through the classic management API (PATCH with a
 * read SAS; docs/studio-emulator.md "Classic endpoint management"). Tests use it to give a target's
 * own endpoint a champion (or a bad model) before a run, instead of another target promoting onto
 * a shared endpoint (which the config refuses).
 *
 * @throws Error naming the status and body when the studio refuses the PATCH; TrainingError on bad `csv`.
 */
export async function bindChurnModel(
    studioUrl: string,
    connectionString: string,
    endpoint: string,
    csv: string,
): Promise<void> {
    const outcome = await trainExperiment(() => Promise.resolve(Readable.from([csv])), churnExperiment, {});
    const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient('external-models');
    await container.createIfNotExists();
    const relative = `external-models/${uniqueName(endpoint)}.ilearner`;
    const blob = container.getBlockBlobClient(relative.slice('external-models/'.length));
    await blob.uploadData(outcome.ilearner);
    const sasUrl = await blob.generateSasUrl({
        permissions: BlobSASPermissions.parse('r'),
        expiresOn: new Date(Date.now() + 3_600_000),
    });
    const u = new URL(sasUrl);
    const res = await fetch(`${studioUrl}/workspaces/ws-demo/webservices/churn-predictive/endpoints/${endpoint}`, {
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
                        // The account's base URL (Azurite's path-style URL keeps the account in the path).
                        BaseLocation: `${u.origin}${u.pathname.slice(0, u.pathname.indexOf('/external-models/') + 1)}`,
                        RelativeLocation: relative,
                        SasBlobToken: u.search,
                    },
                },
            ],
        }),
    });
    if (res.status !== 204)
        throw new Error(`binding a model to '${endpoint}' failed: ${res.status} ${await res.text()}`);
}
