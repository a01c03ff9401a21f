#!/bin/sh
# Subscribes the blob trigger to BlobCreated events of the training-data container. Runs after
# `azd deploy`: the webhook needs the host's blobs_extension system key, which the Functions host
# creates when the deployed app first starts. Idempotent: `create` updates an existing subscription.
# azd exports the environment's values (the outputs of infra/main.bicep) to hooks.
set -eu

command -v az >/dev/null 2>&1 || { echo "postdeploy: the Azure CLI (az) is required" >&2; exit 1; }

function_name="onTrainingData"
key=""
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    key=$(az functionapp keys list -n "$AZURE_FUNCTION_APP_NAME" -g "$AZURE_RESOURCE_GROUP" \
        --query "systemKeys.blobs_extension" -o tsv 2>/dev/null || true)
    [ -n "$key" ] && break
    echo "postdeploy: waiting for the host to create the blobs_extension key ($attempt/10)"
    sleep 15
done
[ -n "$key" ] || { echo "postdeploy: no blobs_extension key; is the app running?" >&2; exit 1; }

# SERVICE_API_URI is the site's real default host name (Flex apps may not be <name>.azurewebsites.net).
endpoint="${SERVICE_API_URI}/runtime/webhooks/blobs?functionName=Host.Functions.${function_name}&code=${key}"

az eventgrid system-topic event-subscription create \
    --name "retrainer-training-data" \
    --resource-group "$AZURE_RESOURCE_GROUP" \
    --system-topic-name "$EVENTGRID_SYSTEM_TOPIC_NAME" \
    --endpoint-type webhook \
    --endpoint "$endpoint" \
    --included-event-types Microsoft.Storage.BlobCreated \
    --subject-begins-with "/blobServices/default/containers/${RETRAINER_DATA_CONTAINER}/" \
    --output none

echo "postdeploy: Event Grid delivers BlobCreated in '${RETRAINER_DATA_CONTAINER}' to ${function_name}."
