using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Losses;
using Keras.Metrics;
using Keras.Models;
using Keras.Optimizers;

namespace Keras.Saving;

/// <summary>
/// A model's compiled state as Keras records it: Keras 3's <c>compile_config</c> (<c>.keras</c>) and
/// the <c>training_config</c> root attribute of legacy <c>.h5</c> files (Keras 1–3, where the optimizer is
/// under <c>optimizer_config</c>). Restores SGD, Adam, AdamW and RMSprop with the losses and metrics
/// Keras.Net knows; anything else (learning-rate schedules, Keras 2's <c>decay</c>, custom objects)
/// leaves the model uncompiled rather than compiled differently, and the reason is returned.
/// </summary>
internal static class CompileConfig
{
    /// <summary>Compiles <paramref name="model"/> from the config; returns null on success, else why it was not compiled.</summary>
    public static string? Restore(Model model, JsonObject config)
    {
        var optimizerNode = config["optimizer"] ?? config["optimizer_config"];
        if (optimizerNode is null) return "the config names no optimizer";
        var optimizer = OptimizerFrom(optimizerNode, out var why);
        if (optimizer is null) return why;
        try
        {
            var lossNode = config["loss"];
            var metrics = MetricsFrom(config["metrics"], out why);
            if (why is not null)
            {
                optimizer.Dispose();
                return why;
            }
            var outputs = model.OutputNames;
            switch (lossNode)
            {
                case JsonValue or JsonObject:
                    var loss = LossFrom(lossNode, out why);
                    if (loss is null) break;
                    model.Compile(optimizer, loss, metrics, WeightsList(config["loss_weights"], outputs));
                    return null;
                case JsonArray list:
                    var losses = new List<Loss>();
                    foreach (var item in list)
                    {
                        var l = LossFrom(item, out why);
                        if (l is null) break;
                        losses.Add(l);
                    }
                    if (losses.Count != list.Count) break;
                    model.Compile(optimizer, losses, metrics, WeightsList(config["loss_weights"], outputs));
                    return null;
                case null:
                    why = "the config has no loss";
                    break;
            }
            if (lossNode is JsonObject dict && !dict.ContainsKey("class_name"))
            {
                var byName = new Dictionary<string, Loss>(StringComparer.Ordinal);
                foreach (var (k, v) in dict)
                {
                    var l = LossFrom(v, out why);
                    if (l is null) break;
                    byName[k] = l;
                }
                if (byName.Count == dict.Count)
                {
                    var weights = config["loss_weights"] is JsonObject lw
                        ? lw.ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<double>() ?? 1.0)
                        : null;
                    model.Compile(optimizer, byName, metrics, weights);
                    return null;
                }
            }
            optimizer.Dispose();
            return why ?? "the loss is not supported";
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            optimizer.Dispose();
            return e.Message;
        }
    }

    private static IReadOnlyList<double>? WeightsList(JsonNode? node, IReadOnlyList<string> outputs) => node switch
    {
        JsonArray a => a.Select(v => v?.GetValue<double>() ?? 1.0).ToArray(),
        JsonObject o => outputs.Select(n => o[n]?.GetValue<double>() ?? 1.0).ToArray(),
        _ => null,
    };

    private static string ClassName(JsonNode node, out JsonObject config)
    {
        config = new JsonObject();
        if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        if (node is JsonObject o)
        {
            config = o["config"] as JsonObject ?? new JsonObject();
            var name = o["class_name"]?.ToString() ?? o["registered_name"]?.ToString() ?? "";
            return name.Contains('>') ? name[(name.LastIndexOf('>') + 1)..] : name;
        }
        return "";
    }

    /// <summary>An optimizer from its serialized form, or null (with the reason) when it cannot be reproduced exactly.</summary>
    public static Optimizer? OptimizerFrom(JsonNode node, out string? why)
    {
        why = null;
        var className = ClassName(node, out var config);
        var c = new ConfigReader(config, className);
        if (c.Double("decay", 0) != 0)
        {
            why = $"the {className} optimizer uses Keras 2's learning-rate decay ({c.Double("decay", 0)}), which is not supported";
            return null;
        }
        try
        {
            // A learning rate is a number or a serialized schedule (Keras 3's learning_rate, Keras 2's lr).
            var lrNode = config["learning_rate"] ?? config["lr"];
            LearningRateOrSchedule? lr = lrNode switch
            {
                JsonObject schedule => Keras.Optimizers.Schedules.LearningRateSchedule.FromConfig(schedule),
                null => null,
                _ => c.DoubleOrNull(config["learning_rate"] is null ? "lr" : "learning_rate"),
            };
            double? wd = c.DoubleOrNull("weight_decay");
            double? cn = c.DoubleOrNull("clipnorm"), cv = c.DoubleOrNull("clipvalue"), gcn = c.DoubleOrNull("global_clipnorm");
            var name = c.String("name");
            bool ema = c.Bool("use_ema", false);
            double emaMomentum = c.Double("ema_momentum", 0.99);
            int? emaEvery = c.IntOrNull("ema_overwrite_frequency");
            Optimizer? result = className.ToLowerInvariant() switch
            {
                "adam" => new Adam(lr ?? 0.001, c.Double("beta_1", 0.9), c.Double("beta_2", 0.999), c.Double("epsilon", 1e-7), c.Bool("amsgrad", false), wd, cn, cv, gcn, name, ema, emaMomentum, emaEvery),
                "adamw" => new AdamW(lr ?? 0.001, wd ?? 0.004, c.Double("beta_1", 0.9), c.Double("beta_2", 0.999), c.Double("epsilon", 1e-7), c.Bool("amsgrad", false), cn, cv, gcn, name, ema, emaMomentum, emaEvery),
                "sgd" => new SGD(lr ?? 0.01, c.Double("momentum", 0), c.Bool("nesterov", false), wd, cn, cv, gcn, name, ema, emaMomentum, emaEvery),
                "rmsprop" => new RMSprop(lr ?? 0.001, c.Double("rho", 0.9), c.Double("momentum", 0), c.Double("epsilon", 1e-7), c.Bool("centered", false), wd, cn, cv, gcn, name, ema, emaMomentum, emaEvery),
                "adamax" => new Adamax(lr ?? 0.001, c.Double("beta_1", 0.9), c.Double("beta_2", 0.999), c.Double("epsilon", 1e-7), wd, cn, cv, gcn, name, ema, emaMomentum, emaEvery),
                "nadam" => new Nadam(lr ?? 0.001, c.Double("beta_1", 0.9), c.Double("beta_2", 0.999), c.Double("epsilon", 1e-7), wd, cn, cv, gcn, name, ema, emaMomentum, emaEvery),
                "adagrad" => new Adagrad(lr ?? 0.001, c.Double("initial_accumulator_value", 0.1), c.Double("epsilon", 1e-7), wd, cn, cv, gcn, name, ema, emaMomentum, emaEvery),
                "adadelta" => new Adadelta(lr ?? 0.001, c.Double("rho", 0.95), c.Double("epsilon", 1e-7), wd, cn, cv, gcn, name, ema, emaMomentum, emaEvery),
                "lion" => new Lion(lr ?? 0.001, c.Double("beta_1", 0.9), c.Double("beta_2", 0.99), wd, cn, cv, gcn, name, ema, emaMomentum, emaEvery),
                "lamb" => new Lamb(lr ?? 0.001, c.Double("beta_1", 0.9), c.Double("beta_2", 0.999), c.Double("epsilon", 1e-7), wd, cn, cv, gcn, name, ema, emaMomentum, emaEvery),
                _ => null,
            };
            if (result is null) why = $"the optimizer '{className}' is not supported";
            return result;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            why = $"the {className} optimizer config cannot be used: {e.Message}";
            return null;
        }
    }

    private static Loss? LossFrom(JsonNode? node, out string? why)
    {
        why = null;
        if (node is null)
        {
            why = "an output has no loss";
            return null;
        }
        var className = ClassName(node, out var config);
        try
        {
            // A serialized loss keeps its options (from_logits, label_smoothing, reduction, …); a name takes Keras's defaults.
            return config.Count > 0 ? Loss.FromConfig(className, config) : Loss.Get(className);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            why = e.Message;
            return null;
        }
    }

    private static Metric[] MetricsFrom(JsonNode? node, out string? why)
    {
        why = null;
        var names = new List<string>();
        void Collect(JsonNode? n)
        {
            switch (n)
            {
                case null:
                    return;
                case JsonArray a:
                    foreach (var i in a) Collect(i);
                    return;
                case JsonObject o when o.ContainsKey("class_name"):
                    names.Add((o["config"] as JsonObject)?["name"]?.ToString() ?? ClassName(o, out _));
                    return;
                case JsonObject o:
                    foreach (var (_, v) in o) Collect(v);
                    return;
                case JsonValue v when v.TryGetValue<string>(out var s):
                    names.Add(s);
                    return;
            }
        }
        Collect(node);
        var metrics = new List<Metric>();
        foreach (var name in names.Distinct())
        {
            // Keras names loss-like metrics by their snake_case class names.
            var key = name switch
            {
                "acc" => "accuracy",
                "mean_squared_error" or "MeanSquaredError" => "mse",
                "mean_absolute_error" or "MeanAbsoluteError" => "mae",
                _ => name,
            };
            try
            {
                metrics.Add(Metric.Get(key));
            }
            catch (ArgumentException e)
            {
                why = e.Message;
                return [];
            }
        }
        return metrics.ToArray();
    }

    // ------------------------------------------------------------------ writing

    /// <summary>Serializes an optimizer the way Keras 3 does.</summary>
    public static JsonObject Optimizer(Optimizer optimizer) => new()
    {
        ["module"] = "keras.optimizers",
        ["class_name"] = optimizer.GetType().Name,
        ["config"] = optimizer.GetConfig(),
        ["registered_name"] = null,
    };

    // A loss with its options, as Keras writes loss objects, so from_logits, label smoothing and the like survive a save.
    private static JsonNode? SerializeLoss(Loss? loss) => loss is null ? null : new JsonObject
    {
        ["module"] = "keras.losses",
        ["class_name"] = loss.GetType().Name,
        ["config"] = loss.GetConfig(),
        ["registered_name"] = null,
    };

    /// <summary>Keras 3's <c>compile_config</c> (or, with <paramref name="legacy"/>, the <c>training_config</c> of .h5 files).</summary>
    public static JsonObject Write(Optimizer optimizer, IReadOnlyList<Loss?> losses, IReadOnlyList<Metric> metrics, IReadOnlyList<double>? lossWeights, bool legacy)
    {
        JsonNode? loss = losses.Count == 1 || losses.Distinct().Count() == 1
            ? SerializeLoss(losses[0])
            : new JsonArray(losses.Select(SerializeLoss).ToArray());
        var config = new JsonObject
        {
            ["loss"] = loss,
            ["loss_weights"] = lossWeights is null ? null : new JsonArray(lossWeights.Select(w => (JsonNode)w).ToArray()),
            ["metrics"] = metrics.Count == 0 ? null : new JsonArray(metrics.Select(m => (JsonNode)m.Name).ToArray()),
            ["weighted_metrics"] = null,
            ["run_eagerly"] = false,
            ["steps_per_execution"] = 1,
            ["jit_compile"] = false,
        };
        if (legacy)
        {
            var opt = Optimizer(optimizer);
            config["optimizer_config"] = new JsonObject { ["class_name"] = opt["class_name"]!.DeepClone(), ["config"] = opt["config"]!.DeepClone() };
        }
        else
        {
            config.Insert(0, "optimizer", Optimizer(optimizer));
        }
        return config;
    }
}

