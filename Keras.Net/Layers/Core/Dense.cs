using Keras.Saving;
using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;

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
    /// <param name="kernelRegularizer">Penalty on the kernel added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the bias added to the loss.</param>
    /// <param name="activityRegularizer">Penalty on the output added to the loss.</param>
    /// <param name="kernelConstraint">Projection of the kernel after each update.</param>
    /// <param name="biasConstraint">Projection of the bias after each update.</param>
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
        Regularizer? kernelRegularizer = null,
        Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null,
        Constraint? biasConstraint = null,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
        KernelConstraint = kernelConstraint;
        BiasConstraint = biasConstraint;
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
    public Regularizer? KernelRegularizer { get; }
    public Regularizer? BiasRegularizer { get; }
    public Constraint? KernelConstraint { get; }
    public Constraint? BiasConstraint { get; }

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
        _kernel = AddWeight("kernel", new Shape(inputDim, Units), KernelInitializer, regularizer: KernelRegularizer, constraint: KernelConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Units), BiasInitializer, regularizer: BiasRegularizer, constraint: BiasConstraint);
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
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"),
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
        c["kernel_regularizer"] = RegularizationConfig.Serialize(KernelRegularizer);
        c["bias_regularizer"] = RegularizationConfig.Serialize(BiasRegularizer);
        c["activity_regularizer"] = RegularizationConfig.Serialize(ActivityRegularizer);
        c["kernel_constraint"] = RegularizationConfig.Serialize(KernelConstraint);
        c["bias_constraint"] = RegularizationConfig.Serialize(BiasConstraint);
        return c;
    }
}
