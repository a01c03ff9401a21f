import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { V2State } from './v2/state';

export type JobStatusCode = 'NotStarted' | 'Running' | 'Failed' | 'Cancelled' | 'Finished';

export interface BlobRef {
    ConnectionString?: string;
    RelativeLocation?: string;
    BaseLocation?: string;
    SasBlobToken?: string;
}

export interface JobRecord {
    id: string;
    serviceId: string;
    status: JobStatusCode;
    /** The submitted request. It holds connection strings: the state folder is private. */
    inputs: Record<string, BlobRef>;
    outputs: Record<string, BlobRef>;
    globalParameters: Record<string, string>;
    details?: string;
    createdAt: string;
    startedAt?: string;
    endedAt?: string;
}

/** Where a bound model came from, and the SHA-256 of the bytes the emulator copied. */
export interface BoundModel {
    resourceName: string;
    location: { BaseLocation: string; RelativeLocation: string; SasBlobToken?: string };
    sha256: string;
    boundAt: string;
    /** Scoring switches to this model at this time (the real service takes ~30 s to propagate). */
    effectiveAt: string;
}

export interface EndpointRecord {
    workspaceId: string;
    webServiceId: string;
    name: string;
    serviceId: string;
    primaryKey: string;
    secondaryKey: string;
    description: string;
    throttleLevel: 'Low' | 'High';
    maxConcurrentCalls: number;
    preventUpdate: boolean;
    diagnosticsTraceLevel: 'None' | 'Error' | 'All';
    isDefault: boolean;
    createdAt: string;
    model?: BoundModel;
    /** Served until `model.effectiveAt`. */
    previousModel?: BoundModel;
}

export interface ArmServiceRecord {
    key: string;
    serviceId: string;
    /** The definition as GET returns it (no keys, no storage key). */
    definition: Record<string, unknown>;
    keys: { primary: string; secondary: string };
    model?: { uri: string; sha256: string; boundAt: string };
}

export interface ArmOperationRecord {
    id: string;
    serviceKey: string;
    location: string;
    subscriptionId: string;
    status: 'Provisioning' | 'Succeeded' | 'Failed';
    startTime: string;
    endTime?: string;
    error?: { code: string; message: string };
    /** The definition that takes effect if the operation succeeds. */
    pending: Record<string, unknown>;
    /** Keys sent with the update; they too take effect only if it succeeds. */
    pendingKeys?: { primary?: string; secondary?: string };
}

export interface StudioState {
    version: 1;
    /** The Azure ML v2 surface's resources (absent in state written before it existed). */
    azureml?: V2State;
    jobs: Record<string, JobRecord>;
    endpoints: Record<string, EndpointRecord>;
    armServices: Record<string, ArmServiceRecord>;
    armOperations: Record<string, ArmOperationRecord>;
}

export function emptyState(): StudioState {
    return { version: 1, jobs: {}, endpoints: {}, armServices: {}, armOperations: {} };
}

/** Persists the state and the bytes of bound models (copied, as the real service copies them). */
export interface StateStore {
    load(): Promise<StudioState>;
    save(state: StudioState): Promise<void>;
    putModel(sha256: string, bytes: Buffer): Promise<void>;
    getModel(sha256: string): Promise<Buffer | undefined>;
}

export class MemoryStateStore implements StateStore {
    private state = emptyState();
    private readonly models = new Map<string, Buffer>();
    load(): Promise<StudioState> {
        return Promise.resolve(structuredClone(this.state));
    }
    save(state: StudioState): Promise<void> {
        this.state = structuredClone(state);
        return Promise.resolve();
    }
    putModel(sha256: string, bytes: Buffer): Promise<void> {
        this.models.set(sha256, bytes);
        return Promise.resolve();
    }
    getModel(sha256: string): Promise<Buffer | undefined> {
        return Promise.resolve(this.models.get(sha256));
    }
}

/**
 * JSON state in a folder: writes go to a temp file then rename (atomic on one filesystem), one at
 * a time, so a crash leaves either the old or the new state, never half of one.
 */
export class FileStateStore implements StateStore {
    private queue: Promise<void> = Promise.resolve();

    constructor(private readonly dir: string) {}

    private get file(): string {
        return path.join(this.dir, 'state.json');
    }

    async load(): Promise<StudioState> {
        await mkdir(path.join(this.dir, 'models'), { recursive: true });
        try {
            const state = JSON.parse(await readFile(this.file, 'utf8')) as StudioState;
            if (state.version !== 1) throw new Error(`unsupported state version ${String(state.version)}`);
            return state;
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
            throw new Error(`Cannot read the studio state in ${this.file}: ${(err as Error).message}`, { cause: err });
        }
    }

    save(state: StudioState): Promise<void> {
        const text = JSON.stringify(state, null, 1);
        const write = async (): Promise<void> => {
            const tmp = `${this.file}.${process.pid}.tmp`;
            await writeFile(tmp, text, { mode: 0o600 });
            await rename(tmp, this.file);
        };
        this.queue = this.queue.then(write, write);
        return this.queue;
    }

    async putModel(sha256: string, bytes: Buffer): Promise<void> {
        const file = path.join(this.dir, 'models', `${sha256}.ilearner`);
        const tmp = `${file}.tmp`;
        await writeFile(tmp, bytes);
        await rename(tmp, file);
    }

    async getModel(sha256: string): Promise<Buffer | undefined> {
        try {
            return await readFile(path.join(this.dir, 'models', `${sha256}.ilearner`));
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw err;
        }
    }
}
