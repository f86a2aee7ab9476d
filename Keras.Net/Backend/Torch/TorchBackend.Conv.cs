using TorchSharp;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;

namespace Keras.Backend.Torch;

// Convolutions. libtorch is channels-first with weights (out, in / groups, k…); Keras keeps
// (k…, in / groups, out) in its variables, so inputs and kernels are permuted here, per call, and
// nothing above this file sees torch's layout.
internal sealed partial class TorchBackend
{
    public Tensor Conv(Tensor x, Tensor kernel, Tensor? bias, int[] strides, string padding, int[] dilationRate, bool channelsLast)
    {
        using var scope = torch.NewDisposeScope();
        var keras = T(kernel);
        // torch adds the bias inside the convolution (and sums its gradient there): no separate
        // activation-sized tensor for "conv + bias", which a training step would hold until it ends.
        var y = ConvChannelsFirst(ConvToChannelsFirst(T(x), channelsLast), TorchConvWeight(keras), ConvSpatialDims(keras), strides, padding, dilationRate,
            bias is null ? null : T(bias));
        return W(ConvToChannelsLast(y, channelsLast).MoveToOuterDisposeScope());
    }

    public Tensor DepthwiseConv(Tensor x, Tensor kernel, Tensor? bias, int[] strides, string padding, int[] dilationRate, bool channelsLast)
    {
        using var scope = torch.NewDisposeScope();
        // (k…, in, multiplier) → (k…, 1, in · multiplier): a grouped convolution with one group per input channel.
        var keras = T(kernel);
        var shape = keras.shape;
        int rank = shape.Length - 2;
        var reshaped = keras.reshape([.. shape[..rank], 1, shape[rank] * shape[rank + 1]]);
        var y = ConvChannelsFirst(ConvToChannelsFirst(T(x), channelsLast), TorchConvWeight(reshaped), ConvSpatialDims(keras), strides, padding, dilationRate,
            bias is null ? null : T(bias));
        return W(ConvToChannelsLast(y, channelsLast).MoveToOuterDisposeScope());
    }

    public Tensor ConvTranspose(Tensor x, Tensor kernel, int[] strides, string padding, int[]? outputPadding, int[] dilationRate, bool channelsLast)
    {
        using var scope = torch.NewDisposeScope();
        var keras = T(kernel);
        var input = ConvToChannelsFirst(T(x), channelsLast);
        // Keras (k…, out, in) → torch's transposed-convolution weight (in, out, k…).
        var weight = TorchConvWeight(keras);
        var kernelDims = ConvSpatialDims(keras);
        int rank = kernelDims.Length;

        // Torch computes the "natural" output ((n - 1)·s + k_eff) and removes `padding` from both
        // sides, then adds `output_padding` on the right. Keras (TensorFlow/JAX) instead removes
        // crop = k_eff - 1 - pad from each side, which may differ left and right (or be negative,
        // i.e. zeros added). Use torch's arguments where they express it, else crop explicitly.
        var cropLeft = new long[rank];
        var cropRight = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            var (left, right) = ConvMath.TransposePads(kernelDims[i], strides[i], dilationRate[i], padding, outputPadding?[i]);
            int k = ConvMath.Effective(kernelDims[i], dilationRate[i]);
            cropLeft[i] = k - 1 - left;
            cropRight[i] = k - 1 - right;
        }
        var torchPadding = new long[rank];
        var torchOutputPadding = new long[rank];
        bool expressible = true;
        for (int i = 0; i < rank; i++)
        {
            long extra = cropLeft[i] - cropRight[i];
            if (cropRight[i] < 0 || extra < 0 || extra >= Math.Max(strides[i], dilationRate[i]))
            {
                expressible = false;
                break;
            }
            torchPadding[i] = cropLeft[i];
            torchOutputPadding[i] = extra;
        }
        if (!expressible)
        {
            Array.Clear(torchPadding);
            Array.Clear(torchOutputPadding);
        }

