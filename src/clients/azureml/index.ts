export {
    AzureMlClient,
    AzureMlClientOptions,
    AzureMlWorkspaceRef,
    AZUREML_API_VERSION,
    CommandJobSpec,
    DeploymentInfo,
    DeploymentSpec,
    EndpointInfo,
    JobInfo,
    ModelVersionSpec,
    OperationHandle,
    OperationProgress,
    ScoreRequest,
    ScoreResult,
    TERMINAL_JOB_STATUSES,
} from './azureMlClient';
export { AzureMlError, isAzureMlError } from './errors';
export { deriveDeploymentName, deriveJobName, deriveModelVersion } from './names';
export { DatastoreContainers, jobModelUri, readJobMetrics } from './outputs';
export {
    checkMetricsWindow,
    DeploymentMetrics,
    DeploymentMetricsSource,
    DeploymentMetricsWindow,
} from './deploymentMetrics';
export {
    AzureMonitorDeploymentMetrics,
    AzureMonitorDeploymentMetricsOptions,
    ONLINE_ENDPOINT_METRICS,
} from './azureMonitorMetrics';
export {
    DeploymentMetricsConfig,
    DeploymentMetricsContext,
    DeploymentMetricsProvider,
    createDeploymentMetricsSource,
    deploymentMetricsKinds,
    deploymentMetricsSchema,
    registerDeploymentMetricsProvider,
} from './deploymentMetricsSources';
