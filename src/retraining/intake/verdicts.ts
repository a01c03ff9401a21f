import type { Readable } from 'node:stream';

import { ContainerClient, RestError } from '@azure/storage-blob';

import { readBlobText } from '../blobText';
import { judgeCsv, JudgedContent, FileProblem, refusalReason } from './judge';
import type { IntakeSchema } from './schema';

/** A data blob as a listing gives it. */
export interface ListedFile {
    name: string;
    etag: string;
    contentLength: number;
}

interface VerdictBase extends ListedFile {
    /** The IntakeSchema key the file was judged under. */
    schemaKey: string;
    rows: number;
    blankRows: number;
    extraColumns: string[];
    /** ISO time of the pass (when the file was read). */
    judgedAt: string;
}

/** A file that can train the target. */
export interface AcceptedFile extends VerdictBase {
    accepted: true;
    /** sha256 hex of the file's canonical CSV: the file's part of the run key. */
    contentHash: string;
}

/** A file that cannot train the target: never part of a run's training data. */
export interface RefusedFile extends VerdictBase {
    accepted: false;
    /** One line for people: the file's name, and line/column/why of the first problems. */
    reason: string;
    problems: FileProblem[];
    problemCount: number;
}

export type FileVerdict = AcceptedFile | RefusedFile;

/** The verdict of a pass over one listed file's bytes. */
export function verdictOf(file: ListedFile, schema: IntakeSchema, judged: JudgedContent, at: Date): FileVerdict {
    const base: VerdictBase = {
        name: file.name,
        etag: file.etag,
        contentLength: file.contentLength,
        schemaKey: schema.key,
        rows: judged.rows,
        blankRows: judged.blankRows,
        extraColumns: judged.extraColumns,
        judgedAt: at.toISOString(),
    };
    if (judged.accepted && judged.contentHash) return { ...base, accepted: true, contentHash: judged.contentHash };
    return {
        ...base,
        accepted: false,
        reason: refusalReason(file.name, judged),
        problems: judged.problems,
        problemCount: judged.problemCount,
    };
}

/**
 * The verdict on an empty blob (0 bytes), known without reading it: refused, worded as the blob
 * trigger and `upload` word it (`'churn/x.csv' is empty`). It has no header line to point at, so
 * its one problem is on line 1.
 */
export function emptyFileVerdict(file: ListedFile, schemaKey: string, at: Date): RefusedFile {
    return {
        name: file.name,
        etag: file.etag,
        contentLength: file.contentLength,
        schemaKey,
        rows: 0,
        blankRows: 0,
        extraColumns: [],
        judgedAt: at.toISOString(),
        accepted: false,
        reason: `'${file.name}' is empty`,
        problems: [{ line: 1, message: 'the file is empty (0 bytes)' }],
        problemCount: 1,
    };
}

/**
 * What is known of a listed file without reading its bytes: the cached verdict for its name, ETag
 * and schema; else, for an empty blob, its refusal (`emptyFileVerdict`); else undefined (its bytes
 * must be read). The intake pass and `GET /api/data/{target}` both ask this, so an empty file is
 * refused alike by both, never judged "later".
 */
export function knownVerdict(
    index: IntakeIndex,
    file: ListedFile,
    schemaKey: string,
    at: Date,
): FileVerdict | undefined {
    const cached = index.get(file.name, file.etag, schemaKey);
    if (cached) return cached;
    return file.contentLength === 0 ? emptyFileVerdict(file, schemaKey, at) : undefined;
}

/** The blob (in the runs container) holding a target's cached verdicts. */
export function intakeIndexBlobName(target: string): string {
    return `intake/${target}.json`;
}

/** The small blob listing only a target's refused files, for status readers (the index can be MBs). */
export function refusedBlobName(target: string): string {
    return `intake/${target}.refused.json`;
}

interface IndexDocument {
    version: 1;
    files: Record<string, FileVerdict>;
}

