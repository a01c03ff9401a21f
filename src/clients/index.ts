export {
    ARM_API_VERSION,
    BeginUpdateTrainedModelOptions,
    UpdateTrainedModelPoller,
    UpdateTrainedModelState,
    WebServiceClient,
    WebServiceClientOptions,
} from './arm/webServiceClient';
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
export {
    ArmCredentialConfig,
    ArmCredentialProvider,
    armCredentialKinds,
    createArmCredential,
    registerArmCredentialProvider,
} from './armCredentials';
export { ClientPipeline, retryBudget } from './clientPipeline';
export { isMlServiceError, MlServiceError } from './errors';
export { ClientLogger, createClientLogger } from './log';
export type { AbortSignalLike, ClientOptions, OperationOptions, OutgoingRequest, RetryOptions } from './options';
export { DEFAULT_RETRY } from './options';
export { redact } from './redact';
export { ScoredTable, ScoreOptions, ScoringClient } from './scoring/scoringClient';
