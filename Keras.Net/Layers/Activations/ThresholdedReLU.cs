using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Thresholded rectified linear unit, Keras 2's <c>ThresholdedReLU</c> (removed in Keras 3; kept so
/// Keras 2 files load): <c>f(x) = x</c> for <c>x &gt; theta</c>, 0 otherwise, i.e.
/// <c>x * (x &gt; theta)</c>.
/// </summary>
public sealed class ThresholdedReLU : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="theta">The threshold (≥ 0).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public ThresholdedReLU(double theta = 1.0, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (!(theta >= 0) || double.IsPositiveInfinity(theta))
            throw new ArgumentOutOfRangeException(nameof(theta), theta, $"ThresholdedReLU \"{Name}\": theta must be a finite number >= 0.");
        Theta = theta;
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>The threshold.</summary>
    public double Theta { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        return Ops.Multiply(x, Ops.Cast(Ops.Greater(x, Ops.Scalar(Theta, x.DType)), x.DType));
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras 2 config.</summary>
    public static ThresholdedReLU FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(ThresholdedReLU));
        var (name, trainable, dtype) = c.LayerArgs();
        return new ThresholdedReLU(c.Double("theta", 1.0), c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["theta"] = Theta;
        return c;
    }
}
