using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Retrainer.Conformance;

/// <summary>
/// The .NET end of the Node bridge (test/conformance/bridge.ts): each proxy function posts its
/// trigger payload there and returns what the app's code returned, the way the Functions host
/// relays an invocation to the Node language worker.
/// </summary>
public static class NodeBridge
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    private static string BaseUrl =>
        Environment.GetEnvironmentVariable("CONFORMANCE_BRIDGE_URL")
        ?? throw new InvalidOperationException("CONFORMANCE_BRIDGE_URL is not set: the proxies have no Node bridge to call.");

    /// <summary>
    /// Posts to the bridge. A 503 means the app is not loaded yet (the engine can resume work the
    /// moment it starts, before the bridge has the client binding); that is polled for up to 120 s.
    /// </summary>
    private static async Task<JsonObject> Post(string path, string body)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        HttpResponseMessage res;
        string text;
        while (true)
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            res = await Http.PostAsync($"{BaseUrl}{path}", content);
            text = await res.Content.ReadAsStringAsync();
            if (res.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline) break;
            res.Dispose();
            await Task.Delay(200);
        }
        using var _ = res;
        if (!res.IsSuccessStatusCode)
            throw new InvalidOperationException($"Node bridge {path} answered {(int)res.StatusCode}: {text}");
        return JsonNode.Parse(text) as JsonObject
            ?? throw new InvalidOperationException($"Node bridge {path} answered a non-object: {text}");
    }

    /// <summary>
    /// A failure in the shape of the Functions host's RpcException message ("Result: Failure\nException:
    /// ...\nStack: ..."), which is what the extension parses to find durable-functions'
    /// <c>$OutOfProcData$</c> state inside an orchestrator's error.
    /// </summary>
    private static Exception RpcFailure(JsonObject body) =>
        new InvalidOperationException(
            $"Result: Failure\nException: {body["message"]?.GetValue<string>()}\nStack: {body["stack"]?.GetValue<string>()}");

    public static async Task<string> Orchestrate(string name, string context)
    {
        var body = await Post($"/orchestrate/{Uri.EscapeDataString(name)}", context);
        if (body["ok"]?.GetValue<bool>() != true) throw RpcFailure(body);
        return body["state"]?.ToJsonString() ?? throw new InvalidOperationException($"Orchestrator '{name}' returned no state.");
    }

    public static async Task<object?> Activity(string name, string? input, string instanceId)
    {
        var payload = new JsonObject { ["input"] = input, ["instanceId"] = instanceId };
        var body = await Post($"/activity/{Uri.EscapeDataString(name)}", payload.ToJsonString());
        if (body["ok"]?.GetValue<bool>() != true) throw RpcFailure(body);
        var result = body["result"];
        // Newtonsoft is the extension's serializer: hand it a JToken so the activity output is the
        // JS value itself, not a string holding its JSON.
        return result is null ? null : Newtonsoft.Json.Linq.JToken.Parse(result.ToJsonString());
    }

    public static async Task SendClient(string clientJson)
    {
        var body = await Post("/client", clientJson);
        if (body["ok"]?.GetValue<bool>() != true)
            throw new InvalidOperationException($"Node bridge refused the durable client binding: {body}");
    }
}
