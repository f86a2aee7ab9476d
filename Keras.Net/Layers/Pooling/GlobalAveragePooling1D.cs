using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Global average pooling over time (Keras's <c>GlobalAveragePooling1D</c>): the mean over the steps
/// of inputs (batch, steps, features) (or channels first), giving (batch, features). With a mask
/// (batch, steps) — from an <c>Embedding(maskZero: true)</c> or <c>Masking</c> layer, or passed in —
/// masked steps are left out of the average. The output carries no mask.
/// </summary>
[Saving.KerasAlias("GlobalAvgPool1D")]
public sealed class GlobalAveragePooling1D : BaseGlobalPooling
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="keepdims">Whether to keep the steps axis (size 1).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Kept for Keras parity (the layer has no weights).</param>
    /// <param name="dtype">The dtype floating inputs are computed in.</param>
    public GlobalAveragePooling1D(string? dataFormat = null, bool keepdims = false, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(1, dataFormat, keepdims, inputShape, name, trainable, dtype)
    {
        SupportsMasking = true;
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        bool last = DataFormat == "channels_last";
        int stepsAxis = last ? 1 : 2;
        if (mask is null) return Ops.Mean(x, stepsAxis, Keepdims);
        // Keras: where(mask, inputs, 0) summed over the steps, divided by the number of unmasked steps.
        var expanded = Ops.ExpandDims(mask[0], last ? 2 : 1);
        var keep = Ops.Cast(expanded, DType.Bool);
        var kept = Ops.Where(keep, x, Ops.Zeros(Shape.Scalar, x.DType));
        var count = Ops.Sum(Ops.Cast(keep, x.DType), stepsAxis, Keepdims);
        return Ops.Divide(Ops.Sum(kept, stepsAxis, Keepdims), count);
    }

    /// <inheritdoc />
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask) => null;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static GlobalAveragePooling1D FromConfig(JsonObject config)
    {
        var a = ReadConfig(config, nameof(GlobalAveragePooling1D));
        return new GlobalAveragePooling1D(a.DataFormat, a.Keepdims, a.InputShape, a.Name, a.Trainable, a.DType);
    }
}
