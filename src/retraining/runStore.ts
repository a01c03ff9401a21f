import { ContainerClient, RestError } from '@azure/storage-blob';

import type { ApprovalDecisionEvent, CancelRequestEvent, ChampionRef, RunRecord } from '../orchestrators/contracts';

/** The model a target's endpoint serves, as Retrainer last promoted it. */
export interface Champion extends ChampionRef {
    promotedAt: string;
    /** Run ids from the first champion to this one. */
    lineage: string[];
}

export interface VersionedChampion {
    champion: Champion;
    etag: string;
}

export class ChampionChangedError extends Error {
    constructor(target: string) {
        super(`The champion of target '${target}' changed concurrently; this promotion was not applied.`);
        this.name = 'ChampionChangedError';
    }
}

/**
 * Run records, run keys and champions, as JSON blobs in one container:
 * `runs/{target}/{runId}.json`, `runkeys/{target}/{runKey}.json`, `champions/{target}.json`,
 * `approvals/{target}/{runId}.json`, `cancelled/{target}/{runKey}.json`,
 * `cancel-requests/{target}/{execution}.json` (and the intake cache,
 * `intake/{target}.json`, see `intake/verdicts.ts`; the data state, `datastate/{target}.json`, see
 * `dataState.ts`).
 * Run ids sort by time, so listing a prefix gives history in order.
 */
export class RunStore {
    constructor(private readonly container: ContainerClient) {}

    /** The container itself: Retrainer's per-target state (e.g. the intake cache) lives beside the runs. */
    get stateContainer(): ContainerClient {
        return this.container;
    }

    async ensure(): Promise<void> {
        await this.container.createIfNotExists();
    }

    async saveRun(record: RunRecord): Promise<void> {
        // Overwrite is safe: an activity retry writes the same run id with the same content.
        await this.putJson(`runs/${record.target}/${record.runId}.json`, record);
        if (
            record.manifest &&
            (record.state === 'Promoted' || record.state === 'Rejected' || record.state === 'RolledBack')
        ) {
            await this.putJson(`runkeys/${record.target}/${record.manifest.runKey}.json`, { runId: record.runId });
        }
        // A cancelled run did not judge its data, but somebody chose not to train it now: the
        // catch-up pass must not start it again (a new upload or an explicit retrain still does).
        if (record.manifest && record.state === 'Cancelled') {
            await this.putJson(`cancelled/${record.target}/${record.manifest.runKey}.json`, { runId: record.runId });
        }
    }

    async getRun(target: string, runId: string): Promise<RunRecord | undefined> {
        return (await this.getJson<RunRecord>(`runs/${target}/${runId}.json`))?.value;
    }

    /** Newest first. */
    async listRuns(target?: string, limit = 100): Promise<RunRecord[]> {
        const names: string[] = [];
        if (!(await this.container.exists())) return [];
        for await (const blob of this.container.listBlobsFlat({ prefix: target ? `runs/${target}/` : 'runs/' })) {
            names.push(blob.name);
        }
        const byTime = names.sort((a, b) => runIdOf(b).localeCompare(runIdOf(a))).slice(0, limit);
        const records = await Promise.all(byTime.map((n) => this.getJson<RunRecord>(n)));
        return records.flatMap((r) => (r ? [r.value] : []));
    }

    /** The run that already judged exactly this data, if any (failed runs do not count). */
    async findRunByKey(target: string, runKey: string): Promise<string | undefined> {
        return (await this.getJson<{ runId: string }>(`runkeys/${target}/${runKey}.json`))?.value.runId;
    }

    /** The cancelled run over exactly this data, if any (see saveRun). */
    async findCancelledByKey(target: string, runKey: string): Promise<string | undefined> {
        return (await this.getJson<{ runId: string }>(`cancelled/${target}/${runKey}.json`))?.value.runId;
    }

    async getChampion(target: string): Promise<VersionedChampion | undefined> {
        const got = await this.getJson<Champion>(`champions/${target}.json`);
        return got && { champion: got.value, etag: got.etag };
    }

    /**
     * Replaces the champion only if it is still the version read (`etag`), or creates it only if
     * there is none (`etag` null): two promotions can never both win.
     */
    async setChampion(target: string, champion: Champion, etag: string | null): Promise<void> {
        const blob = this.container.getBlockBlobClient(`champions/${target}.json`);
        const body = JSON.stringify(champion, null, 2);
        const put = () =>
            blob.upload(body, Buffer.byteLength(body), {
                blobHTTPHeaders: { blobContentType: 'application/json' },
                conditions: etag === null ? { ifNoneMatch: '*' } : { ifMatch: etag },
            });
        try {
            try {
                await put();
            } catch (err) {
                if (!(err instanceof RestError && err.statusCode === 404 && etag === null)) throw err;
                await this.ensure(); // the first champion may come before any run record
                await put();
            }
        } catch (err) {
            if (err instanceof RestError && (err.statusCode === 412 || err.statusCode === 409)) {
                throw new ChampionChangedError(target);
            }
            throw err;
        }
    }

    /**
     * Records the approval decision for a run, create-only: the first decision wins. Returns
     * `created: true` when this call wrote it, otherwise the decision already stored (which may be
     * this same decision, sent again by a retried request).
     */
    async claimDecision(
        target: string,
        runId: string,
        decision: ApprovalDecisionEvent,
    ): Promise<{ created: boolean; decision: ApprovalDecisionEvent }> {
        const name = `approvals/${target}/${runId}.json`;
        if (await this.createOnce(name, decision)) return { created: true, decision };
        const existing = await this.getDecision(target, runId);
        if (!existing) throw new Error(`The approval decision for run ${runId} vanished after it was written.`);
        return { created: false, decision: existing };
    }

