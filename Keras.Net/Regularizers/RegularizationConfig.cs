using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Regularizers;

namespace Keras.Saving;

/// <summary>Serialized forms of regularizers and constraints (<c>{"module", "class_name", "config"}</c>) in layer configs.</summary>
public static class RegularizationConfig
{
    /// <summary>Keras's serialized form of a regularizer, or null.</summary>
    public static JsonNode? Serialize(Regularizer? r) => r is null ? null : new JsonObject
    {
        ["module"] = "keras.regularizers",
        ["class_name"] = r.ClassName,
        ["config"] = r.GetConfig(),
        ["registered_name"] = null,
    };

    /// <summary>Keras's serialized form of a constraint, or null.</summary>
    public static JsonNode? Serialize(Constraint? c) => c is null ? null : new JsonObject
    {
        ["module"] = "keras.constraints",
        ["class_name"] = c.ClassName,
        ["config"] = c.GetConfig(),
        ["registered_name"] = null,
    };

    /// <summary>The regularizer stored under <paramref name="key"/> (a name or a serialized object), or null.</summary>
    public static Regularizer? Regularizer(this ConfigReader config, string key) => config.Node(key) switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var name) => Regularizers.Regularizer.Get(name),
        // Keras 1 wrote {"name": "WeightRegularizer" (or "ActivityRegularizer"), "l1": …, "l2": …}.
        JsonObject o when o["class_name"] is null && o["name"] is JsonValue => RegularizerRegistry.FromConfig("L1L2", o),
        JsonObject o => RegularizerRegistry.FromConfig(o["class_name"]?.GetValue<string>() ?? throw new FormatException($"'{key}' has no class_name."),
            o["config"] as JsonObject ?? new JsonObject()),
        var other => throw new FormatException($"'{key}' should be a regularizer; got {other.ToJsonString()}."),
    };

    private static JsonObject Keras1Constraint(JsonObject o)
    {
        var c = (JsonObject)o.DeepClone();
        if (c["m"] is { } m) c["max_value"] = m.DeepClone();
        if (c["low"] is { } low) c["min_value"] = low.DeepClone();
        if (c["high"] is { } high) c["max_value"] = high.DeepClone();
        return c;
    }

    /// <summary>The constraint stored under <paramref name="key"/> (a name or a serialized object), or null.</summary>
    public static Constraint? Constraint(this ConfigReader config, string key) => config.Node(key) switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var name) => Constraints.Constraint.Get(name),
        // Keras 1 wrote {"name": "MaxNorm", "m": 2, "axis": 0} and the like.
        JsonObject o when o["class_name"] is null && o["name"] is JsonValue n => ConstraintRegistry.FromConfig(n.GetValue<string>(), Keras1Constraint(o)),
        JsonObject o => ConstraintRegistry.FromConfig(o["class_name"]?.GetValue<string>() ?? throw new FormatException($"'{key}' has no class_name."),
            o["config"] as JsonObject ?? new JsonObject()),
        var other => throw new FormatException($"'{key}' should be a constraint; got {other.ToJsonString()}."),
    };
}
