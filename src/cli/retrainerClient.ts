/** Talks to a Retrainer app's HTTP API (local dev host or a deployed function app) with a function key. */

export interface RequestOptions {
    abortSignal?: AbortSignal;
    timeoutInMs?: number;
}

/** Any non-2xx answer or transport failure, with what the app said. */
export class RetrainerApiError extends Error {
    constructor(
        message: string,
        readonly statusCode: number | undefined,
        readonly code: string,
        readonly requestId: string | undefined,
        /** What the app said (its `error` or `Message`), without the request line or a hint. */
        readonly detail?: string,
        /** What to do about it, when the CLI can tell (a 401's: which key to fix, and how). */
        readonly hint?: string,
    ) {
        super(message);
        this.name = 'RetrainerApiError';
    }

    /**
     * The same answer told as `request`'s (e.g. `POST /retrain/x`), with `more` after the app's
     * words: a command reports an unknown target or a refused key as its own request's answer,
     * whichever of its requests happened to meet it first.
     */
    restated(request: string, more = ''): RetrainerApiError {
        const detail = this.detail ?? '';
        return new RetrainerApiError(
            `${request} answered ${this.statusCode ?? '?'}: ${detail.replace(/\.$/, '')}.${more}${this.hint ? ` ${this.hint}` : ''}`,
            this.statusCode,
            this.code,
            this.requestId,
            this.detail,
            this.hint,
        );
    }
}

export interface TargetView {
    name: string;
    update: 'classic' | 'arm';
    data: {
        container: string;
        prefixPattern: string;
        labelColumn: string;
        featureColumns: string[];
        /** Absent from apps older than the intake pass; null when the app's config does not tell. */
        task?: 'classification' | 'regression' | null;
        columnTypes?: Record<string, 'numeric' | 'text'>;
        classes?: string[];
    };
    /**
     * Canonical metric key -> the name the target's gate config gives it (`auc` -> `AUC`), for the
     * metrics the gate names (absent from older apps).
     */
    metricNames?: Record<string, string>;
    /** The target's data policy, defaults filled in (absent from older apps). */
    dataPolicy?: DataListView['policy'];
    /** Files the policy leaves out now: excluded by people, quarantined by Rejected runs (absent from older apps). */
    dataFiles?: { excluded: number; quarantined: number };
    /** Files under the target's prefix that cannot train, with why (absent from older apps). */
    refused?: { name: string; reason: string; problems: { line: number; column?: string; message: string }[] }[];
    champion: {
        runId: string;
        promotedAt: string;
        lineage: string[];
        model: { relativeLocation: string };
        metrics: Record<string, number>;
    } | null;
    /**
     * The run whose model the endpoint may be serving although it failed verification (its
     * rollback failed too), else null (absent from older apps).
     */
    unverifiedModel?: { runId: string; reason: string; at: string } | null;
    inFlight: {
        instanceId: string;
        status: string;
        step: {
            step: string;
            runId?: string;
            since?: string;
            until?: string;
            /** While awaiting approval: the run's metrics and the champion's (`CustomStatus.judged`). */
            judged?: {
                metrics: Record<string, number>;
                champion: { runId: string; metrics: Record<string, number> } | null;
            };
        } | null;
    } | null;
    /** App-wide counts from the last catch-up pass (absent from older apps; null before the first pass). */
    missedEvents?: {
        checkedAt: string;
        deadLetteredEvents: number | null;
        /** The dead-letter container counted; null when none is configured (absent from older apps). */
        deadLetterContainer?: string | null;
        poisonMessages: number | null;
        problems?: string[];
    } | null;
}

export interface RunView {
    target: string;
    runId: string;
    instanceId: string;
    /** `blobNames`: an HTTP start that named its blobs (its manifest lists only those). */
    trigger: { kind: string; blobName?: string; blobNames?: string[] };
    state: string;
    reason?: string;
    reasonDetail?: string;
    manifest?: {
        runKey: string;
        blobs: { name: string; etag: string; rows?: number; blankRows?: number; extraColumns?: string[] }[];
        rejected?: { name: string; reason: string; etag?: string }[];
        leftOut?: { name: string; etag: string; why: string; reason: string; runId?: string }[];
        previousRunId?: string;
    };
    forced?: boolean;
    verdict?: { passed: boolean; reasons: string[]; metrics: Record<string, number> };
    /**
     * A Cancelled run's: who asked (or that it was terminated from outside), when, at which step; or
     * a request that came too late to stop the run (`honoured: false`).
     */
    cancellation?: {
        kind: string;
        by: string;
        at: string;
        why?: string;
        step: string;
        /** False: the request reached the run too late to stop it (`declined` says why). */
        honoured?: false;
        declined?: string;
    };
    /** An Azure ML v2 target's rollout (`RolloutRecord` in src/orchestrators/contracts.ts). */
    rollout?: RolloutView;
    timings: Record<string, string>;
}