    /** The approval decision recorded for a run, if any. */
    async getDecision(target: string, runId: string): Promise<ApprovalDecisionEvent | undefined> {
        return (await this.getJson<ApprovalDecisionEvent>(`approvals/${target}/${runId}.json`))?.value;
    }

    /**
     * Records the cancel request for one execution of a target's instance, create-only: the first
     * request wins. The execution is named by the instance id and its `startedAt` (ISO, the
     * orchestration clock; continue-as-new keeps the instance id, so a later run can be asked again).
     * Returns `created: true` when this call wrote it, otherwise the request already stored.
     * @throws RestError for a storage failure other than the claim being taken.
     */
    async claimCancelRequest(
        target: string,
        instanceId: string,
        startedAt: string,
        request: CancelRequestEvent,
    ): Promise<{ created: boolean; request: CancelRequestEvent }> {
        const name = cancelRequestBlob(target, instanceId, startedAt);
        if (await this.createOnce(name, request)) return { created: true, request };
        const existing = await this.getJson<CancelRequestEvent>(name);
        if (!existing) throw new Error(`The cancel request for '${target}' vanished after it was written.`);
        return { created: false, request: existing.value };
    }

    /**
     * Writes `value` as JSON to blob `name` only if no such blob exists (`If-None-Match: *`),
     * creating the container when it is missing. Returns false when the blob was already there
     * (409/412): the first writer wins.
     * @throws RestError for any other storage failure.
     */
    private async createOnce(name: string, value: unknown): Promise<boolean> {
        const body = JSON.stringify(value, null, 2);
        const put = () =>
            this.container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
                blobHTTPHeaders: { blobContentType: 'application/json' },
                conditions: { ifNoneMatch: '*' },
            });
        try {
            try {
                await put();
            } catch (err) {
                if (!(err instanceof RestError && err.statusCode === 404)) throw err;
                await this.ensure();
                await put();
            }
            return true;
        } catch (err) {
            if (!(err instanceof RestError && (err.statusCode === 409 || err.statusCode === 412))) throw err;
            return false;
        }
    }

    /** Withdraws a claimed cancel request whose event could not be raised, so that a retry asks again. */
    async releaseCancelRequest(target: string, instanceId: string, startedAt: string): Promise<void> {
        await this.container.getBlockBlobClient(cancelRequestBlob(target, instanceId, startedAt)).deleteIfExists();
    }

    /**
     * Deletes the cancel requests of `instanceId`'s executions that started at or before `upTo`
     * (ISO): called when a run is recorded, with the time it began recording, it removes its own
     * request and any left by earlier executions that never recorded (terminated from outside),
     * never one of a later execution (it starts after this run recorded), even when a copy of
     * this call runs late. Idempotent; returns how many it deleted.
     * @throws RestError for a storage failure (a missing container deletes nothing).
     */
    async releaseCancelRequestsUpTo(target: string, instanceId: string, upTo: string): Promise<number> {
        const prefix = cancelRequestBlob(target, instanceId, '');
        const last = safeName(upTo);
        const stale: string[] = [];
        try {
            for await (const blob of this.container.listBlobsFlat({ prefix })) {
                // The rest of the name is the execution's startedAt in one fixed-width ISO form, so
                // it sorts as the time does.
                const startedAt = blob.name.slice(prefix.length, -'.json'.length);
                if (startedAt <= last) stale.push(blob.name);
            }
        } catch (err) {
            if (err instanceof RestError && err.statusCode === 404) return 0;
            throw err;
        }
        for (const name of stale) await this.container.getBlockBlobClient(name).deleteIfExists();
        return stale.length;
    }

    private async putJson(name: string, value: unknown): Promise<void> {
        const body = JSON.stringify(value, null, 2);
        const put = () =>
            this.container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
                blobHTTPHeaders: { blobContentType: 'application/json' },
            });
        try {
            await put();
        } catch (err) {
            if (!(err instanceof RestError && err.statusCode === 404)) throw err;
            await this.ensure();
            await put();
        }
    }

    private async getJson<T>(name: string): Promise<{ value: T; etag: string } | undefined> {
        try {
            const res = await this.container.getBlockBlobClient(name).download();
            const text = await streamToString(res.readableStreamBody);
            return { value: JSON.parse(text) as T, etag: res.etag ?? '' };
        } catch (err) {
            if (err instanceof RestError && err.statusCode === 404) return undefined;
            throw err;
        }
    }
}

/** `cancel-requests/{target}/{instanceId}-{startedAt}.json`; with `startedAt` '' the prefix of the instance's. */
function cancelRequestBlob(target: string, instanceId: string, startedAt: string): string {
    const name = `cancel-requests/${target}/${safeName(instanceId)}-${safeName(startedAt)}`;
    return startedAt === '' ? name : `${name}.json`;
}

function safeName(text: string): string {
    return text.replace(/[^A-Za-z0-9-]/g, '_');
}

function runIdOf(blobName: string): string {
    return blobName.slice(blobName.lastIndexOf('/') + 1);
}

async function streamToString(stream: NodeJS.ReadableStream | undefined): Promise<string> {
    if (!stream) return '';
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
}
