namespace Keras;

public static partial class Ops
{
    // ---- pooling (keras.ops.max_pool, average_pool) ----

    /// <summary>
    /// Max pooling (Keras's <c>ops.max_pool</c>) over the spatial axes of a rank 3, 4 or 5 input.
    /// </summary>
    /// <param name="inputs">(batch, spatial…, channels) or, for <c>channels_first</c>, (batch, channels, spatial…).</param>
    /// <param name="poolSize">One window size, or one per spatial axis.</param>
    /// <param name="strides">One stride, or one per spatial axis; default the pool size.</param>
    /// <param name="padding"><c>valid</c> or <c>same</c>.</param>
    /// <param name="dataFormat"><c>channels_last</c> or <c>channels_first</c>.</param>
    public static Tensor MaxPool(Tensor inputs, int[] poolSize, int[]? strides = null, string padding = "valid", string dataFormat = "channels_last")
    {
        int rank = ConvMath.SpatialRank(inputs, "max_pool");
        var pool = ConvMath.Tuple(poolSize, rank, "pool_size");
        var s = strides is null ? pool : ConvMath.Tuple(strides, rank, "strides");
        return B.MaxPool(inputs, pool, s, ConvMath.Padding(padding, false), ConvMath.ChannelsLast(dataFormat));
    }

    /// <summary>
    /// Average pooling (Keras's <c>ops.average_pool</c>). With <c>same</c> padding a window that
    /// reaches into the padding averages only the input elements it covers, as TensorFlow does.
    /// </summary>
    public static Tensor AveragePool(Tensor inputs, int[] poolSize, int[]? strides = null, string padding = "valid", string dataFormat = "channels_last")
    {
        int rank = ConvMath.SpatialRank(inputs, "average_pool");
        var pool = ConvMath.Tuple(poolSize, rank, "pool_size");
        var s = strides is null ? pool : ConvMath.Tuple(strides, rank, "strides");
        return B.AveragePool(inputs, pool, s, ConvMath.Padding(padding, false), ConvMath.ChannelsLast(dataFormat));
    }
}