/**
 * A target's cached verdicts, one JSON blob in Retrainer's runs container (`intake/{target}.json`),
 * keyed by blob name and holding the ETag each verdict is for: a verdict is reused only for the
 * same name, ETag and schema. Data blobs are never written (their metadata would change their ETag).
 * Saved with optimistic concurrency: on a conflict the other writer's verdicts are kept and ours
 * re-applied (verdicts are facts about name+ETag, so merging them is always right).
 */
export class IntakeIndex {
    private puts = new Map<string, FileVerdict>();
    private keepOnly: Set<string> | undefined;

    private constructor(
        private readonly container: ContainerClient,
        readonly target: string,
        private files: Record<string, FileVerdict>,
        private etag: string | undefined,
    ) {}

    /**
     * The target's refused files as of the last save, from a small blob of their own: what `status`
     * and `GET /api/targets` show, without reading the whole index on every poll. A save racing
     * another may leave it one change behind until the next save.
     */
    static async loadRefused(container: ContainerClient, target: string): Promise<RefusedFile[]> {
        try {
            // One version: a save landing mid-read gave torn JSON (a 500 from GET /api/targets while a run judged its files).
            const text = await readBlobText(container.getBlockBlobClient(refusedBlobName(target)));
            return JSON.parse(text) as RefusedFile[];
        } catch (err) {
            if (err instanceof RestError && err.statusCode === 404) return [];
            throw err;
        }
    }

    /** Reads the target's index (an empty one if it does not exist yet). */
    static async load(container: ContainerClient, target: string): Promise<IntakeIndex> {
        const { doc, etag } = await readIndex(container, target);
        return new IntakeIndex(container, target, doc.files, etag);
    }

    /** The cached verdict for exactly this blob version under this schema, if any. */
    get(name: string, etag: string, schemaKey: string): FileVerdict | undefined {
        const v = this.puts.get(name) ?? this.files[name];
        return v && v.etag === etag && v.schemaKey === schemaKey ? v : undefined;
    }

    /** Every cached verdict (the latest per blob name). */
    all(): FileVerdict[] {
        return Object.values({ ...this.files, ...Object.fromEntries(this.puts) });
    }

    put(verdict: FileVerdict): void {
        this.puts.set(verdict.name, verdict);
    }

    /** Drops the verdicts of blobs no longer listed, when saved (the listing was the whole target). */
    retainOnly(names: Iterable<string>): void {
        this.keepOnly = new Set(names);
    }

    /** Writes the refused files of `files`, sorted by name (only after the index changed). */
    private async saveRefused(files: Record<string, FileVerdict>): Promise<void> {
        const refused = Object.values(files)
            .filter((v): v is RefusedFile => !v.accepted)
            .sort((a, b) => (a.name < b.name ? -1 : 1));
        const body = JSON.stringify(refused);
        await this.container
            .getBlockBlobClient(refusedBlobName(this.target))
            .upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: 'application/json' } });
    }

    /** Writes the changes, if any; merges with a concurrent writer's. */
    async save(): Promise<void> {
        for (let attempt = 0; ; attempt++) {
            const merged = { ...this.files, ...Object.fromEntries(this.puts) };
            if (this.keepOnly)
                for (const name of Object.keys(merged)) if (!this.keepOnly.has(name)) delete merged[name];
            if (sameKeys(merged, this.files) && this.puts.size === 0) return;
            const body = JSON.stringify({ version: 1, files: merged } satisfies IndexDocument);
            const blob = this.container.getBlockBlobClient(intakeIndexBlobName(this.target));
            try {
                const res = await blob.upload(body, Buffer.byteLength(body), {
                    blobHTTPHeaders: { blobContentType: 'application/json' },
                    conditions: this.etag ? { ifMatch: this.etag } : { ifNoneMatch: '*' },
                });
                this.files = merged;
                this.etag = res.etag;
                this.puts.clear();
                await this.saveRefused(merged);
                return;
            } catch (err) {
                if (!(err instanceof RestError)) throw err;
                if (err.statusCode === 404 && attempt === 0) {
                    await this.container.createIfNotExists();
                    continue;
                }
                if ((err.statusCode === 412 || err.statusCode === 409) && attempt < 5) {
                    const fresh = await readIndex(this.container, this.target);
                    this.files = fresh.doc.files;
                    this.etag = fresh.etag;
                    continue;
                }
                throw err;
            }
        }
    }
}

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
    const ak = Object.keys(a);
    return ak.length === Object.keys(b).length && ak.every((k) => k in b);
}

