using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Wraps a C# function as a layer (Keras's <c>Lambda</c>): <c>output = function(inputs)</c>.
/// <para>
/// Saving and loading. A function cannot be stored in a file, so the config records it as Keras
/// does: a function registered with <see cref="RegisterFunction(string, Func{Tensor, Tensor})"/> is
/// written by name (<c>{"class_name": "function", "config": name, "registered_name": name}</c>), any
/// other delegate as Keras's anonymous <c>"__lambda__"</c> entry (without code). Loading never runs
/// code from a file: a named function is looked up among the registered functions (as Keras looks up
/// registered custom objects), and an anonymous lambda (Keras's Python-bytecode <c>"__lambda__"</c>,
/// or Keras 2's <c>function_type: "lambda"</c>) is refused in safe mode, the default, exactly as
/// Keras refuses it. To load one, opt in: turn safe mode off (<see cref="SafeModeScope"/>,
/// <see cref="EnableUnsafeDeserialization"/> or <c>FromConfig(config, safeMode: false)</c>) and
/// register a C# equivalent under the Lambda layer's name, which replaces the Python code.
/// </para>
/// </summary>
public sealed class Lambda : Layer
{
    private static readonly ConcurrentDictionary<string, RegisteredFunction> Functions = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Func<Tensors, Tensors?, Tensors?>> MaskFunctions = new(StringComparer.Ordinal);
    private static readonly AsyncLocal<bool?> ScopedSafeMode = new();
    private static volatile bool _unsafeGlobally;

    private readonly Func<Tensors, JsonObject, Tensors> _function;
    private readonly JsonNode _functionConfig;
    private readonly JsonObject _arguments;
    private readonly Func<Tensors, Tensors?, Tensors?>? _mask;
    private readonly JsonNode? _maskConfig;
    private readonly Shape[]? _outputShapes;
    private readonly Func<IReadOnlyList<Shape>, IReadOnlyList<Shape>>? _outputShapeFunction;
    private readonly JsonNode? _outputShapeConfig;

