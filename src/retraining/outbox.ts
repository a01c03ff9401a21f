import { RestError } from '@azure/storage-blob';
import type { ContainerClient } from '@azure/storage-blob';

/**
 * One arrival recorded for a target: a blob trigger invocation, a timer tick or an HTTP start.
 * `seq` numbers a target's arrivals from 1, in the order they were written.
 */
export interface Arrival {
    seq: number;
    kind: 'blob' | 'timer' | 'http';
    blobName?: string;
    /**
     * The ETag (quotes stripped) of the blob version the trigger was invoked for, when known: with
     * `blobName`, the write this arrival reports, so a second delivery of it can be told apart.
     */
    etag?: string;
    /** ISO time the trigger wrote it (the trigger's clock). */
    at: string;
}

/** Who looked at the outbox last before finishing, so a later arrival knows that run will not look again. */
export interface OutboxCloser {
    instanceId: string;
    runId: string;
    at: string;
}

/** One blob write a run's take covered: the run listed storage after it, so it saw this version or a newer one. */
export interface CoveredWrite {
    blobName: string;
    etag: string;
}

/**
 * A target's outbox (one JSON blob `outbox/{target}.json` in the runs container, written only under
 * its ETag). `seq` counts every arrival ever written; `takenSeq` is the highest one a run has
 * covered by listing storage after it; arrivals above it are pending. `closedBy` is set by a run's
 * final look when nothing was pending, and cleared by the next take. `covered` remembers the blob
 * writes (name and ETag) the latest takes covered, newest last, so a second delivery of one of
 * them (Event Grid delivers at least once, and redelivers for up to 24 h) is not a new arrival.
 */
export interface OutboxState {
    seq: number;
    takenSeq: number;
    /** The newest pending arrivals, oldest first (at most MAX_KEPT; `seq - takenSeq` counts them all). */
    pending: Arrival[];
    closedBy?: OutboxCloser;
    /** At most MAX_COVERED writes, newest last; absent in outboxes written before it existed. */
    covered?: CoveredWrite[];
}

const MAX_KEPT = 50;
/**
 * How many covered writes a target remembers. A repeated delivery of an older write is not
 * recognised and starts one more run, which the run key then ends Skipped (the same data is never
 * trained twice); the bound only keeps the outbox blob small.
 */
const MAX_COVERED = 500;
// A round is lost only to a writer that succeeded, so every round makes progress; losers back off a
// little, with jitter, before reading again. Bounded by time, not rounds: a burst of hundreds of
// uploads (one append each) must not fail the last writers.
const CONTENTION_BUDGET_IN_MS = 60_000;

/** An ETag-guarded write lost to another writer too many times in a row (storage contention). */
export class OutboxContentionError extends Error {
    override name = 'OutboxContentionError';
}

function empty(): OutboxState {
    return { seq: 0, takenSeq: 0, pending: [] };
}

function same(a: CoveredWrite, b: CoveredWrite): boolean {
    return a.blobName === b.blobName && a.etag === b.etag;
}

/** The covered write this arrival repeats, if it is a blob arrival with an ETag that a take already covered. */
function coveredWrite(s: OutboxState, a: Omit<Arrival, 'seq' | 'at'>): CoveredWrite | undefined {
    if (a.kind !== 'blob' || !a.blobName || !a.etag) return undefined;
    const w = { blobName: a.blobName, etag: a.etag };
    return s.covered?.some((c) => same(c, w)) ? w : undefined;
}

/** `earlier` then `later`, newest last, each write once (its latest place), at most MAX_COVERED. */
function mergeCovered(earlier: CoveredWrite[], later: CoveredWrite[]): CoveredWrite[] {
    const all = [...earlier, ...later];
    const keys = all.map((c) => `${c.blobName}\0${c.etag}`);
    const last = new Map(keys.map((k, i) => [k, i]));
    return all.filter((_, i) => last.get(keys[i]) === i).slice(-MAX_COVERED);
}

function statusOf(err: unknown): number | undefined {
    return err instanceof RestError ? err.statusCode : undefined;
}

/**
 * The per-target durable record of arrivals (../../docs/reliability.md, "Arrivals"). A trigger
 * appends before it starts or signals anything, so an event the runtime drops (a finishing run, a
 * Pending instance, Event Grid) is still seen: by the run's debounce and final look, or by the
 * timer's catch-up pass. Raised events are only hints.
 */
export class Outbox {
    constructor(private readonly container: ContainerClient) {}

    private blob(target: string) {
        return this.container.getBlockBlobClient(`outbox/${target}.json`);
    }

    /** The current state (an empty outbox when none was written yet). */
    async read(target: string): Promise<OutboxState> {
        return (await this.load(target)).state;
    }

