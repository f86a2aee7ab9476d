namespace Keras.Backend;

public partial interface IBackend
{
    /// <summary>
    /// Fused layer normalization over the trailing axes whose sizes are <paramref name="normalizedShape"/>:
    /// <c>(x − mean) / sqrt(biased var + ε) · gamma + beta</c> (gamma and beta of that shape, optional).
    /// </summary>
    Tensor LayerNormalization(Tensor x, long[] normalizedShape, Tensor? gamma, Tensor? beta, double epsilon);
}
