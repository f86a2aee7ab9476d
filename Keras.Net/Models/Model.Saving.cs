using System.Text.Json.Nodes;
using Keras.Saving;
using Keras.Saving.Json;

namespace Keras.Models;

public partial class Model
{
    /// <summary>
    /// Loads a model saved by Keras or Keras.Net (Keras's <c>keras.models.load_model</c>): a Keras 3
    /// <c>.keras</c> archive, or a legacy HDF5 full model (<c>model.save("x.h5")</c> by Keras 1.x–3.x,
    /// TensorFlow or Theano back ends). The format is read from the file's first bytes, not its name.
    /// A JSON or YAML architecture file gives the model with fresh weights. A TensorFlow SavedModel
    /// folder written by tf.keras (TF 2.3+) is rebuilt from its Keras metadata and its variables; a
    /// SavedModel without Keras metadata (a raw TF graph) is refused.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="compile">Restore the compiled state (optimizer, loss, metrics and, where Keras 3 saved
    /// them, the optimizer's variables) when the file has one and Keras.Net supports it; otherwise the
    /// model is returned uncompiled.</param>
    /// <param name="safeMode">Refuse Lambda layers (they carry arbitrary code); with <c>false</c>, a Lambda
    /// still loads only when its function was registered in C# (no code from a file ever runs).</param>
    /// <exception cref="KerasFileException">The file is missing, truncated, malformed, names an unknown
    /// layer (<see cref="UnknownLayerClassException"/>), or its config asks for more weight memory than the
    /// file holds; the message names the file, the part and the problem. Files are untrusted input: no
    /// malformed file makes the loader crash, hang or allocate without bound (<c>eng/fuzz</c> checks this).</exception>
    public static Model Load(string path, bool compile = true, bool safeMode = true) => ModelFiles.Load(path, compile, safeMode);

    /// <summary>
    /// Saves the architecture, weights and compiled state (Keras's <c>model.save</c>): <c>.keras</c>
    /// writes Keras 3's archive, <c>.h5</c>/<c>.hdf5</c> the legacy HDF5 full model. Real Keras 3 loads
    /// both. The file is written atomically (a temporary file in the same folder, then renamed).
    /// </summary>
    public void SaveModel(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reading = ReadingWeights(); // a consistent snapshot while other threads may train
        var lower = path.ToLowerInvariant();
        if (lower.EndsWith(".keras", StringComparison.Ordinal)) ModelFiles.SaveKeras(this, path, CompileConfigFor(legacy: false));
        else if (lower.EndsWith(".h5", StringComparison.Ordinal) || lower.EndsWith(".hdf5", StringComparison.Ordinal))
        {
            if (lower.EndsWith(".weights.h5", StringComparison.Ordinal))
                throw new ArgumentException($"SaveModel: '{path}' is a weights file name; use SaveWeights, or name the model file .keras or .h5.", nameof(path));
            ModelFiles.SaveH5(this, path, CompileConfigFor(legacy: true));
        }
        else throw new ArgumentException($"SaveModel: the file name must end in .keras (Keras 3 archive) or .h5 (legacy HDF5); got '{path}'.", nameof(path));
    }

    /// <summary>
    /// Saves the weights (Keras's <c>save_weights</c>): <c>.weights.h5</c> in Keras 3's layout
    /// (<c>layers/&lt;key&gt;/vars/&lt;i&gt;</c>, with the optimizer's state when it is built), any other
    /// <c>.h5</c> in the legacy <c>layer_names</c>/<c>weight_names</c> layout. Written atomically.
    /// </summary>
    public void SaveWeights(string path)
    {
        using (ReadingWeights()) ModelFiles.SaveWeights(this, path);
    }

