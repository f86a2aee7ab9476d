namespace Keras;

/// <summary>
/// A named activation function (Keras's <c>keras.activations.*</c>). Strings convert implicitly
/// (<c>"relu"</c>), so layers take either a name or an instance from <see cref="Activations"/>.
/// </summary>
public sealed class ActivationFunction
{
    private readonly Func<Tensor, Tensor> _fn;

    /// <summary>Creates an activation from a function; <paramref name="name"/> is what configs record.</summary>
    public ActivationFunction(string name, Func<Tensor, Tensor> fn)
    {
        Name = name;
        _fn = fn;
    }

    /// <summary>The name Keras uses for this activation in configs.</summary>
    public string Name { get; }

    /// <summary>Applies the activation.</summary>
    public Tensor Call(Tensor x) => _fn(x);

    /// <summary>True for <c>linear</c> (the identity).</summary>
    public bool IsLinear => Name == "linear";

    public static implicit operator ActivationFunction(string name) => Activations.Get(name);

    /// <inheritdoc />
    public override string ToString() => Name;
}
