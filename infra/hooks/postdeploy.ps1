# Windows twin of postdeploy.sh: subscribes the blob trigger to BlobCreated events of the
# training-data container once the deployed host has created its blobs_extension key.
$ErrorActionPreference = 'Stop'

if (-not (Get-Command az -ErrorAction SilentlyContinue)) { throw 'postdeploy: the Azure CLI (az) is required' }

$functionName = 'onTrainingData'
$key = ''
foreach ($attempt in 1..10) {
    $key = az functionapp keys list -n $env:AZURE_FUNCTION_APP_NAME -g $env:AZURE_RESOURCE_GROUP `
        --query 'systemKeys.blobs_extension' -o tsv 2>$null
    if ($key) { break }
    Write-Host "postdeploy: waiting for the host to create the blobs_extension key ($attempt/10)"
    Start-Sleep -Seconds 15
}
if (-not $key) { throw 'postdeploy: no blobs_extension key; is the app running?' }

# SERVICE_API_URI is the site's real default host name (Flex apps may not be <name>.azurewebsites.net).
$endpoint = "$($env:SERVICE_API_URI)/runtime/webhooks/blobs?functionName=Host.Functions.$functionName&code=$key"

az eventgrid system-topic event-subscription create `
    --name 'retrainer-training-data' `
    --resource-group $env:AZURE_RESOURCE_GROUP `
    --system-topic-name $env:EVENTGRID_SYSTEM_TOPIC_NAME `
    --endpoint-type webhook `
    --endpoint $endpoint `
    --included-event-types Microsoft.Storage.BlobCreated `
    --subject-begins-with "/blobServices/default/containers/$($env:RETRAINER_DATA_CONTAINER)/" `
    --output none
if ($LASTEXITCODE -ne 0) { throw 'postdeploy: creating the Event Grid subscription failed' }

Write-Host "postdeploy: Event Grid delivers BlobCreated in '$($env:RETRAINER_DATA_CONTAINER)' to $functionName."
