namespace Keras.Backend;

/// <summary>Pooling (Keras's <c>keras.ops.max_pool</c> / <c>average_pool</c>). Arguments arrive standardized by <see cref="Ops"/>.</summary>
public partial interface IBackend
{
    /// <summary>Max pooling over the spatial axes; <c>same</c> padding never lets padding win a window.</summary>
    Tensor MaxPool(Tensor x, int[] poolSize, int[] strides, string padding, bool channelsLast);

    /// <summary>Average pooling over the spatial axes; with <c>same</c> padding each window averages its valid (unpadded) elements only.</summary>
    Tensor AveragePool(Tensor x, int[] poolSize, int[] strides, string padding, bool channelsLast);
}
