using System.Text.Json.Nodes;
using Keras.Layers;

namespace Keras.Saving.Json;

/// <summary>
/// A Keras 3 op node found in a functional config (<c>module: "keras.src.ops.numpy"</c>): Keras 3.15
/// records the mask computations of <c>Embedding(mask_zero)</c> and <c>Masking</c> as <c>NotEqual</c>
/// and <c>Any</c> nodes. This small internal layer computes them so the graph can be rebuilt; masks
/// themselves travel with the tensors in Keras.Net, as in Keras.
/// </summary>
internal sealed class OpLayer : Layer
{
    private readonly string _op;
    private readonly JsonObject _config;
    private readonly string _module;
    private double? _scalar;

    private OpLayer(string op, string module, JsonObject config)
        : base(config["name"]?.ToString(), trainable: false)
    {
        _op = op;
        _module = module;
        _config = (JsonObject)config.DeepClone();
        Built = true;
    }

    /// <summary>The ops this layer can compute.</summary>
    public static bool Supports(string className) => className is "NotEqual" or "Any";

    /// <summary>Whether a serialized entry is a Keras op (rather than a layer).</summary>
    public static bool IsOp(JsonObject serialized) =>
        serialized["module"] is JsonValue m && m.TryGetValue<string>(out var module) && module.StartsWith("keras.src.ops", StringComparison.Ordinal);

    public static OpLayer Create(string className, string module, JsonObject config) => new(className, module, config);

    /// <summary>The Keras class name of the op.</summary>
    public string OpName => _op;

    /// <summary>Sets the scalar second argument of a binary op (e.g. <c>not_equal(x, 0)</c>).</summary>
    public void SetScalar(double value, string source)
    {
        if (_scalar is double previous && previous != value)
            throw new KerasFileException(source, $"op '{Name}' ({_op})", "is called with different constants on different nodes, which is not supported.");
        _scalar = value;
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var c = new ConfigReader(_config, _op);
        return _op switch
        {
            "NotEqual" when inputs.Count == 1 => new Tensors(Ops.NotEqual(inputs[0], _scalar ?? 0)),
            "Any" when inputs.Count == 1 => new Tensors(Ops.Any(inputs[0], c.Int("axis", -1), c.Bool("keepdims", false))),
            _ => throw new NotSupportedException($"The Keras op '{_op}' with {inputs.Count} tensor argument(s) is not supported."),
        };
    }

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType.Bool;

    /// <inheritdoc />
    public override JsonObject GetConfig() => (JsonObject)_config.DeepClone();

    /// <summary>The module Keras serialized the op from.</summary>
    public string Module => _module;
}
