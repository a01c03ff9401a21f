import { redact } from './redact';

/**
 * A blob a service told us about: `BaseLocation` + `RelativeLocation` (+ `SasBlobToken`).
 * The SAS token is a secret: it is held privately, left out of `toJSON()` and `toString()`, and
 * only `url()` (for the code that actually fetches the blob) includes it. BES re-issues a fresh
 * token on every status GET, so a serialized location is re-read from the job when needed.
 */
export class BlobLocation {
    readonly baseLocation: string;
    readonly relativeLocation: string;
    readonly #sasBlobToken: string;

    constructor(baseLocation: string, relativeLocation: string, sasBlobToken = '') {
        this.baseLocation = baseLocation.endsWith('/') ? baseLocation : `${baseLocation}/`;
        this.relativeLocation = relativeLocation.replace(/^\/+/, '');
        this.#sasBlobToken = sasBlobToken;
    }

    get sasBlobToken(): string {
        return this.#sasBlobToken;
    }

    /** The blob URL without credentials: what an ARM asset's `locationInfo.uri` holds. */
    uri(): string {
        return this.baseLocation + this.relativeLocation;
    }

    /** The usable URL, SAS included. Do not log it. */
    url(): string {
        const sas = this.#sasBlobToken;
        if (!sas) return this.uri();
        return this.uri() + (sas.startsWith('?') ? sas : `?${sas}`);
    }

    /** Container name and blob path from `RelativeLocation` (`container/path/to/blob`). */
    get container(): string {
        return this.relativeLocation.split('/')[0] ?? '';
    }

    get blobName(): string {
        return this.relativeLocation.split('/').slice(1).join('/');
    }

    /** True when both name the same blob, whatever their tokens. */
    sameBlobAs(other: { baseLocation: string; relativeLocation: string }): boolean {
        return this.uri() === new BlobLocation(other.baseLocation, other.relativeLocation).uri();
    }

    withSasBlobToken(token: string): BlobLocation {
        return new BlobLocation(this.baseLocation, this.relativeLocation, token);
    }

    toString(): string {
        return redact(this.uri());
    }

    toJSON(): { baseLocation: string; relativeLocation: string } {
        return { baseLocation: this.baseLocation, relativeLocation: this.relativeLocation };
    }

    /** Parses a full blob URL (`https://acct.blob.../container/path?sas`) into base, relative and token. */
    static fromUrl(url: string, baseLocation?: string): BlobLocation {
        const u = new URL(url);
        const sas = u.search;
        u.search = '';
        const full = u.toString();
        if (baseLocation && full.startsWith(baseLocation)) {
            return new BlobLocation(baseLocation, full.slice(baseLocation.length), sas);
        }
        // Azurite and the emulator put the account in the path; Azure puts it in the host.
        const parts = u.pathname.split('/').filter((p) => p.length > 0);
        const accountInPath = /^\d+\.\d+\.\d+\.\d+$|^localhost$/.test(u.hostname) && parts.length > 2;
        const baseParts = accountInPath ? parts.slice(0, 1) : [];
        const base = `${u.origin}/${baseParts.map((p) => `${p}/`).join('')}`;
        return new BlobLocation(base, parts.slice(baseParts.length).join('/'), sas);
    }
}