    /**
     * Records an arrival. Returns it with its `seq`, and the closer the outbox held when it was
     * written: if set, the run that closed it has already taken its last look. A blob arrival with
     * an `etag` whose write a take already covered is a repeated delivery of that write: nothing is
     * written and the answer is `{ covered }` (the write), so the caller starts and signals nothing.
     * @throws OutboxContentionError when ETag races are lost for CONTENTION_BUDGET_IN_MS; storage errors as thrown.
     */
    async append(
        target: string,
        arrival: Omit<Arrival, 'seq' | 'at'> & { at?: string },
    ): Promise<{ arrival: Arrival; closedBy?: OutboxCloser } | { covered: CoveredWrite }> {
        let added: Arrival | undefined;
        let closedBy: OutboxCloser | undefined;
        let covered: CoveredWrite | undefined;
        await this.update(target, (s) => {
            covered = coveredWrite(s, arrival);
            if (covered) return undefined;
            added = { ...arrival, seq: s.seq + 1, at: arrival.at ?? new Date().toISOString() };
            closedBy = s.closedBy;
            const pending = [...s.pending, added].slice(-MAX_KEPT);
            return { ...s, seq: added.seq, pending };
        });
        if (covered) return { covered };
        return { arrival: added!, ...(closedBy ? { closedBy } : {}) };
    }

    /**
     * A run is about to list storage: everything recorded so far is covered by that listing, and
     * the blob writes among it are remembered as covered. Returns the state before the take.
     */
    async take(target: string): Promise<OutboxState> {
        let before = empty();
        await this.update(target, (s) => {
            before = s;
            const taken: CoveredWrite[] = s.pending.flatMap((a) =>
                a.kind === 'blob' && a.blobName && a.etag ? [{ blobName: a.blobName, etag: a.etag }] : [],
            );
            const covered = mergeCovered(s.covered ?? [], taken);
            return { seq: s.seq, takenSeq: s.seq, pending: [], ...(covered.length > 0 ? { covered } : {}) };
        });
        return before;
    }

    /**
     * A run's final look: returns the pending arrivals that ask for a run (`blob`: a timer tick or an
     * HTTP call that found a live run was answered by that run) and leaves them pending for the next
     * run's take; when none are, marks the outbox closed by `closer` in the same ETag-guarded write,
     * so an arrival written after it knows this run will not look again. `listed` are the blob
     * writes the run's listing saw: a pending arrival of one of them arrived late (after the take)
     * for a version the run already judged, so it asks for nothing, and they are remembered as
     * covered, so a later delivery of one is answered `covered` by `append`.
     */
    async close(target: string, closer: OutboxCloser, listed: CoveredWrite[] = []): Promise<Arrival[]> {
        let waiting: Arrival[] = [];
        await this.update(target, (s) => {
            const seen = (a: Arrival): boolean =>
                a.kind === 'blob' &&
                !!a.blobName &&
                !!a.etag &&
                listed.some((w) => same(w, { blobName: a.blobName!, etag: a.etag! }));
            waiting = s.pending.filter((a) => a.kind === 'blob' && !seen(a));
            if (waiting.length > 0) return undefined;
            const remaining = s.pending.filter((a) => !seen(a));
            // Every pending arrival is in the list (none was dropped by MAX_KEPT): all are covered.
            const allKnown = s.seq - s.takenSeq === s.pending.length;
            const covered = mergeCovered(s.covered ?? [], listed);
            return {
                ...s,
                pending: remaining,
                takenSeq: allKnown && remaining.length === 0 ? s.seq : s.takenSeq,
                closedBy: closer,
                ...(covered.length > 0 ? { covered } : {}),
            };
        });
        return waiting;
    }

    private async load(target: string): Promise<{ state: OutboxState; etag?: string }> {
        try {
            // One GET: the body and the ETag it was read at belong together.
            const res = await this.blob(target).download();
            const chunks: Buffer[] = [];
            for await (const c of res.readableStreamBody ?? []) chunks.push(Buffer.from(c as Buffer));
            return { state: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OutboxState, etag: res.etag };
        } catch (err: unknown) {
            if (statusOf(err) === 404) return { state: empty() };
            throw err;
        }
    }

    /** Read-modify-write under the ETag (create-only when absent); `change` returning undefined writes nothing. */
    private async update(target: string, change: (s: OutboxState) => OutboxState | undefined): Promise<void> {
        const deadline = Date.now() + CONTENTION_BUDGET_IN_MS;
        for (let round = 0; Date.now() < deadline; round++) {
            const { state, etag } = await this.load(target);
            const next = change(state);
            if (!next) return;
            const body = JSON.stringify(next);
            try {
                await this.blob(target).upload(body, Buffer.byteLength(body), {
                    conditions: etag ? { ifMatch: etag } : { ifNoneMatch: '*' },
                    blobHTTPHeaders: { blobContentType: 'application/json' },
                });
                return;
            } catch (err: unknown) {
                const status = statusOf(err);
                if (status === 412 || status === 409) {
                    // Another writer won: read again after a short, jittered pause.
                    await new Promise((ok) => setTimeout(ok, Math.random() * 10 * Math.min(round + 1, 20)));
                    continue;
                }
                if (status === 404) {
                    await this.container.createIfNotExists();
                    continue;
                }
                throw err;
            }
        }
        throw new OutboxContentionError(
            `The outbox of '${target}' kept changing for ${CONTENTION_BUDGET_IN_MS} ms of writes.`,
        );
    }
}