/** A live check's verdict in a rollout: the golden rows, and over a bake the error rate and latency. */
export interface LiveCheckView {
    passed: boolean;
    reasons: string[];
}

/** What an Azure ML v2 run did to its endpoint: the new deployment, the traffic steps it reached, what it retired. */
export interface RolloutView {
    model?: { name: string; version: string };
    /** The new deployment. */
    deployment?: string;
    /** The deployment that served before the run (null: none had traffic). */
    serving?: string | null;
    /** The golden rows against the new deployment before it got any traffic. */
    preTraffic?: LiveCheckView;
    /** Each traffic step reached, in order: the new deployment's share and its checks after the bake. */
    steps: { percent: number; at: string; check?: LiveCheckView }[];
    /** Earlier deployments deleted after the promotion. */
    retired: string[];
    rolledBack?: boolean;
    notes?: string[];
}

export interface ScoreView {
    target: string;
    champion: { runId: string; model: string } | null;
    columnNames: string[];
    rows: string[][];
}

/** The answer of POST /api/runs/{runId}/approve or /reject: the decision as recorded. */
export interface DecisionView {
    runId: string;
    target: string;
    decision: 'approve' | 'reject';
    by: string;
    why: string;
    at: string;
}

export interface StartView {
    id: string;
}

/** One data file as `GET /api/data/{target}` shows it (see src/functions/shared/dataManagement.ts). */
export interface DataFileView {
    name: string;
    size: number;
    lastModified: string;
    state: 'included' | 'excluded' | 'quarantined' | 'refused';
    excluded?: { by: string; at: string; why?: string };
    quarantined?: { runId: string; at: string };
    refused?: { reason: string; problems: { line: number; column?: string; message: string }[] };
    judged: boolean;
    outsideWindow?: boolean;
    inLastRun: boolean;
}

export interface DataListView {
    target: string;
    policy: { trainOn: 'all' | 'window'; lastFiles?: number; lastDays?: number; onRejected: 'keep' | 'quarantine' };
    lastRun: { runId: string; state: string } | null;
    files: DataFileView[];
}

/** The answer of `POST /api/data/{target}/exclude` or `/include`. */
export interface DataChangeView {
    target: string;
    file: string;
    action: 'exclude' | 'include';
    changed: boolean;
    excluded?: { by: string; at: string; why?: string };
    releasedFromQuarantine?: { runId: string };
    by: string;
    at: string;
}

/** A cancel request: who asked (ISO `at`), and why. */
export interface CancelRequestView {
    by: string;
    at: string;
    why?: string;
}

/**
 * The answer of POST /api/retrain/{target}/cancel: the request as the run will see it (202), or,
 * when the run was already asked (200), the first request, which stands (`alreadyRequested`).
 */
export type CancelView = {
    target: string;
    instanceId: string;
    /** Absent while the run debounces (it has no run id yet). */
    runId?: string;
    step: string;
} & (CancelRequestView | { alreadyRequested: CancelRequestView });

export class RetrainerClient {
    readonly apiUrl: string;
    readonly #key: string;
    readonly #keyHint: string;

    /**
     * @param apiUrl - the app's API root, e.g. `http://127.0.0.1:7071/api` or `https://app.azurewebsites.net/api`
     * @param keyHint - what a 401 tells the user to do: where the key came from and how to pass the right one
     */
    constructor(
        apiUrl: string,
        functionKey: string,
        keyHint = 'The app did not accept the function key: pass its function key with --key or RETRAINER_KEY.',
    ) {
        this.apiUrl = apiUrl.replace(/\/+$/, '');
        this.#key = functionKey;
        this.#keyHint = keyHint;
    }

    listTargets(options: RequestOptions = {}): Promise<TargetView[]> {
        return this.#send<TargetView[]>('GET', 'targets', undefined, options);
    }

