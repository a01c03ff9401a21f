import { azuriteConnectionString } from '../../common/azurite';

/** Azurite's default ports, what `UseDevelopmentStorage=true` means. */
const DEV_STORAGE = azuriteConnectionString({ host: '127.0.0.1', blobPort: 10000, queuePort: 10001, tablePort: 10002 });

export function normalizeConnectionString(cs: string): string {
    return /^\s*UseDevelopmentStorage\s*=\s*true\s*;?\s*$/i.test(cs) ? DEV_STORAGE : cs;
}
