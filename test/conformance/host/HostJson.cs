using System.Text.Json;
using System.Text.RegularExpressions;

namespace Retrainer.Conformance;

public sealed class HostJsonException(string message) : Exception(message);

/// <summary>
/// Reads the app's host.json the way the Functions host feeds the Durable extension: the
/// <c>extensions.durableTask</c> object becomes configuration under
/// <c>AzureWebJobs:extensions:durableTask</c>, with <c>%NAME%</c> replaced by the app setting
/// (environment variable) NAME. A missing setting is an error naming it.
/// </summary>
public static class HostJson
{
    public static void AddDurableTaskSettings(string path, IDictionary<string, string?> settings)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            throw new HostJsonException($"{path}: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.TryGetProperty("extensions", out var ext) && ext.TryGetProperty("durableTask", out var dt))
            {
                Flatten(path, "AzureWebJobs:extensions:durableTask", dt, settings);
            }
        }
    }

    /// <summary>A JSON object shaped like host.json's durableTask section, applied over it.</summary>
    public static void AddDurableTaskOverrides(string json, IDictionary<string, string?> settings)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new HostJsonException($"CONFORMANCE_DURABLETASK_OVERRIDES: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new HostJsonException("CONFORMANCE_DURABLETASK_OVERRIDES: expected a JSON object.");
            Flatten("CONFORMANCE_DURABLETASK_OVERRIDES", "AzureWebJobs:extensions:durableTask", doc.RootElement, settings);
        }
    }

    private static void Flatten(string path, string prefix, JsonElement e, IDictionary<string, string?> settings)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject()) Flatten(path, $"{prefix}:{p.Name}", p.Value, settings);
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray()) Flatten(path, $"{prefix}:{i++}", item, settings);
                break;
            case JsonValueKind.String:
                settings[prefix] = Regex.Replace(e.GetString()!, "%([^%]+)%", m =>
                    Environment.GetEnvironmentVariable(m.Groups[1].Value)
                    ?? throw new HostJsonException($"{path}: {prefix} refers to app setting %{m.Groups[1].Value}%, which is not set."));
                break;
            default:
                settings[prefix] = e.ToString();
                break;
        }
    }
}
