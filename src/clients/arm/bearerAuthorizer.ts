import type { AccessToken, TokenCredential } from '@azure/identity';

import type { Authorize } from '../pipeline';
import type { SecretSet } from '../redact';

/** Refresh this long before expiry so a token never lapses mid-request. */
const REFRESH_MARGIN_MS = 120_000;

/**
 * Gets bearer tokens from a TokenCredential, caching until near expiry; every token is added to
 * the client's secret set so it is redacted wherever it might surface.
 */
export function bearerAuthorizer(
    credential: TokenCredential,
    scope: string,
    secrets: SecretSet,
    now: () => number,
): Authorize {
    let cached: AccessToken | undefined;
    return async () => {
        if (!cached || cached.expiresOnTimestamp - REFRESH_MARGIN_MS <= now()) {
            // Abort is honoured around the HTTP call; token acquisition is short and not interrupted.
            const token = await credential.getToken(scope);
            if (!token) throw new Error('credential returned no token');
            secrets.add(token.token);
            cached = token;
        }
        return `Bearer ${cached.token}`;
    };
}
