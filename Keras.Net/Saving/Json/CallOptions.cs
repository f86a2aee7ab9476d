using System.Reflection;
using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Models;

namespace Keras.Saving.Json;

/// <summary>
/// Keras call arguments that Keras.Net layers hold as settable options (e.g. Attention's
/// <c>ReturnAttentionScores</c>): when a functional model is saved they are written back into the
/// layer's inbound-node <c>kwargs</c>, where Keras records them.
/// </summary>
internal static class CallOptions
{
    private static readonly string[] Known = ["return_attention_scores", "use_causal_mask"];

    /// <summary>Adds the options of the model's layers to the nodes of its serialized config (nested models too).</summary>
    public static JsonObject Annotate(JsonObject serialized, Model model)
    {
        if (serialized["config"] is not JsonObject config || config["layers"] is not JsonArray layers) return serialized;
        var byName = model.Layers.GroupBy(l => l.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var entry in layers.OfType<JsonObject>())
        {
            var name = entry["name"]?.ToString() ?? (entry["config"] as JsonObject)?["name"]?.ToString();
            if (name is null || !byName.TryGetValue(name, out var layer)) continue;
            if (layer is Model nested)
            {
                Annotate(entry, nested);
                continue;
            }
            var options = Options(layer);
            if (options.Count == 0 || entry["inbound_nodes"] is not JsonArray nodes) continue;
            foreach (var node in nodes.OfType<JsonObject>())
            {
                if (node["kwargs"] is not JsonObject kwargs) node["kwargs"] = kwargs = new JsonObject();
                foreach (var (k, v) in options) kwargs[k] = v;
            }
        }
        return serialized;
    }

    private static List<(string Key, bool Value)> Options(Layer layer)
    {
        var result = new List<(string, bool)>();
        foreach (var key in Known)
        {
            var pascal = string.Concat(key.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
            var property = layer.GetType().GetProperty(pascal, BindingFlags.Public | BindingFlags.Instance);
            if (property is { CanWrite: true, PropertyType: var t } && t == typeof(bool) && property.SetMethod is { IsPublic: true }
                && property.GetValue(layer) is true)
                result.Add((key, true));
        }
        return result;
    }
}
