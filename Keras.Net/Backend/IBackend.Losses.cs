namespace Keras.Backend;

public partial interface IBackend
{
    /// <summary>
    /// Per-sample sparse categorical cross-entropy over the last axis (Keras's formula): with
    /// <paramref name="fromLogits"/> the log-softmax, otherwise <c>log(clip(p / sum(p), eps, 1 - eps))</c>,
    /// picked at each int64 label; a negative label gives 0.
    /// </summary>
    Tensor SparseCategoricalCrossentropy(Tensor labels, Tensor predictions, bool fromLogits, double epsilon);
}
