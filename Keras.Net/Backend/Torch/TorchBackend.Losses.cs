using TorchSharp;

namespace Keras.Backend.Torch;

internal sealed partial class TorchBackend
{
    public Tensor SparseCategoricalCrossentropy(Tensor labels, Tensor predictions, bool fromLogits, double epsilon)
    {
        using var scope = torch.NewDisposeScope();
        var p = T(predictions);
        var y = T(labels);
        var logp = fromLogits
            ? torch.nn.functional.log_softmax(p, -1)
            : p.div(p.sum(-1, keepdim: true)).clamp(epsilon, 1.0 - epsilon).log();
        // Gathering at each label equals Keras's one-hot product; negative labels select nothing.
        var picked = logp.gather(-1, y.clamp_min(0).unsqueeze(-1)).squeeze(-1);
        var loss = picked.neg().mul(y.ge(0).to_type(p.dtype));
        return new TorchTensor(loss.MoveToOuterDisposeScope());
    }
}
