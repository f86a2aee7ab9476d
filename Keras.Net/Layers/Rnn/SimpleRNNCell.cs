using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// One step of a fully-connected RNN (Keras's <c>SimpleRNNCell</c>):
/// <c>h' = act(x·W + b + h·U)</c>. Weights: kernel (input_dim, units), recurrent_kernel (units,
/// units), bias (units,). Called with <c>[x_t, h]</c> it returns <c>[h', h']</c>.
/// </summary>
public sealed class SimpleRNNCell : Layer, IRnnCell, IRnnCellKernel
{
    private readonly SeedGenerator _seeds;
    private Variable? _kernel;
    private Variable? _recurrentKernel;
    private Variable? _bias;

    /// <summary>Creates the cell.</summary>
    /// <param name="units">Size of the output and of the state.</param>
    /// <param name="activation">Activation (default <c>tanh</c>; pass <c>"linear"</c> for none).</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Initializer of the kernel (default <c>glorot_uniform</c>).</param>
    /// <param name="recurrentInitializer">Initializer of the recurrent kernel (default <c>orthogonal</c>).</param>
    /// <param name="biasInitializer">Initializer of the bias (default <c>zeros</c>).</param>
    /// <param name="kernelRegularizer">Penalty on the kernel added to the loss.</param>
    /// <param name="recurrentRegularizer">Penalty on the recurrent kernel added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the bias added to the loss.</param>
    /// <param name="kernelConstraint">Projection of the kernel after each update.</param>
    /// <param name="recurrentConstraint">Projection of the recurrent kernel after each update.</param>
    /// <param name="biasConstraint">Projection of the bias after each update.</param>
    /// <param name="dropout">Fraction of the inputs dropped in training, in [0, 1].</param>
    /// <param name="recurrentDropout">Fraction of the recurrent state dropped in training, in [0, 1].</param>
    /// <param name="seed">Seed of the dropout masks.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public SimpleRNNCell(
        int units,
        ActivationFunction? activation = null,
        bool useBias = true,
        Initializer? kernelInitializer = null,
        Initializer? recurrentInitializer = null,
        Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null,
        Regularizer? recurrentRegularizer = null,
        Regularizer? biasRegularizer = null,
        Constraint? kernelConstraint = null,
        Constraint? recurrentConstraint = null,
        Constraint? biasConstraint = null,
        double dropout = 0.0,
        double recurrentDropout = 0.0,
        int? seed = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(name, trainable, dtype)
    {
        Units = RnnSupport.Units(units, nameof(SimpleRNNCell), Name);
        Activation = activation ?? Activations.Tanh;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        RecurrentInitializer = recurrentInitializer ?? new Orthogonal();
        BiasInitializer = biasInitializer ?? new Zeros();
        KernelRegularizer = kernelRegularizer;
        RecurrentRegularizer = recurrentRegularizer;
        BiasRegularizer = biasRegularizer;
        KernelConstraint = kernelConstraint;
        RecurrentConstraint = recurrentConstraint;
        BiasConstraint = biasConstraint;
        Dropout = RnnSupport.Rate(dropout, nameof(SimpleRNNCell), Name, nameof(dropout));
        RecurrentDropout = RnnSupport.Rate(recurrentDropout, nameof(SimpleRNNCell), Name, nameof(recurrentDropout));
        Seed = seed;
        _seeds = new SeedGenerator(seed);
    }

    public int Units { get; }
    public ActivationFunction Activation { get; }
    public bool UseBias { get; }
    public Initializer KernelInitializer { get; }
    public Initializer RecurrentInitializer { get; }
    public Initializer BiasInitializer { get; }
    public Regularizer? KernelRegularizer { get; }
    public Regularizer? RecurrentRegularizer { get; }
    public Regularizer? BiasRegularizer { get; }
    public Constraint? KernelConstraint { get; }
    public Constraint? RecurrentConstraint { get; }
    public Constraint? BiasConstraint { get; }
    public double Dropout { get; }
    public double RecurrentDropout { get; }
    public int? Seed { get; }

    /// <summary>The kernel (input_dim, units); null before build.</summary>
    public Variable? Kernel => _kernel;

    /// <summary>The recurrent kernel (units, units); null before build.</summary>
    public Variable? RecurrentKernel => _recurrentKernel;

    /// <summary>The bias (units,); null before build or without bias.</summary>
    public Variable? Bias => _bias;

    /// <inheritdoc />
    public IReadOnlyList<int> StateSize => [Units];