/// <summary>
/// An optimizer's state in Keras 3's order: <c>iteration</c>, <c>learning_rate</c>, then the slots
/// (Adam: momentum and velocity interleaved per variable, then velocity_hat; SGD: momentum; RMSprop:
/// velocity, then momentum, then average_gradient, each for every variable).
/// </summary>
internal static class OptimizerState
{
    private static IEnumerable<(int Pass, string[] Slots)> Layout(Optimizer optimizer) => optimizer switch
    {
        Adam a => a.Amsgrad ? [(0, ["momentum", "velocity"]), (1, ["velocity_hat"])] : [(0, ["momentum", "velocity"])],
        SGD s => s.Momentum != 0 ? [(0, ["momentum"])] : [],
        RMSprop r => new (int, string[])[] { (0, ["velocity"]) }
            .Concat(r.Momentum > 0 ? [(1, ["momentum"])] : [])
            .Concat(r.Centered ? [(2, ["average_gradient"])] : []),
        _ => throw new NotSupportedException(),
    };

    /// <summary>The C# state variables in Keras's order, or null when the optimizer's layout is unknown or incomplete.</summary>
    private static List<Variable>? Slots(Model model, Optimizer optimizer)
    {
        if (optimizer is not (Adam or SGD or RMSprop)) return null;
        if (!optimizer.Built) return [];
        var byPath = optimizer.Variables.ToDictionary(v => v.Path, StringComparer.Ordinal);
        var result = new List<Variable>();
        foreach (var (_, slots) in Layout(optimizer))
        {
            foreach (var v in model.TrainableWeights)
            {
                foreach (var slot in slots)
                {
                    if (!byPath.TryGetValue($"{optimizer.Name}/{v.Path.Replace('/', '_')}_{slot}", out var state)) return null;
                    result.Add(state);
                }
            }
        }
        return result.Count == optimizer.Variables.Count ? result : null;
    }