    /// <summary>Creates the layer from a function of one tensor.</summary>
    /// <param name="function">The computation, e.g. <c>x =&gt; Ops.Square(x)</c>.</param>
    /// <param name="outputShape">The output's sample shape (no batch axis); inferred by a sample call when null.</param>
    /// <param name="mask">The output mask from the inputs and their mask (Keras's callable <c>mask</c>); null: the layer passes no mask on.</param>
    /// <param name="computeOutputShape">Full output shapes from full input shapes (Keras's callable <c>output_shape</c>); an alternative to <paramref name="outputShape"/>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype.</param>
    [OverloadResolutionPriority(1)]
    public Lambda(
        Func<Tensor, Tensor> function,
        Shape? outputShape = null,
        Func<Tensors, Tensors?, Tensors?>? mask = null,
        Func<IReadOnlyList<Shape>, IReadOnlyList<Shape>>? computeOutputShape = null,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : this(Wrap(function), function, null, null, outputShape is null ? null : [outputShape], computeOutputShape, null, mask, null,
            inputShape, name, trainable, dtype)
    {
    }

    /// <summary>Creates the layer from a function of several tensors (or returning several).</summary>
    /// <param name="function">The computation, e.g. <c>xs =&gt; Ops.Add(xs[0], xs[1])</c>.</param>
    /// <param name="outputShape">The output's sample shape (no batch axis; single output); inferred by a sample call when null.</param>
    /// <param name="mask">The output mask from the inputs and their mask (Keras's callable <c>mask</c>); null: the layer passes no mask on.</param>
    /// <param name="computeOutputShape">Full output shapes from full input shapes (Keras's callable <c>output_shape</c>); an alternative to <paramref name="outputShape"/>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public Lambda(
        Func<Tensors, Tensors> function,
        Shape? outputShape = null,
        Func<Tensors, Tensors?, Tensors?>? mask = null,
        Func<IReadOnlyList<Shape>, IReadOnlyList<Shape>>? computeOutputShape = null,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : this(Wrap(function), function, null, null, outputShape is null ? null : [outputShape], computeOutputShape, null, mask, null,
            inputShape, name, trainable, dtype)
    {
    }

    private Lambda(
        Func<Tensors, JsonObject, Tensors> function,
        Delegate? original,
        JsonNode? functionConfig,
        JsonObject? arguments,
        Shape[]? outputShapes,
        Func<IReadOnlyList<Shape>, IReadOnlyList<Shape>>? outputShapeFunction,
        JsonNode? outputShapeConfig,
        Func<Tensors, Tensors?, Tensors?>? mask,
        JsonNode? maskConfig,
        Shape? inputShape,
        string? name,
        bool trainable,
        DType dtype)
        : base(name, trainable, dtype, inputShape)
    {
        if (outputShapes is not null && outputShapeFunction is not null)
            throw new ArgumentException($"Lambda \"{Name}\": give outputShape or computeOutputShape, not both.");
        _function = function;
        _functionConfig = functionConfig ?? FunctionConfig(original!, FunctionName);
        _arguments = arguments ?? new JsonObject();
        _outputShapes = outputShapes;
        _outputShapeFunction = outputShapeFunction;
        _outputShapeConfig = outputShapeConfig
            ?? (outputShapes is { Length: 1 } ? ShapeJson(outputShapes[0])
                : outputShapes is not null ? new JsonArray(outputShapes.Select(s => (JsonNode)ShapeJson(s)).ToArray())
                : outputShapeFunction is not null ? FunctionConfig(outputShapeFunction, null)
                : null);
        _mask = mask;
        _maskConfig = maskConfig ?? (mask is null ? null : FunctionConfig(mask, MaskFunctionName));
        SupportsMasking = mask is not null;
        Built = true;
    }

    // ---------------------------------------------------------------- registry and safe mode

    private sealed record RegisteredFunction(Delegate Original, Func<Tensors, JsonObject, Tensors> Invoke);

    /// <summary>
    /// Registers a trusted C# function under <paramref name="name"/> (Keras's registered custom
    /// objects): Lambda layers built from it are saved by that name, and configs naming it load. For a
    /// Python lambda in a Keras file (which has no name), register the C# equivalent under the Lambda
    /// layer's name and load with safe mode off.
    /// </summary>
    [OverloadResolutionPriority(1)]
    public static void RegisterFunction(string name, Func<Tensor, Tensor> function) =>
        Register(name, function, Wrap(function));

    /// <summary>Registers a trusted C# function of several tensors under <paramref name="name"/>.</summary>
    public static void RegisterFunction(string name, Func<Tensors, Tensors> function) =>
        Register(name, function, Wrap(function));

    /// <summary>
    /// Registers a trusted C# function that also receives the Lambda's Keras <c>arguments</c> (the
    /// extra keyword arguments a Keras Lambda passes to its function), as a JSON object.
    /// </summary>
    public static void RegisterFunction(string name, Func<Tensors, JsonObject, Tensors> function) =>
        Register(name, function, function);

    /// <summary>Registers a trusted mask function (Keras's callable <c>mask</c> argument) under <paramref name="name"/>.</summary>
    public static void RegisterMaskFunction(string name, Func<Tensors, Tensors?, Tensors?> mask)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(mask);
        MaskFunctions[name] = mask;
    }

    /// <summary>Removes a registered function (and mask function) of that name; true if there was one.</summary>
    public static bool UnregisterFunction(string name)
    {
        bool removed = Functions.TryRemove(name, out _);
        return MaskFunctions.TryRemove(name, out _) || removed;
    }