    /// <summary>
    /// Loads weights into this model (Keras's <c>load_weights</c>) from a <c>.weights.h5</c> file, a legacy
    /// <c>.h5</c> (weights-only or full model) or a <c>.keras</c> archive. Every weight is read and its shape
    /// checked before any is assigned.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="byName">Pair layers by name instead of by position (layers the file lacks keep their weights).</param>
    /// <param name="skipMismatch">Skip layers whose weights differ in number or shape instead of failing.</param>
    /// <exception cref="KerasFileException">The file is missing or malformed, or its weights do not match the
    /// model's; nothing is assigned then.</exception>
    /// <remarks>Takes the model's weights exclusively: predictions on other threads wait, then see all new weights.</remarks>
    public void LoadWeights(string path, bool byName = false, bool skipMismatch = false)
    {
        using (WritingWeights()) ModelFiles.LoadWeights(this, path, byName, skipMismatch);
    }

    /// <summary>Rebuilds a model from its JSON architecture (Keras's <c>model_from_json</c>; Keras 1–3 configs).</summary>
    /// <exception cref="KerasFileException">The JSON is malformed or describes an unknown or invalid model
    /// (<see cref="KerasFileException.FilePath"/> is <c>"JSON string"</c>).</exception>
    public static Model FromJson(string json, bool safeMode = true)
    {
        ArgumentNullException.ThrowIfNull(json);
        var node = ModelFiles.ParseJson(json, "JSON string", "architecture") as JsonObject
            ?? throw new KerasFileException("JSON string", "architecture", "is not a JSON object.");
        return ModelFiles.FromSerialized(node, "JSON string", safeMode, null, null);
    }

    /// <summary>
    /// Rebuilds a model from its config (Keras's <c>model_from_config</c>): either
    /// <c>{"class_name", "config"}</c> or a Sequential/Functional model's inner config.
    /// </summary>
    /// <exception cref="KerasFileException">The config describes an unknown or invalid model
    /// (<see cref="KerasFileException.FilePath"/> is <c>"config"</c>).</exception>
    public static Model FromConfig(JsonObject config, bool safeMode = true)
    {
        ArgumentNullException.ThrowIfNull(config);
        return ModelFiles.FromSerialized(config, "config", safeMode, null, null);
    }

    /// <summary>Rebuilds a model from its config (<c>FromConfig(config, safeMode: true)</c>); lets models nest in configs.</summary>
    public static Model FromConfig(JsonObject config) => FromConfig(config, safeMode: true);

    /// <summary>The architecture as YAML (the document <see cref="ToJson"/> gives, in YAML).</summary>
    public string ToYaml() => Yaml.Write(CallOptions.Annotate(Engine.Serialization.Layer(this), this));

    /// <summary>Rebuilds a model from a YAML architecture (Keras 2's <c>model_from_yaml</c>).</summary>
    /// <exception cref="KerasFileException">The YAML is malformed (including alias bombs and deep nesting) or
    /// describes an unknown or invalid model (<see cref="KerasFileException.FilePath"/> is <c>"YAML string"</c>).</exception>
    public static Model FromYaml(string yaml, bool safeMode = true)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var node = Yaml.Parse(yaml, "YAML string") as JsonObject
            ?? throw new KerasFileException("YAML string", "architecture", "is not a mapping.");
        return ModelFiles.FromSerialized(node, "YAML string", safeMode, null, null);
    }

    // Keras's compile_config (or legacy training_config) for the model's compiled state, or null.
    private JsonObject? CompileConfigFor(bool legacy)
    {
        if (_optimizer is null || (_compiled is null && !_compiledPending)) return null;
        var losses = _compiled?.Losses ?? _pendingCompile.Losses(Math.Max(1, OutputNames.Count));
        var metrics = _pendingCompile.Metrics ?? [];
        var weights = _compiled?.LossWeights ?? _pendingCompile.Weights;
        if (weights is not null && weights.All(w => w == 1.0)) weights = null;
        return CompileConfig.Write(_optimizer, losses, metrics, weights, legacy);
    }
}
