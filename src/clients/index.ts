export { WebServiceClient, WebServiceClientOptions, ARM_API_VERSION } from './arm/webServiceClient';
export {
    UpdateTrainedModelPoller,
    UpdateTrainedModelState,
    PollUntilDoneOptions,
} from './arm/updateTrainedModelPoller';
export type {
    ArmWebService,
    AssetItem,
    AsyncOperationStatus,
    UpdateTrainedModelResult,
    WebServiceKeys,
} from './arm/types';
export { BatchExecutionClient } from './bes/batchExecutionClient';
export type { AzureBlobDataReference, BatchExecutionRequest, BatchJob, JobStatus } from './bes/types';
export { TERMINAL_JOB_STATUSES } from './bes/types';
export { BlobLocation } from './blobLocation';
export { ClassicEndpointClient, ClassicEndpointClientOptions } from './classic/classicEndpointClient';
export type { AddEndpointRequest, ClassicEndpoint, ClassicWebService, TrainedModelConfirmation } from './classic/types';
export { ArmCredentialSpec, createArmCredential } from './credentialFactory';
export { EmulatorCredential } from './emulatorCredential';
export { isMlServiceError, MlServiceError } from './errors';
export { ClientLogger, createClientLogger } from './log';
export type { AbortSignalLike, ClientOptions, OperationOptions, OutgoingRequest, RetryOptions } from './options';
export { redact } from './redact';
export { ScoredTable, ScoreOptions, ScoringClient } from './scoring/scoringClient';
