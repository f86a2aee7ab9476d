namespace Keras.Backend.Torch;

internal sealed partial class TorchBackend
{
    public Tensor NotEqual(Tensor x, double value) => W(T(x).ne(value));

    public Tensor Any(Tensor x, int axis, bool keepDims) => W(T(x).any(axis, keepDims));
}
