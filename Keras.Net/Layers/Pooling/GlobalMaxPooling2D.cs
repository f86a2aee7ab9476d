using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Global max pooling over 2-D data (Keras's <c>GlobalMaxPooling2D</c>): the maximum over all spatial axes of
/// inputs (batch, rows, cols, channels) (or channels first), giving (batch, channels), or with <c>keepdims</c> the spatial axes kept with size 1.
/// </summary>
[Saving.KerasAlias("GlobalMaxPool2D")]
public sealed class GlobalMaxPooling2D : BaseGlobalPooling
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="keepdims">Whether to keep the spatial axes (size 1).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Kept for Keras parity (the layer has no weights).</param>
    /// <param name="dtype">The dtype floating inputs are computed in.</param>
    public GlobalMaxPooling2D(string? dataFormat = null, bool keepdims = false, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(2, dataFormat, keepdims, inputShape, name, trainable, dtype)
    {
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        return Ops.Max(x, SpatialAxes, Keepdims);
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static GlobalMaxPooling2D FromConfig(JsonObject config)
    {
        var a = ReadConfig(config, nameof(GlobalMaxPooling2D));
        return new GlobalMaxPooling2D(a.DataFormat, a.Keepdims, a.InputShape, a.Name, a.Trainable, a.DType);
    }
}
