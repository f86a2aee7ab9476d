using System.Text.Json;
using System.Text.Json.Nodes;
using Keras.Initializers;

namespace Keras.Saving;

/// <summary>
/// Typed access to a Keras config (<c>get_config()</c> JSON), tolerant of the forms Keras writes:
/// numbers as ints or floats, tuples as arrays or <c>{"__tuple__": true, "items": […]}</c>, dtypes as
/// strings or <c>DTypePolicy</c> objects. Missing keys take the given default; a wrong type raises
/// a <see cref="FormatException"/> naming the layer class and the key.
/// </summary>
public sealed class ConfigReader
{
    private readonly JsonObject _config;
    private readonly string _owner;

    /// <summary>Reads <paramref name="config"/>, the config of a <paramref name="owner"/> (used in messages).</summary>
    public ConfigReader(JsonObject config, string owner)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _owner = owner;
    }

    /// <summary>The raw config.</summary>
    public JsonObject Json => _config;

    /// <summary>True when the key is present and not null.</summary>
    public bool Has(string key) => _config.TryGetPropertyValue(key, out var v) && v is not null;

    /// <summary>The raw value, or null.</summary>
    public JsonNode? Node(string key) => _config.TryGetPropertyValue(key, out var v) ? v : null;

    private FormatException Bad(string key, string expected, JsonNode? got) =>
        new($"{_owner} config: '{key}' should be {expected} but is {got?.ToJsonString() ?? "null"}.");

    public string? String(string key, string? fallback = null)
    {
        var n = Node(key);
        if (n is null) return fallback;
        return n is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Bad(key, "a string", n);
    }

    public string RequiredString(string key) => String(key) ?? throw new FormatException($"{_owner} config: '{key}' is missing.");

    public int Int(string key, int fallback) => IntOrNull(key) ?? fallback;

    public int RequiredInt(string key) => IntOrNull(key) ?? throw new FormatException($"{_owner} config: '{key}' is missing.");

    public int? IntOrNull(string key)
    {
        var n = Node(key);
        if (n is null) return null;
        if (n is JsonValue v)
        {
            if (v.TryGetValue<int>(out var i)) return i;
            if (v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue) return (int)d;
        }
        // Keras 1/2 configs sometimes wrap a single int in a one-element list.
        if (n is JsonArray { Count: 1 } a) return new ConfigReader(new JsonObject { ["v"] = a[0]?.DeepClone() }, _owner).IntOrNull("v");
        throw Bad(key, "an integer", n);
    }

    public double Double(string key, double fallback) => DoubleOrNull(key) ?? fallback;

    public double? DoubleOrNull(string key)
    {
        var n = Node(key);
        if (n is null) return null;
        if (n is JsonValue v)
        {
            if (v.TryGetValue<double>(out var d)) return d;
            // Values built in memory keep their CLR type (a YAML "0" is an int node).
            if (v.TryGetValue<int>(out var i)) return i;
            if (v.TryGetValue<long>(out var l)) return l;
        }
        if (n is JsonValue s && s.TryGetValue<string>(out var str) && double.TryParse(str, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed)) return parsed;
        throw Bad(key, "a number", n);
    }

    public bool Bool(string key, bool fallback)
    {
        var n = Node(key);
        if (n is null) return fallback;
        return n is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw Bad(key, "true or false", n);
    }

    /// <summary>A list of ints (Keras tuples or lists; a single int is repeated <paramref name="repeat"/> times when given).</summary>
    public int[]? Ints(string key, int repeat = 0)
    {
        var n = Node(key);
        if (n is null) return null;
        if (repeat > 0 && n is JsonValue)
        {
            var single = RequiredInt(key);
            return Enumerable.Repeat(single, repeat).ToArray();
        }
        var items = Items(n) ?? throw Bad(key, "a list of integers", n);
        return items.Select((item, i) => item is null ? Keras.Shape.Unknown : new ConfigReader(new JsonObject { ["v"] = item.DeepClone() }, _owner).IntOrNull("v") ?? Keras.Shape.Unknown).ToArray();
    }

    /// <summary>A shape (null entries are unknown dimensions).</summary>
    public Shape? Shape(string key) => Ints(key) is { } dims ? new Keras.Shape(dims) : null;

    /// <summary>
    /// The sample shape a layer was given for its input, from Keras 3's <c>batch_shape</c> or Keras 2's
    /// <c>batch_input_shape</c> (batch dimension dropped) or <c>input_shape</c>; null when absent.
    /// </summary>
    public Shape? InputShape()
    {
        if (Shape("batch_shape") is { Rank: > 0 } batchShape) return batchShape.WithoutBatch();
        if (Shape("batch_input_shape") is { Rank: > 0 } batchInput) return batchInput.WithoutBatch();
        return Shape("input_shape");
    }

    /// <summary>The base layer arguments: name, trainable, dtype.</summary>
    public (string? Name, bool Trainable, DType DType) LayerArgs() => (String("name"), Bool("trainable", true), DType());

    /// <summary>The items of a JSON list or of Keras's <c>{"__tuple__": true, "items": […]}</c>.</summary>
    public static JsonArray? Items(JsonNode? node) => node switch
    {
        JsonArray a => a,
        JsonObject o when o.TryGetPropertyValue("__tuple__", out _) && o["items"] is JsonArray items => items,
        _ => null,
    };

    /// <summary>The layer's dtype: a string, or a <c>DTypePolicy</c> object (its <c>config.name</c>; mixed policies use their variable dtype).</summary>
    public DType DType(string key = "dtype", DType fallback = Keras.DType.Float32)
    {
        var n = Node(key);
        switch (n)
        {
            case null:
                return fallback;
            case JsonValue v when v.TryGetValue<string>(out var s):
                return PolicyDType(s);
            case JsonObject o:
                var name = (o["config"] as JsonObject)?["name"]?.GetValue<string>() ?? o["class_name"]?.GetValue<string>();
                return name is null ? fallback : PolicyDType(name);
            default:
                throw Bad(key, "a dtype name or DTypePolicy", n);
        }
    }

    // "mixed_float16" keeps float32 variables; Keras.Net computes in the variable dtype.
    private static DType PolicyDType(string name) => name.StartsWith("mixed_", StringComparison.Ordinal) ? Keras.DType.Float32 : DTypes.Parse(name);

    /// <summary>An activation by name or serialized object (<c>null</c> means linear).</summary>
    public ActivationFunction Activation(string key = "activation")
    {
        var n = Node(key);
        var name = n switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject o => (o["config"] as JsonObject)?["name"]?.GetValue<string>() ?? o["class_name"]?.GetValue<string>(),
            _ => throw Bad(key, "an activation", n),
        };
        // Names the Keras 1/2 compatibility step gives to activations whose meaning changed in Keras 3.
        return Legacy.LegacyActivations.Get(name) ?? Activations.Get(name);
    }

    /// <summary>An initializer by name or serialized object; <paramref name="fallback"/> when absent.</summary>
    public Initializer Initializer(string key, Initializer fallback) =>
        Node(key) is { } n ? KerasObjects.Initializer(n) : fallback;
}
