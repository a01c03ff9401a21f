// The storage account's system topic. The blob trigger's subscription on it is created by
// infra/hooks/postdeploy.* because its webhook URL carries the host's blobs_extension key, which
// exists only after the app is deployed and started.
param name string
param location string
param tags object
param storageAccountName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name
