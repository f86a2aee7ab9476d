namespace Keras;

public static partial class Ops
{
    // ---- convolutions (keras.ops.conv, depthwise_conv, separable_conv, conv_transpose) ----

    /// <summary>
    /// N-D convolution (Keras's <c>ops.conv</c>). <paramref name="inputs"/> is (batch, spatial…, channels)
    /// for <c>channels_last</c> or (batch, channels, spatial…) for <c>channels_first</c>; the kernel is
    /// (spatial…, in_channels / groups, out_channels) and the number of groups follows from it.
    /// </summary>
    /// <param name="inputs">Rank 3, 4 or 5 input.</param>
    /// <param name="kernel">Kernel in Keras's layout.</param>
    /// <param name="strides">One stride, or one per spatial axis (default 1).</param>
    /// <param name="padding"><c>valid</c>, <c>same</c> or (1-D) <c>causal</c>.</param>
    /// <param name="dataFormat"><c>channels_last</c> or <c>channels_first</c>.</param>
    /// <param name="dilationRate">One dilation rate, or one per spatial axis (default 1).</param>
    /// <param name="bias">Optional (out_channels,) bias added along the channel axis, inside the convolution
    /// (an extension of Keras's signature: it saves the separate add and its activation-sized result).</param>
    public static Tensor Conv(Tensor inputs, Tensor kernel, int[]? strides = null, string padding = "valid",
        string dataFormat = "channels_last", int[]? dilationRate = null, Tensor? bias = null)
    {
        int rank = ConvMath.SpatialRank(inputs, "conv");
        ConvMath.CheckKernelRank(kernel, rank, "conv");
        var pad = ConvMath.Padding(padding, allowCausal: rank == 1);
        bool last = ConvMath.ChannelsLast(dataFormat);
        int inChannels = last ? inputs.Shape[-1] : inputs.Shape[1];
        int kernelIn = kernel.Shape[-2];
        if (kernelIn <= 0 || inChannels % kernelIn != 0)
            throw new ArgumentException(
                $"The number of input channels ({inChannels}) must be a multiple of the kernel's input channels ({kernelIn}); " +
                $"inputs {inputs.Shape} ({dataFormat}), kernel {kernel.Shape}.");
        int groups = inChannels / kernelIn;
        if (kernel.Shape[-1] % groups != 0)
            throw new ArgumentException($"The kernel's output channels ({kernel.Shape[-1]}) must be divisible by the number of groups ({groups}).");
        CheckBias(bias, kernel.Shape[-1], "conv");
        return B.Conv(inputs, kernel, bias, ConvMath.Tuple(strides, rank, "strides"), pad,
            ConvMath.Tuple(dilationRate, rank, "dilation_rate"), last);
    }

    /// <summary>
    /// Depthwise convolution (Keras's <c>ops.depthwise_conv</c>): each input channel is convolved with
    /// its own <c>depth_multiplier</c> filters; kernel (spatial…, in_channels, depth_multiplier). An optional
    /// bias (in_channels · depth_multiplier,) is added inside the convolution, as in <see cref="Conv"/>.
    /// </summary>
    public static Tensor DepthwiseConv(Tensor inputs, Tensor kernel, int[]? strides = null, string padding = "valid",
        string dataFormat = "channels_last", int[]? dilationRate = null, Tensor? bias = null)
    {
        int rank = ConvMath.SpatialRank(inputs, "depthwise_conv");
        ConvMath.CheckKernelRank(kernel, rank, "depthwise_conv");
        bool last = ConvMath.ChannelsLast(dataFormat);
        int inChannels = last ? inputs.Shape[-1] : inputs.Shape[1];
        if (kernel.Shape[-2] != inChannels)
            throw new ArgumentException($"depthwise_conv: the kernel {kernel.Shape} is for {kernel.Shape[-2]} input channels but the inputs {inputs.Shape} have {inChannels}.");
        CheckBias(bias, kernel.Shape[-2] * kernel.Shape[-1], "depthwise_conv");
        return B.DepthwiseConv(inputs, kernel, bias, ConvMath.Tuple(strides, rank, "strides"), ConvMath.Padding(padding, false),
            ConvMath.Tuple(dilationRate, rank, "dilation_rate"), last);
    }

    /// <summary>
    /// Separable convolution (Keras's <c>ops.separable_conv</c>): a depthwise convolution followed by
    /// a 1×…×1 pointwise convolution (kernel (1…, in_channels × depth_multiplier, filters)). An optional bias
    /// (filters,) is added inside the pointwise convolution.
    /// </summary>
    public static Tensor SeparableConv(Tensor inputs, Tensor depthwiseKernel, Tensor pointwiseKernel, int[]? strides = null,
        string padding = "valid", string dataFormat = "channels_last", int[]? dilationRate = null, Tensor? bias = null)
    {
        var depthwise = DepthwiseConv(inputs, depthwiseKernel, strides, padding, dataFormat, dilationRate);
        return Conv(depthwise, pointwiseKernel, null, "valid", dataFormat, null, bias);
    }

