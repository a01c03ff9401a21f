using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;

namespace Retrainer.Conformance;

/// <summary>
/// Captures the durableClient binding JSON the extension gives a Node app (string-typed
/// DurableClient: task hub, management URL templates and the local RPC base URL), so the bridge can
/// hand the very same JSON to the app's durable client.
/// </summary>
public static class ClientBinding
{
    public static string? Json;

    [NoAutomaticTrigger]
    [FunctionName("ConformancePublishClient")]
    public static void ConformancePublishClient([DurableClient] string client) => Json = client;
}
