using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Models;
using Keras.Saving.Legacy;

namespace Keras.Saving.Json;

/// <summary>
/// Rebuilds models from Keras configs, the way Keras's <c>Sequential.from_config</c> and
/// <c>functional_from_config</c> do: Sequential layer lists (Keras 3 with an InputLayer, Keras 1/2 bare
/// lists and <c>batch_input_shape</c> on the first layer) and functional graphs (Keras 3 inbound nodes
/// with <c>args</c>/<c>kwargs</c> and <c>__keras_tensor__</c> histories, Keras 1/2 nested lists), with
/// nested models, shared layers (several inbound nodes) and Keras 3.15's mask op nodes. Layer classes
/// come from <see cref="KerasObjects"/> after the Keras 1/2 compatibility step (<see cref="LegacyConfig"/>).
/// </summary>
internal static class ModelDeserializer
{
    // The file being loaded, for models nested in configs that are rebuilt through KerasObjects (a model
    // inside a wrapper layer): their errors name the file, and they inherit its Keras generation and back end.
    private static readonly AsyncLocal<LoadContext?> Loading = new();

    /// <summary>The context of the model being loaded on this flow, if any.</summary>
    public static LoadContext? Current => Loading.Value;

    /// <summary>A model from <c>{"class_name", "config"}</c>.</summary>
    public static Model Model(JsonObject serialized, LoadContext context)
    {
        var previous = Loading.Value;
        Loading.Value = context;
        try
        {
            var normalized = (JsonObject)Normalize(serialized)!;
            var layer = Layer(normalized, context, isFirstLayer: false);
            return layer as Model ?? throw new KerasFileException(context.Source, "model config",
                $"describes a single {KerasLayerOrder.ClassName(layer)} layer, not a model (Sequential or Functional).");
        }
        finally
        {
            Loading.Value = previous;
        }
    }

