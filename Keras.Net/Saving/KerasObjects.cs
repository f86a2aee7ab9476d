using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using Keras.Initializers;
using Keras.Layers;

namespace Keras.Saving;

/// <summary>
/// Turns Keras's serialized objects (<c>{"class_name": …, "config": {…}}</c>) back into layers and
/// initializers. Built-in layers are found by their class name (each has a static
/// <c>FromConfig(JsonObject)</c>); register your own classes with <see cref="RegisterLayer"/> so
/// files that name them load (Keras's <c>register_keras_serializable</c>).
/// </summary>
public static class KerasObjects
{
    private static readonly ConcurrentDictionary<string, Func<JsonObject, Layer>> Custom = new(StringComparer.Ordinal);
    private static readonly Lazy<Dictionary<string, Func<JsonObject, Layer>>> BuiltIn = new(DiscoverBuiltInLayers);

    /// <summary>Registers a layer class under <paramref name="className"/> (also matched as <c>package&gt;className</c>).</summary>
    public static void RegisterLayer(string className, Func<JsonObject, Layer> fromConfig)
    {
        ArgumentException.ThrowIfNullOrEmpty(className);
        ArgumentNullException.ThrowIfNull(fromConfig);
        Custom[className] = fromConfig;
    }

    /// <summary>Registers <typeparamref name="T"/> under its class name; it needs a public static <c>FromConfig(JsonObject)</c>.</summary>
    public static void RegisterLayer<T>() where T : Layer =>
        RegisterLayer(typeof(T).Name, FactoryOf(typeof(T)) ?? throw new ArgumentException(
            $"{typeof(T).Name} needs a public static FromConfig(JsonObject) method returning the layer to be registered."));

    /// <summary>The class names that can be deserialized.</summary>
    public static IReadOnlyCollection<string> LayerClassNames => BuiltIn.Value.Keys.Concat(Custom.Keys).Distinct().Order().ToArray();

    /// <summary>Re-creates a layer from <c>{"class_name", "config"}</c> (Keras's <c>deserialize</c>).</summary>
    public static Layer Layer(JsonObject serialized)
    {
        var className = serialized["class_name"]?.GetValue<string>()
            ?? throw new FormatException("A serialized layer has no 'class_name'.");
        var registered = serialized["registered_name"] is JsonValue rv && rv.TryGetValue<string>(out var r) ? r : null;
        var config = serialized["config"] as JsonObject ?? new JsonObject();
        return Layer(className, config, registered);
    }

    /// <summary>Re-creates a layer of <paramref name="className"/> from its config.</summary>
    public static Layer Layer(string className, JsonObject config, string? registeredName = null)
    {
        foreach (var key in new[] { registeredName, className, StripPackage(registeredName), StripPackage(className) })
        {
            if (key is null) continue;
            if (Custom.TryGetValue(key, out var custom)) return custom(config);
            if (BuiltIn.Value.TryGetValue(key, out var builtIn)) return builtIn(config);
        }
        throw new FormatException(
            $"Unknown layer class '{registeredName ?? className}'. If it is a custom layer, register it with " +
            "KerasObjects.RegisterLayer before loading.");
    }

    /// <summary>Whether a layer class (or its registered name) can be deserialized.</summary>
    internal static bool IsKnownLayer(string className, string? registeredName = null)
    {
        foreach (var key in new[] { registeredName, className, StripPackage(registeredName), StripPackage(className) })
        {
            if (key is not null && (Custom.ContainsKey(key) || BuiltIn.Value.ContainsKey(key))) return true;
        }
        return false;
    }

    private static string? StripPackage(string? name) => name is not null && name.Contains('>') ? name[(name.LastIndexOf('>') + 1)..] : null;

    private static Dictionary<string, Func<JsonObject, Layer>> DiscoverBuiltInLayers()
    {
        var map = new Dictionary<string, Func<JsonObject, Layer>>(StringComparer.Ordinal);
        foreach (var type in typeof(Layer).Assembly.GetTypes())
        {
            if (type.IsAbstract || !typeof(Layer).IsAssignableFrom(type) || !type.IsPublic) continue;
            if (FactoryOf(type) is { } factory)
            {
                map[type.Name] = factory;
                foreach (var alias in type.GetCustomAttributes<KerasAliasAttribute>()) map[alias.Name] = factory;
            }
        }
        // Models nest in configs (a Sequential inside a functional model or a TimeDistributed).
        foreach (var modelClass in new[] { "Functional", "Sequential", "Model" })
        {
            map[modelClass] = config => Json.ModelDeserializer.Model(
                new JsonObject { ["class_name"] = modelClass == "Model" && !config.ContainsKey("input_layers") ? "Sequential" : modelClass, ["config"] = config.DeepClone() },
                Json.ModelDeserializer.Current is { } outer
                    ? new Json.LoadContext(outer.Source, outer.SafeMode, outer.Generation, outer.Backend, outer.KerasVersion)
                    : new Json.LoadContext("config", safeMode: true, Json.LoadContext.DetectGeneration(null, config), null, null));
        }
        return map;
    }

    private static Func<JsonObject, Layer>? FactoryOf(Type type)
    {
        var method = type.GetMethod("FromConfig", BindingFlags.Public | BindingFlags.Static, [typeof(JsonObject)]);
        if (method is null || !typeof(Layer).IsAssignableFrom(method.ReturnType)) return null;
        return config =>
        {
            try
            {
                return (Layer)method.Invoke(null, [config])!;
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        };
    }

    /// <summary>Re-creates an initializer from a name or <c>{"class_name", "config"}</c>.</summary>
    public static Initializer Initializer(JsonNode node)
    {
        if (node is JsonValue v && v.TryGetValue<string>(out var name)) return Initializers.Initializer.Get(name);
        if (node is not JsonObject o) throw new FormatException($"An initializer must be a name or an object; got {node.ToJsonString()}.");
        var className = o["class_name"]?.GetValue<string>() ?? throw new FormatException("A serialized initializer has no 'class_name'.");
        var c = new ConfigReader(o["config"] as JsonObject ?? new JsonObject(), className);
        int? seed = c.IntOrNull("seed");
        return className switch
        {
            "GlorotUniform" => new GlorotUniform(seed),
            "GlorotNormal" => new GlorotNormal(seed),
            "HeUniform" => new HeUniform(seed),
            "HeNormal" => new HeNormal(seed),
            "LecunUniform" => new LecunUniform(seed),
            "LecunNormal" => new LecunNormal(seed),
            "RandomNormal" => new RandomNormal(c.Double("mean", 0), c.Double("stddev", 0.05), seed),
            "RandomUniform" => new RandomUniform(c.Double("minval", -0.05), c.Double("maxval", 0.05), seed),
            "TruncatedNormal" => new TruncatedNormal(c.Double("mean", 0), c.Double("stddev", 0.05), seed),
            "VarianceScaling" => new VarianceScaling(c.Double("scale", 1), c.String("mode", "fan_in")!, c.String("distribution", "truncated_normal")!, seed),
            "Orthogonal" or "OrthogonalInitializer" => new Orthogonal(c.Double("gain", 1), seed),
            "Identity" or "IdentityInitializer" => new Initializers.Identity(c.Double("gain", 1)),
            "Constant" => new Constant(c.Double("value", 0)),
            _ => Initializers.Initializer.Get(className),
        };
    }
}

/// <summary>Another class name a layer is known by in Keras files (e.g. Keras 1's <c>Convolution2D</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class KerasAliasAttribute(string name) : Attribute
{
    /// <summary>The alias.</summary>
    public string Name { get; } = name;
}
