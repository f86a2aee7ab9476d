using TorchSharp;
using static TorchSharp.torch;

namespace Keras.Backend.Torch;

internal sealed partial class TorchBackend
{
    public Tensor Dropout(Tensor x, double rate, long[] noiseShape, long seed)
    {
        var input = T(x);
        using var scope = torch.NewDisposeScope();
        using var g = Gen(seed);
        // As Keras's torch backend: a float32 Bernoulli mask of the noise shape, broadcast, then
        // where(mask, x / keep_prob, 0).
        double keepProb = 1.0 - rate;
        var keep = torch.full(noiseShape, keepProb, ScalarType.Float32, input.device);
        var mask = torch.bernoulli(keep, g).to_type(ScalarType.Bool).broadcast_to(input.shape);
        var result = torch.where(mask, input.div(keepProb), torch.zeros_like(input));
        return W(result.MoveToOuterDisposeScope());
    }
}
