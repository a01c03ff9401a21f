import { DefaultAzureCredential, ManagedIdentityCredential, TokenCredential } from '@azure/identity';
import { BlobServiceClient, StoragePipelineOptions } from '@azure/storage-blob';

import { identityConnection } from '../retraining/storageConnection';

/**
 * The data storage account named by connection `name`: its connection string when `name` is set
 * (the host's rule: a value under the exact name wins), else the identity-based form
 * (`name__blobServiceUri`, `__credential`, `__clientId`), which works with shared keys turned off.
 */
export function dataBlobService(
    name: string,
    env: NodeJS.ProcessEnv,
    options: { credential?: TokenCredential; pipeline?: StoragePipelineOptions } = {},
): BlobServiceClient {
    const connectionString = env[name];
    if (connectionString) return BlobServiceClient.fromConnectionString(connectionString, options.pipeline);
    const identity = identityConnection(name, env);
    if (!identity) throw new RangeError(`storage connection '${name}' is not configured`);
    const credential =
        options.credential ??
        (identity.managedIdentity
            ? new ManagedIdentityCredential(identity.clientId ? { clientId: identity.clientId } : {})
            : new DefaultAzureCredential(identity.clientId ? { managedIdentityClientId: identity.clientId } : {}));
    return new BlobServiceClient(identity.blobServiceUri, credential, options.pipeline);
}
