using System.Text.Json.Nodes;
using Keras.Initializers;
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
        _kernel = AddWeight("kernel", new Shape(inputDim, Units), KernelInitializer);
        _recurrentKernel = AddWeight("recurrent_kernel", new Shape(Units, Units), RecurrentInitializer);
        if (UseBias) _bias = AddWeight("bias", new Shape(Units), BiasInitializer);
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
            var output = cell.Activation.Call(Ops.Add(projected, Ops.MatMul(prev, cell._recurrentKernel!)));
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
        RnnSupport.RejectUnsupported(c, nameof(SimpleRNNCell), RnnSupport.CellExtras);
        var (name, trainable, dtype) = c.LayerArgs();
        return new SimpleRNNCell(c.RequiredInt("units"),
            c.Has("activation") ? c.Activation() : null,
            c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", new GlorotUniform()),
            c.Initializer("recurrent_initializer", new Orthogonal()),
            c.Initializer("bias_initializer", new Zeros()),
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
        RnnSupport.NullKeys(c, "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
            "kernel_constraint", "recurrent_constraint", "bias_constraint");
        c["dropout"] = Dropout;
        c["recurrent_dropout"] = RecurrentDropout;
        c["seed"] = Seed;
        return c;
    }
}
