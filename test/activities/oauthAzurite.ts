import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import https from 'node:https';
import tls from 'node:tls';

import type { AccessToken, TokenCredential } from '@azure/core-auth';

/**
 * A private Azurite blob service that accepts Azure AD bearer tokens, as an account with shared
 * keys off does: Azurite serves OAuth only over HTTPS, so it gets a throwaway self-signed
 * certificate (openssl). This process's global HTTPS agent trusts that certificate in addition to
 * the usual CAs; storage clients use the global agent when keep-alive is off (`clientOptions`).
 */
export interface OAuthAzurite {
    /** `https://127.0.0.1:{port}/devstoreaccount1` */
    blobServiceUri: string;
    stop(): Promise<void>;
}

/** Storage client options for talking to the OAuth Azurite: no keep-alive (global agent), no retries. */
export const clientOptions = { keepAliveOptions: { enable: false }, retryOptions: { maxTries: 1 } };

export function opensslAvailable(): boolean {
    try {
        execFileSync('openssl', ['version'], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}

export async function startOAuthAzurite(): Promise<OAuthAzurite> {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-oauth-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    // prettier-ignore
    execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    const main = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
    const child = spawn(
        process.execPath,
        [
            main,
            '--blobHost',
            '127.0.0.1',
            '--blobPort',
            '0',
            '--oauth',
            'basic',
            '--cert',
            cert,
            '--key',
            key,
            '--inMemoryPersistence',
            '--skipApiVersionCheck',
            '--disableProductStyleUrl',
            '--disableTelemetry',
            '--loose',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const port = await listeningPort(child);
    https.globalAgent.options.ca = [...tls.rootCertificates, readFileSync(cert, 'utf8')];
    return {
        blobServiceUri: `https://127.0.0.1:${port}/devstoreaccount1`,
        stop: () =>
            new Promise<void>((resolve) => {
                if (child.exitCode !== null) return resolve();
                child.once('exit', () => resolve());
                child.kill('SIGTERM');
            }),
    };
}

function listeningPort(child: ChildProcess): Promise<number> {
    return new Promise((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`Azurite (OAuth) did not start:\n${output}`));
        }, 30_000);
        child.stdout?.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            const m = /listens on https:\/\/127\.0\.0\.1:(\d+)/.exec(output);
            if (m) {
                clearTimeout(timer);
                resolve(Number(m[1]));
            }
        });
        child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`Azurite (OAuth) exited with ${code}:\n${output}`));
        });
    });
}

/**
 * Stands in for a managed identity: an unsigned JWT with the claims Azurite's basic OAuth checks
 * (issuer, storage audience, lifetime) and the object/tenant ids a delegation key is bound to.
 */
export class FakeIdentityCredential implements TokenCredential {
    readonly requestedScopes: string[] = [];

    getToken(scopes: string | string[]): Promise<AccessToken> {
        this.requestedScopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
        const now = Math.floor(Date.now() / 1000);
        const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47';
        const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const token = [
            part({ alg: 'RS256', typ: 'JWT' }),
            part({
                aud: 'https://storage.azure.com',
                iss: `https://sts.windows.net/${tid}/`,
                iat: now - 60,
                nbf: now - 60,
                exp: now + 3600,
                oid: '11111111-2222-3333-4444-555555555555',
                tid,
            }),
            'unsigned',
        ].join('.');
        return Promise.resolve({ token, expiresOnTimestamp: (now + 3600) * 1000 });
    }
}