    /// <inheritdoc />
    public int OutputSize => Units;

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        int inputDim = inputShape[-1];
        if (inputDim == Shape.Unknown)
            throw new ArgumentException($"SimpleRNNCell \"{Name}\": the last dimension of the input must be known; got {inputShape}.");
        _kernel = AddWeight("kernel", new Shape(inputDim, Units), KernelInitializer, regularizer: KernelRegularizer, constraint: KernelConstraint);
        _recurrentKernel = AddWeight("recurrent_kernel", new Shape(Units, Units), RecurrentInitializer, regularizer: RecurrentRegularizer, constraint: RecurrentConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Units), BiasInitializer, regularizer: BiasRegularizer, constraint: BiasConstraint);
    }

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes) => Build(inputShapes[0]);

    IRnnSequence IRnnCellKernel.Begin(Shape stepInputShape, bool training)
    {
        Tensor? inputMask = null, recurrentMask = null;
        // Keras's SimpleRNNCell applies its masks in training whenever the rate is positive.
        if (training && Dropout > 0) inputMask = RnnSupport.DropoutMasks(stepInputShape, Dropout, 1, _seeds, DType)[0];
        if (training && RecurrentDropout > 0) recurrentMask = RnnSupport.DropoutMasks(new Shape(stepInputShape[0], Units), RecurrentDropout, 1, _seeds, DType)[0];
        return new Sequence(this, inputMask, recurrentMask);
    }

    private sealed class Sequence(SimpleRNNCell cell, Tensor? inputMask, Tensor? recurrentMask) : IRnnSequence
    {
        public Tensor ProjectInputs(Tensor inputs)
        {
            var x = Ops.Cast(inputs, cell.DType);
            if (inputMask is not null) x = Ops.Multiply(x, RnnSupport.ForInputs(inputMask, x));
            return Ops.Dense(x, cell._kernel!, cell._bias?.Value);
        }

        public Tensor[] Step(Tensor projected, IReadOnlyList<Tensor> states)
        {
            var prev = recurrentMask is null ? states[0] : Ops.Multiply(states[0], recurrentMask);
            var output = cell.Activation.Call(Ops.Dense(prev, cell._recurrentKernel!, projected));
            return [output, output];
        }
    }

    /// <summary>One step: inputs are <c>[x_t, h]</c>; returns <c>[h', h']</c>.</summary>
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) => RnnSupport.CallCell(this, inputs, training);

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        var batch = inputShapes[0][0];
        return [new Shape(batch, Units), new Shape(batch, Units)];
    }

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <summary>Re-creates the cell from its Keras config.</summary>
    public static SimpleRNNCell FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(SimpleRNNCell));
        var (name, trainable, dtype) = c.LayerArgs();
        return new SimpleRNNCell(c.RequiredInt("units"),
            c.Has("activation") ? c.Activation() : null,
            c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", new GlorotUniform()),
            c.Initializer("recurrent_initializer", new Orthogonal()),
            c.Initializer("bias_initializer", new Zeros()),
            c.Regularizer("kernel_regularizer"), c.Regularizer("recurrent_regularizer"), c.Regularizer("bias_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("recurrent_constraint"), c.Constraint("bias_constraint"),
            c.Double("dropout", 0), c.Double("recurrent_dropout", 0), c.IntOrNull("seed"),
            name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["units"] = Units;
        c["activation"] = Activation.Name;
        c["use_bias"] = UseBias;
        c["kernel_initializer"] = RnnSupport.Init(KernelInitializer);
        c["recurrent_initializer"] = RnnSupport.Init(RecurrentInitializer);
        c["bias_initializer"] = RnnSupport.Init(BiasInitializer);
        c["kernel_regularizer"] = RegularizationConfig.Serialize(KernelRegularizer);
        c["recurrent_regularizer"] = RegularizationConfig.Serialize(RecurrentRegularizer);
        c["bias_regularizer"] = RegularizationConfig.Serialize(BiasRegularizer);
        c["kernel_constraint"] = RegularizationConfig.Serialize(KernelConstraint);
        c["recurrent_constraint"] = RegularizationConfig.Serialize(RecurrentConstraint);
        c["bias_constraint"] = RegularizationConfig.Serialize(BiasConstraint);
        c["dropout"] = Dropout;
        c["recurrent_dropout"] = RecurrentDropout;
        c["seed"] = Seed;
        return c;
    }
}
