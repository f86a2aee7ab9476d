using System.Globalization;
using System.Text.Json.Nodes;
using Keras.Saving.Json;

namespace Keras.Saving.Legacy;

/// <summary>
/// The Keras 1/2 → Keras 3 compatibility step for layer configs: one central table of class renames
/// (<c>Convolution2D</c> → <c>Conv2D</c>, Keras 1's <c>Merge</c> modes → merge layers) and argument
/// renames (<c>output_dim</c> → <c>units</c>, <c>nb_filter</c> → <c>filters</c>, <c>border_mode</c> →
/// <c>padding</c>, <c>dim_ordering</c> → <c>data_format</c>, <c>init</c> → <c>kernel_initializer</c>, …) and
/// changed defaults (Keras ≤ 2 <c>hard_sigmoid</c>, GRU <c>reset_after</c>). Layers' own
/// <c>FromConfig</c> then only ever sees Keras 3 names. Nested layer configs (wrappers) are translated too.
/// </summary>
internal static class LegacyConfig
{
    /// <summary>Keras 1/2 class names that Keras 3 spells differently.</summary>
    private static readonly Dictionary<string, string> ClassRenames = new(StringComparer.Ordinal)
    {
        ["Convolution1D"] = "Conv1D",
        ["Convolution2D"] = "Conv2D",
        ["Convolution3D"] = "Conv3D",
        ["AtrousConvolution1D"] = "Conv1D",
        ["AtrousConvolution2D"] = "Conv2D",
        ["Deconvolution2D"] = "Conv2DTranspose",
        ["Deconvolution3D"] = "Conv3DTranspose",
        ["SeparableConvolution2D"] = "SeparableConv2D",
    };

    /// <summary>Keras 1 <c>Merge</c> modes and the Keras 2+ layer that replaced each.</summary>
    private static readonly Dictionary<string, string> MergeModes = new(StringComparer.Ordinal)
    {
        ["concat"] = "Concatenate",
        ["sum"] = "Add",
        ["mul"] = "Multiply",
        ["ave"] = "Average",
        ["max"] = "Maximum",
        ["dot"] = "Dot",
        ["cos"] = "Dot",
    };

    /// <summary>Argument renames for every class (applied only when the Keras 3 name is absent).</summary>
    private static readonly (string Old, string New)[] CommonRenames =
    [
        ("inner_activation", "recurrent_activation"),
        ("inner_init", "recurrent_initializer"),
        ("U_regularizer", "recurrent_regularizer"),
        ("U_constraint", "recurrent_constraint"),
        ("b_regularizer", "bias_regularizer"),
        ("b_constraint", "bias_constraint"),
        ("bias", "use_bias"),
        ("dropout_W", "dropout"),
        ("dropout_U", "recurrent_dropout"),
        ("nb_filter", "filters"),
        ("border_mode", "padding"),
        ("subsample", "strides"),
        ("subsample_length", "strides"),
        ("atrous_rate", "dilation_rate"),
        ("pool_length", "pool_size"),
        ("beta_init", "beta_initializer"),
        ("gamma_init", "gamma_initializer"),
        ("alpha_init", "alpha_initializer"),
        ("depthwise_init", "depthwise_initializer"),
        ("pointwise_init", "pointwise_initializer"),
    ];

