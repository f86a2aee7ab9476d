using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Rectified linear unit with an optional cap, leak and threshold (Keras's <c>ReLU</c> layer):
/// <c>f(x) = max_value</c> for <c>x &gt;= max_value</c>, <c>x</c> for <c>threshold &lt; x &lt; max_value</c>,
/// and <c>negative_slope * (x - threshold)</c> otherwise, computed as Keras's
/// <c>activations.relu</c> does.
/// </summary>
public sealed class ReLU : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="maxValue">Largest output (≥ 0); null for no cap.</param>
    /// <param name="negativeSlope">Slope below the threshold (≥ 0).</param>
    /// <param name="threshold">Inputs at or below it are not passed through (≥ 0).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public ReLU(double? maxValue = null, double negativeSlope = 0.0, double threshold = 0.0,
        Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (maxValue is double m && !(m >= 0))
            throw new ArgumentOutOfRangeException(nameof(maxValue), maxValue, $"ReLU \"{Name}\": max_value cannot be negative.");
        if (!(negativeSlope >= 0))
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, $"ReLU \"{Name}\": negative_slope cannot be negative.");
        if (!(threshold >= 0))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"ReLU \"{Name}\": threshold cannot be negative.");
        MaxValue = maxValue;
        NegativeSlope = negativeSlope;
        Threshold = threshold;
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>Largest output, or null.</summary>
    public double? MaxValue { get; }

    /// <summary>Slope below the threshold.</summary>
    public double NegativeSlope { get; }

    /// <summary>The threshold.</summary>
    public double Threshold { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        return Relu(x, NegativeSlope, MaxValue, Threshold);
    }

    /// <summary>Keras's <c>activations.relu(x, negative_slope, max_value, threshold)</c>, branch for branch.</summary>
    internal static Tensor Relu(Tensor x, double negativeSlope, double? maxValue, double threshold)
    {
        Tensor? negativePart = null;
        if (negativeSlope != 0)
        {
            if (maxValue is null && threshold == 0) return Ops.LeakyRelu(x, negativeSlope);
            negativePart = threshold != 0 ? Ops.Relu(Ops.Add(Ops.Negative(x), threshold)) : Ops.Relu(Ops.Negative(x));
        }
        bool clipMax = maxValue is not null;
        Tensor y;
        if (threshold != 0)
        {
            // x where x > threshold, else 0.
            y = Ops.Multiply(x, Ops.Cast(Ops.Greater(x, Ops.Scalar(threshold, x.DType)), x.DType));
        }
        else if (maxValue == 6)
        {
            y = Ops.Relu6(x);
            clipMax = false;
        }
        else
        {
            y = Ops.Relu(x);
        }
        if (clipMax) y = Ops.Clip(y, 0.0, maxValue!.Value);
        if (negativePart is not null) y = Ops.Subtract(y, Ops.Multiply(negativePart, negativeSlope));
        return y;
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static ReLU FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(ReLU));
        var (name, trainable, dtype) = c.LayerArgs();
        return new ReLU(c.DoubleOrNull("max_value"), c.Double("negative_slope", 0.0), c.Double("threshold", 0.0),
            c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["max_value"] = MaxValue;
        c["negative_slope"] = NegativeSlope;
        c["threshold"] = Threshold;
        return c;
    }
}
