namespace Keras;

public static partial class Ops
{
    /// <summary>
    /// Dropout with a broadcast mask (Keras's <c>random.dropout(x, rate, noise_shape, seed)</c>): one
    /// keep/drop draw per element of <paramref name="noiseShape"/> (which must broadcast to
    /// <paramref name="x"/>'s shape, e.g. <c>(batch, 1, channels)</c> to drop whole channels); kept
    /// values are divided by <c>1 - rate</c>, dropped ones are 0.
    /// </summary>
    public static Tensor Dropout(Tensor x, double rate, Shape noiseShape, long seed)
    {
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout rate must be in [0, 1).");
        if (noiseShape.Rank != x.Rank || !noiseShape.IsFullyDefined)
            throw new ArgumentException($"The noise shape {noiseShape} must be fully known and have the rank of the input {x.Shape}.", nameof(noiseShape));
        for (int i = 0; i < x.Rank; i++)
        {
            if (noiseShape[i] != 1 && noiseShape[i] != x.Shape[i])
                throw new ArgumentException($"The noise shape {noiseShape} does not broadcast to the input shape {x.Shape}.", nameof(noiseShape));
        }
        return B.Dropout(x, rate, noiseShape.ToLongArray(), seed);
    }
}