    /// <summary>
    /// Rewrites Keras 2.11's tuples (<c>{"class_name": "__tuple__", "items": […]}</c>) and Keras 3's
    /// (<c>{"__tuple__": true, "items": […]}</c>) as plain lists everywhere.
    /// </summary>
    public static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o when (o["class_name"] is JsonValue cn && cn.TryGetValue<string>(out var name) && name == "__tuple__" || o.ContainsKey("__tuple__"))
                                   && o["items"] is JsonArray items:
                return new JsonArray(items.Select(i => Normalize(i?.DeepClone())).ToArray());
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (k, v) in o) copy[k] = Normalize(v?.DeepClone());
                return copy;
            case JsonArray a:
                return new JsonArray(a.Select(i => Normalize(i?.DeepClone())).ToArray());
            default:
                return node?.DeepClone();
        }
    }

    private static string NameOf(JsonObject serialized) =>
        (serialized["config"] as JsonObject)?["name"] is JsonValue n && n.TryGetValue<string>(out var s) ? s
        : serialized["name"] is JsonValue m && m.TryGetValue<string>(out var t) ? t : "?";

    private static string ClassOf(JsonObject serialized, LoadContext context) =>
        serialized["class_name"] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0
            ? s
            : throw new KerasFileException(context.Source, $"layer '{NameOf(serialized)}'", "has no 'class_name'.");

    /// <summary>Models nested in models (wrappers included) deeper than this are refused, long before the stack runs out.</summary>
    public const int MaxNesting = 64;

    private static readonly AsyncLocal<int> Nesting = new();

    /// <summary>A layer (or nested model) from <c>{"class_name", "config"}</c>.</summary>
    public static Layer Layer(JsonObject serialized, LoadContext context, bool isFirstLayer)
    {
        int depth = Nesting.Value;
        if (depth >= MaxNesting)
            throw new KerasFileException(context.Source, $"layer '{NameOf(serialized)}'", $"is nested more than {MaxNesting} layers and models deep.");
        Nesting.Value = depth + 1;
        try
        {
            return LayerCore(serialized, context, isFirstLayer);
        }
        finally
        {
            Nesting.Value = depth;
        }
    }

    private static Layer LayerCore(JsonObject serialized, LoadContext context, bool isFirstLayer)
    {
        var className = ClassOf(serialized, context);
        var name = NameOf(serialized);
        switch (className)
        {
            case "Sequential":
                return Sequential(serialized["config"], serialized, context);
            case "Functional" or "Model" when serialized["config"] is JsonObject fc && fc.ContainsKey("layers"):
                return Functional(fc, context);
            case "Functional":
                throw new KerasFileException(context.Source, $"model '{name}'", "is a Functional model without a 'layers' list in its config.");
        }
        // Keras 3.15 op nodes carry module "keras.src.ops.*" in .keras files but no module in legacy .h5 configs.
        if (OpLayer.IsOp(serialized) || (OpLayer.Supports(className) && !KerasObjects.IsKnownLayer(className)))
        {
            if (!OpLayer.Supports(className))
                throw new KerasFileException(context.Source, $"op '{name}'", $"the Keras op '{className}' ({serialized["module"]}) is not supported.");
            return OpLayer.Create(className, serialized["module"]?.ToString() ?? "keras.src.ops.numpy", serialized["config"] as JsonObject ?? new JsonObject());
        }
        var translated = LegacyConfig.Translate(serialized, context, isFirstLayer);
        var translatedClass = ClassOf(translated, context);
        var registered = translated["registered_name"] is JsonValue rv && rv.TryGetValue<string>(out var r) ? r : null;
        if (!KerasObjects.IsKnownLayer(translatedClass, registered))
            throw new UnknownLayerClassException(context.Source, name, registered ?? translatedClass);
        var config = translated["config"] as JsonObject ?? new JsonObject();
        try
        {
            return KerasObjects.Layer(translatedClass, config, registered);
        }
        catch (Exception e) when (e is not KerasFileException)
        {
            // A wrapper may name an inner class we do not know.
            if (e is FormatException && e.Message.StartsWith("Unknown layer class", StringComparison.Ordinal))
            {
                var inner = System.Text.RegularExpressions.Regex.Match(e.Message, "'([^']+)'").Groups[1].Value;
                throw new UnknownLayerClassException(context.Source, name, inner);
            }
            throw new KerasFileException(context.Source, $"layer '{name}' ({translatedClass})", $"its config cannot be loaded: {e.Message}", e);
        }
    }

    // ------------------------------------------------------------------ Sequential

    private static Sequential Sequential(JsonNode? config, JsonObject serialized, LoadContext context)
    {
        JsonArray layerList;
        string? name = null;
        bool trainable = true;
        JsonNode? buildShape = (serialized["build_config"] as JsonObject)?["input_shape"];
        switch (config)
        {
            case JsonArray bare:
                layerList = bare;
                break;
            case JsonObject o when o["layers"] is JsonArray list:
                layerList = list;
                name = o["name"]?.ToString();
                trainable = o["trainable"] is not JsonValue tv || !tv.TryGetValue<bool>(out var t) || t;
                buildShape ??= o["build_input_shape"];
                break;
            default:
                throw new KerasFileException(context.Source, "Sequential config", "has no 'layers' list.");
        }

        var layers = new List<Layer>();
        for (int i = 0; i < layerList.Count; i++)
        {
            if (layerList[i] is not JsonObject entry)
                throw new KerasFileException(context.Source, $"Sequential '{name}' layer {i}", "is not a serialized layer object.");
            bool first = layers.Count == 0;
            var layer = Layer(entry, context, isFirstLayer: first);
            if (first && layer is not InputLayer and not Keras.Models.Model && InputShapeOf(entry, context) is { } batchShape)
            {
                // Keras 1/2 declared the input on the first layer; Keras 2 names the implicit input "<layer>_input".
                var rawConfig = entry["config"] as JsonObject;
                var dtype = rawConfig?["input_dtype"] is JsonValue idt && idt.TryGetValue<string>(out var ds) ? SafeDType(ds) : DType.Float32;
                int? batch = batchShape[0] == Shape.Unknown ? null : batchShape[0];
                layers.Add(new InputLayer(batchShape.WithoutBatch(), batch, dtype, layer.Name + "_input"));
            }
            layers.Add(layer);
        }

        Sequential model;
        try
        {
            model = new Sequential(layers, name);
            if (!model.IsGraphNetwork && buildShape is not null && new ConfigReader(new JsonObject { ["s"] = buildShape.DeepClone() }, "Sequential").Shape("s") is { Rank: > 0 } shape)
                model.Build(shape, DType.Float32);
        }
        catch (Exception e) when (e is not KerasFileException)
        {
            throw new KerasFileException(context.Source, $"Sequential '{name}'", $"the layers cannot be stacked: {e.Message}", e);
        }
        if (!trainable) model.Trainable = false;
        return model;
    }

    private static DType SafeDType(string name)
    {
        try
        {
            return DTypes.Parse(name);
        }
        catch (ArgumentException)
        {
            return DType.Float32;
        }
    }

    private static Shape? InputShapeOf(JsonObject entry, LoadContext context)
    {
        var translated = LegacyConfig.Translate(entry, context, isFirstLayer: true);
        if (translated["config"] is not JsonObject config) return null;
        var c = new ConfigReader(config, "layer");
        try
        {
            if (c.Shape("batch_shape") is { Rank: > 0 } bs) return bs;
            if (c.Shape("batch_input_shape") is { Rank: > 0 } bis) return bis;
            if (c.Shape("input_shape") is { } s) return s.WithBatch();
        }
        catch (FormatException)
        {
            return null;
        }
        return null;
    }

    // ------------------------------------------------------------------ Functional

    private sealed record TensorRef(string Layer, int Node, int Tensor);

    private sealed class NodeCall
    {
        public List<TensorRef> Tensors { get; } = [];
        public List<double> Scalars { get; } = [];
        public bool? Training { get; set; }
        public Dictionary<string, JsonNode?> Extra { get; } = new(StringComparer.Ordinal);
        public List<TensorRef> MaskRefs { get; } = [];
    }

    private static Model Functional(JsonObject config, LoadContext context)
    {
        var modelName = config["name"]?.ToString();
        if (config["layers"] is not JsonArray layerList)
            throw new KerasFileException(context.Source, $"model '{modelName}'", "has no 'layers' list.");

        var created = new Dictionary<string, Layer>(StringComparer.Ordinal);
        var outputs = new Dictionary<string, List<Tensor[]>>(StringComparer.Ordinal);
        var pending = new List<(string Name, Queue<JsonNode?> Nodes)>();

        foreach (var item in layerList)
        {
            if (item is not JsonObject entry)
                throw new KerasFileException(context.Source, $"model '{modelName}' layers", "contain an entry that is not an object.");
            var layerName = entry["name"]?.ToString() ?? NameOf(entry);
            if (created.ContainsKey(layerName))
                throw new KerasFileException(context.Source, $"model '{modelName}'", $"has two layers named '{layerName}'.");
            var layer = Layer(entry, context, isFirstLayer: false);
            created[layerName] = layer;
            outputs[layerName] = [];
            if (layer is InputLayer input) outputs[layerName].Add([input.Tensor]);
            var inbound = entry["inbound_nodes"] as JsonArray ?? [];
            if (inbound.Count > 0) pending.Add((layerName, new Queue<JsonNode?>(inbound)));
        }

        // Keras processes nodes layer by layer and retries those whose inputs are not created yet.
        bool progress = true;
        while (pending.Any(p => p.Nodes.Count > 0) && progress)
        {
            progress = false;
            foreach (var (layerName, nodes) in pending)
            {
                while (nodes.Count > 0)
                {
                    var call = ParseNode(nodes.Peek(), layerName, modelName, context);
                    if (!call.Tensors.All(t => IsAvailable(t, outputs))) break;
                    Apply(created[layerName], layerName, call, outputs, created, context);
                    nodes.Dequeue();
                    progress = true;
                }
            }
        }
        if (pending.FirstOrDefault(p => p.Nodes.Count > 0) is { Name: not null } stuck)
        {
            var call = ParseNode(stuck.Nodes.Peek(), stuck.Name, modelName, context);
            var missing = call.Tensors.First(t => !IsAvailable(t, outputs));
            throw new KerasFileException(context.Source, $"layer '{stuck.Name}'",
                $"its input {missing.Layer}[{missing.Node}][{missing.Tensor}] is never produced (the graph is disconnected or refers to a missing layer).");
        }

        var inputs = Refs(config["input_layers"], "input_layers", modelName, context).Select(r => Resolve(r, outputs, context, "input_layers")).ToArray();
        var outs = Refs(config["output_layers"], "output_layers", modelName, context).Select(r => Resolve(r, outputs, context, "output_layers")).ToArray();
        Model model;
        try
        {
            model = new Model(new Tensors(inputs), new Tensors(outs), modelName);
        }
        catch (Exception e) when (e is not KerasFileException)
        {
            throw new KerasFileException(context.Source, $"model '{modelName}'", $"the graph cannot be built: {e.Message}", e);
        }
        if (config["trainable"] is JsonValue tv && tv.TryGetValue<bool>(out var trainable) && !trainable) model.Trainable = false;
        return model;
    }

    private static bool IsAvailable(TensorRef r, Dictionary<string, List<Tensor[]>> outputs) =>
        outputs.TryGetValue(r.Layer, out var nodes) && r.Node < nodes.Count;

    private static Tensor Resolve(TensorRef r, Dictionary<string, List<Tensor[]>> outputs, LoadContext context, string where)
    {
        if (!outputs.TryGetValue(r.Layer, out var nodes))
            throw new KerasFileException(context.Source, where, $"refers to layer '{r.Layer}', which is not in the model.");
        if (r.Node < 0 || r.Node >= nodes.Count)
            throw new KerasFileException(context.Source, where, $"refers to call {r.Node} of layer '{r.Layer}', which has {nodes.Count}.");
        var tensors = nodes[r.Node];
        if (r.Tensor < 0 || r.Tensor >= tensors.Length)
            throw new KerasFileException(context.Source, where, $"refers to output {r.Tensor} of layer '{r.Layer}', which has {tensors.Length}.");
        return tensors[r.Tensor];
    }

    private static void Apply(Layer layer, string layerName, NodeCall call, Dictionary<string, List<Tensor[]>> outputs,
        Dictionary<string, Layer> created, LoadContext context)
    {
        var part = $"layer '{layerName}' ({KerasLayerOrder.ClassName(layer)})";
        if (layer is OpLayer op)
        {
            foreach (var s in call.Scalars) op.SetScalar(s, context.Source);
        }
        else if (call.Scalars.Count > 0)
        {
            throw new KerasFileException(context.Source, part, "is called with constant (non-tensor) arguments, which is not supported.");
        }
        foreach (var m in call.MaskRefs)
        {
            if (!created.TryGetValue(m.Layer, out var producer) || producer is not OpLayer)
            {
                throw new KerasFileException(context.Source, part,
                    $"is given an explicit mask computed by layer '{m.Layer}'; Keras.Net propagates masks from the layers that create them " +
                    "(Embedding with mask_zero, Masking) and cannot replay other explicit masks.");
            }
        }
        var extra = call.Extra.Where(kv => !IsDefault(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value);
        if (extra.Count > 0)
        {
            if (layer is IKerasCallArguments consumer)
            {
                try
                {
                    consumer.ApplyCallArguments(extra);
                }
                catch (Exception e) when (e is NotSupportedException or ArgumentException)
                {
                    throw new KerasFileException(context.Source, part, e.Message, e);
                }
            }
            else
            {
                foreach (var (key, value) in extra)
                {
                    if (!TrySetOption(layer, key, value))
                    {
                        throw new KerasFileException(context.Source, part,
                            $"is called with {key}={value?.ToJsonString()}, which Keras.Net's {layer.GetType().Name} does not support.");
                    }
                }
            }
        }
        var args = call.Tensors.Select(t => Resolve(t, outputs, context, part)).ToArray();
        Tensors result;
        try
        {
            result = layer.Apply(new Tensors(args), call.Training);
        }
        catch (Exception e) when (e is not KerasFileException)
        {
            throw new KerasFileException(context.Source, part, $"cannot be applied to its inputs ({string.Join(", ", args.Select(a => a.Shape.ToString()))}): {e.Message}", e);
        }
        outputs[layerName].Add(result.ToArray());
    }

    /// <summary>
    /// Applies a call argument that the layer exposes as a settable option (<c>return_attention_scores</c> →
    /// a public <c>ReturnAttentionScores</c> property).
    /// </summary>
    private static bool TrySetOption(Layer layer, string key, JsonNode? value)
    {
        var pascal = string.Concat(key.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
        var property = layer.GetType().GetProperty(pascal, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance);
        if (property is null || !property.CanWrite || property.SetMethod is not { IsPublic: true } || value is not JsonValue v) return false;
        object? converted = property.PropertyType switch
        {
            var t when t == typeof(bool) && v.TryGetValue<bool>(out var b) => b,
            var t when t == typeof(int) && v.TryGetValue<int>(out var i) => i,
            var t when t == typeof(double) && v.TryGetValue<double>(out var d) => d,
            var t when t == typeof(string) && v.TryGetValue<string>(out var s) => s,
            _ => null,
        };
        if (converted is null) return false;
        property.SetValue(layer, converted);
        return true;
    }

    private static bool IsDefault(JsonNode? value) =>
        value is null || (value is JsonValue v && v.TryGetValue<bool>(out var b) && !b);

    private static NodeCall ParseNode(JsonNode? node, string layerName, string? modelName, LoadContext context)
    {
        var call = new NodeCall();
        var part = $"layer '{layerName}' inbound node";
        switch (node)
        {
            case JsonObject k3:
                // Keras 3: {"args": [...], "kwargs": {...}}
                foreach (var arg in k3["args"] as JsonArray ?? [])
                    CollectArg(arg, call, part, context);
                if (k3["kwargs"] is JsonObject kwargs)
                {
                    foreach (var (key, value) in kwargs)
                        CollectKwarg(key, value, call, part, context);
                }
                break;
            case JsonArray k2:
                // Keras 1/2: [[layer, node, tensor, kwargs?], ...]
                foreach (var entry in k2)
                {
                    if (entry is not JsonArray e || e.Count < 3)
                        throw new KerasFileException(context.Source, part, $"has a malformed input entry {entry?.ToJsonString()}.");
                    call.Tensors.Add(ParseRef(e, part, context));
                    if (e.Count > 3 && e[3] is JsonObject kw)
                    {
                        foreach (var (key, value) in kw)
                            CollectKwarg(key, value, call, part, context);
                    }
                }
                break;
            default:
                throw new KerasFileException(context.Source, part, $"is malformed: {node?.ToJsonString() ?? "null"}.");
        }
        return call;
    }

    private static void CollectArg(JsonNode? arg, NodeCall call, string part, LoadContext context)
    {
        switch (arg)
        {
            case null:
                return;
            case JsonObject o when IsKerasTensor(o):
                call.Tensors.Add(HistoryOf(o, part, context));
                return;
            case JsonArray a:
                foreach (var item in a) CollectArg(item, call, part, context);
                return;
            case JsonValue v when v.TryGetValue<double>(out var d):
                call.Scalars.Add(d);
                return;
            default:
                throw new KerasFileException(context.Source, part, $"has an argument Keras.Net cannot rebuild: {arg.ToJsonString()}.");
        }
    }

    private static void CollectKwarg(string key, JsonNode? value, NodeCall call, string part, LoadContext context)
    {
        switch (key)
        {
            case "training":
                if (value is JsonValue tv && tv.TryGetValue<bool>(out var training)) call.Training = training;
                return;
            case "mask":
                // Masks travel with the tensors in Keras.Net (as in Keras); Keras 3.15 also records them as
                // op nodes (NotEqual/Any). An explicit mask from another layer's output cannot be replayed.
                if (value is null) return;
                var masks = new NodeCall();
                CollectArg(value, masks, part, context);
                call.MaskRefs.AddRange(masks.Tensors);
                return;
        }
        if (value is not null && ContainsTensor(value))
        {
            CollectArg(value, call, part, context);
            return;
        }
        call.Extra[key] = value?.DeepClone();
    }

    private static bool ContainsTensor(JsonNode node) => node switch
    {
        JsonObject o when IsKerasTensor(o) => true,
        JsonArray a => a.Any(i => i is not null && ContainsTensor(i)),
        _ => false,
    };

    private static bool IsKerasTensor(JsonObject o) =>
        o["class_name"] is JsonValue v && v.TryGetValue<string>(out var s) && s == "__keras_tensor__";

    private static TensorRef HistoryOf(JsonObject kerasTensor, string part, LoadContext context) =>
        (kerasTensor["config"] as JsonObject)?["keras_history"] is JsonArray h
            ? ParseRef(h, part, context)
            : throw new KerasFileException(context.Source, part, "has a tensor without 'keras_history'.");

    private static TensorRef ParseRef(JsonArray a, string part, LoadContext context)
    {
        try
        {
            return new TensorRef(a[0]!.GetValue<string>(), Int(a[1]), Int(a[2]));
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            throw new KerasFileException(context.Source, part, $"has a malformed tensor reference {a.ToJsonString()}.", e);
        }
    }

    private static int Int(JsonNode? node)
    {
        if (node is JsonValue v)
        {
            if (v.TryGetValue<int>(out var i)) return i;
            if (v.TryGetValue<long>(out var l)) return checked((int)l);
            if (v.TryGetValue<double>(out var d) && d == Math.Floor(d)) return checked((int)d);
        }
        throw new FormatException($"{node?.ToJsonString() ?? "null"} is not an integer.");
    }

    private static IReadOnlyList<TensorRef> Refs(JsonNode? node, string key, string? modelName, LoadContext context)
    {
        var part = $"model '{modelName}' {key}";
        switch (node)
        {
            case JsonArray a when a.Count > 0 && a[0] is JsonValue:
                return [ParseRef(a, part, context)];
            case JsonArray a:
                return a.Select(item => item switch
                {
                    JsonArray r => ParseRef(r, part, context),
                    JsonObject o when IsKerasTensor(o) => HistoryOf(o, part, context),
                    _ => throw new KerasFileException(context.Source, part, $"has a malformed entry {item?.ToJsonString()}."),
                }).ToArray();
            case JsonObject o:
                return o.Select(kv => kv.Value switch
                {
                    JsonArray r => ParseRef(r, part, context),
                    _ => throw new KerasFileException(context.Source, part, $"has a malformed entry {kv.Value?.ToJsonString()}."),
                }).ToArray();
            default:
                throw new KerasFileException(context.Source, part, "is missing.");
        }
    }
}
