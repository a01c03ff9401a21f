import { randomUUID } from 'node:crypto';

import { BlockBlobClient, RestError } from '@azure/storage-blob';

import { CLAIM_HELD, ClaimPending } from '../orchestrators/claims';

/**
 * Blob leases last 15 to 60 s (or forever); the shortest makes a dead holder's claim pass on
 * soonest. Source: Lease Blob REST API, `x-ms-lease-duration`.
 */
export const CLAIM_LEASE_IN_SECONDS = 15;

/** What a claim marker holds: who claims the step, what the holder has done so far, and its result. */
export interface ClaimRecord<P, R> {
    claim: {
        /** The nonce (a GUID, also the blob lease id) of the copy that wrote this record last. */
        owner: string;
        state: 'claimed' | 'done';
        claimedAt: string;
        /** How many times a copy took the claim over from a holder that stopped before finishing. */
        takeovers: number;
    };
    /** What the holder recorded before and after each remote call (e.g. the BES job id once submitted). */
    progress?: P;
    /** The step's result, once done: later copies return it without acting. */
    result?: R;
}

/** A copy that holds the claim, as the step's code sees it. */
export interface ClaimHandle<P> {
    /** What an earlier holder recorded (undefined: nobody acted yet). */
    readonly progress: P | undefined;
    /** True when this copy took the claim over from a holder that stopped (died) before finishing. */
    readonly takenOver: boolean;
    /** Writes progress under the lease; throws if this copy lost the lease meanwhile. */
    readonly record: (progress: P) => Promise<void>;
}

export interface ClaimOptions<P, R> {
    /** Lease length, 15..60 s (the blob service's bounds); default CLAIM_LEASE_IN_SECONDS. */
    leaseInSeconds?: number;
    now: () => Date;
    /** Reads a marker written before claims existed (no `claim` field) as progress or a result. */
    legacy?: (raw: unknown) => { progress?: P; result?: R };
}

/**
 * Runs a side effect at most once at a time across every copy of an activity, and at most once in
 * all unless a holder dies mid-call: the first copy creates `marker` (If-None-Match: *) with its
 * nonce, takes a blob lease on it (the nonce is the lease id), renews the lease every third of its
 * length while `act` runs, writes progress and the final result under the lease, then releases it.
 * A copy that finds the lease held returns a pending result at once (it never waits here); a copy
 * that finds the record done returns the recorded result; a copy that finds the record claimed but
 * the lease free (the holder died, its lease expired) takes over and `act` sees what the holder
 * recorded. (Why: Durable activities run at least once, and two copies can run at the same time;
 * ../shared/reference/azure-runtime-semantics.md row D12.)
 *
 * @returns the step's result, or a ClaimPending when another copy holds the claim.
 * @throws whatever `act` throws (the lease is released, progress kept, so a retry takes over at
 *   once); RestError when storage fails; Error when this copy lost its lease before writing the result.
 */
export async function withClaim<P, R>(
    marker: BlockBlobClient,
    options: ClaimOptions<P, R>,
    act: (claim: ClaimHandle<P>) => Promise<R>,
): Promise<R | ClaimPending> {
    const leaseInSeconds = options.leaseInSeconds ?? CLAIM_LEASE_IN_SECONDS;
    if (!(leaseInSeconds >= 15 && leaseInSeconds <= 60))
        throw new RangeError(`A claim lease lasts 15 to 60 s, not ${leaseInSeconds}.`);
    const owner = randomUUID();
    const pending: ClaimPending = {
        claimPending: CLAIM_HELD,
        claim: marker.name,
        retryAfterInMs: leaseInSeconds * 1000,
    };

    let created = false;
    let found = await readRecord(marker, options);
    if (!found) {
        const fresh: ClaimRecord<P, R> = {
            claim: { owner, state: 'claimed', claimedAt: options.now().toISOString(), takeovers: 0 },
        };
        try {
            await writeJson(marker, fresh, { ifNoneMatch: '*' });
            created = true;
        } catch (err) {
            if (!isStatus(err, 409, 412)) throw err;
        }
        found = created ? fresh : await readRecord(marker, options);
        if (!found) throw new Error(`Claim marker '${marker.name}' vanished while it was being claimed.`);
    }
    if (found.claim.state === 'done') return found.result as R;

    const lease = marker.getBlobLeaseClient(owner);
    try {
        await lease.acquireLease(leaseInSeconds);
    } catch (err) {
        if (isStatus(err, 409)) return pending;
        throw err;
    }

    let lost: unknown;
    const renew = setInterval(
        () => {
            lease.renewLease().catch((err: unknown) => (lost ??= err));
        },
        Math.floor((leaseInSeconds * 1000) / 3),
    );
    try {
        // Re-read under the lease: the holder before us may have finished between our read and our lease.
        const current = (await readRecord(marker, options)) ?? found;
        if (current.claim.state === 'done') return current.result as R;
        const takenOver = !created && current.claim.owner !== owner;
        const record: ClaimRecord<P, R> = {
            ...current,
            claim: {
                ...current.claim,
                owner,
                takeovers: current.claim.takeovers + (takenOver ? 1 : 0),
            },
        };
        const write = async (next: ClaimRecord<P, R>): Promise<void> => {
            if (lost !== undefined)
                throw new Error(
                    `Lost the lease on claim '${marker.name}': ${lost instanceof Error ? lost.message : 'renewal failed'}`,
                );
            await writeJson(marker, next, { leaseId: owner });
        };
        if (takenOver) await write(record);
        const handle: ClaimHandle<P> = {
            progress: current.progress,
            takenOver,
            record: async (progress: P) => {
                record.progress = progress;
                await write(record);
            },
        };
        const result = await act(handle);
        await write({ ...record, claim: { ...record.claim, state: 'done' }, result });
        return result;
    } finally {
        clearInterval(renew);
        // A lease we no longer hold expires by itself; nothing to undo.
        await lease.releaseLease().catch(() => undefined);
    }
}

/** Reads a claim marker (undefined when there is none); a legacy marker is mapped through `legacy`. */
export async function readRecord<P, R>(
    marker: BlockBlobClient,
    options: Pick<ClaimOptions<P, R>, 'legacy'> = {},
): Promise<ClaimRecord<P, R> | undefined> {
    let text: string;
    try {
        // One GET, so one version: downloadToBuffer reads the size first and then the bytes, and a
        // copy overwriting the marker between the two gave torn JSON.
        const res = await marker.download();
        const chunks: Buffer[] = [];
        for await (const chunk of res.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
        text = Buffer.concat(chunks).toString('utf8');
    } catch (err) {
        if (isStatus(err, 404)) return undefined;
        throw err;
    }
    const raw: unknown = JSON.parse(text);
    if (raw && typeof raw === 'object' && 'claim' in raw) return raw as ClaimRecord<P, R>;
    if (!options.legacy) throw new Error(`Claim marker '${marker.name}' is not a claim record.`);
    const { progress, result } = options.legacy(raw);
    return {
        claim: { owner: '', state: result !== undefined ? 'done' : 'claimed', claimedAt: '', takeovers: 0 },
        ...(progress !== undefined ? { progress } : {}),
        ...(result !== undefined ? { result } : {}),
    };
}

async function writeJson(
    blob: BlockBlobClient,
    value: unknown,
    conditions: { ifNoneMatch?: string; leaseId?: string },
): Promise<void> {
    const text = JSON.stringify(value);
    await blob.upload(text, Buffer.byteLength(text), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
        conditions,
    });
}

function isStatus(err: unknown, ...codes: number[]): boolean {
    return err instanceof RestError && codes.includes(err.statusCode ?? 0);
}
