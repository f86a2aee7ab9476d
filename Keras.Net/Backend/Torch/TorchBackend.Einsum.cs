using TorchSharp;

namespace Keras.Backend.Torch;

internal sealed partial class TorchBackend
{
    public Tensor Einsum(string equation, IReadOnlyList<Tensor> operands) =>
        W(torch.einsum(equation, operands.Select(T).ToArray()));
}
