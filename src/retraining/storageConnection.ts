/**
 * An identity-based storage connection, in the shape the Functions host reads for a connection
 * NAME that has no connection string: `NAME__blobServiceUri` (or `NAME__serviceUri`, or
 * `NAME__accountName` for the public cloud), with `NAME__credential=managedidentity` and
 * `NAME__clientId` picking a user-assigned identity. Without `__credential` the default Azure
 * credential chain applies (a developer's `az login`).
 */
export interface IdentityConnection {
    blobServiceUri: string;
    managedIdentity: boolean;
    clientId?: string;
}

/** The identity form of connection `name`, or undefined when `name` is not configured that way. */
export function identityConnection(name: string, env: NodeJS.ProcessEnv): IdentityConnection | undefined {
    const value = (suffix: string): string | undefined => env[`${name}__${suffix}`] || undefined;
    const account = value('accountName');
    const blobServiceUri =
        value('blobServiceUri') ?? value('serviceUri') ?? (account && `https://${account}.blob.core.windows.net`);
    if (!blobServiceUri) return undefined;
    return {
        blobServiceUri,
        managedIdentity: value('credential')?.toLowerCase() === 'managedidentity',
        clientId: value('clientId'),
    };
}
