using TorchSharp;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;

namespace Keras.Backend.Torch;

// Pooling in torch's channels-first layout (inputs are permuted in and out here).
internal sealed partial class TorchBackend
{
    public Tensor MaxPool(Tensor x, int[] poolSize, int[] strides, string padding, bool channelsLast)
    {
        using var scope = torch.NewDisposeScope();
        var input = ConvToChannelsFirst(T(x), channelsLast);
        // An asymmetric 'same' pad replicates the edge: the padded value is already in every window
        // that reaches it, so padding never wins — the same result as TensorFlow's -inf padding.
        var (padded, torchPadding) = ConvPadSpatial(input, PoolPads(input, poolSize, strides, padding), PaddingModes.Replicate);
        var k = ConvLongs(poolSize);
        var s = ConvLongs(strides);
        var y = poolSize.Length switch
        {
            1 => torch.nn.functional.max_pool1d(padded, k[0], s[0], torchPadding[0]),
            2 => torch.nn.functional.max_pool2d(padded, k, s, torchPadding),
            _ => torch.nn.functional.max_pool3d(padded, k, s, torchPadding),
        };
        return W(ConvToChannelsLast(y, channelsLast).MoveToOuterDisposeScope());
    }

    public Tensor AveragePool(Tensor x, int[] poolSize, int[] strides, string padding, bool channelsLast)
    {
        using var scope = torch.NewDisposeScope();
        var input = ConvToChannelsFirst(T(x), channelsLast);
        int rank = poolSize.Length;
        var pads = PoolPads(input, poolSize, strides, padding);
        TT y;
        if (pads.All(p => p.Before == p.After))
        {
            // Symmetric (or no) padding: torch leaves the padding out of each window's count.
            y = AvgPoolTorch(input, poolSize, strides, pads.Select(p => (long)p.Before).ToArray(), divisorOverride: null);
        }
        else
        {
            // Asymmetric 'same' padding (TensorFlow puts the odd pixel at the end): sum the zero-padded
            // windows and divide by how many input elements each window covers.
            var (padded, _) = ConvPadSpatial(input, pads, PaddingModes.Constant);
            var sums = AvgPoolTorch(padded, poolSize, strides, new long[rank], divisorOverride: 1);
            var ones = torch.ones([1, 1, .. input.shape[2..]], input.dtype, input.device);
            var (paddedOnes, _) = ConvPadSpatial(ones, pads, PaddingModes.Constant);
            var counts = AvgPoolTorch(paddedOnes, poolSize, strides, new long[rank], divisorOverride: 1);
            y = sums.div(counts);
        }
        return W(ConvToChannelsLast(y, channelsLast).MoveToOuterDisposeScope());
    }

    private static (int Before, int After)[] PoolPads(TT channelsFirst, int[] poolSize, int[] strides, string padding)
    {
        var pads = new (int, int)[poolSize.Length];
        for (int i = 0; i < poolSize.Length; i++)
            pads[i] = ConvMath.Pads((int)channelsFirst.shape[2 + i], poolSize[i], strides[i], padding);
        return pads;
    }

    /// <summary>avg_pool over a channels-first tensor; padding is excluded from the counts; 1-D runs as 2-D (for divisor_override).</summary>
    private static TT AvgPoolTorch(TT input, int[] poolSize, int[] strides, long[] padding, long? divisorOverride)
    {
        var k = ConvLongs(poolSize);
        var s = ConvLongs(strides);
        switch (poolSize.Length)
        {
            case 1:
                var lifted = input.unsqueeze(2);
                var pooled = torch.nn.functional.avg_pool2d(lifted, [1, k[0]], [1, s[0]], [0, padding[0]],
                    ceil_mode: false, count_include_pad: false, divisor_override: divisorOverride);
                return pooled.squeeze(2);
            case 2:
                return torch.nn.functional.avg_pool2d(input, k, s, padding, ceil_mode: false, count_include_pad: false, divisor_override: divisorOverride);
            default:
                return torch.nn.functional.avg_pool3d(input, k, s, padding, ceil_mode: false, count_include_pad: false, divisor_override: divisorOverride);
        }
    }
}
