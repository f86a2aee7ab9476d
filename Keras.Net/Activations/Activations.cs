namespace Keras;

/// <summary>The built-in activations, by property or by name (Keras's <c>keras.activations</c>).</summary>
public static class Activations
{
    public static ActivationFunction Linear { get; } = new("linear", x => x);
    public static ActivationFunction Relu { get; } = new("relu", Ops.Relu);
    public static ActivationFunction Relu6 { get; } = new("relu6", Ops.Relu6);
    public static ActivationFunction LeakyRelu { get; } = new("leaky_relu", x => Ops.LeakyRelu(x, 0.2));
    public static ActivationFunction Elu { get; } = new("elu", x => Ops.Elu(x));
    public static ActivationFunction Selu { get; } = new("selu", Ops.Selu);
    public static ActivationFunction Gelu { get; } = new("gelu", x => Ops.Gelu(x, approximate: false));
    public static ActivationFunction Silu { get; } = new("silu", Ops.Silu);
    public static ActivationFunction Mish { get; } = new("mish", Ops.Mish);
    public static ActivationFunction Sigmoid { get; } = new("sigmoid", Ops.Sigmoid);
    public static ActivationFunction HardSigmoid { get; } = new("hard_sigmoid", Ops.HardSigmoid);
    public static ActivationFunction Softmax { get; } = new("softmax", x => Ops.Softmax(x, -1));
    public static ActivationFunction LogSoftmax { get; } = new("log_softmax", x => Ops.LogSoftmax(x, -1));
    public static ActivationFunction Softplus { get; } = new("softplus", Ops.Softplus);
    public static ActivationFunction Softsign { get; } = new("softsign", Ops.Softsign);
    public static ActivationFunction Tanh { get; } = new("tanh", Ops.Tanh);
    public static ActivationFunction Exponential { get; } = new("exponential", Ops.Exp);

    private static readonly Dictionary<string, ActivationFunction> ByName = new(StringComparer.Ordinal)
    {
        ["linear"] = Linear,
        ["relu"] = Relu,
        ["relu6"] = Relu6,
        ["leaky_relu"] = LeakyRelu,
        ["elu"] = Elu,
        ["selu"] = Selu,
        ["gelu"] = Gelu,
        ["silu"] = Silu,
        ["swish"] = Silu,
        ["mish"] = Mish,
        ["sigmoid"] = Sigmoid,
        ["hard_sigmoid"] = HardSigmoid,
        ["softmax"] = Softmax,
        ["log_softmax"] = LogSoftmax,
        ["softplus"] = Softplus,
        ["softsign"] = Softsign,
        ["tanh"] = Tanh,
        ["exponential"] = Exponential,
    };

    /// <summary>All names <see cref="Get"/> accepts.</summary>
    public static IReadOnlyCollection<string> Names => ByName.Keys;

    /// <summary>The activation called <paramref name="name"/> (<c>null</c> or empty means linear).</summary>
    public static ActivationFunction Get(string? name)
    {
        if (string.IsNullOrEmpty(name)) return Linear;
        if (ByName.TryGetValue(name, out var f)) return f;
        throw new ArgumentException(
            $"Unknown activation '{name}'. Known activations: {string.Join(", ", ByName.Keys.Order())}.", nameof(name));
    }
}
