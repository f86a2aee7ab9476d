using Keras.Data;

namespace Keras;

/// <summary>
/// A Keras tensor: either a concrete tensor that lives in the compute runtime (created by
/// <see cref="Ops"/> and layers) or a symbolic <see cref="KerasTensor"/> used to build functional
/// models. Concrete tensors hold native memory: the library frees the ones it creates inside
/// <c>Fit</c>/<c>Predict</c>; dispose the ones you create yourself, or create them inside
/// <see cref="Ops.Scope"/>.
/// </summary>
public abstract class Tensor : IDisposable
{
    /// <summary>The tensor's shape (fully known for concrete tensors).</summary>
    public abstract Shape Shape { get; }

    /// <summary>The element type.</summary>
    public abstract DType DType { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Rank;

    /// <summary>The mask a layer attached to this tensor (e.g. Embedding with <c>mask_zero</c>), passed on to the next layer.</summary>
    public Tensor? KerasMask { get; set; }

    /// <summary>True for symbolic tensors (<see cref="KerasTensor"/>), which have no values.</summary>
    public virtual bool IsSymbolic => false;

    /// <summary>Copies the values to a host array (row-major).</summary>
    public abstract HostArray ToHost();

    /// <summary>Copies the values to a flat .NET array of <typeparamref name="T"/> (row-major, converting the dtype if needed).</summary>
    public T[] ToArray<T>() where T : unmanaged => ToHost().ToArray<T>();

    /// <summary>Copies the values to a NumSharp array.</summary>
    public NumSharp.NDArray ToNDArray() => ToHost().ToNDArray();

    /// <summary>The value of a one-element tensor as a double.</summary>
    public abstract double Item();

    /// <summary>Releases the native memory now rather than at garbage collection.</summary>
    public abstract void Dispose();

    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Subtract(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Multiply(a, b);
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Divide(a, b);
    public static Tensor operator -(Tensor a) => Ops.Negative(a);
    public static Tensor operator +(Tensor a, double b) => Ops.Add(a, b);
    public static Tensor operator -(Tensor a, double b) => Ops.Add(a, -b);
    public static Tensor operator *(Tensor a, double b) => Ops.Multiply(a, b);
    public static Tensor operator /(Tensor a, double b) => Ops.Multiply(a, 1.0 / b);
    public static Tensor operator +(double a, Tensor b) => Ops.Add(b, a);
    public static Tensor operator -(double a, Tensor b) => Ops.Add(Ops.Negative(b), a);
    public static Tensor operator *(double a, Tensor b) => Ops.Multiply(b, a);

    /// <inheritdoc />
    public override string ToString() => $"<Tensor shape={Shape} dtype={DType.Name()}>";
}
