using System.Text.Json.Nodes;
using Keras.Initializers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Root-mean-square normalization (Keras's <c>RMSNormalization</c>, Zhang and Sennrich 2019):
/// <c>x · rsqrt(mean(x²) + epsilon) · scale</c> over <c>axis</c>, with a learned <c>scale</c> (initialized
/// to ones) of the shape of those axes. Keras's default epsilon is 1e-6.
/// </summary>
public sealed class RMSNormalization : Layer
{
    private Variable? _scale;
    private readonly int[] _axis;
    private readonly bool _axisIsList;

    /// <summary>Creates the layer normalizing over one axis (default the last).</summary>
    public RMSNormalization(int axis = -1, double epsilon = 1e-6, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : this([axis], false, epsilon, inputShape, name, trainable, dtype)
    {
    }

    /// <summary>Creates the layer normalizing over several axes.</summary>
    public RMSNormalization(int[] axis, double epsilon = 1e-6, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : this(axis, true, epsilon, inputShape, name, trainable, dtype)
    {
    }

    private RMSNormalization(int[] axis, bool axisIsList, double epsilon, Shape? inputShape, string? name, bool trainable, DType dtype)
        : base(name, trainable, dtype, inputShape)
    {
        ArgumentNullException.ThrowIfNull(axis);
        if (axis.Length == 0) throw new ArgumentException($"RMSNormalization \"{Name}\": axis must name at least one axis.", nameof(axis));
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"RMSNormalization \"{Name}\": epsilon must be positive.");
        _axis = (int[])axis.Clone();
        _axisIsList = axisIsList;
        Epsilon = epsilon;
    }

    /// <summary>The axes normalized over.</summary>
    public IReadOnlyList<int> Axis => _axis;

    public double Epsilon { get; }

    /// <summary>The learned scale (null before build).</summary>
    public Variable? Scale => _scale;

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        CheckAxes(inputShape);
        var shape = new Shape(_axis.Select(a => inputShape[a]).ToArray());
        if (!shape.IsFullyDefined)
            throw new ArgumentException($"RMSNormalization \"{Name}\": the normalized axes of the input must have known sizes; got input shape {inputShape}.");
        _scale = AddWeight("scale", shape, new Ones());
    }

    private void CheckAxes(Shape inputShape)
    {
        foreach (var a in _axis)
        {
            if (a >= inputShape.Rank || a < -inputShape.Rank)
                throw new ArgumentException($"RMSNormalization \"{Name}\": axis {a} is out of bounds for input shape {inputShape}. Received: axis=[{string.Join(", ", _axis)}].");
        }
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (!x.DType.IsFloating()) x = Ops.Cast(x, DType);
        return Ops.RmsNormalization(x, _scale?.Value, _axis, Epsilon);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        CheckAxes(inputShape);
        return inputShape;
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static RMSNormalization FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(RMSNormalization));
        var (name, trainable, dtype) = c.LayerArgs();
        var axisNode = c.Node("axis");
        var axes = c.Ints("axis", repeat: 1) ?? [-1];
        return new RMSNormalization(axes, axisNode is not null && ConfigReader.Items(axisNode) is not null, c.Double("epsilon", 1e-6),
            c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        // Keras turns an int axis into a list when the layer is built.
        c["axis"] = _axisIsList || Built ? new JsonArray(_axis.Select(a => (JsonNode)a).ToArray()) : _axis[0];
        c["epsilon"] = Epsilon;
        return c;
    }
}