    /// <summary>The optimizer's variables as Keras writes them, or null when Keras.Net cannot lay them out.</summary>
    public static IReadOnlyList<HostArray>? KerasOrder(Model model, Optimizer optimizer)
    {
        var slots = Slots(model, optimizer);
        if (slots is null) return null;
        var list = new List<HostArray>
        {
            HostArray.Create([optimizer.Iterations]),
            HostArray.Create([(float)optimizer.LearningRate]),
        };
        list.AddRange(slots.Select(s => s.ToHost()));
        return list;
    }

    /// <summary>
    /// Restores the optimizer's state from Keras-ordered values (building it for the model's trainable
    /// weights); returns null on success, else why the state was left fresh.
    /// </summary>
    public static string? Restore(Model model, IReadOnlyList<HostArray> values)
    {
        var optimizer = model.Optimizer;
        if (optimizer is null) return "the model is not compiled";
        if (optimizer.Built) return "the optimizer is already built";
        if (optimizer is not (Adam or SGD or RMSprop)) return $"the state layout of {optimizer.GetType().Name} is not known";
        if (values.Count == 0) return null;
        if (values.Count <= 2)
        {
            // Keras saved an optimizer that was never built: only its step count and learning rate.
            SetIterations(optimizer, values[0]);
            return null;
        }
        optimizer.Build(model.TrainableWeights);
        var slots = Slots(model, optimizer);
        if (slots is null) return "the optimizer's variables do not follow Keras's layout";
        if (values.Count != slots.Count + 2)
            return $"the file holds {values.Count} optimizer variables but Keras's layout for this model needs {slots.Count + 2}";
        for (int i = 0; i < slots.Count; i++)
        {
            if (!new Shape(values[i + 2].Shape).Equals(slots[i].Shape))
                return $"optimizer variable {i + 2} has shape {Shape.Format(values[i + 2].Shape)} but {slots[i].Path} has shape {slots[i].Shape}";
        }
        for (int i = 0; i < slots.Count; i++) slots[i].Assign(values[i + 2]);
        SetIterations(optimizer, values[0]);
        return null;
    }

    private static void SetIterations(Optimizer optimizer, HostArray value)
    {
        if (value.Length != 1) return;
        var iterations = value.AsType(DType.Int64).ToArray<long>()[0];
        // Optimizer.Iterations has a protected setter; the step count drives Adam's bias correction.
        typeof(Optimizer).GetProperty(nameof(Optimizers.Optimizer.Iterations))!.GetSetMethod(nonPublic: true)!.Invoke(optimizer, [iterations]);
    }

    /// <summary>Reads Keras-ordered values into a string for diagnostics.</summary>
    public static string Describe(IReadOnlyList<HostArray> values) =>
        string.Join(", ", values.Select(v => Shape.Format(v.Shape)));
}
