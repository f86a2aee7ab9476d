using TorchSharp;

namespace Keras.Backend.Torch;

internal sealed partial class TorchBackend
{
    public Tensor LayerNormalization(Tensor x, long[] normalizedShape, Tensor? gamma, Tensor? beta, double epsilon) =>
        W(torch.nn.functional.layer_norm(T(x), normalizedShape, gamma is null ? null : T(gamma), beta is null ? null : T(beta), epsilon));
}
