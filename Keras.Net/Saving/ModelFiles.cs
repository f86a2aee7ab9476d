using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Engine;
using Keras.Models;
using Keras.Saving.Hdf5;
using Keras.Saving.Json;
using Keras.Saving.KerasZip;
using PureHDF;

namespace Keras.Saving;

/// <summary>What a model path holds, decided from its bytes (not its name).</summary>
internal enum ModelFileKind
{
    KerasArchive,
    Hdf5,
    Json,
    Yaml,
    SavedModel,
}

/// <summary>
/// Loading and saving whole models and weights: picks the format from the file's magic bytes
/// (<c>PK</c> zip → <c>.keras</c>, <c>\x89HDF</c> → HDF5, <c>{</c> → JSON), rebuilds the architecture,
/// assigns the weights (all checked before any is assigned), restores the compiled state, and writes
/// <c>.keras</c>, legacy <c>.h5</c> and <c>.weights.h5</c> files that Keras 3 loads.
/// </summary>
internal static class ModelFiles
{
    /// <summary>The Keras version whose file formats Keras.Net writes (recorded in the files it saves).</summary>
    public const string KerasFormatVersion = "3.15.1";

    /// <summary>The back end recorded in saved files: Keras.Net computes on libtorch, like Keras's torch back end.</summary>
    public const string BackendName = "torch";

    // The Keras generation and back end of the config a model was rebuilt from, for weights files that
    // do not say which Keras wrote them (Keras 1 weights-only files).
    private static readonly ConditionalWeakTable<Model, LoadContext> Origins = new();

    public static void RememberOrigin(Model model, LoadContext context) => Origins.AddOrUpdate(model, context);

    // ------------------------------------------------------------------ detection

