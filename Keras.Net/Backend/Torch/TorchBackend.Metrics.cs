using TorchSharp;

namespace Keras.Backend.Torch;

internal sealed partial class TorchBackend
{
    public (Tensor Values, Tensor Indices) TopK(Tensor x, int k)
    {
        using var scope = torch.NewDisposeScope();
        // A stable descending sort keeps equal values in index order (torch.topk leaves ties unspecified).
        var (values, indices) = T(x).sort(dim: -1, descending: true, stable: true);
        var v = values.narrow(-1, 0, k).contiguous();
        var i = indices.narrow(-1, 0, k).contiguous();
        return (W(v.MoveToOuterDisposeScope()), W(i.MoveToOuterDisposeScope()));
    }
}
