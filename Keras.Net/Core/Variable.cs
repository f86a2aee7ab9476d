using Keras.Backend;
using Keras.Data;

namespace Keras;

/// <summary>
/// A layer's state (a weight): a named, mutable tensor owned by the runtime. Trainable variables
/// receive gradients in <c>Fit</c>; non-trainable ones (e.g. moving statistics) are updated by
/// their layer. Keras's <c>keras.Variable</c>.
/// </summary>
public sealed class Variable : IDisposable
{
    private Tensor _value;

    /// <summary>Creates a variable holding a copy of <paramref name="initialValue"/>.</summary>
    public Variable(Tensor initialValue, string name, bool trainable = true, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(initialValue);
        if (initialValue.IsSymbolic)
            throw new ArgumentException($"Variable '{name}' needs a concrete initial value, not {initialValue}.", nameof(initialValue));
        Name = name;
        Path = path ?? name;
        Trainable = trainable;
        _value = KerasBackend.Current.CreateVariable(initialValue, trainable);
        // Tell the GC about the native bytes this small object holds, so a program that drops models
        // without disposing them still gets them collected before native memory piles up.
        _nativeBytes = Math.Max(0L, _value.Shape.Size) * _value.DType.ItemSize();
        if (_nativeBytes > 0) GC.AddMemoryPressure(_nativeBytes);
    }

    private long _nativeBytes;

    /// <summary>Releases the GC memory-pressure note when the variable is collected without being disposed.</summary>
    ~Variable() => ReleasePressure();

    private void ReleasePressure()
    {
        var bytes = Interlocked.Exchange(ref _nativeBytes, 0);
        if (bytes > 0) GC.RemoveMemoryPressure(bytes);
    }

    /// <summary>The variable's short name (e.g. <c>kernel</c>).</summary>
    public string Name { get; }

    /// <summary>The variable's path (e.g. <c>dense/kernel</c>).</summary>
    public string Path { get; internal set; }

    /// <summary>The projection applied after each optimizer update, if any.</summary>
    public Constraints.Constraint? Constraint { get; internal set; }

    /// <summary>The penalty this variable adds to the loss, if any.</summary>
    public Regularizers.Regularizer? Regularizer { get; internal set; }

    /// <summary>Whether the optimizer updates this variable.</summary>
    public bool Trainable { get; private set; }

    /// <summary>The current value (a live view: it changes when the variable is assigned).</summary>
    public Tensor Value => _value;

    /// <summary>The variable's shape.</summary>
    public Shape Shape => _value.Shape;

    /// <summary>The variable's dtype.</summary>
    public DType DType => _value.DType;

    /// <summary>Sets the value (shapes must match).</summary>
    public void Assign(Tensor value)
    {
        if (!value.Shape.Equals(Shape))
            throw new ArgumentException($"Cannot assign a value of shape {value.Shape} to variable '{Path}' of shape {Shape}.", nameof(value));
        KerasBackend.Current.Assign(_value, value);
    }

    /// <summary>Sets the value from a host array (shapes must match).</summary>
    public void Assign(HostArray value)
    {
        if (!new Shape(value.Shape).Equals(Shape))
            throw new ArgumentException($"Cannot assign a value of shape {Shape.Format(value.Shape)} to variable '{Path}' of shape {Shape}.", nameof(value));
        using var t = KerasBackend.Current.FromHost(value, DType);
        KerasBackend.Current.Assign(_value, t);
    }

    /// <summary>Adds <paramref name="delta"/> to the value in place.</summary>
    public void AssignAdd(Tensor delta) => KerasBackend.Current.AssignAdd(_value, delta);

    /// <summary>Adds a number to the value in place.</summary>
    public void AssignAdd(double delta) => KerasBackend.Current.AddScalar(_value, delta);

    /// <summary>Subtracts <paramref name="delta"/> from the value in place.</summary>
    public void AssignSub(Tensor delta) => KerasBackend.Current.AssignSub(_value, delta);

    /// <summary>In place: <c>value = value * scale + alpha * other</c> (an update primitive for optimizers).</summary>
    public void ScaleAdd(double scale, Tensor? other = null, double alpha = 1.0) => KerasBackend.Current.ScaleAdd(_value, scale, other, alpha);

    /// <summary>In place: <c>value += scale * a * b</c> (an update primitive for optimizers).</summary>
    public void AddProduct(Tensor a, Tensor b, double scale) => KerasBackend.Current.AddProduct(_value, a, b, scale);

    /// <summary>In place: <c>value += scale * a / b</c> (an update primitive for optimizers).</summary>
    public void AddQuotient(Tensor a, Tensor b, double scale) => KerasBackend.Current.AddQuotient(_value, a, b, scale);

    /// <summary>In place: <c>value = sqrt(source)</c> (an update primitive for optimizers; allocates nothing).</summary>
    public void AssignSqrt(Tensor source) => KerasBackend.Current.AssignSqrt(_value, source);

    /// <summary>Copies the value to the host.</summary>
    public HostArray ToHost() => _value.ToHost();

    /// <summary>Copies the value to a NumSharp array.</summary>
    public NumSharp.NDArray Numpy() => _value.ToNDArray();

    /// <summary>Changes trainability (used when a layer's <c>Trainable</c> flag changes).</summary>
    internal void SetTrainable(bool trainable)
    {
        if (trainable == Trainable) return;
        Trainable = trainable;
        KerasBackend.Current.SetRequiresGrad(_value, trainable);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _value.Dispose();
        ReleasePressure();
        GC.SuppressFinalize(this);
    }

    public static implicit operator Tensor(Variable v) => v._value;

    /// <inheritdoc />
    public override string ToString() => $"<Variable path={Path}, shape={Shape}, dtype={DType.Name()}>";
}
