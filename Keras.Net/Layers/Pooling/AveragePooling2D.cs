using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// 2-D average pooling (Keras's <c>AveragePooling2D</c>): the mean over each window of inputs (batch, rows, cols, channels)
/// (or channels first), channel by channel. With <c>same</c> padding, a window that reaches into the padding averages only the input elements it covers (TensorFlow's rule).
/// </summary>
[Saving.KerasAlias("AvgPool2D")]
public sealed class AveragePooling2D : BasePooling
{
    /// <summary>Creates the layer.</summary>
    /// <param name="poolSize">Window size: one int for every spatial axis, or one per axis (default (2, 2)).</param>
    /// <param name="strides">Strides; default the pool size.</param>
    /// <param name="padding"><c>valid</c> (default) or <c>same</c> (output size ceil(n / stride); the odd pixel of padding goes at the end).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Kept for Keras parity (the layer has no weights).</param>
    /// <param name="dtype">The dtype floating inputs are computed in.</param>
    public AveragePooling2D(
        Shape? poolSize = null,
        Shape? strides = null,
        string padding = "valid",
        string? dataFormat = null,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(2, false, poolSize ?? 2, strides, padding, dataFormat, inputShape, name, trainable, dtype)
    {
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static AveragePooling2D FromConfig(JsonObject config)
    {
        var a = ReadConfig(config, nameof(AveragePooling2D), 2);
        return new AveragePooling2D(a.PoolSize, a.Strides, a.Padding, a.DataFormat, a.InputShape, a.Name, a.Trainable, a.DType);
    }
}