        var s = ConvLongs(strides);
        var d = ConvLongs(dilationRate);
        var y = rank switch
        {
            1 => torch.nn.functional.conv_transpose1d(input, weight, null, s[0], torchPadding[0], torchOutputPadding[0], d[0]),
            2 => torch.nn.functional.conv_transpose2d(input, weight, null, s, torchPadding, torchOutputPadding, d),
            _ => torch.nn.functional.conv_transpose3d(input, weight, null, s, torchPadding, torchOutputPadding, d),
        };
        if (!expressible)
        {
            // Negative padding crops; positive padding adds zeros.
            var pads = new long[2 * rank];
            for (int i = 0; i < rank; i++)
            {
                pads[2 * (rank - 1 - i)] = -cropLeft[i];
                pads[2 * (rank - 1 - i) + 1] = -cropRight[i];
            }
            if (pads.Any(p => p != 0)) y = torch.nn.functional.pad(y, pads, PaddingModes.Constant, 0.0);
        }
        return W(ConvToChannelsLast(y, channelsLast).MoveToOuterDisposeScope());
    }

    public Tensor LocalConv(Tensor x, Tensor kernel, int[] kernelSize, int[] strides, bool channelsLast)
    {
        using var scope = torch.NewDisposeScope();
        var input = T(x);
        int rank = kernelSize.Length;
        long batch = input.shape[0];
        // Windows: unfold appends one window axis per spatial axis.
        int firstSpatial = channelsLast ? 1 : 2;
        var patches = input;
        for (int i = 0; i < rank; i++) patches = patches.unfold(firstSpatial + i, kernelSize[i], strides[i]);
        // channels_last: (N, o…, C, k…) → (o…, N, k…, C); channels_first: (N, C, o…, k…) → (o…, N, C, k…).
        var outDims = new long[rank];
        var perm = new List<long>();
        if (channelsLast)
        {
            for (int i = 0; i < rank; i++) outDims[i] = patches.shape[1 + i];
            for (int i = 0; i < rank; i++) perm.Add(1 + i);
            perm.Add(0);
            for (int i = 0; i < rank; i++) perm.Add(rank + 2 + i);
            perm.Add(rank + 1);
        }
        else
        {
            for (int i = 0; i < rank; i++) outDims[i] = patches.shape[2 + i];
            for (int i = 0; i < rank; i++) perm.Add(2 + i);
            perm.Add(0);
            perm.Add(1);
            for (int i = 0; i < rank; i++) perm.Add(rank + 2 + i);
        }
        long positions = outDims.Aggregate(1L, (a, b) => a * b);
        var k = T(kernel);
        if (k.dim() != 3 || k.shape[0] != positions)
            throw new ArgumentException($"local_conv: the kernel must have shape ({positions}, features, filters) for these inputs; got {Shape.Format(k.shape)}.");
        var flat = patches.permute([.. perm]).reshape(positions, batch, -1);
        if (flat.shape[2] != k.shape[1])
            throw new ArgumentException($"local_conv: each patch has {flat.shape[2]} features but the kernel expects {k.shape[1]}.");
        var y = flat.bmm(k);                                              // (P, N, filters)
        y = y.reshape([.. outDims, batch, k.shape[2]]);
        var back = new List<long> { rank };
        if (channelsLast)
        {
            for (int i = 0; i < rank; i++) back.Add(i);
            back.Add(rank + 1);
        }
        else
        {
            back.Add(rank + 1);
            for (int i = 0; i < rank; i++) back.Add(i);
        }
        return W(y.permute([.. back]).MoveToOuterDisposeScope());
    }

    // ---- helpers (also used by pooling) ----

    private TT ConvChannelsFirst(TT input, TT weight, int[] kernelDims, int[] strides, string padding, int[] dilation, TT? bias)
    {
        int rank = kernelDims.Length;
        long groups = input.shape[1] / weight.shape[1];
        var pads = new (int, int)[rank];
        for (int i = 0; i < rank; i++)
            pads[i] = ConvMath.Pads((int)input.shape[2 + i], kernelDims[i], strides[i], padding, dilation[i]);
        var (padded, torchPadding) = ConvPadSpatial(input, pads, PaddingModes.Constant);
        var s = ConvLongs(strides);
        var d = ConvLongs(dilation);
        return rank switch
        {
            1 => torch.nn.functional.conv1d(padded, weight, bias, s[0], torchPadding[0], d[0], groups),
            2 => torch.nn.functional.conv2d(padded, weight, bias, s, torchPadding, d, groups),
            _ => torch.nn.functional.conv3d(padded, weight, bias, s, torchPadding, d, groups),
        };
    }

    /// <summary>
    /// Applies per-axis (before, after) padding of the spatial axes of a channels-first tensor: when
    /// every axis is symmetric the amounts are returned for torch's own <c>padding</c> argument,
    /// otherwise the tensor is padded explicitly (extra padding at the end) and torch gets zeros.
    /// </summary>
    private static (TT Input, long[] TorchPadding) ConvPadSpatial(TT input, (int Before, int After)[] pads, PaddingModes mode)
    {
        int rank = pads.Length;
        if (pads.All(p => p.Before == p.After)) return (input, pads.Select(p => (long)p.Before).ToArray());
        var flat = new long[2 * rank];
        for (int i = 0; i < rank; i++)
        {
            flat[2 * (rank - 1 - i)] = pads[i].Before;
            flat[2 * (rank - 1 - i) + 1] = pads[i].After;
        }
        return (torch.nn.functional.pad(input, flat, mode, 0.0), new long[rank]);
    }

    /// <summary>Keras's conv kernel (k…, a, b) as torch's weight (b, a, k…).</summary>
    private static TT TorchConvWeight(TT kernel)
    {
        int r = (int)kernel.dim();
        var perm = new long[r];
        perm[0] = r - 1;
        perm[1] = r - 2;
        for (int i = 0; i < r - 2; i++) perm[2 + i] = i;
        return kernel.permute(perm);
    }

    private static int[] ConvSpatialDims(TT kernel) => kernel.shape[..^2].Select(d => (int)d).ToArray();

    /// <summary>(N, spatial…, C) → (N, C, spatial…) when the input is channels_last.</summary>
    private static TT ConvToChannelsFirst(TT x, bool channelsLast)
    {
        if (!channelsLast) return x;
        int r = (int)x.dim();
        var perm = new long[r];
        perm[1] = r - 1;
        for (int i = 2; i < r; i++) perm[i] = i - 1;
        return x.permute(perm);
    }

    /// <summary>(N, C, spatial…) → (N, spatial…, C) when the caller wants channels_last.</summary>
    private static TT ConvToChannelsLast(TT y, bool channelsLast)
    {
        if (!channelsLast) return y;
        int r = (int)y.dim();
        var perm = new long[r];
        for (int i = 1; i < r - 1; i++) perm[i] = i + 1;
        perm[r - 1] = 1;
        return y.permute(perm);
    }

    private static long[] ConvLongs(int[] values) => Array.ConvertAll(values, v => (long)v);
}