    private static void Register(string name, Delegate original, Func<Tensors, JsonObject, Tensors> invoke)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(original);
        Functions[name] = new RegisteredFunction(original, invoke);
    }

    /// <summary>
    /// Whether deserialization is in safe mode on this flow (the default): anonymous lambdas in
    /// configs are refused. Keras's <c>in_safe_mode()</c>.
    /// </summary>
    public static bool InSafeMode => ScopedSafeMode.Value ?? !_unsafeGlobally;

    /// <summary>
    /// Turns safe mode off for the whole process (Keras's
    /// <c>keras.config.enable_unsafe_deserialization()</c>): configs with anonymous lambdas load when a
    /// C# equivalent is registered under the layer's name.
    /// </summary>
    public static void EnableUnsafeDeserialization() => _unsafeGlobally = true;

    /// <summary>
    /// Sets safe mode until the returned scope is disposed (Keras's <c>SafeModeScope</c>), on this
    /// thread and the async flow below it: <c>using (Lambda.SafeModeScope(false)) { … load … }</c>.
    /// </summary>
    public static IDisposable SafeModeScope(bool safeMode)
    {
        var previous = ScopedSafeMode.Value;
        ScopedSafeMode.Value = safeMode;
        return new RestoreSafeMode(previous);
    }

    private sealed class RestoreSafeMode(bool? previous) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            ScopedSafeMode.Value = previous;
        }
    }

    private static Func<Tensors, JsonObject, Tensors> Wrap(Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return (xs, _) => new Tensors(f(xs.Single));
    }

    private static Func<Tensors, JsonObject, Tensors> Wrap(Func<Tensors, Tensors> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return (xs, _) => f(xs);
    }

    private static string? FunctionName(Delegate d) =>
        Functions.FirstOrDefault(kv => kv.Value.Original.Equals(d)).Key;

    private static string? MaskFunctionName(Delegate d) =>
        MaskFunctions.FirstOrDefault(kv => ((Delegate)kv.Value).Equals(d)).Key;

    // A registered function is written by name, like a Keras registered function; anything else as
    // Keras's anonymous lambda entry, whose code cannot be stored (a C# delegate is not Python).
    private static JsonNode FunctionConfig(Delegate d, Func<Delegate, string?>? nameOf)
    {
        if (nameOf?.Invoke(d) is { } name)
        {
            return new JsonObject
            {
                ["module"] = "keras_net.registered",
                ["class_name"] = "function",
                ["config"] = name.Contains('>') ? name[(name.LastIndexOf('>') + 1)..] : name,
                ["registered_name"] = name,
            };
        }
        return new JsonObject
        {
            ["class_name"] = "__lambda__",
            ["config"] = new JsonObject { ["code"] = null, ["defaults"] = null, ["closure"] = null },
        };
    }

    private static JsonArray ShapeJson(Shape s) => new(s.Select(d => d == Shape.Unknown ? null : (JsonNode)d).ToArray());

    // ---------------------------------------------------------------- layer

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) => _function(inputs, _arguments);

    /// <inheritdoc />
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask) => _mask?.Invoke(inputs, mask);

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes) =>
        ComputeOutputSpecs(inputShapes, inputShapes.Select(_ => DType).ToArray()).Select(s => s.Shape).ToArray();

    // Given shapes (Keras's output_shape) are used as they are; otherwise a sample call infers shapes and dtypes.
    private protected override (Shape Shape, DType DType)[] ComputeOutputSpecs(IReadOnlyList<Shape> shapes, IReadOnlyList<DType> dtypes)
    {
        if (_outputShapeFunction is not null)
        {
            var dtype = ComputeOutputDType(dtypes);
            return _outputShapeFunction(shapes).Select(s => (s, dtype)).ToArray();
        }
        if (_outputShapes is not null)
        {
            var dtype = ComputeOutputDType(dtypes);
            int batch = shapes.Count > 0 && shapes[0].Rank > 0 ? shapes[0][0] : Shape.Unknown;
            return _outputShapes.Select(s => (s.WithBatch(batch), dtype)).ToArray();
        }
        return InferBySampleCall(shapes, dtypes);
    }

    // ---------------------------------------------------------------- config

    /// <summary>Re-creates the layer from its Keras config, with the ambient safe mode (<see cref="InSafeMode"/>).</summary>
    public static Lambda FromConfig(JsonObject config) => FromConfig(config, null);

    /// <summary>
    /// Re-creates the layer from its Keras config (Keras's <c>Lambda.from_config(config, safe_mode)</c>).
    /// Named functions come from <see cref="RegisterFunction(string, Func{Tensor, Tensor})"/>; an
    /// anonymous lambda needs <paramref name="safeMode"/> false (null: the ambient
    /// <see cref="InSafeMode"/>) and a C# equivalent registered under the layer's name.
    /// </summary>
    public static Lambda FromConfig(JsonObject config, bool? safeMode)
    {
        var c = new ConfigReader(config, nameof(Lambda));
        bool safe = (safeMode ?? InSafeMode) != false;
        var (name, trainable, dtype) = c.LayerArgs();
        string layerName = name ?? "lambda";
        var functionNode = c.Node("function") ?? throw new FormatException($"Lambda config of layer \"{layerName}\": 'function' is missing.");
        var arguments = c.Node("arguments") switch
        {
            null => new JsonObject(),
            JsonObject o when o["class_name"]?.GetValue<string>() == "__dict__" && o["config"] is JsonObject d => (JsonObject)d.DeepClone(),
            JsonObject o => (JsonObject)o.DeepClone(),
            var other => throw new FormatException($"Lambda config of layer \"{layerName}\": 'arguments' should be an object but is {other.ToJsonString()}."),
        };

        // Keras 2 kept the kind of function in function_type ("lambda" or "function") next to it.
        string? legacyType = c.String("function_type");
        var function = ResolveFunction(functionNode, legacyType, layerName, safe, "function", c.String("module"));
        if (arguments.Count > 0 && function.Original is not Func<Tensors, JsonObject, Tensors>)
        {
            throw new NotSupportedException(
                $"Lambda layer \"{layerName}\" passes arguments {arguments.ToJsonString()} to its function, but the C# function registered for it " +
                "does not take them; register a Func<Tensors, JsonObject, Tensors> instead.");
        }

        Shape[]? outputShapes = null;
        JsonNode? outputShapeConfig = null;
        if (c.Node("output_shape") is { } osNode)
        {
            outputShapeConfig = osNode.DeepClone();
            string? osType = c.String("output_shape_type");
            if (IsAnonymous(osNode, osType))
            {
                // Keras refuses this in safe mode too. Keras.Net never runs the code: shapes are inferred.
                if (safe) throw SafeModeRefusal(layerName, "output_shape");
            }
            else if (osType is null or "raw" && ConfigReader.Items(osNode) is { } items)
            {
                outputShapes = items.Count > 0 && ConfigReader.Items(items[0]) is not null
                    ? items.Select(i => ReadShape(i, layerName)).ToArray()
                    : [ReadShape(osNode, layerName)];
            }
            // A named output-shape function is not needed: shapes are inferred by a sample call.
        }

        Func<Tensors, Tensors?, Tensors?>? mask = null;
        JsonNode? maskConfig = null;
        if (c.Node("mask") is { } maskNode)
        {
            maskConfig = maskNode.DeepClone();
            mask = ResolveMask(maskNode, c.String("mask_type"), layerName, safe);
        }

        return new Lambda(function.Invoke, function.Original, functionNode.DeepClone(), arguments, outputShapes, null, outputShapeConfig,
            mask, maskConfig, c.InputShape(), name, trainable, dtype);
    }

    private static bool IsAnonymous(JsonNode node, string? legacyType) =>
        legacyType == "lambda" || (node is JsonObject o && o["class_name"] is JsonValue v && v.TryGetValue<string>(out var cn) && cn == "__lambda__");

    private static InvalidOperationException SafeModeRefusal(string layerName, string what) => new(
        $"Lambda layer \"{layerName}\": its '{what}' is an anonymous (Python) lambda. Deserializing lambdas carries a risk of arbitrary " +
        "code execution and is disallowed by default, as in Keras. Keras.Net never runs code from a file: if you trust the file, turn safe " +
        "mode off (Lambda.SafeModeScope(false), Lambda.EnableUnsafeDeserialization() or Lambda.FromConfig(config, safeMode: false)) and " +
        $"register the C# equivalent with Lambda.RegisterFunction(\"{layerName}\", fn).");

    private static RegisteredFunction ResolveFunction(JsonNode node, string? legacyType, string layerName, bool safe, string what, string? legacyModule)
    {
        if (IsAnonymous(node, legacyType))
        {
            if (safe) throw SafeModeRefusal(layerName, what);
            return Functions.TryGetValue(layerName, out var byLayer)
                ? byLayer
                : throw new NotSupportedException(
                    $"Lambda layer \"{layerName}\" wraps an anonymous Python lambda, which Keras.Net cannot run. Register a C# equivalent " +
                    $"with Lambda.RegisterFunction(\"{layerName}\", fn) before loading.");
        }
        var (fnName, registered, module) = NamedFunction(node, legacyModule)
            ?? throw new FormatException($"Lambda config of layer \"{layerName}\": '{what}' is not a function reference: {node.ToJsonString()}.");
        foreach (var key in new[] { registered, fnName, Strip(registered), module is null ? null : $"{module}.{fnName}" })
        {
            if (key is not null && Functions.TryGetValue(key, out var f)) return f;
        }
        throw new FormatException(
            $"Lambda layer \"{layerName}\" calls the function '{registered ?? fnName}'{(module is null ? "" : $" (module {module})")}, which is not " +
            $"registered. Register a C# implementation with Lambda.RegisterFunction(\"{registered ?? fnName}\", fn) before loading.");
    }

    private static Func<Tensors, Tensors?, Tensors?> ResolveMask(JsonNode node, string? legacyType, string layerName, bool safe)
    {
        if (IsAnonymous(node, legacyType))
        {
            if (safe) throw SafeModeRefusal(layerName, "mask");
            return MaskFunctions.TryGetValue(layerName, out var byLayer)
                ? byLayer
                : throw new NotSupportedException(
                    $"Lambda layer \"{layerName}\" computes its mask with an anonymous Python lambda, which Keras.Net cannot run. Register " +
                    $"a C# equivalent with Lambda.RegisterMaskFunction(\"{layerName}\", fn) before loading.");
        }
        if (node is JsonObject { } o && o["class_name"]?.GetValue<string>() is "__tensor__" or "__numpy__")
            throw new NotSupportedException($"Lambda layer \"{layerName}\": a constant mask tensor is not supported; register a mask function instead.");
        var (fnName, registered, _) = NamedFunction(node, null)
            ?? throw new FormatException($"Lambda config of layer \"{layerName}\": 'mask' is not a function reference: {node.ToJsonString()}.");
        foreach (var key in new[] { registered, fnName, Strip(registered) })
        {
            if (key is not null && MaskFunctions.TryGetValue(key, out var m)) return m;
        }
        throw new FormatException(
            $"Lambda layer \"{layerName}\" computes its mask with the function '{registered ?? fnName}', which is not registered. Register a C# " +
            $"implementation with Lambda.RegisterMaskFunction(\"{registered ?? fnName}\", fn) before loading.");
    }

    // Keras 3: {"module", "class_name": "function", "config": name, "registered_name"}; Keras 2: the bare name.
    private static (string Name, string? Registered, string? Module)? NamedFunction(JsonNode node, string? legacyModule)
    {
        if (node is JsonValue v && v.TryGetValue<string>(out var bare)) return (bare, null, legacyModule);
        if (node is JsonObject o && o["class_name"]?.GetValue<string>() == "function" && o["config"] is JsonValue cv && cv.TryGetValue<string>(out var fn))
        {
            string? registered = o["registered_name"] is JsonValue rv && rv.TryGetValue<string>(out var r) ? r : null;
            string? module = o["module"] is JsonValue mv && mv.TryGetValue<string>(out var m) ? m : null;
            return (fn, registered, module);
        }
        return null;
    }

    private static string? Strip(string? name) => name is not null && name.Contains('>') ? name[(name.LastIndexOf('>') + 1)..] : null;

    private static Shape ReadShape(JsonNode? node, string layerName) =>
        new ConfigReader(new JsonObject { ["s"] = node?.DeepClone() }, $"Lambda \"{layerName}\" output_shape").Shape("s")
        ?? throw new FormatException($"Lambda config of layer \"{layerName}\": 'output_shape' entry is empty.");

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["function"] = _functionConfig.DeepClone();
        if (_outputShapeConfig is not null) c["output_shape"] = _outputShapeConfig.DeepClone();
        if (_maskConfig is not null) c["mask"] = _maskConfig.DeepClone();
        c["arguments"] = _arguments.DeepClone();
        return c;
    }
}
