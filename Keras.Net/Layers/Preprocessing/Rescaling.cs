using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Rescales inputs to <c>inputs * scale + offset</c> in the layer's dtype (Keras's <c>Rescaling</c>), e.g.
/// <c>scale = 1/255</c> maps [0, 255] to [0, 1]. Integer inputs give float outputs. <c>scale</c> and
/// <c>offset</c> are numbers or per-channel arrays (broadcast against the last axes).
/// </summary>
public sealed class Rescaling : Layer
{
    private readonly double[] _scale;
    private readonly double[] _offset;
    private readonly bool _scaleIsArray;
    private readonly bool _offsetIsArray;

    /// <summary>Creates the layer.</summary>
    /// <param name="scale">Factor applied to the inputs.</param>
    /// <param name="offset">Value added after scaling.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="dtype">Output (compute) dtype.</param>
    public Rescaling(double scale, double offset = 0.0, Shape? inputShape = null, string? name = null, DType dtype = DType.Float32)
        : this([scale], false, [offset], false, inputShape, name, dtype)
    {
    }

    /// <summary>Creates the layer with a per-channel scale.</summary>
    /// <param name="scale">Factors, broadcast against the last axis.</param>
    /// <param name="offset">Value added after scaling.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="dtype">Output (compute) dtype.</param>
    public Rescaling(double[] scale, double offset = 0.0, Shape? inputShape = null, string? name = null, DType dtype = DType.Float32)
        : this(scale, true, [offset], false, inputShape, name, dtype)
    {
    }

    /// <summary>Creates the layer with a per-channel scale and offset.</summary>
    /// <param name="scale">Factors, broadcast against the last axis.</param>
    /// <param name="offset">Values added after scaling, broadcast against the last axis.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="dtype">Output (compute) dtype.</param>
    public Rescaling(double[] scale, double[] offset, Shape? inputShape = null, string? name = null, DType dtype = DType.Float32)
        : this(scale, true, offset, true, inputShape, name, dtype)
    {
    }

    private Rescaling(double[] scale, bool scaleIsArray, double[] offset, bool offsetIsArray, Shape? inputShape, string? name, DType dtype)
        : base(name, true, dtype, inputShape)
    {
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentNullException.ThrowIfNull(offset);
        if (!dtype.IsFloating())
            throw new ArgumentException($"Rescaling \"{Name}\": dtype must be a floating dtype; got {dtype.Name()}.", nameof(dtype));
        if (scaleIsArray && scale.Length == 0)
            throw new ArgumentException($"Rescaling \"{Name}\": scale must not be an empty array.", nameof(scale));
        if (offsetIsArray && offset.Length == 0)
            throw new ArgumentException($"Rescaling \"{Name}\": offset must not be an empty array.", nameof(offset));
        if (scale.Concat(offset).Any(v => !double.IsFinite(v)))
            throw new ArgumentException($"Rescaling \"{Name}\": scale and offset must be finite numbers.");
        _scale = (double[])scale.Clone();
        _offset = (double[])offset.Clone();
        _scaleIsArray = scaleIsArray;
        _offsetIsArray = offsetIsArray;
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>The scale (one value unless it was given per channel).</summary>
    public IReadOnlyList<double> Scale => _scale;

    /// <summary>The offset (one value unless it was given per channel).</summary>
    public IReadOnlyList<double> Offset => _offset;

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var x = Ops.Cast(inputs, DType);
        // As Keras: scale and offset are cast to the compute dtype first.
        x = _scaleIsArray ? Ops.Multiply(x, Constant(_scale)) : Ops.Multiply(x, Rounded(_scale[0]));
        return _offsetIsArray ? Ops.Add(x, Constant(_offset)) : Ops.Add(x, Rounded(_offset[0]));
    }

    private double Rounded(double v) => DType == DType.Float64 ? v : (float)v;

    private Tensor Constant(double[] values) => Ops.FromHost(Data.HostArray.Create(values, values.Length), DType);

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Rescaling FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Rescaling));
        var (name, _, dtype) = c.LayerArgs();
        var (scale, scaleIsArray) = ReadValue(c, "scale") ?? throw new FormatException("Rescaling config: 'scale' is missing.");
        var (offset, offsetIsArray) = ReadValue(c, "offset") ?? ([0.0], false);
        return new Rescaling(scale, scaleIsArray, offset, offsetIsArray, c.InputShape(), name, dtype);
    }

    // A number, a list, or Keras's serialized NumPy array {"class_name": "__numpy__", "config": {"value": [...]}}.
    private static (double[] Values, bool IsArray)? ReadValue(ConfigReader c, string key)
    {
        var node = c.Node(key);
        if (node is null) return null;
        if (node is JsonObject o && o["config"] is JsonObject inner && inner["value"] is { } value) node = value;
        if (node is JsonValue)
            return ReshapingHelpers.TryNumber(node, out var single) ? ([single], false)
                : throw new FormatException($"Rescaling config: '{key}' should be a number or a list of numbers but is {node.ToJsonString()}.");
        var items = ConfigReader.Items(node) ?? throw new FormatException($"Rescaling config: '{key}' should be a number or a list of numbers but is {node.ToJsonString()}.");
        return (items.Select(i => ReshapingHelpers.TryNumber(i, out var d) ? d
            : throw new FormatException($"Rescaling config: '{key}' should be a flat list of numbers but is {node.ToJsonString()}.")).ToArray(), true);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["scale"] = _scaleIsArray ? new JsonArray(_scale.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()) : _scale[0];
        c["offset"] = _offsetIsArray ? new JsonArray(_offset.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()) : _offset[0];
        return c;
    }
}
