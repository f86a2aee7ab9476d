namespace Keras.Backend;

public partial interface IBackend
{
    /// <summary>
    /// Rows of the 2-D <paramref name="table"/> at the integer <paramref name="indices"/> (any shape);
    /// negative indices count from the end; out-of-range indices throw <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    Tensor EmbeddingLookup(Tensor table, Tensor indices);
}
