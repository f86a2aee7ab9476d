namespace Keras;

public static partial class Ops
{
    /// <summary>
    /// The rows of a 2-D <paramref name="embeddings"/> table at integer <paramref name="indices"/> of any
    /// shape (Keras's <c>ops.take(embeddings, indices, axis=0)</c>, the lookup of an <c>Embedding</c>
    /// layer). The result has shape <c>indices.shape + (embeddings.shape[1],)</c>. As in Keras's torch
    /// backend, negative indices count from the end of the table; indices outside
    /// <c>[-rows, rows)</c> raise an <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public static Tensor EmbeddingLookup(Tensor embeddings, Tensor indices)
    {
        if (embeddings.Rank != 2)
            throw new ArgumentException($"EmbeddingLookup needs a 2-D table; got shape {embeddings.Shape}.", nameof(embeddings));
        if (indices.DType.IsFloating() || indices.DType == DType.Bool)
            throw new ArgumentException($"EmbeddingLookup needs integer indices; got {indices.DType.Name()}.", nameof(indices));
        return B.EmbeddingLookup(embeddings, indices);
    }
}
