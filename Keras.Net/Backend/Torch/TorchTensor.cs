using Keras.Data;
using TorchSharp;

namespace Keras.Backend.Torch;

/// <summary>A concrete tensor of the libtorch backend: a thin wrapper over a TorchSharp tensor.</summary>
internal sealed class TorchTensor : Tensor
{
    private Shape? _shape;
    private DType? _dtype;

    internal TorchTensor(torch.Tensor value) => Value = value;

    /// <summary>The runtime tensor.</summary>
    internal torch.Tensor Value { get; }

    public override Shape Shape => _shape ??= new Shape(Value.shape);

    public override DType DType => _dtype ??= TorchBackend.ToDType(Value.dtype);

    public override HostArray ToHost() => TorchBackend.ToHost(Value);

    public override double Item()
    {
        if (Value.numel() != 1)
            throw new InvalidOperationException($"Item() needs a tensor with one element; this one has shape {Shape}.");
        return Value.ToDouble();
    }

    public override void Dispose() => Value.Dispose();
}
