import type { BlobLocation } from '../blobLocation';

/** One input or output of a batch job, as BES names it (`AzureBlobDataReference`). */
export interface AzureBlobDataReference {
    /** Account-key blobs: a storage connection string. A secret: never logged. */
    ConnectionString?: string;
    /** `container/path/blob.ext`; used with either form. */
    RelativeLocation?: string;
    /** SAS blobs: the blob service endpoint with a trailing slash. */
    BaseLocation?: string;
    /** SAS blobs: the token, starting with `?`. A secret: never logged. */
    SasBlobToken?: string;
}

/** The BES submit body. Names are the Web Service Input/Output module names (`input1`, `output1`...). */
export interface BatchExecutionRequest {
    Inputs?: Record<string, AzureBlobDataReference>;
    Outputs?: Record<string, AzureBlobDataReference>;
    GlobalParameters?: Record<string, string>;
}

export const JOB_STATUSES = ['NotStarted', 'Running', 'Failed', 'Cancelled', 'Finished'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(['Failed', 'Cancelled', 'Finished']);

export interface BatchJob {
    id: string;
    status: JobStatus;
    /** Output name -> where the service wrote it (fresh SAS on every read). Only when Finished. */
    results: Record<string, BlobLocation>;
    /** The failure reason when Failed. */
    details?: string;
}
