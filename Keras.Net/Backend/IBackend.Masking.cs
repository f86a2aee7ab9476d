namespace Keras.Backend;

public partial interface IBackend
{
    /// <summary>Elementwise <c>x != value</c> as a bool tensor.</summary>
    Tensor NotEqual(Tensor x, double value);

    /// <summary>Logical OR along <paramref name="axis"/> (non-zero counts as true); a bool tensor.</summary>
    Tensor Any(Tensor x, int axis, bool keepDims);
}
