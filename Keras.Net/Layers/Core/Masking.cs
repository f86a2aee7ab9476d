using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Masks timesteps whose features all equal <c>mask_value</c> (Keras's <c>Masking</c>): the mask is
/// <c>any(inputs != mask_value, axis=-1)</c>, the output is <c>inputs * mask</c> (masked steps become
/// 0) and carries that mask, so mask-aware layers downstream (RNNs, pooling) skip those steps.
/// </summary>
public sealed class Masking : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="maskValue">The value that marks a padded feature.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public Masking(double maskValue = 0.0, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        MaskValue = maskValue;
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>The padding value.</summary>
    public double MaskValue { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        var keep = Ops.Any(Ops.NotEqual(x, MaskValue), -1, keepDims: true);
        return Ops.Multiply(x, Ops.Cast(keep, x.DType));
    }

    /// <inheritdoc />
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask)
    {
        Tensor x = inputs[0];
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        return Ops.Any(Ops.NotEqual(x, MaskValue), -1);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Masking FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Masking));
        var (name, trainable, dtype) = c.LayerArgs();
        return new Masking(c.Double("mask_value", 0.0), c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["mask_value"] = MaskValue;
        return c;
    }
}
