using TorchSharp;
using static TorchSharp.torch;

namespace Keras.Backend.Torch;

internal sealed partial class TorchBackend
{
    public Tensor EmbeddingLookup(Tensor table, Tensor indices)
    {
        var t = T(table);
        long rows = t.shape[0];
        using var scope = torch.NewDisposeScope();
        var idx = T(indices).to_type(ScalarType.Int64);
        // Keras's torch backend wraps negative indices ("fill" mode of jax.numpy.take) before the lookup.
        idx = torch.where(idx.lt(0), idx.add(rows), idx);
        if (idx.numel() > 0 && idx.lt(0).logical_or(idx.ge(rows)).any().item<bool>())
        {
            var original = T(indices).to_type(ScalarType.Int64);
            long min = original.min().item<long>(), max = original.max().item<long>();
            long bad = min < -rows ? min : max;
            throw new ArgumentOutOfRangeException(nameof(indices), bad,
                $"Embedding index {bad} is out of range for a table of {rows} rows (valid indices are {-rows}..{rows - 1}).");
        }
        var outShape = new long[idx.dim() + 1];
        for (int i = 0; i < idx.dim(); i++) outShape[i] = idx.shape[i];
        outShape[^1] = t.shape[1];
        var rowsSelected = t.index_select(0, idx.reshape(-1));
        return W(rowsSelected.reshape(outShape).MoveToOuterDisposeScope());
    }
}