    private static void CheckBias(Tensor? bias, long outChannels, string op)
    {
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != outChannels))
            throw new ArgumentException($"{op}: the bias must have shape ({outChannels},) (the output channels); received {bias.Shape}.", nameof(bias));
    }

    /// <summary>
    /// Transposed convolution (Keras's <c>ops.conv_transpose</c>), kernel (spatial…, out_channels, in_channels).
    /// The output size along each axis is Keras's: <c>valid</c>: <c>(n - 1)·s + k + output_padding</c>
    /// (output_padding defaulting to <c>max(k, s) - k</c>); <c>same</c>: <c>n·s</c>, or
    /// <c>(n - 1)·s + k % 2 + output_padding</c> when output_padding is given (k is the dilated kernel size).
    /// </summary>
    public static Tensor ConvTranspose(Tensor inputs, Tensor kernel, int[]? strides = null, string padding = "valid",
        int[]? outputPadding = null, string dataFormat = "channels_last", int[]? dilationRate = null)
    {
        int rank = ConvMath.SpatialRank(inputs, "conv_transpose");
        ConvMath.CheckKernelRank(kernel, rank, "conv_transpose");
        bool last = ConvMath.ChannelsLast(dataFormat);
        int inChannels = last ? inputs.Shape[-1] : inputs.Shape[1];
        if (kernel.Shape[-1] != inChannels)
            throw new ArgumentException($"conv_transpose: the kernel {kernel.Shape} is for {kernel.Shape[-1]} input channels but the inputs {inputs.Shape} have {inChannels}.");
        var op = outputPadding is null ? null : ConvMath.Tuple(outputPadding, rank, "output_padding", allowZero: true);
        return B.ConvTranspose(inputs, kernel, ConvMath.Tuple(strides, rank, "strides"), ConvMath.Padding(padding, false), op,
            ConvMath.Tuple(dilationRate, rank, "dilation_rate"), last);
    }

    /// <summary>
    /// Unshared-weights convolution with valid padding (Keras 2's <c>backend.local_conv</c>): kernel
    /// (output_positions, prod(kernel_size) × channels, filters), one filter bank per output position.
    /// </summary>
    public static Tensor LocalConv(Tensor inputs, Tensor kernel, int[] kernelSize, int[]? strides = null, string dataFormat = "channels_last")
    {
        int rank = ConvMath.SpatialRank(inputs, "local_conv");
        return B.LocalConv(inputs, kernel, ConvMath.Tuple(kernelSize, rank, "kernel_size"), ConvMath.Tuple(strides, rank, "strides"),
            ConvMath.ChannelsLast(dataFormat));
    }
}

/// <summary>Argument checks and output-size arithmetic shared by the convolution and pooling ops and layers.</summary>
internal static class ConvMath
{
    public static int SpatialRank(Tensor x, string op)
    {
        if (x.Rank is < 3 or > 5)
            throw new ArgumentException($"{op}: inputs must have rank 3, 4 or 5 (batch, spatial…, channels); got shape {x.Shape}.");
        return x.Rank - 2;
    }

    public static void CheckKernelRank(Tensor kernel, int rank, string op)
    {
        if (kernel.Rank != rank + 2)
            throw new ArgumentException($"{op}: a kernel for {rank}-D inputs must have rank {rank + 2}; got shape {kernel.Shape}.");
    }

    /// <summary>Keras's <c>standardize_tuple</c>: one value repeated, or exactly <paramref name="rank"/> values.</summary>
    public static int[] Tuple(IReadOnlyList<int>? values, int rank, string name, int fallback = 1, bool allowZero = false)
    {
        if (values is null || values.Count == 0) return Enumerable.Repeat(fallback, rank).ToArray();
        int[] result = values.Count == 1 ? Enumerable.Repeat(values[0], rank).ToArray()
            : values.Count == rank ? values.ToArray()
            : throw new ArgumentException($"The `{name}` argument must be a single integer or {rank} integers; got ({string.Join(", ", values)}).");
        foreach (var v in result)
        {
            if (v < 0 || (v == 0 && !allowZero))
                throw new ArgumentException($"The `{name}` argument must be {(allowZero ? "non-negative" : "positive")} integers; got ({string.Join(", ", values)}).");
        }
        return result;
    }

