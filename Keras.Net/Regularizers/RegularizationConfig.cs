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
        JsonObject o => RegularizerRegistry.FromConfig(o["class_name"]?.GetValue<string>() ?? throw new FormatException($"'{key}' has no class_name."),
            o["config"] as JsonObject ?? new JsonObject()),
        var other => throw new FormatException($"'{key}' should be a regularizer; got {other.ToJsonString()}."),
    };

    /// <summary>The constraint stored under <paramref name="key"/> (a name or a serialized object), or null.</summary>
    public static Constraint? Constraint(this ConfigReader config, string key) => config.Node(key) switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var name) => Constraints.Constraint.Get(name),
        JsonObject o => ConstraintRegistry.FromConfig(o["class_name"]?.GetValue<string>() ?? throw new FormatException($"'{key}' has no class_name."),
            o["config"] as JsonObject ?? new JsonObject()),
        var other => throw new FormatException($"'{key}' should be a constraint; got {other.ToJsonString()}."),
    };
}
