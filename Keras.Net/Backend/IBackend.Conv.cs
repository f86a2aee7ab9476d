namespace Keras.Backend;

/// <summary>Convolutions (Keras's <c>keras.ops.conv</c> family). Arguments arrive standardized by <see cref="Ops"/>.</summary>
public partial interface IBackend
{
    /// <summary>
    /// N-D convolution (cross-correlation) of <paramref name="x"/> — (batch, spatial…, channels) when
    /// <paramref name="channelsLast"/>, else (batch, channels, spatial…) — with a kernel in Keras's
    /// layout (spatial…, in_channels / groups, out_channels); the number of groups is
    /// in_channels / kernel.shape[-2]. <paramref name="padding"/> is <c>valid</c>, <c>same</c>
    /// (TensorFlow's rule: the odd pixel goes at the end) or <c>causal</c> (1-D: all padding in front).
    /// A <paramref name="bias"/> (out_channels,) is added along the channel axis inside the convolution.
    /// </summary>
    Tensor Conv(Tensor x, Tensor kernel, Tensor? bias, int[] strides, string padding, int[] dilationRate, bool channelsLast);

    /// <summary>
    /// Depthwise convolution with a kernel (spatial…, in_channels, depth_multiplier); output channel
    /// <c>c * depth_multiplier + m</c> is input channel c convolved with kernel[…, c, m] (plus bias[that channel]).
    /// </summary>
    Tensor DepthwiseConv(Tensor x, Tensor kernel, Tensor? bias, int[] strides, string padding, int[] dilationRate, bool channelsLast);

    /// <summary>
    /// Transposed convolution with a kernel (spatial…, out_channels, in_channels), with TensorFlow's
    /// output size and padding (<c>valid</c> or <c>same</c>); <paramref name="outputPadding"/> null
    /// lets the size follow from padding and strides, as Keras does.
    /// </summary>
    Tensor ConvTranspose(Tensor x, Tensor kernel, int[] strides, string padding, int[]? outputPadding, int[] dilationRate, bool channelsLast);

    /// <summary>
    /// Unshared ("locally connected") convolution, valid padding, as Keras 2's <c>local_conv</c>:
    /// kernel (output_positions, prod(kernelSize) × channels, filters), each patch flattened in the
    /// input's own axis order (spatial…, channels for channels_last; channels, spatial… otherwise).
    /// </summary>
    Tensor LocalConv(Tensor x, Tensor kernel, int[] kernelSize, int[] strides, bool channelsLast);
}