async function readIndex(container: ContainerClient, target: string): Promise<{ doc: IndexDocument; etag?: string }> {
    try {
        const res = await container.getBlockBlobClient(intakeIndexBlobName(target)).download();
        const chunks: Buffer[] = [];
        for await (const c of res.readableStreamBody as Readable) chunks.push(c as Buffer);
        const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<IndexDocument>;
        // An unknown version is a cache from another release: judge everything again.
        return { doc: { version: 1, files: doc.version === 1 && doc.files ? doc.files : {} }, etag: res.etag };
    } catch (err) {
        if (err instanceof RestError && err.statusCode === 404) return { doc: { version: 1, files: {} } };
        throw err;
    }
}

/** An ETag as a condition header wants it: quoted (listings give it either way). */
export function quotedEtag(etag: string): string {
    return etag.startsWith('"') || etag.startsWith('W/') ? etag : `"${etag}"`;
}

/**
 * Judges one blob version: streams exactly the listed ETag (a blob replaced meanwhile fails with
 * 412 rather than being judged under the old ETag), whole, once.
 */
export async function judgeBlob(
    data: ContainerClient,
    file: ListedFile,
    schema: IntakeSchema,
    now: () => Date = () => new Date(),
): Promise<FileVerdict> {
    const res = await data.getBlobClient(file.name).download(0, undefined, {
        conditions: { ifMatch: quotedEtag(file.etag) },
        maxRetryRequests: 5,
    });
    const judged = await judgeCsv(res.readableStreamBody as Readable, schema);
    return verdictOf(file, schema, judged, now());
}

export interface JudgeTargetResult {
    /** One verdict per file asked about, in the same order. */
    verdicts: FileVerdict[];
    /** The names of the files whose bytes were read by this call (the others came from the cache). */
    read: string[];
}

/**
 * The validate-and-hash pass over a target's files, for the snapshot and the catch-up pass: each
 * file's verdict comes from `knownVerdict` (the target's cache when its name, ETag and schema
 * match; an empty blob's refusal), else from one streamed read of the blob (at most `concurrency`
 * at once), and is cached. With `complete`, the
 * files are the target's whole data and verdicts of blobs not among them are dropped from the cache.
 * Throws storage errors (the caller retries); a file that cannot train is a RefusedFile, not an error.
 */
export async function judgeTargetFiles(options: {
    /** The container of the data blobs. */
    data: ContainerClient;
    /** Retrainer's own container (runs, champions) where the cache lives. */
    state: ContainerClient;
    target: string;
    schema: IntakeSchema;
    files: readonly ListedFile[];
    complete?: boolean;
    /** Files read at once (default 8); each read holds one record in memory, not the file. */
    concurrency?: number;
    now?: () => Date;
}): Promise<JudgeTargetResult> {
    const index = await IntakeIndex.load(options.state, options.target);
    const now = options.now ?? (() => new Date());
    const verdicts: (FileVerdict | undefined)[] = options.files.map((f) => {
        const v = knownVerdict(index, f, options.schema.key, now());
        // Cached, so `status` (which reads the refused files the index keeps) names an empty file too.
        if (v && !index.get(f.name, f.etag, options.schema.key)) index.put(v);
        return v;
    });
    const todo = options.files.flatMap((_, i) => (verdicts[i] ? [] : [i]));
    const read: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < todo.length) {
            const i = todo[next++];
            const file = options.files[i];
            const v = await judgeBlob(options.data, file, options.schema, now);
            verdicts[i] = v;
            index.put(v);
            read.push(file.name);
        }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, todo.length) }, worker));
    if (options.complete) index.retainOnly(options.files.map((f) => f.name));
    await index.save();
    return { verdicts: verdicts as FileVerdict[], read };
}
