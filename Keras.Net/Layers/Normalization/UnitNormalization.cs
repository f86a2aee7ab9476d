using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Scales each sample to unit L2 norm over <c>axis</c> (Keras's <c>UnitNormalization</c>):
/// <c>x · rsqrt(max(Σx², 1e-12))</c>. No weights.
/// </summary>
public sealed class UnitNormalization : Layer
{
    private readonly int[] _axis;
    private readonly bool _axisIsList;

    /// <summary>Creates the layer normalizing over one axis (default the last).</summary>
    public UnitNormalization(int axis = -1, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : this([axis], false, inputShape, name, trainable, dtype)
    {
    }

    /// <summary>Creates the layer normalizing over several axes.</summary>
    public UnitNormalization(int[] axis, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : this(axis, true, inputShape, name, trainable, dtype)
    {
    }

    private UnitNormalization(int[] axis, bool axisIsList, Shape? inputShape, string? name, bool trainable, DType dtype)
        : base(name, trainable, dtype, inputShape)
    {
        ArgumentNullException.ThrowIfNull(axis);
        if (axis.Length == 0) throw new ArgumentException($"UnitNormalization \"{Name}\": axis must name at least one axis.", nameof(axis));
        _axis = (int[])axis.Clone();
        _axisIsList = axisIsList;
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>The axes normalized over.</summary>
    public IReadOnlyList<int> Axis => _axis;

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var x = Ops.Cast(inputs, DType);
        foreach (var a in _axis)
        {
            if (a >= x.Rank || a < -x.Rank)
                throw new ArgumentException($"UnitNormalization \"{Name}\": axis {a} is out of bounds for input shape {x.Shape}.");
        }
        var squareSum = Ops.Sum(Ops.Square(x), _axis, keepDims: true);
        var invNorm = Ops.Power(Ops.Maximum(squareSum, Ops.Scalar(1e-12, x.DType)), -0.5);
        return Ops.Multiply(x, invNorm);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static UnitNormalization FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(UnitNormalization));
        var (name, trainable, dtype) = c.LayerArgs();
        var axisNode = c.Node("axis");
        var axes = c.Ints("axis", repeat: 1) ?? [-1];
        return new UnitNormalization(axes, axisNode is not null && ConfigReader.Items(axisNode) is not null, c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = _axisIsList ? new JsonArray(_axis.Select(a => (JsonNode)a).ToArray()) : _axis[0];
        return c;
    }
}