    private static readonly HashSet<string> UnitsClasses = new(StringComparer.Ordinal)
    {
        "Dense", "LSTM", "GRU", "SimpleRNN", "TimeDistributedDense", "Highway", "MaxoutDense", "LSTMCell", "GRUCell", "SimpleRNNCell",
    };

    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "TimeDistributedDense", "Highway", "MaxoutDense", "CuDNNLSTM", "CuDNNGRU",
    };

    /// <summary>Translates a serialized layer (<c>{"class_name", "config", …}</c>) to Keras 3 names; returns a new object.</summary>
    public static JsonObject Translate(JsonObject serialized, LoadContext context, bool isFirstLayer = false)
    {
        var result = (JsonObject)serialized.DeepClone();
        if (context.Generation >= 3) return result;
        var className = result["class_name"]?.GetValue<string>() ?? "";
        if (result["config"] is not JsonObject config) return result;
        var layerName = config["name"]?.ToString() ?? result["name"]?.ToString() ?? "?";

        if (Unsupported.Contains(className))
        {
            throw new KerasFileException(context.Source, $"layer '{layerName}' ({className})",
                $"the Keras {context.Generation} layer class '{className}' has no Keras 3 equivalent and is not supported.");
        }
        if (className == "Merge")
        {
            var mode = config["mode"]?.ToString() ?? "sum";
            if (!MergeModes.TryGetValue(mode, out var merged))
                throw new KerasFileException(context.Source, $"layer '{layerName}' (Merge)", $"Merge mode '{mode}' is not supported (only {string.Join(", ", MergeModes.Keys)}).");
            className = merged;
            Rename(config, "concat_axis", "axis");
            Rename(config, "dot_axes", "axes");
            if (mode == "cos") config["normalize"] = true;
            config.Remove("mode");
            config.Remove("mode_type");
            config.Remove("output_shape");
            config.Remove("output_shape_type");
            config.Remove("output_mask");
            config.Remove("output_mask_type");
            config.Remove("arguments");
        }
        if (ClassRenames.TryGetValue(className, out var renamed))
        {
            if (className.StartsWith("Atrous", StringComparison.Ordinal)) Rename(config, "atrous_rate", "dilation_rate");
            className = renamed;
        }
        result["class_name"] = className;

        TranslateArguments(className, config, context, isFirstLayer);

        // Wrappers hold whole layer configs.
        foreach (var key in new[] { "layer", "backward_layer", "cell" })
        {
            if (config[key] is JsonObject nested && nested.ContainsKey("class_name"))
                config[key] = Translate(nested, context);
        }
        if (config["cells"] is JsonArray cells)
        {
            for (int i = 0; i < cells.Count; i++)
                if (cells[i] is JsonObject cell && cell.ContainsKey("class_name")) cells[i] = Translate(cell, context);
        }
        return result;
    }

    private static void TranslateArguments(string className, JsonObject config, LoadContext context, bool isFirstLayer)
    {
        if (UnitsClasses.Contains(className)) Rename(config, "output_dim", "units");
        if (className == "Embedding")
        {
            Rename(config, "init", "embeddings_initializer");
            Rename(config, "W_regularizer", "embeddings_regularizer");
            Rename(config, "W_constraint", "embeddings_constraint");
        }
        else
        {
            Rename(config, "init", "kernel_initializer");
            Rename(config, "W_regularizer", "kernel_regularizer");
            Rename(config, "W_constraint", "kernel_constraint");
        }
        if (className is "Dropout" or "SpatialDropout1D" or "SpatialDropout2D" or "SpatialDropout3D") Rename(config, "p", "rate");
        if (className is "GaussianNoise") Rename(config, "sigma", "stddev");
        if (className is "GaussianDropout") Rename(config, "p", "rate");
        if (className is "MaxPooling1D" or "AveragePooling1D") Rename(config, "stride", "strides");
        if (className is "LeakyReLU" && !config.ContainsKey("negative_slope")) Rename(config, "alpha", "negative_slope");
        if (className is "Conv2DTranspose" or "Conv3DTranspose") config.Remove("output_shape");
        foreach (var (o, n) in CommonRenames) Rename(config, o, n);

        // Keras 1 kernel sizes.
        if (!config.ContainsKey("kernel_size"))
        {
            if (config["filter_length"] is { } fl) config["kernel_size"] = fl.DeepClone();
            else if (config["nb_row"] is { } r && config["nb_col"] is { } c)
                config["kernel_size"] = new JsonArray(r.DeepClone(), c.DeepClone());
            else if (config["kernel_dim1"] is { } k1 && config["kernel_dim2"] is { } k2 && config["kernel_dim3"] is { } k3)
                config["kernel_size"] = new JsonArray(k1.DeepClone(), k2.DeepClone(), k3.DeepClone());
        }
        foreach (var k in new[] { "filter_length", "nb_row", "nb_col", "kernel_dim1", "kernel_dim2", "kernel_dim3" }) config.Remove(k);

        if (config["dim_ordering"] is { } ordering)
        {
            var dim = ordering.ToString();
            if (dim == "default") dim = context.IsTheano ? "th" : "tf";
            if (!config.ContainsKey("data_format")) config["data_format"] = dim == "th" ? "channels_first" : "channels_last";
            config.Remove("dim_ordering");
        }
        if (config["forget_bias_init"] is { } fbi)
        {
            if (!config.ContainsKey("unit_forget_bias")) config["unit_forget_bias"] = fbi.ToString() is "one" or "ones";
            config.Remove("forget_bias_init");
        }
        config.Remove("consume_less");

        if (className == "BatchNormalization" && config["mode"] is { } bnMode)
        {
            if (bnMode.ToString() != "0")
                throw new KerasFileException(context.Source, $"layer '{config["name"]}' (BatchNormalization)",
                    $"Keras 1 BatchNormalization mode {bnMode} is not supported (only mode 0, feature-wise normalization).");
            config.Remove("mode");
        }
        if (className == "GRU" && !config.ContainsKey("reset_after")) config["reset_after"] = false;

        // Keras ≤ 2's hard_sigmoid is clip(0.2x + 0.5, 0, 1); Keras 3's is relu6(x + 3) / 6.
        foreach (var key in new[] { "activation", "recurrent_activation" })
        {
            if (config[key] is JsonValue v && v.TryGetValue<string>(out var act) && act == "hard_sigmoid")
                config[key] = LegacyActivations.HardSigmoidName;
        }
        // Keras 1/2 initializer names.
        foreach (var (key, value) in config.ToArray())
        {
            if (!key.EndsWith("_initializer", StringComparison.Ordinal) || value is not JsonValue iv || !iv.TryGetValue<string>(out var init)) continue;
            config[key] = init switch
            {
                "one" => "ones",
                "zero" => "zeros",
                "uniform" => "random_uniform",
                "normal" => "random_normal",
                _ => init,
            };
        }

        // Keras 1 input declarations on the first layer.
        config.Remove("input_dtype");
        if (isFirstLayer && !config.ContainsKey("batch_input_shape") && !config.ContainsKey("batch_shape") && !config.ContainsKey("input_shape"))
        {
            var inputDim = config["input_dim"];
            var inputLength = config["input_length"];
            if (className == "Embedding")
            {
                if (inputLength is not null) config["batch_input_shape"] = new JsonArray(null, inputLength.DeepClone());
            }
            else if (inputDim is not null)
            {
                config["batch_input_shape"] = inputLength is not null || className is "LSTM" or "GRU" or "SimpleRNN" or "Conv1D"
                    ? new JsonArray(null, inputLength?.DeepClone(), inputDim.DeepClone())
                    : new JsonArray(null, inputDim.DeepClone());
            }
        }
        if (className != "Embedding") config.Remove("input_dim");
        config.Remove("input_length");
    }

    private static void Rename(JsonObject config, string oldName, string newName)
    {
        if (oldName == newName || !config.TryGetPropertyValue(oldName, out var value)) return;
        config.Remove(oldName);
        if (!config.ContainsKey(newName)) config[newName] = value;
    }

    /// <summary>The Keras generation of a <c>keras_version</c> string ("1.2.2" → 1), or null.</summary>
    public static int? GenerationOf(string? version) =>
        version is { Length: > 0 } && int.TryParse(version.Split('.')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var major) ? major : null;
}
