// The conformance host: a plain WebJobs host (no Functions host) that loads the real Durable Task
// extension on Azure Storage (Azurite) and runs the app's orchestrators and activities through
// generated proxy functions that forward each invocation to the app's code in a Node bridge.
//
//   dotnet ConformanceHost.dll selftest            a C# orchestrator + activity, end to end (no Node)
//   dotnet ConformanceHost.dll serve <appRoot>     host the app's proxies until stdin closes
//
// Environment: AzureWebJobsStorage (Azurite connection string), CONFORMANCE_BRIDGE_URL (serve),
// and the app settings host.json refers to with %NAME%.
using System.Text.Json.Nodes;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Retrainer.Conformance;

var mode = args.Length > 0 ? args[0] : "";
if (mode != "selftest" && mode != "serve")
{
    Console.Error.WriteLine("usage: ConformanceHost selftest | serve <appRoot>");
    return 2;
}
if (Environment.GetEnvironmentVariable("AzureWebJobsStorage") is null or "")
{
    Console.Error.WriteLine("AzureWebJobsStorage is not set: the conformance host needs Azurite's connection string.");
    return 2;
}
// The Durable extension picks its out-of-process protocol from the worker runtime: "node" selects
// the JSON OrchestratorState protocol durable-functions speaks, and the local HTTP RPC endpoint the
// JS durable client calls, exactly as under the Functions host running a Node app.
Environment.SetEnvironmentVariable("FUNCTIONS_WORKER_RUNTIME", "node");

var settings = new Dictionary<string, string?>();
if (mode == "serve")
{
    if (args.Length < 2)
    {
        Console.Error.WriteLine("usage: ConformanceHost serve <appRoot>");
        return 2;
    }
    try
    {
        HostJson.AddDurableTaskSettings(Path.Combine(args[1], "host.json"), settings);
        // The harness shortens what the dev host also runs shortened (its --lease-ms), e.g. how long
        // a crashed worker's queue messages stay invisible; the same durableTask shape as host.json.
        var overrides = Environment.GetEnvironmentVariable("CONFORMANCE_DURABLETASK_OVERRIDES");
        if (!string.IsNullOrEmpty(overrides)) HostJson.AddDurableTaskOverrides(overrides, settings);
    }
    catch (HostJsonException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
}
else
{
    settings["AzureWebJobs:extensions:durableTask:hubName"] = "ConformanceSelfTest";
}

var builder = new HostBuilder()
    .ConfigureAppConfiguration(c => c.AddInMemoryCollection(settings))
    .ConfigureWebJobs(b => b.AddDurableTask())
    // The Functions host supplies its public URL for the management links in client payloads; a
    // bare WebJobs host has no Microsoft.Azure.WebJobs.Host.Config.IWebHookProvider and the extension dereferences null. The JS client
    // calls rpcBaseUrl (the extension's own local endpoint) and never these links.
    .ConfigureServices(s => s.AddSingleton<Microsoft.Azure.WebJobs.Host.Config.IWebHookProvider>(new FixedWebHookProvider(
        Environment.GetEnvironmentVariable("CONFORMANCE_WEBHOOK_URL") ?? "http://localhost:7071/runtime/webhooks/durabletask")))
    .ConfigureLogging(l =>
    {
        l.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        l.SetMinimumLevel(LogLevel.Information);
        // The storage SDK logs every request at Information; the engine's own lines are what matter.
        l.AddFilter("Azure.Core", LogLevel.Warning);
        l.AddFilter("DurableTask.AzureStorage", LogLevel.Warning);
        l.AddFilter("DurableTask.Core", LogLevel.Warning);
    });
using var host = builder.Build();
await host.StartAsync();
var jobHost = (JobHost)host.Services.GetService(typeof(IJobHost))!;

if (mode == "selftest")
{
    await jobHost.CallAsync(nameof(SelfTest.ConformanceSelfTestRun));
    await host.StopAsync();
    Console.WriteLine($"CONFORMANCE_SELFTEST {SelfTest.Outcome}");
    return SelfTest.Outcome == "Completed \"Hello, Tokyo!\"" ? 0 : 1;
}

await jobHost.CallAsync(nameof(ClientBinding.ConformancePublishClient));
await NodeBridge.SendClient(ClientBinding.Json!);
Console.WriteLine($"CONFORMANCE_HOST_READY {JsonNode.Parse(ClientBinding.Json!)?["rpcBaseUrl"]}");
// The parent (the harness) closes stdin to stop the host gracefully, so leases are released.
await Console.In.ReadToEndAsync();
await host.StopAsync();
return 0;

sealed class FixedWebHookProvider(string url) : Microsoft.Azure.WebJobs.Host.Config.IWebHookProvider
{
    public Uri GetUrl(Microsoft.Azure.WebJobs.Host.Config.IExtensionConfigProvider extension) => new(url);
}
