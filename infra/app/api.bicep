// The function app on Flex Consumption. Every connection is identity-based (the storage account
// has shared keys off), and every API key is a Key Vault reference, so no secret is a setting value.
param name string
param planName string
param location string
param tags object
param nodeVersion string
param identityId string
param identityClientId string
@description('The storage account\'s service endpoints (https://<account>.<service>.core.windows.net/), from its deployment: passed in, so the settings below stay one object in the emitted template.')
param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerName string
param appInsightsConnectionString string
param keyVaultUri string
param secretSettingNames array
param taskHubName string
param dataContainerName string
param runsContainerName string
param timerSchedule string

@description('Scale-out ceiling; Durable Functions spreads orchestrations and activities over instances.')
param maximumInstanceCount int = 40

@allowed([2048, 4096])
param instanceMemoryMB int = 2048

// The settings the app and its bindings read (src/index.ts, src/activities/runtime.ts,
// src/functions/*, host.json); test/infra checks this list against the code.
var appSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  AZURE_CLIENT_ID: identityClientId
  TASKHUB_NAME: taskHubName
  RETRAINER_CONFIG_PATH: 'retrainer.config.json'
  RETRAINER_DATA_STORAGE__credential: 'managedidentity'
  RETRAINER_DATA_STORAGE__clientId: identityClientId
  RETRAINER_DATA_STORAGE__blobServiceUri: storageBlobEndpoint
  RETRAINER_DATA_CONTAINER: dataContainerName
  RETRAINER_RUNS_CONTAINER: runsContainerName
  RETRAINER_TIMER_SCHEDULE: timerSchedule
}

// Key Vault secret names allow only letters, digits and hyphens: CHURN_TRAINING_API_KEY is read
// from the secret CHURN-TRAINING-API-KEY.
var secretSettings = toObject(secretSettingNames, n => n, n => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${replace(n, '_', '-')})')

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, secretSettings)
  }
}

output name string = site.name
output uri string = 'https://${site.properties.defaultHostName}'
