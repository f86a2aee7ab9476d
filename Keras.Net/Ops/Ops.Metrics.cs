namespace Keras;

public static partial class Ops
{
    /// <summary>
    /// The <paramref name="k"/> largest entries along the last axis and their int64 indices, largest first
    /// (Keras's <c>ops.top_k</c>). Equal values keep their order: the lower index comes first, so the
    /// result is the same on every run and device.
    /// </summary>
    public static (Tensor Values, Tensor Indices) TopK(Tensor x, int k)
    {
        if (x.Rank < 1) throw new ArgumentException($"TopK needs a tensor of rank 1 or more; got shape {x.Shape}.", nameof(x));
        if (k < 1 || k > x.Shape[-1])
            throw new ArgumentOutOfRangeException(nameof(k), k, $"TopK: k must be in [1, {x.Shape[-1]}] for a last axis of size {x.Shape[-1]}.");
        return B.TopK(x, k);
    }
}
