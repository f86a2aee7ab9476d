namespace Keras.Backend;

public partial interface IBackend
{
    /// <summary>
    /// Dropout with one Bernoulli(1 - rate) draw per element of <paramref name="noiseShape"/>, broadcast
    /// to <paramref name="x"/>: kept values are <c>x / (1 - rate)</c>, dropped ones 0.
    /// </summary>
    Tensor Dropout(Tensor x, double rate, long[] noiseShape, long seed);
}
