using TorchSharp;

namespace Keras.Backend.Torch;

internal sealed partial class TorchBackend
{
    public Tensor PadConstant(Tensor x, long[] padBeforeAfter, double value)
    {
        var input = T(x);
        int rank = (int)input.dim();
        if (padBeforeAfter.Length != 2 * rank)
            throw new ArgumentException($"Padding needs two counts per axis ({2 * rank}); got {padBeforeAfter.Length}.", nameof(padBeforeAfter));
        // torch lists the last axis first: (before_last, after_last, before_prev, after_prev, ...).
        var pad = new long[2 * rank];
        for (int a = 0; a < rank; a++)
        {
            pad[2 * (rank - 1 - a)] = padBeforeAfter[2 * a];
            pad[2 * (rank - 1 - a) + 1] = padBeforeAfter[2 * a + 1];
        }
        return W(torch.nn.functional.pad(input, pad, PaddingModes.Constant, value));
    }

    public Tensor RepeatElements(Tensor x, long repeats, int axis) => W(T(x).repeat_interleave(repeats, axis));
}
