using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Leaky rectified linear unit (Keras's <c>LeakyReLU</c> layer): <c>x</c> for <c>x &gt;= 0</c>,
/// <c>negative_slope * x</c> otherwise. The layer's default slope is 0.3 (the function
/// <c>activations.leaky_relu</c> defaults to 0.2).
/// </summary>
public sealed class LeakyReLU : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="negativeSlope">Slope for negative inputs (≥ 0).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public LeakyReLU(double negativeSlope = 0.3, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (!(negativeSlope >= 0))
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, $"LeakyReLU \"{Name}\": negative_slope cannot be negative.");
        NegativeSlope = negativeSlope;
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>Slope for negative inputs.</summary>
    public double NegativeSlope { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        return Ops.LeakyRelu(x, NegativeSlope);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config (Keras 2's <c>alpha</c> is read as the slope).</summary>
    public static LeakyReLU FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(LeakyReLU));
        var (name, trainable, dtype) = c.LayerArgs();
        double slope = c.DoubleOrNull("negative_slope") ?? c.DoubleOrNull("alpha") ?? 0.3;
        return new LeakyReLU(slope, c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["negative_slope"] = NegativeSlope;
        return c;
    }
}
