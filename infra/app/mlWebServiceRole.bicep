// Deployed into the resource group of the ARM web services: the app identity may read a web
// service definition and PUT it back with the new trained model's asset location.
param webServiceNames array
param identityName string
param identityResourceGroupName string
param roleDefinitionId string

resource webServices 'Microsoft.MachineLearning/webServices@2017-01-01' existing = [
  for webServiceName in webServiceNames: {
    name: webServiceName
  }
]

// The identity lives in the app's resource group; this module runs in the web services' group.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
  scope: resourceGroup(identityResourceGroupName)
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for i in range(0, length(webServiceNames)): {
    name: guid(webServices[i].id, identity.id, roleDefinitionId)
    scope: webServices[i]
    properties: {
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
    }
  }
]
