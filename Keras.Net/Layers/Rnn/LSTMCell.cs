using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// One step of an LSTM (Keras's <c>LSTMCell</c>). Weights: kernel (input_dim, 4·units),
/// recurrent_kernel (units, 4·units), bias (4·units,), gates in the order i, f, c, o. States
/// [h, c]. Called with <c>[x_t, h, c]</c> it returns <c>[h', h', c']</c>:
/// <c>z = x·W + h·U + b; i, f, o = σ(z_i), σ(z_f), σ(z_o); c' = f·c + i·act(z_c); h' = o·act(c')</c>.
/// </summary>
public sealed class LSTMCell : Layer, IRnnCell, IRnnCellKernel
{
    private readonly SeedGenerator _seeds;
    private Variable? _kernel;
    private Variable? _recurrentKernel;
    private Variable? _bias;

    /// <summary>Creates the cell.</summary>
    /// <param name="units">Size of the output and of both states.</param>
    /// <param name="activation">Activation of the candidate and of the output (default <c>tanh</c>; pass <c>"linear"</c> for none).</param>
    /// <param name="recurrentActivation">Activation of the gates (default <c>sigmoid</c>).</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Initializer of the kernel (default <c>glorot_uniform</c>).</param>
    /// <param name="recurrentInitializer">Initializer of the recurrent kernel (default <c>orthogonal</c>).</param>
    /// <param name="biasInitializer">Initializer of the bias (default <c>zeros</c>).</param>
    /// <param name="unitForgetBias">Adds 1 to the forget gate's bias at initialization.</param>
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
    public LSTMCell(
        int units,
        ActivationFunction? activation = null,
        ActivationFunction? recurrentActivation = null,
        bool useBias = true,
        Initializer? kernelInitializer = null,
        Initializer? recurrentInitializer = null,
        Initializer? biasInitializer = null,
        bool unitForgetBias = true,
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
        Units = RnnSupport.Units(units, nameof(LSTMCell), Name);
        Activation = activation ?? Activations.Tanh;
        RecurrentActivation = recurrentActivation ?? Activations.Sigmoid;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        RecurrentInitializer = recurrentInitializer ?? new Orthogonal();
        BiasInitializer = biasInitializer ?? new Zeros();
        UnitForgetBias = unitForgetBias;
        KernelRegularizer = kernelRegularizer;
        RecurrentRegularizer = recurrentRegularizer;
        BiasRegularizer = biasRegularizer;
        KernelConstraint = kernelConstraint;
        RecurrentConstraint = recurrentConstraint;
        BiasConstraint = biasConstraint;
        Dropout = RnnSupport.Rate(dropout, nameof(LSTMCell), Name, nameof(dropout));
        RecurrentDropout = RnnSupport.Rate(recurrentDropout, nameof(LSTMCell), Name, nameof(recurrentDropout));
        Seed = seed;
        _seeds = new SeedGenerator(seed);
    }

    public int Units { get; }
    public ActivationFunction Activation { get; }
    public ActivationFunction RecurrentActivation { get; }
    public bool UseBias { get; }
    public Initializer KernelInitializer { get; }
    public Initializer RecurrentInitializer { get; }
    public Initializer BiasInitializer { get; }
    public bool UnitForgetBias { get; }
    public Regularizer? KernelRegularizer { get; }
    public Regularizer? RecurrentRegularizer { get; }
    public Regularizer? BiasRegularizer { get; }
    public Constraint? KernelConstraint { get; }
    public Constraint? RecurrentConstraint { get; }
    public Constraint? BiasConstraint { get; }
    public double Dropout { get; }
    public double RecurrentDropout { get; }
    public int? Seed { get; }

    /// <summary>The kernel (input_dim, 4·units); null before build.</summary>
    public Variable? Kernel => _kernel;

    /// <summary>The recurrent kernel (units, 4·units); null before build.</summary>
    public Variable? RecurrentKernel => _recurrentKernel;

    /// <summary>The bias (4·units,); null before build or without bias.</summary>
    public Variable? Bias => _bias;

    /// <inheritdoc />
    public IReadOnlyList<int> StateSize => [Units, Units];

    /// <inheritdoc />
    public int OutputSize => Units;

