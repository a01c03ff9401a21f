using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;

namespace Retrainer.Conformance;

/// <summary>
/// The engine without Node: an in-process C# orchestrator calling one activity, started and polled
/// through the extension's own client. If this fails the packages or Azurite are at fault, not the
/// bridge.
/// </summary>
public static class SelfTest
{
    public static string Outcome = "not run";

    [FunctionName("ConformanceSelfTestOrchestrator")]
    public static Task<string> ConformanceSelfTestOrchestrator([OrchestrationTrigger] IDurableOrchestrationContext ctx) =>
        ctx.CallActivityAsync<string>("ConformanceSelfTestActivity", "Tokyo");

    [FunctionName("ConformanceSelfTestActivity")]
    public static string ConformanceSelfTestActivity([ActivityTrigger] string name) => $"Hello, {name}!";

    [NoAutomaticTrigger]
    [FunctionName("ConformanceSelfTestRun")]
    public static async Task ConformanceSelfTestRun([DurableClient] IDurableClient client)
    {
        var id = await client.StartNewAsync("ConformanceSelfTestOrchestrator", "selftest-" + Guid.NewGuid().ToString("N"));
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var s = await client.GetStatusAsync(id);
            if (s != null && s.RuntimeStatus is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated)
            {
                Outcome = $"{s.RuntimeStatus} {s.Output?.ToString(Newtonsoft.Json.Formatting.None)}";
                return;
            }
            await Task.Delay(100);
        }
        Outcome = "timed out after 120 s";
    }
}