    getTarget(name: string, options: RequestOptions = {}): Promise<TargetView> {
        return this.#send<TargetView>('GET', `targets/${encodeURIComponent(name)}`, undefined, options);
    }

    listRuns(query: { target?: string; limit?: number } = {}, options: RequestOptions = {}): Promise<RunView[]> {
        const params = new URLSearchParams();
        if (query.target) params.set('target', query.target);
        if (query.limit) params.set('limit', String(query.limit));
        const qs = params.size ? `?${params.toString()}` : '';
        return this.#send<RunView[]>('GET', `runs${qs}`, undefined, options);
    }

    /** Starts a run; `force` re-judges data an earlier run already judged instead of Skipping it. */
    startRetrain(target: string, options: RequestOptions & { force?: boolean } = {}): Promise<StartView> {
        const body = options.force ? { force: true } : {};
        return this.#send<StartView>('POST', `retrain/${encodeURIComponent(target)}`, body, options);
    }

    /** The target's data files with their states (`GET /api/data/{target}`). */
    listData(target: string, options: RequestOptions = {}): Promise<DataListView> {
        return this.#send<DataListView>('GET', `data/${encodeURIComponent(target)}`, undefined, options);
    }

    /** Excludes a data file from later runs, or includes it again (lifting an exclusion or quarantine). */
    changeData(
        target: string,
        action: 'exclude' | 'include',
        body: { file: string; by: string; why?: string },
        options: RequestOptions = {},
    ): Promise<DataChangeView> {
        return this.#send<DataChangeView>('POST', `data/${encodeURIComponent(target)}/${action}`, body, options);
    }

    /**
     * Asks the target's live run to stop (it records Cancelled). Throws RetrainerApiError 409 when
     * no run is in flight or it has begun to promote, 404 for an unknown target.
     */
    cancelRun(target: string, body: { by?: string; why?: string }, options: RequestOptions = {}): Promise<CancelView> {
        return this.#send<CancelView>('POST', `retrain/${encodeURIComponent(target)}/cancel`, body, options);
    }

    /**
     * Approves or rejects run `runId`, which must be waiting for approval. An identical retry gets
     * the same answer; throws RetrainerApiError 409 when the run is not waiting or already decided.
     */
    decide(
        runId: string,
        decision: 'approve' | 'reject',
        body: { by: string; why: string },
        options: RequestOptions = {},
    ): Promise<DecisionView> {
        return this.#send<DecisionView>('POST', `runs/${encodeURIComponent(runId)}/${decision}`, body, options);
    }

    score(target: string, columnNames: string[], rows: string[][], options: RequestOptions = {}): Promise<ScoreView> {
        return this.#send<ScoreView>('POST', `score/${encodeURIComponent(target)}`, { columnNames, rows }, options);
    }

    async #send<T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<T> {
        const signals = [AbortSignal.timeout(options.timeoutInMs ?? 30_000)];
        if (options.abortSignal) signals.push(options.abortSignal);
        let res: Response;
        try {
            res = await fetch(`${this.apiUrl}/${path}`, {
                method,
                // The key goes in the header, not the query string, so proxies and logs don't see it.
                headers: {
                    'x-functions-key': this.#key,
                    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
                },
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: AbortSignal.any(signals),
            });
        } catch (err) {
            const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
            throw new RetrainerApiError(
                `Cannot reach the Retrainer app at ${this.apiUrl} (${cause}). Is it running? (npm start, or check --url)`,
                undefined,
                cause,
                undefined,
            );
        }
        const text = await res.text();
        const requestId = res.headers.get('x-ms-request-id') ?? res.headers.get('x-ms-invocation-id') ?? undefined;
        if (!res.ok) {
            let detail = text.slice(0, 500);
            try {
                const parsed = JSON.parse(text) as { error?: string; Message?: string };
                detail = parsed.error ?? parsed.Message ?? detail;
            } catch {
                // not JSON: the raw text says it
            }
            const said = (detail || res.statusText).replace(/\.$/, '');
            const hint = res.status === 401 ? this.#keyHint : undefined;
            throw new RetrainerApiError(
                `${method} /${path.split('?')[0]} answered ${res.status}: ${said}.${hint ? ` ${hint}` : ''}`,
                res.status,
                `Http${res.status}`,
                requestId,
                said,
                hint,
            );
        }
        return (text ? JSON.parse(text) : undefined) as T;
    }
}
