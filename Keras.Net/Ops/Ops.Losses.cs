namespace Keras;

public static partial class Ops
{
    /// <summary>Per-sample sparse categorical cross-entropy over the last axis (int64 labels; see <see cref="Backend.IBackend.SparseCategoricalCrossentropy"/>).</summary>
    public static Tensor SparseCategoricalCrossentropy(Tensor labels, Tensor predictions, bool fromLogits, double epsilon = 1e-7) =>
        B.SparseCategoricalCrossentropy(Cast(labels, DType.Int64), predictions, fromLogits, epsilon);
}
