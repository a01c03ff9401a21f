// Deployed into the resource group of the ARM web services: the app identity may read a web
// service definition and PUT it back with the new trained model's asset location.
param webServiceNames array
param principalId string
param roleDefinitionId string

resource webServices 'Microsoft.MachineLearning/webServices@2017-01-01' existing = [
  for webServiceName in webServiceNames: {
    name: webServiceName
  }
]

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for i in range(0, length(webServiceNames)): {
    name: guid(webServices[i].id, principalId, roleDefinitionId)
    scope: webServices[i]
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
    }
  }
]
