// The storage account's system topic, with a system-assigned identity. The blob trigger's
// subscription on it is created by infra/hooks/postdeploy.sh because its webhook URL carries the
// host's blobs_extension key, which exists only after the app is deployed and started. That
// subscription dead-letters undeliverable events into deadLetterContainerName, delivered with this
// topic's identity: the account refuses shared keys, so a key-based dead-letter destination fails.
param name string
param location string
param tags object
param storageAccountName string
param deadLetterContainerName string

// Storage Blob Data Contributor: Event Grid writes dead-lettered events as blobs.
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deadLetter 'containers' existing = {
      name: deadLetterContainerName
    }
  }
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// Scoped to the one container, so the topic can write dead letters and touch nothing else.
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::deadLetter.id, topic.id, storageBlobDataContributor)
  scope: storage::blobService::deadLetter
  properties: {
    principalId: topic.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
  }
}

output name string = topic.name
output id string = topic.id
output principalId string = topic.identity.principalId
