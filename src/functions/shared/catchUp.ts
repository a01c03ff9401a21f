import { QueueServiceClient, RestError } from '@azure/storage-queue';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type * as df from 'durable-functions';

import type { ActivityDeps } from '../../activities/deps';
import { snapshotManifest } from '../../activities/snapshotManifest';
import { arrivalSince } from '../../retraining/arrivals';
import { readBlobText } from '../../retraining/blobText';
import type { Outbox } from '../../retraining/outbox';
import { readInstance, startOrSignal } from './startRetrain';
import { recordTerminatedRun } from './terminated';

/** The container the Event Grid subscription dead-letters undeliverable blob events to (infra sets it). */
export const DEADLETTER_CONTAINER_SETTING = 'RETRAINER_DEADLETTER_CONTAINER';
/**
 * Where the blob extension moves a blob-trigger message after maxDequeueCount failures, in the
 * trigger connection's account (SharedBlobQueueListenerFactory.cs; the dev host's POISON_QUEUE).
 */
export const BLOB_TRIGGER_POISON_QUEUE = 'webjobs-blobtrigger-poison';
/** The blob trigger's connection (host storage): its queues hold the poison messages. */
export const TRIGGER_CONNECTION_SETTING = 'AzureWebJobsStorage';
/** Blob in the runs container holding the last catch-up pass's report. */
export const CATCH_UP_REPORT_BLOB = 'catch-up/last.json';

/**
 * Arrivals the runtime gave up on, as counted by the last catch-up pass. A count is null when it
 * could not be read (the setting is not configured, or storage did not answer: see `problems`).
 */
export interface MissedEvents {
    checkedAt: string;
    /** Blobs in the dead-letter container: Event Grid events that were never delivered. */
    deadLetteredEvents: number | null;
    /**
     * The dead-letter container counted (the {@link DEADLETTER_CONTAINER_SETTING} setting), or null
     * when the setting is unset and dead-lettered events are not watched at all (absent from
     * reports written before this field).
     */
    deadLetterContainer?: string | null;
    /** Approximate messages in the blob trigger's poison queue: uploads whose invocation failed for good. */
    poisonMessages: number | null;
    problems?: string[];
}

export interface CatchUpReport extends MissedEvents {
    /** Targets this pass started (or signalled), with why. */
    started: { target: string; reason: 'pending-arrival' | 'unjudged-data'; outcome: string }[];
    /** Runs terminated from outside that this pass recorded (Cancelled, `cancellation.kind` `terminated`). */
    recordedTerminated?: { target: string; runId: string }[];
}

function statusCodeOf(err: unknown): number | undefined {
    const code = err instanceof Error ? (err as { statusCode?: unknown }).statusCode : undefined;
    return typeof code === 'number' ? code : undefined;
}

function errorText(err: unknown): string {
    return err instanceof RestError ? `HTTP ${err.statusCode ?? '?'} ${err.code ?? ''}`.trim() : String(err);
}

async function countBlobs(container: ContainerClient): Promise<number> {
    let n = 0;
    if (!(await container.exists())) return 0;
    for await (const page of container.listBlobsFlat().byPage({ maxPageSize: 5000 }))
        n += page.segment.blobItems.length;
    return n;
}

/**
 * The poison queue's size. Only a connection string is supported here; an identity-based
 * `AzureWebJobsStorage__queueServiceUri` is reported as a problem rather than guessed at.
 */
async function countPoison(env: NodeJS.ProcessEnv): Promise<number> {
    const cs = env[TRIGGER_CONNECTION_SETTING];
    if (!cs) throw new Error(`${TRIGGER_CONNECTION_SETTING} is not a connection string`);
    const queue = QueueServiceClient.fromConnectionString(cs).getQueueClient(BLOB_TRIGGER_POISON_QUEUE);
    try {
        return (await queue.getProperties()).approximateMessagesCount ?? 0;
    } catch (err: unknown) {
        if (statusCodeOf(err) === 404) return 0;
        throw err;
    }
}

/** Counts dead-lettered Event Grid events and blob-trigger poison messages; never throws. */
export async function countMissedEvents(blobs: BlobServiceClient, env: NodeJS.ProcessEnv): Promise<MissedEvents> {
    const problems: string[] = [];
    let deadLetteredEvents: number | null = null;
    const dl = env[DEADLETTER_CONTAINER_SETTING];
    if (dl) {
        try {
            deadLetteredEvents = await countBlobs(blobs.getContainerClient(dl));
        } catch (err: unknown) {
            problems.push(`dead-letter container '${dl}': ${errorText(err)}`);
        }
    } else problems.push(`${DEADLETTER_CONTAINER_SETTING} is not set`);
    let poisonMessages: number | null = null;
    try {
        poisonMessages = await countPoison(env);
    } catch (err: unknown) {
        problems.push(`poison queue '${BLOB_TRIGGER_POISON_QUEUE}': ${errorText(err)}`);
    }
    return {
        checkedAt: new Date().toISOString(),
        deadLetteredEvents,
        deadLetterContainer: dl || null,
        poisonMessages,
        ...(problems.length > 0 ? { problems } : {}),
    };
}

/**
 * Final states whose run judged the data it listed: its listing is what later data is new against.
 * A Failed or Cancelled run judged nothing (its data is judged again, or left alone when a person
 * cancelled it).
 */
const JUDGED: ReadonlySet<string> = new Set(['Promoted', 'Rejected', 'RolledBack', 'Skipped']);

