#!/bin/sh
# Subscribes the blob trigger to BlobCreated events of the training-data container. Runs after
# `azd deploy`: the webhook needs the host's blobs_extension system key, which the Functions host
# creates when the deployed app first starts. azd exports the environment's values (the outputs of
# infra/main.bicep) to hooks.
#
# Idempotent: the subscription is written with one PUT of the Event Grid REST API
# (System Topic Event Subscriptions - Create Or Update: "Existing event subscriptions will be
# updated with this API"), so a second run leaves one subscription with the same settings.
# A REST PUT rather than `az eventgrid system-topic event-subscription create`, because that
# command's identity-based dead-letter flags (--deadletter-identity, --deadletter-identity-endpoint)
# differ between Azure CLI versions, and the account refuses shared keys, so dead letters must be
# written with the system topic's identity (deadLetterWithResourceIdentity).
set -eu

command -v az >/dev/null 2>&1 || {
    echo "postdeploy: the Azure CLI (az) is required" >&2
    exit 1
}

: "${AZURE_RESOURCE_GROUP:?postdeploy: AZURE_RESOURCE_GROUP is not set; run azd provision first}"
: "${AZURE_FUNCTION_APP_NAME:?postdeploy: AZURE_FUNCTION_APP_NAME is not set; run azd provision first}"
: "${SERVICE_API_URI:?postdeploy: SERVICE_API_URI is not set; run azd provision first}"
: "${EVENTGRID_SYSTEM_TOPIC_ID:?postdeploy: EVENTGRID_SYSTEM_TOPIC_ID is not set; run azd provision first}"
: "${EVENTGRID_DEADLETTER_CONTAINER:?postdeploy: EVENTGRID_DEADLETTER_CONTAINER is not set; run azd provision first}"
: "${AZURE_STORAGE_ACCOUNT_ID:?postdeploy: AZURE_STORAGE_ACCOUNT_ID is not set; run azd provision first}"
: "${RETRAINER_DATA_CONTAINER:?postdeploy: RETRAINER_DATA_CONTAINER is not set; run azd provision first}"

function_name="onTrainingData"
subscription_name="retrainer-training-data"
api_version="2025-02-15"
# Event Grid's own defaults, written out so a re-run restores them: 30 attempts within 24 hours,
# then the event is dead-lettered.
max_delivery_attempts=30
event_ttl_minutes=1440
# The host creates the key when the app first starts; a cold Flex app can take minutes.
attempts="${POSTDEPLOY_KEY_ATTEMPTS:-20}"
interval="${POSTDEPLOY_KEY_INTERVAL_SECONDS:-15}"

key=""
attempt=1
while [ "$attempt" -le "$attempts" ]; do
    key=$(az functionapp keys list --name "$AZURE_FUNCTION_APP_NAME" --resource-group "$AZURE_RESOURCE_GROUP" \
        --query "systemKeys.blobs_extension" --output tsv 2>/dev/null || true)
    [ -n "$key" ] && break
    echo "postdeploy: waiting for the host to create the blobs_extension key ($attempt/$attempts)"
    attempt=$((attempt + 1))
    sleep "$interval"
done
[ -n "$key" ] || {
    echo "postdeploy: no blobs_extension key after $attempts tries; is the app running? Check 'az functionapp show' and its logs, then run 'azd hooks run postdeploy'." >&2
    exit 1
}
case "$key" in
    *[!A-Za-z0-9_=/+-]*)
        echo "postdeploy: the blobs_extension key has unexpected characters; refusing to build the webhook URL" >&2
        exit 1
        ;;
esac

# SERVICE_API_URI is the site's real default host name (Flex apps may not be <name>.azurewebsites.net).
endpoint="${SERVICE_API_URI}/runtime/webhooks/blobs?functionName=Host.Functions.${function_name}&code=${key}"

body=$(cat <<JSON
{
  "properties": {
    "destination": {
      "endpointType": "WebHook",
      "properties": { "endpointUrl": "${endpoint}" }
    },
    "filter": {
      "includedEventTypes": ["Microsoft.Storage.BlobCreated"],
      "subjectBeginsWith": "/blobServices/default/containers/${RETRAINER_DATA_CONTAINER}/",
      "isSubjectCaseSensitive": false
    },
    "eventDeliverySchema": "EventGridSchema",
    "retryPolicy": {
      "maxDeliveryAttempts": ${max_delivery_attempts},
      "eventTimeToLiveInMinutes": ${event_ttl_minutes}
    },
    "deadLetterWithResourceIdentity": {
      "identity": { "type": "SystemAssigned" },
      "deadLetterDestination": {
        "endpointType": "StorageBlob",
        "properties": {
          "resourceId": "${AZURE_STORAGE_ACCOUNT_ID}",
          "blobContainerName": "${EVENTGRID_DEADLETTER_CONTAINER}"
        }
      }
    }
  }
}
JSON
)

# A URL that starts with a resource id: az rest prefixes the ARM endpoint of the current cloud.
az rest --method put \
    --url "${EVENTGRID_SYSTEM_TOPIC_ID}/eventSubscriptions/${subscription_name}?api-version=${api_version}" \
    --headers "Content-Type=application/json" \
    --body "$body" \
    --output none

echo "postdeploy: Event Grid delivers BlobCreated in '${RETRAINER_DATA_CONTAINER}' to ${function_name}; dead letters go to '${EVENTGRID_DEADLETTER_CONTAINER}'."
