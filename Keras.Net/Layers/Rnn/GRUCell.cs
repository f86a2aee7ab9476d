using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// One step of a GRU (Keras's <c>GRUCell</c>). Weights: kernel (input_dim, 3·units),
/// recurrent_kernel (units, 3·units), gates in the order z, r, h; bias (2, 3·units) (input and
/// recurrent rows) when <c>resetAfter</c> (Keras 3's default), else (3·units,). One state h.
/// Called with <c>[x_t, h]</c> it returns <c>[h', h']</c>:
/// <c>z = σ(x·W_z + h·U_z + b); r = σ(x·W_r + h·U_r + b); ĥ = act(x·W_h + r ∘ (h·U_h + b_rh))</c>
/// (reset after) or <c>act(x·W_h + (r ∘ h)·U_h)</c> (reset before); <c>h' = z ∘ h + (1 − z) ∘ ĥ</c>.
/// </summary>
public sealed class GRUCell : Layer, IRnnCell, IRnnCellKernel
{
    private readonly SeedGenerator _seeds;
    private Variable? _kernel;
    private Variable? _recurrentKernel;
    private Variable? _bias;

    /// <summary>Creates the cell.</summary>
    /// <param name="units">Size of the output and of the state.</param>
    /// <param name="activation">Activation of the candidate (default <c>tanh</c>; pass <c>"linear"</c> for none).</param>
    /// <param name="recurrentActivation">Activation of the gates (default <c>sigmoid</c>).</param>
    /// <param name="useBias">Whether to add biases.</param>
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
    /// <param name="resetAfter">Apply the reset gate after the recurrent matrix product (true, Keras 3 and cuDNN) or before.</param>
    /// <param name="seed">Seed of the dropout masks.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public GRUCell(
        int units,
        ActivationFunction? activation = null,
        ActivationFunction? recurrentActivation = null,
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
        bool resetAfter = true,
        int? seed = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(name, trainable, dtype)
    {
        Units = RnnSupport.Units(units, nameof(GRUCell), Name);
        Activation = activation ?? Activations.Tanh;
        RecurrentActivation = recurrentActivation ?? Activations.Sigmoid;
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
        Dropout = RnnSupport.Rate(dropout, nameof(GRUCell), Name, nameof(dropout));
        RecurrentDropout = RnnSupport.Rate(recurrentDropout, nameof(GRUCell), Name, nameof(recurrentDropout));
        ResetAfter = resetAfter;
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
    public Regularizer? KernelRegularizer { get; }
    public Regularizer? RecurrentRegularizer { get; }
    public Regularizer? BiasRegularizer { get; }
    public Constraint? KernelConstraint { get; }
    public Constraint? RecurrentConstraint { get; }
    public Constraint? BiasConstraint { get; }
    public double Dropout { get; }
    public double RecurrentDropout { get; }
    public bool ResetAfter { get; }
    public int? Seed { get; }

    /// <summary>The kernel (input_dim, 3·units); null before build.</summary>
    public Variable? Kernel => _kernel;

    /// <summary>The recurrent kernel (units, 3·units); null before build.</summary>
    public Variable? RecurrentKernel => _recurrentKernel;

    /// <summary>The bias: (2, 3·units) with <see cref="ResetAfter"/>, else (3·units,); null before build or without bias.</summary>
    public Variable? Bias => _bias;

    /// <inheritdoc />
    public IReadOnlyList<int> StateSize => [Units];

    /// <inheritdoc />
    public int OutputSize => Units;

    private int MaskCount => RecurrentDropout != 0.0 ? 3 : 1;

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        int inputDim = inputShape[-1];
        if (inputDim == Shape.Unknown)
            throw new ArgumentException($"GRUCell \"{Name}\": the last dimension of the input must be known; got {inputShape}.");
        _kernel = AddWeight("kernel", new Shape(inputDim, 3 * Units), KernelInitializer, regularizer: KernelRegularizer, constraint: KernelConstraint);
        _recurrentKernel = AddWeight("recurrent_kernel", new Shape(Units, 3 * Units), RecurrentInitializer, regularizer: RecurrentRegularizer, constraint: RecurrentConstraint);
        if (UseBias)
            _bias = AddWeight("bias", ResetAfter ? new Shape(2, 3 * Units) : new Shape(3 * Units), BiasInitializer,
                regularizer: BiasRegularizer, constraint: BiasConstraint);
    }

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes) => Build(inputShapes[0]);

    private Tensor? InputBias => _bias is null ? null : ResetAfter ? RnnSupport.Row(_bias, 0) : _bias.Value;

    private Tensor? RecurrentBias => _bias is not null && ResetAfter ? RnnSupport.Row(_bias, 1) : null;

    IRnnSequence IRnnCellKernel.Begin(Shape stepInputShape, bool training)
    {
        Tensor[]? inputMasks = null, recurrentMasks = null;
        // Keras applies GRU dropout only in training and for rates strictly between 0 and 1.
        if (training && Dropout > 0 && Dropout < 1)
            inputMasks = RnnSupport.DropoutMasks(stepInputShape, Dropout, MaskCount, _seeds, DType);
        if (training && RecurrentDropout > 0 && RecurrentDropout < 1)
            recurrentMasks = RnnSupport.DropoutMasks(new Shape(stepInputShape[0], Units), RecurrentDropout, 3, _seeds, DType);
        return new Sequence(this, inputMasks, recurrentMasks);
    }

    private sealed class Sequence(GRUCell cell, Tensor[]? inputMasks, Tensor[]? recurrentMasks) : IRnnSequence
    {
        private readonly int _units = cell.Units;

        public Tensor ProjectInputs(Tensor inputs)
        {
            var x = Ops.Cast(inputs, cell.DType);
            var kernel = (Tensor)cell._kernel!;
            var bias = cell.InputBias;
            if (inputMasks is null) return Ops.Dense(x, kernel, bias);
            if (inputMasks.Length == 1) return Ops.Dense(Ops.Multiply(x, RnnSupport.ForInputs(inputMasks[0], x)), kernel, bias);
            // Keras's implementation 1: a separate input mask for each gate.
            var gates = new Tensor[3];
            for (int g = 0; g < 3; g++)
            {
                var xg = Ops.Multiply(x, RnnSupport.ForInputs(inputMasks[g], x));
                gates[g] = Ops.Dense(xg, RnnSupport.Gate(kernel, g, _units), bias is null ? null : RnnSupport.Gate(bias, g, _units));
            }
            return Ops.Concatenate(gates, -1);
        }

        public Tensor[] Step(Tensor projected, IReadOnlyList<Tensor> states)
        {
            int u = _units;
            var h = states[0];
            var rk = (Tensor)cell._recurrentKernel!;
            var xz = RnnSupport.Gate(projected, 0, u);
            var xr = RnnSupport.Gate(projected, 1, u);
            var xh = RnnSupport.Gate(projected, 2, u);
            // The recurrent inputs of the z, r and h gates (the same h without recurrent dropout).
            Tensor H(int g) => recurrentMasks is null ? h : Ops.Multiply(h, recurrentMasks[g]);

            if (cell.ResetAfter)
            {
                var recurrentBias = cell.RecurrentBias;
                Tensor inner;
                if (recurrentMasks is null)
                {
                    inner = Ops.Dense(h, rk, recurrentBias);
                }
                else
                {
                    var parts = new Tensor[3];
                    for (int g = 0; g < 3; g++)
                        parts[g] = Ops.Dense(H(g), RnnSupport.Gate(rk, g, u), recurrentBias is null ? null : RnnSupport.Gate(recurrentBias, g, u));
                    inner = Ops.Concatenate(parts, -1);
                }
                var z = cell.RecurrentActivation.Call(Ops.Add(xz, RnnSupport.Gate(inner, 0, u)));
                var r = cell.RecurrentActivation.Call(Ops.Add(xr, RnnSupport.Gate(inner, 1, u)));
                var hh = cell.Activation.Call(Ops.Add(xh, Ops.Multiply(r, RnnSupport.Gate(inner, 2, u))));
                return Mix(z, h, hh);
            }
            else
            {
                Tensor rz, rr;
                if (recurrentMasks is null)
                {
                    var inner = Ops.MatMul(h, Ops.Slice(rk, 1, 0, 2L * u));
                    rz = RnnSupport.Gate(inner, 0, u);
                    rr = RnnSupport.Gate(inner, 1, u);
                }
                else
                {
                    rz = Ops.MatMul(H(0), RnnSupport.Gate(rk, 0, u));
                    rr = Ops.MatMul(H(1), RnnSupport.Gate(rk, 1, u));
                }
                var z = cell.RecurrentActivation.Call(Ops.Add(xz, rz));
                var r = cell.RecurrentActivation.Call(Ops.Add(xr, rr));
                var hh = cell.Activation.Call(Ops.Add(xh, Ops.MatMul(Ops.Multiply(r, H(2)), RnnSupport.Gate(rk, 2, u))));
                return Mix(z, h, hh);
            }
        }
    }

    private static Tensor[] Mix(Tensor z, Tensor h, Tensor hh)
    {
        // h' = z·h + (1 − z)·ĥ
        var hNew = Ops.Add(Ops.Multiply(z, h), Ops.Multiply(1.0 - z, hh));
        return [hNew, hNew];
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
    public static GRUCell FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(GRUCell));
        var (name, trainable, dtype) = c.LayerArgs();
        return new GRUCell(c.RequiredInt("units"),
            c.Has("activation") ? c.Activation() : null,
            c.Has("recurrent_activation") ? c.Activation("recurrent_activation") : null,
            c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", new GlorotUniform()),
            c.Initializer("recurrent_initializer", new Orthogonal()),
            c.Initializer("bias_initializer", new Zeros()),
            c.Regularizer("kernel_regularizer"), c.Regularizer("recurrent_regularizer"), c.Regularizer("bias_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("recurrent_constraint"), c.Constraint("bias_constraint"),
            c.Double("dropout", 0), c.Double("recurrent_dropout", 0),
            c.Bool("reset_after", true), c.IntOrNull("seed"),
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
        c["reset_after"] = ResetAfter;
        c["seed"] = Seed;
        return c;
    }
}