    public static ModelFileKind Detect(string path)
    {
        if (Directory.Exists(path))
        {
            if (File.Exists(Path.Combine(path, "saved_model.pb")) || File.Exists(Path.Combine(path, "saved_model.pbtxt")))
                return ModelFileKind.SavedModel;
            throw new KerasFileException(path, "path", "is a folder, not a model file (and not a TensorFlow SavedModel: it has no saved_model.pb).");
        }
        if (!File.Exists(path)) throw new KerasFileException(path, "path", "does not exist.");
        var head = new byte[512];
        int n;
        try
        {
            using var s = File.OpenRead(path);
            n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KerasFileException(path, "file", $"cannot be read: {e.Message}", e);
        }
        var span = head.AsSpan(0, n);
        if (KerasArchive.HasSignature(span)) return ModelFileKind.KerasArchive;
        if (H5Archive.HasSignature(span)) return ModelFileKind.Hdf5;
        if (span.Length >= 4 && span[..4].SequenceEqual("\b\u0001\u0012\u0000"u8)) return ModelFileKind.SavedModel;
        var text = System.Text.Encoding.UTF8.GetString(span).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (text.StartsWith('{')) return ModelFileKind.Json;
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is ".yaml" or ".yml" || text.StartsWith("class_name:", StringComparison.Ordinal) || text.StartsWith("---", StringComparison.Ordinal))
            return ModelFileKind.Yaml;
        if (n == 0) throw new KerasFileException(path, "header", "the file is empty.");
        throw new KerasFileException(path, "header",
            "is not a Keras model: expected a .keras zip archive, an HDF5 file, or a JSON/YAML architecture (the first bytes match none of them).");
    }

    private static KerasFileException SavedModelNotSupported(string path) => new(path, "SavedModel",
        "loading only the weights of a TensorFlow SavedModel is not supported yet; load the whole model with Model.Load(folder).");

    // ------------------------------------------------------------------ loading models

    public static Model Load(string path, bool compile, bool safeMode)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Detect(path) switch
        {
            ModelFileKind.KerasArchive => LoadKeras(path, compile, safeMode),
            ModelFileKind.Hdf5 => LoadH5(path, compile, safeMode),
            ModelFileKind.Json or ModelFileKind.Yaml => LoadArchitecture(path, safeMode),
            ModelFileKind.SavedModel => SavedModel.SavedModelLoader.Load(path, compile, safeMode),
            _ => throw new KerasFileException(path, "header", "unknown format."),
        };
    }

    /// <summary>A model from a JSON or YAML architecture file (fresh weights).</summary>
    public static Model LoadArchitecture(string path, bool safeMode)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KerasFileException(path, "file", $"cannot be read: {e.Message}", e);
        }
        var kind = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n').StartsWith('{') ? ModelFileKind.Json : ModelFileKind.Yaml;
        var node = kind == ModelFileKind.Json ? ParseJson(text, path, "architecture") : Yaml.Parse(text, path);
        return FromSerialized(node as JsonObject ?? throw new KerasFileException(path, "architecture", "is not an object."), path, safeMode, null, null);
    }

    public static JsonNode ParseJson(string text, string source, string part)
    {
        try
        {
            // Duplicate keys are refused while parsing; JsonObject would otherwise throw on first enumeration.
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 512, AllowDuplicateProperties = false })
                ?? throw new KerasFileException(source, part, "is empty (null).");
        }
        catch (JsonException e)
        {
            throw new KerasFileException(source, part, $"is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// A model from <c>{"class_name", "config"}</c> (or an inner Sequential/Functional config).
    /// <paramref name="weightBytes"/> is the size of the weight data that comes with the config (null for a
    /// bare architecture): the weights the config asks for must fit in it (see <see cref="Engine.WeightBudget"/>).
    /// </summary>
    public static Model FromSerialized(JsonObject node, string source, bool safeMode, string? kerasVersion, string? backend, long? weightBytes = null)
    {
        if (!node.ContainsKey("class_name"))
        {
            if (node["layers"] is null) throw new KerasFileException(source, "model config", "has neither 'class_name' nor 'layers'.");
            node = new JsonObject { ["class_name"] = node.ContainsKey("input_layers") ? "Functional" : "Sequential", ["config"] = node.DeepClone() };
        }
        kerasVersion ??= node["keras_version"]?.ToString();
        backend ??= node["backend"]?.ToString();
        var context = new LoadContext(source, safeMode, LoadContext.DetectGeneration(kerasVersion, node), backend, kerasVersion);
        // Lambda layers decide for themselves what safe mode allows (registered functions load; Python code never runs).
        using var safeScope = Layers.Lambda.SafeModeScope(safeMode);
        using var budget = Engine.WeightBudget.Limit(source, weightBytes);
        var model = ModelDeserializer.Model(node, context);
        RememberOrigin(model, context);
        return model;
    }

    private static Model LoadKeras(string path, bool compile, bool safeMode)
    {
        var archive = KerasArchive.Read(path);
        var kerasVersion = archive.Metadata?["keras_version"]?.ToString();
        var model = FromSerialized(archive.Config, path, safeMode, kerasVersion, null, archive.Weights?.LongLength);
        if (archive.Weights is not null)
        {
            using var h5 = H5Archive.Open(archive.Weights, $"{path}!{KerasArchive.WeightsEntry}");
            var plan = new WeightPlan(h5.DisplayPath, skipMismatch: false);
            Keras3Weights.Plan(model, h5, plan, byName: false);
            plan.Apply();
            if (compile && archive.Config["compile_config"] is JsonObject cc && cc.Count > 0)
            {
                if (CompileConfig.Restore(model, cc) is null) RestoreKeras3Optimizer(model, h5);
            }
        }
        else if (model.Weights.Count > 0)
        {
            throw new KerasFileException(path, KerasArchive.WeightsEntry, "is missing, but the model has weights.");
        }
        else if (compile && archive.Config["compile_config"] is JsonObject cc && cc.Count > 0)
        {
            CompileConfig.Restore(model, cc);
        }
        return model;
    }

    private static void RestoreKeras3Optimizer(Model model, H5Archive h5)
    {
        if (h5.TryGroup("optimizer/vars") is not { } vars) return;
        var values = Keras3Weights.VarValues(h5, vars, "optimizer/vars");
        OptimizerState.Restore(model, values);
    }

    private static Model LoadH5(string path, bool compile, bool safeMode)
    {
        using var h5 = H5Archive.Open(path);
        var root = h5.Root;
        var configText = h5.StringAttribute(root, "model_config", "root");
        if (configText is null)
        {
            throw new KerasFileException(path, "root attribute 'model_config'",
                "is missing: the file holds only weights. Build the model (e.g. from its JSON config) and call LoadWeights.");
        }
        var kerasVersion = h5.StringAttribute(root, "keras_version", "root");
        var backend = h5.StringAttribute(root, "backend", "root");
        var node = ParseJson(configText, path, "model_config") as JsonObject
            ?? throw new KerasFileException(path, "model_config", "is not a JSON object.");
        var model = FromSerialized(node, path, safeMode, kerasVersion, backend, new FileInfo(path).Length);
        var context = new LoadContext(path, safeMode, LoadContext.DetectGeneration(kerasVersion, node), backend, kerasVersion);
        var weightsGroup = h5.TryGroup("model_weights");
        if (weightsGroup is null)
        {
            if (model.Weights.Count > 0) throw new KerasFileException(path, "model_weights", "the group is missing, but the model has weights.");
        }
        else
        {
            var plan = new WeightPlan(path, skipMismatch: false);
            LegacyWeights.Plan(model, h5, weightsGroup, "model_weights", plan, byName: true, context);
            plan.Apply();
            CheckAllAssigned(model, h5, weightsGroup, path);
        }
        if (compile && h5.StringAttribute(root, "training_config", "root") is { } training
            && ParseJson(training, path, "training_config") is JsonObject tc
            && CompileConfig.Restore(model, tc) is null
            && context.Generation >= 3 && h5.TryGroup("optimizer_weights") is { } opt)
        {
            var names = h5.StringsAttribute(opt, "weight_names", "optimizer_weights");
            var values = names.Select(n => h5.ReadArray(n, opt, $"optimizer_weights/{n}")).ToArray();
            OptimizerState.Restore(model, values);
        }
        return model;
    }

    // A full-model file must give every layer with weights its weights.
    private static void CheckAllAssigned(Model model, H5Archive h5, IH5Group group, string path)
    {
        var fileLayers = new HashSet<string>(h5.StringsAttribute(group, "layer_names", "model_weights"), StringComparer.Ordinal);
        foreach (var layer in KerasLayerOrder.Of(model))
        {
            if (layer.Weights.Count == 0) continue;
            if (!fileLayers.Contains(layer.Name))
                throw new KerasFileException(path, $"model_weights/{layer.Name}", $"layer '{layer.Name}' has {layer.Weights.Count} weight(s) but the file has no group for it.");
            var g = h5.TryGroup(layer.Name, group);
            if (g is null || h5.StringsAttribute(g, "weight_names", $"model_weights/{layer.Name}").Count == 0)
                throw new KerasFileException(path, $"model_weights/{layer.Name}", $"layer '{layer.Name}' has {layer.Weights.Count} weight(s) but the file lists none for it.");
        }
    }

    // ------------------------------------------------------------------ weights

    public static void LoadWeights(Model model, string path, bool byName, bool skipMismatch)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!model.IsGraphNetwork && model.Weights.Count == 0)
            throw new InvalidOperationException($"Model \"{model.Name}\" is not built yet, so it has no weights to load into. Build it (give the first layer an inputShape, or call it on data) first.");
        var kind = Detect(path);
        switch (kind)
        {
            case ModelFileKind.KerasArchive:
            {
                var archive = KerasArchive.Read(path, needConfig: false);
                if (archive.Weights is null) throw new KerasFileException(path, KerasArchive.WeightsEntry, "is missing from the archive.");
                using var h5 = H5Archive.Open(archive.Weights, $"{path}!{KerasArchive.WeightsEntry}");
                var plan = new WeightPlan(h5.DisplayPath, skipMismatch);
                Keras3Weights.Plan(model, h5, plan, byName);
                plan.Apply();
                return;
            }
            case ModelFileKind.Hdf5:
            {
                using var h5 = H5Archive.Open(path);
                var plan = new WeightPlan(path, skipMismatch);
                if (Keras3Weights.IsKeras3Layout(h5))
                {
                    Keras3Weights.Plan(model, h5, plan, byName);
                }
                else
                {
                    var group = h5.TryGroup("model_weights") ?? h5.Root;
                    var groupPath = ReferenceEquals(group, h5.Root) ? "" : "model_weights";
                    var kerasVersion = h5.StringAttribute(h5.Root, "keras_version", "root") ?? h5.StringAttribute(group, "keras_version", groupPath);
                    var backend = h5.StringAttribute(h5.Root, "backend", "root") ?? h5.StringAttribute(group, "backend", groupPath);
                    Origins.TryGetValue(model, out var origin);
                    int generation = LegacyGeneration(kerasVersion, origin, h5, group, groupPath);
                    var context = new LoadContext(path, true, generation, backend ?? origin?.Backend, kerasVersion ?? origin?.KerasVersion);
                    LegacyWeights.Plan(model, h5, group, groupPath, plan, byName, context);
                }
                plan.Apply();
                return;
            }
            case ModelFileKind.SavedModel:
                throw SavedModelNotSupported(path);
            default:
                throw new KerasFileException(path, "header", "holds an architecture, not weights; weights are .weights.h5, .h5 or .keras files.");
        }
    }

    private static int LegacyGeneration(string? kerasVersion, LoadContext? origin, H5Archive h5, IH5Group group, string groupPath)
    {
        if (Legacy.LegacyConfig.GenerationOf(kerasVersion) is int g) return g;
        if (origin is not null && origin.KerasVersion is not null) return origin.Generation;
        // Keras 1 wrote flat names such as "dense_1_W:0"; Keras 2+ scope them ("dense_1/kernel:0").
        foreach (var name in h5.StringsAttribute(group, "layer_names", groupPath))
        {
            if (h5.TryGroup(name, group) is { } lg && h5.StringsAttribute(lg, "weight_names", $"{groupPath}/{name}") is { Count: > 0 } wn)
                return wn.Any(w => w.Contains('/')) ? 2 : 1;
        }
        return origin?.Generation ?? 2;
    }

    // ------------------------------------------------------------------ saving

    private static void RequireGraph(Model model, string what)
    {
        if (!model.IsGraphNetwork)
        {
            throw new InvalidOperationException(
                $"{what}: model \"{model.Name}\" is not built (or is a subclassed model without a config); build it first — " +
                "give the first layer an inputShape or call it on data. Subclassed models can be saved with SaveWeights.");
        }
    }

    /// <summary>The serialized model as Keras 3 writes it in <c>config.json</c>.</summary>
    public static JsonObject KerasConfig(Model model, JsonObject? compileConfig)
    {
        var config = CallOptions.Annotate(Serialization.Layer(model), model);
        if (model is Sequential && model.Inputs.Count == 1)
            config["build_config"] = new JsonObject { ["input_shape"] = ShapeJson(model.Inputs[0].Shape) };
        if (compileConfig is not null) config["compile_config"] = compileConfig;
        return config;
    }

    private static JsonArray ShapeJson(Shape shape) => new(shape.Select(d => d == Shape.Unknown ? null : (JsonNode)d).ToArray());

    public static void SaveKeras(Model model, string path, JsonObject? compileConfig)
    {
        RequireGraph(model, "SaveModel");
        var config = KerasConfig(model, compileConfig);
        var metadata = new JsonObject
        {
            ["keras_version"] = KerasFormatVersion,
            ["date_saved"] = DateTime.Now.ToString("yyyy-MM-dd@HH:mm:ss", CultureInfo.InvariantCulture),
        };
        var weights = Keras3Weights.Build(model);
        KerasArchive.Write(path, config, metadata, s => weights.Write(s));
    }

    public static void SaveH5(Model model, string path, JsonObject? trainingConfig)
    {
        RequireGraph(model, "SaveModel");
        var modelConfig = CallOptions.Annotate(Serialization.Layer(model), model);
        var file = new H5File();
        file.Attributes["backend"] = BackendName;
        file.Attributes["keras_version"] = KerasFormatVersion;
        file.Attributes["model_config"] = new JsonObject { ["class_name"] = modelConfig["class_name"]!.DeepClone(), ["config"] = modelConfig["config"]!.DeepClone() }.ToJsonString();
        if (trainingConfig is not null) file.Attributes["training_config"] = trainingConfig.ToJsonString();
        var weights = new H5Group();
        LegacyWeights.Fill(weights, model, BackendName, KerasFormatVersion);
        file["model_weights"] = weights;
        if (model.Optimizer is { } optimizer && OptimizerState.KerasOrder(model, optimizer) is { } values)
        {
            var group = new H5Group();
            var names = OptimizerNames(model, optimizer).Take(values.Count).ToArray();
            for (int i = 0; i < values.Count; i++) LegacyWeights.Put(group, names[i], H5Data.Dataset(values[i]));
            group.Attributes["weight_names"] = names;
            file["optimizer_weights"] = group;
        }
        AtomicFile.Write(path, s => file.Write(s));
    }

    // Keras 3's legacy names: "<optimizer>/iteration", "<optimizer>/learning_rate", "<optimizer>/<variable path>_<slot>".
    private static string[] OptimizerNames(Model model, Optimizers.Optimizer optimizer) =>
        [$"{optimizer.Name}/iteration", $"{optimizer.Name}/learning_rate", .. OptimizerSlotPaths(model, optimizer)];

    private static IEnumerable<string> OptimizerSlotPaths(Model model, Optimizers.Optimizer optimizer)
    {
        var slotOrder = optimizer switch
        {
            Optimizers.Adam a => a.Amsgrad ? new[] { new[] { "momentum", "velocity" }, ["velocity_hat"] } : [["momentum", "velocity"]],
            Optimizers.SGD s => s.Momentum != 0 ? [["momentum"]] : [],
            Optimizers.RMSprop r => new[] { new[] { "velocity" } }.Concat(r.Momentum > 0 ? [["momentum"]] : []).Concat(r.Centered ? [["average_gradient"]] : []).ToArray(),
            _ => [],
        };
        foreach (var slots in slotOrder)
            foreach (var v in model.TrainableWeights)
                foreach (var slot in slots)
                    yield return $"{optimizer.Name}/{v.Path.Replace('/', '_')}_{slot}";
    }

    public static void SaveWeights(Model model, string path)
    {
        if (model.Weights.Count == 0 && !model.IsGraphNetwork)
            throw new InvalidOperationException($"SaveWeights: model \"{model.Name}\" is not built yet, so it has no weights to save.");
        var name = Path.GetFileName(path).ToLowerInvariant();
        H5File file;
        if (name.EndsWith(".weights.h5", StringComparison.Ordinal))
        {
            file = Keras3Weights.Build(model);
        }
        else if (name.EndsWith(".h5", StringComparison.Ordinal) || name.EndsWith(".hdf5", StringComparison.Ordinal))
        {
            file = new H5File();
            LegacyWeights.Fill(file, model, BackendName, KerasFormatVersion);
        }
        else
        {
            throw new ArgumentException($"SaveWeights: the file name must end in .weights.h5 (Keras 3 layout) or .h5 (legacy layout); got '{path}'.", nameof(path));
        }
        AtomicFile.Write(path, s => file.Write(s));
    }
}