    /// <summary>Keras's <c>standardize_padding</c>: lower-cased <c>valid</c>, <c>same</c> (or <c>causal</c>).</summary>
    public static string Padding(string padding, bool allowCausal)
    {
        var p = (padding ?? "valid").ToLowerInvariant();
        if (p is "valid" or "same" || (allowCausal && p == "causal")) return p;
        throw new ArgumentException($"The `padding` argument must be one of \"valid\", \"same\"{(allowCausal ? ", \"causal\"" : "")}. Received: {padding}.");
    }

    /// <summary>Keras's <c>standardize_data_format</c>.</summary>
    public static string DataFormat(string? dataFormat)
    {
        var f = (dataFormat ?? "channels_last").ToLowerInvariant();
        return f is "channels_last" or "channels_first"
            ? f
            : throw new ArgumentException($"The `data_format` argument must be one of \"channels_first\", \"channels_last\". Received: {dataFormat}.");
    }

    public static bool ChannelsLast(string dataFormat) => DataFormat(dataFormat) == "channels_last";

    /// <summary>The size of a dilated kernel: <c>(k - 1)·d + 1</c>.</summary>
    public static int Effective(int kernel, int dilation) => (kernel - 1) * dilation + 1;

    /// <summary>Output length of a convolution or pooling window along one axis (-1 stays unknown).</summary>
    public static int OutputLength(int input, int kernel, int stride, string padding, int dilation = 1)
    {
        if (input == Shape.Unknown) return Shape.Unknown;
        return padding == "valid"
            ? (int)Math.Floor((double)(input - Effective(kernel, dilation)) / stride) + 1
            : (input - 1) / stride + 1;
    }

    /// <summary>
    /// Padding before and after one axis for <c>same</c> (TensorFlow's rule; the odd pixel goes at the
    /// end), <c>causal</c> (all in front) or <c>valid</c> (none).
    /// </summary>
    public static (int Before, int After) Pads(int input, int kernel, int stride, string padding, int dilation = 1)
    {
        int k = Effective(kernel, dilation);
        switch (padding)
        {
            case "same":
                int output = (input + stride - 1) / stride;
                int total = Math.Max(0, (output - 1) * stride + k - input);
                return (total / 2, total - total / 2);
            case "causal":
                return (k - 1, 0);
            default:
                return (0, 0);
        }
    }

    /// <summary>
    /// Keras's padding of the equivalent forward convolution of a transposed convolution (the dilated
    /// input is padded by <c>(left, right)</c> and convolved with the flipped kernel), as its JAX and
    /// TensorFlow backends compute it.
    /// </summary>
    public static (int Left, int Right) TransposePads(int kernel, int stride, int dilation, string padding, int? outputPadding)
    {
        int k = Effective(kernel, dilation);
        if (padding == "valid")
        {
            int op = outputPadding ?? Math.Max(k, stride) - k;
            return (k - 1, k - 1 + op);
        }
        int padLen = outputPadding is int o ? k + k % 2 - 2 + o : stride + k - 2;
        int left = Math.Min(padLen / 2 + padLen % 2, k - 1);
        return (left, padLen - left);
    }

    /// <summary>Keras's output length of a transposed convolution along one axis (-1 stays unknown).</summary>
    public static int TransposeOutputLength(int input, int kernel, int stride, string padding, int? outputPadding, int dilation)
    {
        if (input == Shape.Unknown) return Shape.Unknown;
        int k = Effective(kernel, dilation);
        if (padding == "valid")
            return (input - 1) * stride + k + (outputPadding ?? Math.Max(k, stride) - k);
        return outputPadding is int o ? (input - 1) * stride + k % 2 + o : input * stride;
    }

    /// <summary>The output shape of a convolution layer (Keras's <c>compute_conv_output_shape</c>).</summary>
    public static Shape ConvOutputShape(Shape input, int filters, int[] kernel, int[] strides, string padding, bool channelsLast, int[] dilation)
    {
        int rank = kernel.Length;
        var spatial = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int n = channelsLast ? input[1 + i] : input[2 + i];
            spatial[i] = OutputLength(n, kernel[i], strides[i], padding, dilation[i]);
            if (n != Shape.Unknown && spatial[i] <= 0)
                throw new ArgumentException(
                    $"Computed output size would be zero or negative: inputs shape {input}, kernel size ({string.Join(", ", kernel)}), " +
                    $"strides ({string.Join(", ", strides)}), dilation rate ({string.Join(", ", dilation)}), padding {padding}.");
        }
        return channelsLast
            ? new Shape([input[0], .. spatial, filters])
            : new Shape([input[0], filters, .. spatial]);
    }

    /// <summary>The output shape of a pooling layer (Keras's <c>compute_pooling_output_shape</c>).</summary>
    public static Shape PoolOutputShape(Shape input, int[] pool, int[] strides, string padding, bool channelsLast)
    {
        int rank = pool.Length;
        var dims = input.ToArray();
        for (int i = 0; i < rank; i++)
        {
            int axis = channelsLast ? 1 + i : 2 + i;
            dims[axis] = OutputLength(input[axis], pool[i], strides[i], padding);
            if (input[axis] != Shape.Unknown && dims[axis] < 0)
                throw new ArgumentException($"Computed output size would be negative: inputs shape {input}, pool size ({string.Join(", ", pool)}).");
        }
        return new Shape(dims);
    }
}
