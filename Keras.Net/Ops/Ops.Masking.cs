namespace Keras;

public static partial class Ops
{
    /// <summary>Elementwise <c>x != value</c> (Keras's <c>ops.not_equal</c> with a scalar); a bool tensor.</summary>
    public static Tensor NotEqual(Tensor x, double value) => B.NotEqual(x, value);

    /// <summary>Whether any element along <paramref name="axis"/> is true (Keras's <c>ops.any</c>); a bool tensor.</summary>
    public static Tensor Any(Tensor x, int axis, bool keepDims = false) => B.Any(x, Axis(x, axis), keepDims);
}
