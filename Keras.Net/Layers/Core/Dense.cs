using Keras.Saving;
using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Initializers;

namespace Keras.Layers;

/// <summary>
/// A densely-connected layer: <c>activation(inputs @ kernel + bias)</c> on the last axis
/// (Keras's <c>Dense</c>). Kernel shape (input_dim, units), bias shape (units,).
/// </summary>
public sealed class Dense : Layer
{
    private Variable? _kernel;
    private Variable? _bias;

    /// <summary>Creates the layer.</summary>
    /// <param name="units">Size of the output's last axis.</param>
    /// <param name="activation">Activation by name (<c>"relu"</c>) or instance; default linear.</param>
    /// <param name="useBias">Whether to add a bias vector.</param>
    /// <param name="kernelInitializer">Initializer of the kernel (default <c>glorot_uniform</c>).</param>
    /// <param name="biasInitializer">Initializer of the bias (default <c>zeros</c>).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public Dense(
        int units,
        ActivationFunction? activation = null,
        bool useBias = true,
        Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (units <= 0)
            throw new ArgumentOutOfRangeException(nameof(units), units, $"Dense \"{Name}\": units must be a positive integer.");
        Units = units;
        Activation = activation ?? Activations.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        InputSpec = new InputSpec(minRank: 2);
        SupportsMasking = true;
    }

    public int Units { get; }
    public ActivationFunction Activation { get; }
    public bool UseBias { get; }
    public Initializer KernelInitializer { get; }
    public Initializer BiasInitializer { get; }

    /// <summary>The kernel, shape (input_dim, units); null before the layer is built.</summary>
    public Variable? Kernel => _kernel;

    /// <summary>The bias, shape (units,); null before build or without bias.</summary>
    public Variable? Bias => _bias;

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        var inputDim = inputShape[-1];
        if (inputDim == Shape.Unknown)
            throw new ArgumentException($"Dense \"{Name}\": the last dimension of the input must be known; got input shape {inputShape}.");
        _kernel = AddWeight("kernel", new Shape(inputDim, Units), KernelInitializer);
        if (UseBias) _bias = AddWeight("bias", new Shape(Units), BiasInitializer);
        InputSpec = new InputSpec(minRank: 2, axes: new Dictionary<int, int> { [-1] = inputDim });
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var y = Ops.Dense(Ops.Cast(inputs, DType), _kernel!, _bias?.Value);
        return Activation.IsLinear ? y : Activation.Call(y);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape.With(-1, Units);

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Dense FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Dense));
        var (name, trainable, dtype) = c.LayerArgs();
        return new Dense(c.RequiredInt("units"), c.Activation(), c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", new GlorotUniform()), c.Initializer("bias_initializer", new Zeros()),
            c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["units"] = Units;
        c["activation"] = Activation.Name;
        c["use_bias"] = UseBias;
        c["kernel_initializer"] = Serialization.Initializer(KernelInitializer);
        c["bias_initializer"] = Serialization.Initializer(BiasInitializer);
        c["kernel_regularizer"] = null;
        c["bias_regularizer"] = null;
        c["kernel_constraint"] = null;
        c["bias_constraint"] = null;
        return c;
    }
}
