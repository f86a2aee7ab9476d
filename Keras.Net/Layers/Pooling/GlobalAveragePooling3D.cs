using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Global average pooling over 3-D data (Keras's <c>GlobalAveragePooling3D</c>): the mean over all spatial axes of
/// inputs (batch, depth, rows, cols, channels) (or channels first), giving (batch, channels), or with <c>keepdims</c> the spatial axes kept with size 1.
/// </summary>
[Saving.KerasAlias("GlobalAvgPool3D")]
public sealed class GlobalAveragePooling3D : BaseGlobalPooling
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="keepdims">Whether to keep the spatial axes (size 1).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Kept for Keras parity (the layer has no weights).</param>
    /// <param name="dtype">The dtype floating inputs are computed in.</param>
    public GlobalAveragePooling3D(string? dataFormat = null, bool keepdims = false, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(3, dataFormat, keepdims, inputShape, name, trainable, dtype)
    {
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        return Ops.Mean(x, SpatialAxes, Keepdims);
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static GlobalAveragePooling3D FromConfig(JsonObject config)
    {
        var a = ReadConfig(config, nameof(GlobalAveragePooling3D));
        return new GlobalAveragePooling3D(a.DataFormat, a.Keepdims, a.InputShape, a.Name, a.Trainable, a.DType);
    }
}