    // Keras switches to its per-gate implementation (4 masks each) when recurrent dropout is used.
    private int MaskCount => RecurrentDropout != 0.0 ? 4 : 1;

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        int inputDim = inputShape[-1];
        if (inputDim == Shape.Unknown)
            throw new ArgumentException($"LSTMCell \"{Name}\": the last dimension of the input must be known; got {inputShape}.");
        _kernel = AddWeight("kernel", new Shape(inputDim, 4 * Units), KernelInitializer, regularizer: KernelRegularizer, constraint: KernelConstraint);
        _recurrentKernel = AddWeight("recurrent_kernel", new Shape(Units, 4 * Units), RecurrentInitializer, regularizer: RecurrentRegularizer, constraint: RecurrentConstraint);
        if (UseBias)
            _bias = AddWeight("bias", new Shape(4 * Units), UnitForgetBias ? new ForgetBias(BiasInitializer, Units) : BiasInitializer,
                regularizer: BiasRegularizer, constraint: BiasConstraint);
    }

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes) => Build(inputShapes[0]);

    IRnnSequence IRnnCellKernel.Begin(Shape stepInputShape, bool training)
    {
        Tensor[]? inputMasks = null, recurrentMasks = null;
        // Keras applies LSTM dropout only in training and for rates strictly between 0 and 1.
        if (training && Dropout > 0 && Dropout < 1)
            inputMasks = RnnSupport.DropoutMasks(stepInputShape, Dropout, MaskCount, _seeds, DType);
        if (training && RecurrentDropout > 0 && RecurrentDropout < 1)
            recurrentMasks = RnnSupport.DropoutMasks(new Shape(stepInputShape[0], Units), RecurrentDropout, 4, _seeds, DType);
        return new Sequence(this, inputMasks, recurrentMasks);
    }

    private sealed class Sequence(LSTMCell cell, Tensor[]? inputMasks, Tensor[]? recurrentMasks) : IRnnSequence
    {
        private readonly int _units = cell.Units;

        // The runtime's fused LSTM computes exactly Keras's cell when the activations are the standard ones
        // and no dropout applies (dropout masks differ per gate, which the fused kernel has no place for).
        public (Tensor Outputs, Tensor[] States)? RunWhole(Tensor sequence, IReadOnlyList<Tensor> states)
        {
            if (inputMasks is not null || recurrentMasks is not null) return null;
            if (cell.Activation.Name != "tanh" || cell.RecurrentActivation.Name != "sigmoid") return null;
            if (cell.DType is not (DType.Float32 or DType.Float64)) return null;
            var fused = Ops.FusedLstm(Ops.Cast(sequence, cell.DType), states[0], states[1], cell._kernel!, cell._recurrentKernel!, cell._bias?.Value);
            return fused is { } f ? (f.Outputs, [f.H, f.C]) : null;
        }

        public Tensor ProjectInputs(Tensor inputs)
        {
            var x = Ops.Cast(inputs, cell.DType);
            var kernel = (Tensor)cell._kernel!;
            var bias = cell._bias?.Value;
            if (inputMasks is null) return Ops.Dense(x, kernel, bias);
            if (inputMasks.Length == 1) return Ops.Dense(Ops.Multiply(x, RnnSupport.ForInputs(inputMasks[0], x)), kernel, bias);
            // Keras's implementation 1: a separate input mask for each gate.
            var gates = new Tensor[4];
            for (int g = 0; g < 4; g++)
            {
                var xg = Ops.Multiply(x, RnnSupport.ForInputs(inputMasks[g], x));
                gates[g] = Ops.Dense(xg, RnnSupport.Gate(kernel, g, _units), bias is null ? null : RnnSupport.Gate(bias, g, _units));
            }
            return Ops.Concatenate(gates, -1);
        }

        public Tensor[] Step(Tensor projected, IReadOnlyList<Tensor> states)
        {
            var h = states[0];
            var c = states[1];
            var rk = (Tensor)cell._recurrentKernel!;
            Tensor z;
            if (recurrentMasks is null)
            {
                // projected + h @ rk as one fused multiply-add: one kernel and one saved tensor fewer per step.
                z = Ops.Dense(h, rk, projected);
            }
            else
            {
                var gates = new Tensor[4];
                for (int g = 0; g < 4; g++)
                    gates[g] = Ops.MatMul(Ops.Multiply(h, recurrentMasks[g]), RnnSupport.Gate(rk, g, _units));
                z = Ops.Add(projected, Ops.Concatenate(gates, -1));
            }
            var i = cell.RecurrentActivation.Call(RnnSupport.Gate(z, 0, _units));
            var f = cell.RecurrentActivation.Call(RnnSupport.Gate(z, 1, _units));
            var candidate = cell.Activation.Call(RnnSupport.Gate(z, 2, _units));
            var o = cell.RecurrentActivation.Call(RnnSupport.Gate(z, 3, _units));
            var cNew = Ops.Add(Ops.Multiply(f, c), Ops.Multiply(i, candidate));
            var hNew = Ops.Multiply(o, cell.Activation.Call(cNew));
            return [hNew, hNew, cNew];
        }
    }

    /// <summary>One step: inputs are <c>[x_t, h, c]</c>; returns <c>[h', h', c']</c>.</summary>
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) =>
        RnnSupport.CallCell(this, inputs, training);

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        var batch = inputShapes[0][0];
        return [new Shape(batch, Units), new Shape(batch, Units), new Shape(batch, Units)];
    }

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <summary>Re-creates the cell from its Keras config.</summary>
    public static LSTMCell FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(LSTMCell));
        var (name, trainable, dtype) = c.LayerArgs();
        return new LSTMCell(c.RequiredInt("units"),
            c.Has("activation") ? c.Activation() : null,
            c.Has("recurrent_activation") ? c.Activation("recurrent_activation") : null,
            c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", new GlorotUniform()),
            c.Initializer("recurrent_initializer", new Orthogonal()),
            c.Initializer("bias_initializer", new Zeros()),
            c.Bool("unit_forget_bias", true),
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
        c["recurrent_activation"] = RecurrentActivation.Name;
        c["use_bias"] = UseBias;
        c["unit_forget_bias"] = UnitForgetBias;
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

    /// <summary>Keras's <c>unit_forget_bias</c> initializer: [init(units), ones(units), init(2·units)].</summary>
    private sealed class ForgetBias(Initializer inner, int units) : Initializer
    {
        public override string ClassName => inner.ClassName;

        public override JsonObject GetConfig() => inner.GetConfig();

        public override Tensor Call(Shape shape, DType dtype = DType.Float32)
        {
            using var scope = Ops.Scope();
            var parts = new[] { inner.Call(new Shape(units), dtype), Ops.Ones(new Shape(units), dtype), inner.Call(new Shape(2 * units), dtype) };
            return scope.Keep(Ops.Concatenate(parts, 0));
        }
    }
}
