targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; it seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer the Flex Consumption plan.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the person deploying: granted data and secret access for uploads and debugging. Empty to skip.')
param principalId string = ''

@description('User or ServicePrincipal: the kind of principalId.')
@allowed(['User', 'ServicePrincipal'])
param principalType string = 'User'

@description('Node.js major version the Functions host runs.')
@allowed(['20', '22'])
param nodeVersion string = '20'

@description('App settings the retrainer config names for secrets (API keys); each becomes a Key Vault reference to the secret of the same name with _ replaced by -.')
param secretSettingNames array

@description('The container training files are dropped into (RETRAINER_DATA_CONTAINER).')
param dataContainerName string = 'training-data'

@description('The container for run records and champions (RETRAINER_RUNS_CONTAINER).')
param runsContainerName string = 'retrainer-runs'

@description('The container Event Grid writes undeliverable BlobCreated events to (the subscription\'s dead-letter destination).')
param deadLetterContainerName string = 'eventgrid-deadletter'

@description('Containers the targets write model outputs to (each target\'s modelOutput.container).')
param modelContainerNames array = ['models']

@description('NCRONTAB schedule of the timer that starts targets whose own schedule came due.')
param timerSchedule string = '0 */5 * * * *'

@description('Durable Functions task hub name.')
param taskHubName string = 'RetrainerHub'

@description('Resource group of the ARM (Microsoft.MachineLearning/webServices) web services the app updates; empty to skip the role assignment.')
param mlWebServicesResourceGroup string = ''

@description('Names of those web services; the app identity gets mlWebServiceRoleId on each.')
param mlWebServiceNames array = []

@description('Role for ARM web service updates; default Contributor. A custom role with Microsoft.MachineLearning/webServices/read and /write is enough.')
param mlWebServiceRoleId string = 'b24988ac-6180-42a0-ab88-20f7382dd24c'

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'
// Names are computed here, not read from module outputs, so every module's resource identifiers are
// known before deployment (what-if sees them; lint rule what-if-short-circuiting).
var identityName = '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var keyVaultName = '${abbrs.keyVaultVaults}${resourceToken}'
var appInsightsName = '${abbrs.insightsComponents}${resourceToken}'
var systemTopicName = '${abbrs.eventGridSystemTopics}${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    containerNames: union(
      [deploymentContainerName, dataContainerName, runsContainerName, deadLetterContainerName],
      modelContainerNames
    )
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    appInsightsName: appInsightsName
    location: location
    tags: tags
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    appInsightsName: appInsightsName
    identityName: identityName
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
  dependsOn: [identity, storage, keyVault, monitoring]
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    nodeVersion: nodeVersion
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultUri: keyVault.outputs.uri
    secretSettingNames: secretSettingNames
    taskHubName: taskHubName
    dataContainerName: dataContainerName
    runsContainerName: runsContainerName
    timerSchedule: timerSchedule
  }
  // The app starts on deploy and reads storage and Key Vault with these roles.
  dependsOn: [rbac]
}

module eventGrid 'app/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    name: systemTopicName
    location: location
    tags: tags
    storageAccountName: storageAccountName
    deadLetterContainerName: deadLetterContainerName
  }
  dependsOn: [storage]
}

module mlRole 'app/mlWebServiceRole.bicep' = if (!empty(mlWebServicesResourceGroup) && !empty(mlWebServiceNames)) {
  name: 'ml-webservice-role'
  scope: resourceGroup(!empty(mlWebServicesResourceGroup) ? mlWebServicesResourceGroup : rg.name)
  params: {
    webServiceNames: mlWebServiceNames
    identityName: identityName
    identityResourceGroupName: rg.name
    roleDefinitionId: mlWebServiceRoleId
  }
  dependsOn: [identity]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output RETRAINER_DATA_CONTAINER string = dataContainerName
output EVENTGRID_SYSTEM_TOPIC_NAME string = eventGrid.outputs.name
output EVENTGRID_SYSTEM_TOPIC_ID string = eventGrid.outputs.id
output EVENTGRID_DEADLETTER_CONTAINER string = deadLetterContainerName
output AZURE_STORAGE_ACCOUNT_ID string = storage.outputs.id