/**
 * The timer's catch-up pass, for every target (scheduled or not): a target with no live run whose
 * outbox holds a pending blob arrival, or whose data's run key no run has judged (the snapshot's
 * `previousRunId` is absent), gets a run. So an upload whose event Event Grid dropped, whose trigger
 * went to poison, or which arrived after a run's last look costs one timer period, not forever.
 * A target whose instance was terminated from outside gets that run recorded first (it could not
 * write its own record; see shared/terminated.ts); its data is then judged again like a crash's.
 * Refused files, and files the data policy leaves out (excluded, quarantined, outside the window),
 * are not in the snapshot, so they count as judged; data whose run was cancelled is left alone (the
 * person who cancelled it chose not to train it now); and a set that differs from the last judged
 * run's only because files left it or moved into it (deleted, excluded, quarantined, the window)
 * holds no write that run did not list, so it is not started either: an upload, `retrain` or the
 * target's schedule trains it.
 * @throws DurableOutageError or storage errors for the first target that failed, after trying all.
 */
export async function catchUp(
    client: df.DurableClient,
    deps: ActivityDeps,
    outbox: Outbox,
    runs: ContainerClient,
    env: NodeJS.ProcessEnv,
    log: (message: string) => void,
): Promise<CatchUpReport> {
    const started: CatchUpReport['started'] = [];
    const recordedTerminated: NonNullable<CatchUpReport['recordedTerminated']> = [];
    const failures: unknown[] = [];
    for (const t of deps.config.targets) {
        try {
            const seen = await readInstance(client, t.name, true);
            if (seen.kind === 'live') continue;
            if (seen.kind === 'ended') {
                // Terminated from outside: the run could not write its record, so this pass does.
                const recorded = await recordTerminatedRun(deps, t.name, seen.status);
                if (recorded) {
                    recordedTerminated.push({ target: t.name, runId: recorded.runId });
                    log(`Catch-up: recorded run ${recorded.runId} of '${t.name}', terminated from outside.`);
                }
            }
            const pending = (await outbox.read(t.name)).pending.find((a) => a.kind === 'blob' && a.blobName);
            let reason: CatchUpReport['started'][number]['reason'] | undefined;
            let blobName = pending?.blobName;
            if (blobName) reason = 'pending-arrival';
            else {
                const scheduledAt = deps.now().toISOString();
                const snap = await snapshotManifest(deps, { target: t.name, trigger: { kind: 'timer', scheduledAt } });
                // Data a person cancelled a run of waits for a new file or an explicit retrain.
                const cancelled =
                    snap.blobs.length > 0 && !snap.previousRunId
                        ? await deps.runs.findCancelledByKey(t.name, snap.runKey)
                        : undefined;
                if (snap.blobs.length > 0 && !snap.previousRunId && !cancelled) {
                    // Against the last judged listing, only a write it did not see is new data, and
                    // names the run; a set changed by a deletion, exclusion or quarantine alone is not
                    // (after a quarantining rejection it would reject and quarantine the next file).
                    const [last] = await deps.runs.listRuns(t.name, 1);
                    const judged = last?.manifest && JUDGED.has(last.state) ? last.manifest : undefined;
                    const arrival = judged ? arrivalSince(judged, snap) : undefined;
                    if (!judged || arrival?.kind === 'blob') {
                        reason = 'unjudged-data';
                        blobName = arrival?.kind === 'blob' ? arrival.blobName : snap.blobs[0].name;
                    }
                }
            }
            if (!reason || !blobName) continue;
            // No waiting here: a run closing now leaves the arrival for the next pass.
            const r = await startOrSignal(client, outbox, t.name, { kind: 'blob', blobName }, log, 0);
            started.push({ target: t.name, reason, outcome: r.outcome });
            log(`Catch-up: ${r.outcome} a run of '${t.name}' (${reason}).`);
        } catch (err: unknown) {
            failures.push(err);
            log(`Catch-up of '${t.name}' failed: ${err instanceof Error ? err.message : String(err)}`);
        }
    }
    const report: CatchUpReport = {
        ...(await countMissedEvents(deps.blobs, env)),
        started,
        ...(recordedTerminated.length > 0 ? { recordedTerminated } : {}),
    };
    if (report.deadLetteredEvents || report.poisonMessages) {
        log(
            `Catch-up: ${report.deadLetteredEvents ?? '?'} dead-lettered Event Grid event(s), ${report.poisonMessages ?? '?'} poison blob-trigger message(s).`,
        );
    }
    try {
        const body = JSON.stringify(report);
        await runs.createIfNotExists();
        await runs.getBlockBlobClient(CATCH_UP_REPORT_BLOB).upload(body, Buffer.byteLength(body), {
            blobHTTPHeaders: { blobContentType: 'application/json' },
        });
    } catch (err: unknown) {
        failures.push(err);
    }
    if (failures.length > 0) throw failures[0];
    return report;
}

/** The last catch-up pass's counts, or undefined before the first pass. */
export async function lastMissedEvents(runs: ContainerClient): Promise<MissedEvents | undefined> {
    try {
        // One version: every pass rewrites the report, and a status poll reads it meanwhile.
        const r = JSON.parse(await readBlobText(runs.getBlockBlobClient(CATCH_UP_REPORT_BLOB))) as CatchUpReport;
        return {
            checkedAt: r.checkedAt,
            deadLetteredEvents: r.deadLetteredEvents,
            ...(r.deadLetterContainer !== undefined ? { deadLetterContainer: r.deadLetterContainer } : {}),
            poisonMessages: r.poisonMessages,
            ...(r.problems ? { problems: r.problems } : {}),
        };
    } catch (err: unknown) {
        if (statusCodeOf(err) === 404) return undefined;
        throw err;
    }
}
