using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// The convolutional LSTM shared by <see cref="ConvLSTM1D"/>, <see cref="ConvLSTM2D"/> and
/// <see cref="ConvLSTM3D"/> (Keras's <c>ConvLSTM</c> with its <c>ConvLSTMCell</c>): an LSTM whose input
/// and recurrent transformations are convolutions. For each step, with gates in Keras's order i, f, c, o:
/// <c>i = σ(x∗Wᵢ + bᵢ + h∗Uᵢ)</c>, <c>f = σ(x∗W_f + b_f + h∗U_f)</c>,
/// <c>c = f·c + i·tanh(x∗W_c + b_c + h∗U_c)</c>, <c>o = σ(x∗W_o + b_o + h∗U_o)</c>, <c>h = o·tanh(c)</c>
/// (σ the recurrent activation, tanh the activation; the input convolution uses the layer's strides,
/// padding and dilation, the recurrent one stride 1 and <c>same</c> padding).
/// Weights, in Keras's order: <c>kernel</c> <c>kernel_size + (input_channels, 4·filters)</c>,
/// <c>recurrent_kernel</c> <c>kernel_size + (filters, 4·filters)</c>, <c>bias</c> <c>(4·filters,)</c>.
/// </summary>
/// <remarks>
/// Inputs are (batch, time, spatial…, channels), or (batch, time, channels, spatial…) for
/// <c>channels_first</c>; optionally followed by the initial states h and c (<c>new Tensors(x, h0, c0)</c>).
/// A mask (batch, time) skips steps: the state is carried over and the output repeats the previous one
/// (zeros with <c>zeroOutputForMask</c>).
/// </remarks>
public abstract class BaseConvLSTM : Layer
{
    private readonly SeedGenerator _seeds;
    private readonly ConvLSTMCell _cell;

    /// <summary>Creates the layer (see the concrete classes for the arguments).</summary>
    private protected BaseConvLSTM(int rank, int filters, Shape kernelSize, Shape? strides, string padding, string? dataFormat,
        Shape? dilationRate, ActivationFunction? activation, ActivationFunction? recurrentActivation, bool useBias,
        Initializer? kernelInitializer, Initializer? recurrentInitializer, Initializer? biasInitializer, bool unitForgetBias,
        Regularizer? kernelRegularizer, Regularizer? recurrentRegularizer, Regularizer? biasRegularizer, Regularizer? activityRegularizer,
        Constraint? kernelConstraint, Constraint? recurrentConstraint, Constraint? biasConstraint,
        double dropout, double recurrentDropout, int? seed, bool returnSequences, bool returnState, bool goBackwards, bool stateful,
        bool unroll, bool zeroOutputForMask, Shape? inputShape, string? name, bool trainable, DType dtype)
        : base(name, trainable, dtype, inputShape)
    {
        var label = $"{GetType().Name} \"{Name}\"";
        if (stateful)
            throw new NotSupportedException($"{label}: stateful=True is not supported.");
        ConvRank = rank;
        if (filters <= 0)
            throw new ArgumentOutOfRangeException(nameof(filters), filters, $"{label}: invalid value for argument `filters`; expected a strictly positive value.");
        Filters = filters;
        KernelSize = ConvLayerArgs.Tuple(kernelSize, rank, "kernel_size", label);
        Strides = ConvLayerArgs.Tuple(strides, rank, "strides", label);
        DilationRate = ConvLayerArgs.Tuple(dilationRate, rank, "dilation_rate", label);
        Padding = ConvLayerArgs.Padding(padding, false, label);
        DataFormat = ConvLayerArgs.DataFormat(dataFormat, label);
        if (Strides.Max() > 1 && DilationRate.Max() > 1)
            throw new ArgumentException(
                $"{label}: specifying `strides > 1` is not compatible with `dilation_rate > 1`. " +
                $"Received: strides=({string.Join(", ", Strides)}) and dilation_rate=({string.Join(", ", DilationRate)}).");
        Activation = activation ?? Activations.Get("tanh");
        RecurrentActivation = recurrentActivation ?? Activations.Get("sigmoid");
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        RecurrentInitializer = recurrentInitializer ?? new Orthogonal();
        BiasInitializer = biasInitializer ?? new Zeros();
        UnitForgetBias = unitForgetBias;
        KernelRegularizer = kernelRegularizer;
        RecurrentRegularizer = recurrentRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
        KernelConstraint = kernelConstraint;
        RecurrentConstraint = recurrentConstraint;
        BiasConstraint = biasConstraint;
        Dropout = Math.Min(1.0, Math.Max(0.0, dropout));
        RecurrentDropout = Math.Min(1.0, Math.Max(0.0, recurrentDropout));
        Seed = seed;
        _seeds = new SeedGenerator(seed);
        ReturnSequences = returnSequences;
        ReturnState = returnState;
        GoBackwards = goBackwards;
        Unroll = unroll;
        ZeroOutputForMask = zeroOutputForMask;
        SupportsMasking = true;
        _sequenceSpec = new InputSpec(rank: rank + 3);
        _cell = Track(new ConvLSTMCell(this, trainable, dtype));
    }

    // The spec of the sequence input only (the initial states that may follow have other shapes).
    private InputSpec _sequenceSpec;

    /// <summary>The number of spatial dimensions of each step (1, 2 or 3).</summary>
    public int ConvRank { get; }

    public int Filters { get; }
    public IReadOnlyList<int> KernelSize { get; }
    public IReadOnlyList<int> Strides { get; }
    /// <summary><c>valid</c> or <c>same</c> (of the input convolution).</summary>
    public string Padding { get; }
    /// <summary><c>channels_last</c> or <c>channels_first</c>.</summary>
    public string DataFormat { get; }
    public IReadOnlyList<int> DilationRate { get; }
    public ActivationFunction Activation { get; }
    public ActivationFunction RecurrentActivation { get; }
    public bool UseBias { get; }
    public Initializer KernelInitializer { get; }
    public Initializer RecurrentInitializer { get; }
    public Initializer BiasInitializer { get; }
    /// <summary>Whether the forget-gate part of the bias starts at one.</summary>
    public bool UnitForgetBias { get; }
    /// <summary>Penalty on <c>kernel</c> added to the loss.</summary>
    public Regularizer? KernelRegularizer { get; }
    /// <summary>Penalty on <c>recurrent_kernel</c> added to the loss.</summary>
    public Regularizer? RecurrentRegularizer { get; }
    /// <summary>Penalty on <c>bias</c> added to the loss.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>Projection of <c>kernel</c> after each optimizer update.</summary>
    public Constraint? KernelConstraint { get; }
    /// <summary>Projection of <c>recurrent_kernel</c> after each optimizer update.</summary>
    public Constraint? RecurrentConstraint { get; }
    /// <summary>Projection of <c>bias</c> after each optimizer update.</summary>
    public Constraint? BiasConstraint { get; }
    public double Dropout { get; }
    public double RecurrentDropout { get; }
    public int? Seed { get; }
    public bool ReturnSequences { get; }
    public bool ReturnState { get; }
    public bool GoBackwards { get; }
    /// <summary>Kept for Keras parity (no numerical effect).</summary>
    public bool Unroll { get; }
    public bool ZeroOutputForMask { get; }

    /// <summary>The cell holding the weights (Keras's <c>conv_lstm_cell</c>).</summary>
    public ConvLSTMCell Cell => _cell;

    /// <summary><c>kernel_size + (input_channels, 4·filters)</c>.</summary>
    public Variable? Kernel => _cell.Kernel;

    /// <summary><c>kernel_size + (filters, 4·filters)</c>.</summary>
    public Variable? RecurrentKernel => _cell.RecurrentKernel;

    /// <summary><c>(4·filters,)</c>.</summary>
    public Variable? Bias => _cell.Bias;

    private bool ChannelsLast => DataFormat == "channels_last";

    internal int ChannelAxisOfStep => ChannelsLast ? ConvRank + 1 : 1;

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes) => Build(inputShapes[0]);

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        var label = $"{GetType().Name} \"{Name}\"";
        if (inputShape.Rank != ConvRank + 3)
            throw new ArgumentException($"{label}: expected inputs of rank {ConvRank + 3} (batch, time, …); got {inputShape}.");
        var step = StepShape(inputShape);
        int inputChannel = step[ChannelAxisOfStep];
        var spatial = SpatialOf(step);
        if (spatial.Any(d => d == Shape.Unknown))
            throw new ArgumentException($"{label}: ConvLSTM layers only support static input shapes for the spatial dimensions; got input shape {inputShape}.");
        if (inputChannel == Shape.Unknown)
            throw new ArgumentException($"{label}: the channel dimension of the inputs should be defined; got input shape {inputShape}.");
        _sequenceSpec = new InputSpec(rank: ConvRank + 3, axes: new Dictionary<int, int> { [ChannelAxisOfStep + 1] = inputChannel });
        StepOutputShape(step);
        _cell.EnsureBuilt([step]);
    }

    internal static Shape StepShape(Shape sequence) => new Shape(sequence[0]).Concat(sequence.Slice(2));

    private int[] SpatialOf(Shape step) => ChannelsLast ? step.Slice(1, -1).ToArray() : step.Slice(2).ToArray();

    /// <summary>The shape of h and c for one step of the given shape.</summary>
    internal Shape StepOutputShape(Shape step) =>
        ConvMath.ConvOutputShape(step, Filters, [.. KernelSize], [.. Strides], Padding, ChannelsLast, [.. DilationRate]);

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        var sequence = inputShapes[0];
        _sequenceSpec.Check(Name, 0, sequence);
        var state = StepOutputShape(StepShape(sequence));
        var output = ReturnSequences ? new Shape(state[0], sequence[1]).Concat(state.Slice(1)) : state;
        return ReturnState ? [output, state, state] : [output];
    }

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <inheritdoc />
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask) =>
        ReturnSequences && mask is not null ? new Tensors(mask[0]) : null;

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        _sequenceSpec.Check(Name, 0, inputs[0].Shape);
        var x = Ops.Cast(inputs[0], DType);
        long batch = x.Shape[0], time = x.Shape[1];
        var stepShape = StepShape(x.Shape);
        var stateShape = StepOutputShape(stepShape);
        int channelAxis = ChannelAxisOfStep;
        var strides = Strides.ToArray();
        var dilation = DilationRate.ToArray();

        Tensor h, c;
        if (inputs.Count >= 3)
        {
            h = Ops.Cast(inputs[1], DType);
            c = Ops.Cast(inputs[2], DType);
            if (h.Shape != stateShape || c.Shape != stateShape)
                throw new ArgumentException($"{GetType().Name} \"{Name}\": the initial states must have shape {stateShape}; got {h.Shape} and {c.Shape}.");
        }
        else if (inputs.Count == 1)
        {
            h = Ops.Zeros(stateShape, DType);
            c = Ops.Zeros(stateShape, DType);
        }
        else
        {
            throw new ArgumentException($"{GetType().Name} \"{Name}\": expected the sequence, optionally followed by the initial states h and c; got {inputs.Count} inputs.");
        }

        // The input convolution of every step at once: (batch · time, step…) → (batch, time, 4·filters maps).
        var folded = Ops.Reshape(x, [batch * time, .. stepShape.Slice(1).ToLongArray()]);
        Tensor[] gateInputs;
        bool inputDropout = training && Dropout > 0 && Dropout < 1;
        if (inputDropout)
        {
            // One mask per gate and sample, the same at every step (Keras's DropoutRNNCell).
            gateInputs = new Tensor[4];
            for (int g = 0; g < 4; g++)
            {
                var m = Ops.Dropout(Ops.Ones(stepShape, DType), Dropout, _seeds.Next());
                var masked = Ops.Multiply(x, Ops.ExpandDims(m, 1));
                var conv = Ops.Conv(Ops.Reshape(masked, [batch * time, .. stepShape.Slice(1).ToLongArray()]), Gate(Kernel!, g),
                    strides, Padding, DataFormat, dilation, Bias is null ? null : Ops.Slice(Bias, 0, g * Filters, Filters));
                gateInputs[g] = Ops.Reshape(conv, [batch, time, .. conv.Shape.Slice(1).ToLongArray()]);
            }
        }
        else
        {
            var conv = Ops.Conv(folded, Kernel!, strides, Padding, DataFormat, dilation, Bias?.Value);
            gateInputs = [Ops.Reshape(conv, [batch, time, .. conv.Shape.Slice(1).ToLongArray()])];
        }

        Tensor[]? recurrentMasks = null;
        if (training && RecurrentDropout > 0 && RecurrentDropout < 1)
        {
            recurrentMasks = new Tensor[4];
            for (int g = 0; g < 4; g++) recurrentMasks[g] = Ops.Dropout(Ops.Ones(stateShape, DType), RecurrentDropout, _seeds.Next());
        }

        var outputs = new List<Tensor>((int)time);
        Tensor? previousOutput = null;
        var maskShape = Enumerable.Repeat(1L, stateShape.Rank).ToArray();
        maskShape[0] = batch;
        for (long s = 0; s < time; s++)
        {
            long t = GoBackwards ? time - 1 - s : s;
            Tensor xi, xf, xc, xo;
            if (gateInputs.Length == 4)
            {
                xi = StepOf(gateInputs[0], t);
                xf = StepOf(gateInputs[1], t);
                xc = StepOf(gateInputs[2], t);
                xo = StepOf(gateInputs[3], t);
            }
            else
            {
                var all = StepOf(gateInputs[0], t);
                xi = Ops.Slice(all, channelAxis, 0, Filters);
                xf = Ops.Slice(all, channelAxis, Filters, Filters);
                xc = Ops.Slice(all, channelAxis, 2 * Filters, Filters);
                xo = Ops.Slice(all, channelAxis, 3 * Filters, Filters);
            }

            Tensor hi, hf, hc, ho;
            if (recurrentMasks is not null)
            {
                hi = RecurrentConv(Ops.Multiply(h, recurrentMasks[0]), Gate(RecurrentKernel!, 0));
                hf = RecurrentConv(Ops.Multiply(h, recurrentMasks[1]), Gate(RecurrentKernel!, 1));
                hc = RecurrentConv(Ops.Multiply(h, recurrentMasks[2]), Gate(RecurrentKernel!, 2));
                ho = RecurrentConv(Ops.Multiply(h, recurrentMasks[3]), Gate(RecurrentKernel!, 3));
            }
            else
            {
                var all = RecurrentConv(h, RecurrentKernel!);
                hi = Ops.Slice(all, channelAxis, 0, Filters);
                hf = Ops.Slice(all, channelAxis, Filters, Filters);
                hc = Ops.Slice(all, channelAxis, 2 * Filters, Filters);
                ho = Ops.Slice(all, channelAxis, 3 * Filters, Filters);
            }

            var i = RecurrentActivation.Call(Ops.Add(xi, hi));
            var f = RecurrentActivation.Call(Ops.Add(xf, hf));
            var cNew = Ops.Add(Ops.Multiply(f, c), Ops.Multiply(i, Activation.Call(Ops.Add(xc, hc))));
            var o = RecurrentActivation.Call(Ops.Add(xo, ho));
            var hNew = Ops.Multiply(o, Activation.Call(cNew));

            Tensor output;
            if (mask is not null)
            {
                var stepMask = Ops.Reshape(Ops.Cast(Ops.Slice(mask[0], 1, t, 1), DType.Bool), maskShape);
                previousOutput ??= Ops.ZerosLike(hNew);
                output = Ops.Where(stepMask, hNew, ZeroOutputForMask ? Ops.ZerosLike(hNew) : previousOutput);
                h = Ops.Where(stepMask, hNew, h);
                c = Ops.Where(stepMask, cNew, c);
                previousOutput = output;
            }
            else
            {
                output = hNew;
                h = hNew;
                c = cNew;
            }
            if (ReturnSequences) outputs.Add(output);
            else previousOutput = output;
        }

        Tensor result = ReturnSequences
            ? (outputs.Count > 0 ? Ops.Stack(outputs, 1) : Ops.Zeros(new Shape(stateShape[0], 0).Concat(stateShape.Slice(1)), DType))
            : previousOutput ?? h;
        return ReturnState ? new Tensors(result, h, c) : new Tensors(result);
    }

    private Tensor StepOf(Tensor sequence, long t) => Ops.Squeeze(Ops.Slice(sequence, 1, t, 1), 1);

    private Tensor Gate(Tensor kernel, int g) => Ops.Slice(kernel, kernel.Rank - 1, g * Filters, Filters);

    internal Tensor RecurrentConv(Tensor h, Tensor kernel) => Ops.Conv(h, kernel, null, "same", DataFormat, null);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["return_sequences"] = ReturnSequences;
        c["return_state"] = ReturnState;
        c["go_backwards"] = GoBackwards;
        c["stateful"] = false;
        c["unroll"] = Unroll;
        c["zero_output_for_mask"] = ZeroOutputForMask;
        c["filters"] = Filters;
        c["kernel_size"] = ConvLayerArgs.Json(KernelSize);
        c["strides"] = ConvLayerArgs.Json(Strides);
        c["padding"] = Padding;
        c["data_format"] = DataFormat;
        c["dilation_rate"] = ConvLayerArgs.Json(DilationRate);
        c["activation"] = Activation.Name;
        c["recurrent_activation"] = RecurrentActivation.Name;
        c["use_bias"] = UseBias;
        c["kernel_initializer"] = Serialization.Initializer(KernelInitializer);
        c["recurrent_initializer"] = Serialization.Initializer(RecurrentInitializer);
        c["bias_initializer"] = Serialization.Initializer(BiasInitializer);
        c["unit_forget_bias"] = UnitForgetBias;
        c["kernel_regularizer"] = RegularizationConfig.Serialize(KernelRegularizer);
        c["recurrent_regularizer"] = RegularizationConfig.Serialize(RecurrentRegularizer);
        c["bias_regularizer"] = RegularizationConfig.Serialize(BiasRegularizer);
        c["activity_regularizer"] = RegularizationConfig.Serialize(ActivityRegularizer);
        c["kernel_constraint"] = RegularizationConfig.Serialize(KernelConstraint);
        c["recurrent_constraint"] = RegularizationConfig.Serialize(RecurrentConstraint);
        c["bias_constraint"] = RegularizationConfig.Serialize(BiasConstraint);
        c["dropout"] = Dropout;
        c["recurrent_dropout"] = RecurrentDropout;
        c["seed"] = Seed;
        return c;
    }

    private protected sealed record ConvLSTMConfigArgs(string? Name, bool Trainable, DType DType, int Filters, Shape KernelSize, Shape? Strides,
        string Padding, string? DataFormat, Shape? DilationRate, ActivationFunction Activation, ActivationFunction RecurrentActivation,
        bool UseBias, Initializer KernelInitializer, Initializer RecurrentInitializer, Initializer BiasInitializer, bool UnitForgetBias,
        Regularizer? KernelRegularizer, Regularizer? RecurrentRegularizer, Regularizer? BiasRegularizer, Regularizer? ActivityRegularizer,
        Constraint? KernelConstraint, Constraint? RecurrentConstraint, Constraint? BiasConstraint,
        double Dropout, double RecurrentDropout, int? Seed, bool ReturnSequences, bool ReturnState, bool GoBackwards, bool Stateful,
        bool Unroll, bool ZeroOutputForMask, Shape? InputShape);

    /// <summary>Reads a ConvLSTM config (Keras 3, or Keras 2's with the same keys).</summary>
    private protected static ConvLSTMConfigArgs ReadConfig(JsonObject config, string owner, int rank)
    {
        var c = new ConfigReader(config, owner);
        var (name, trainable, dtype) = c.LayerArgs();
        return new ConvLSTMConfigArgs(name, trainable, dtype, c.RequiredInt("filters"),
            ConvLayerArgs.ReadTuple(c, "kernel_size", rank) ?? throw new FormatException($"{owner} config: 'kernel_size' is missing."),
            ConvLayerArgs.ReadTuple(c, "strides", rank), c.String("padding") ?? "valid", c.String("data_format"),
            ConvLayerArgs.ReadTuple(c, "dilation_rate", rank),
            c.Has("activation") ? c.Activation() : Activations.Get("tanh"),
            c.Has("recurrent_activation") ? c.Activation("recurrent_activation") : Activations.Get("sigmoid"),
            c.Bool("use_bias", true), c.Initializer("kernel_initializer", new GlorotUniform()),
            c.Initializer("recurrent_initializer", new Orthogonal()), c.Initializer("bias_initializer", new Zeros()),
            c.Bool("unit_forget_bias", true),
            c.Regularizer("kernel_regularizer"), c.Regularizer("recurrent_regularizer"), c.Regularizer("bias_regularizer"),
            c.Regularizer("activity_regularizer"), c.Constraint("kernel_constraint"), c.Constraint("recurrent_constraint"),
            c.Constraint("bias_constraint"),
            c.Double("dropout", 0), c.Double("recurrent_dropout", 0), c.IntOrNull("seed"),
            c.Bool("return_sequences", false), c.Bool("return_state", false), c.Bool("go_backwards", false), c.Bool("stateful", false),
            c.Bool("unroll", false), c.Bool("zero_output_for_mask", false), c.InputShape());
    }

    /// <summary>Keras's unit-forget-bias initializer: <c>[init(filters), ones(filters), init(2·filters)]</c>.</summary>
    internal sealed class UnitForgetBiasInitializer(Initializer inner, int filters) : Initializer
    {
        public override Tensor Call(Shape shape, DType dtype = DType.Float32) => Ops.Concatenate(
        [
            inner.Call(new Shape(filters), dtype),
            Ops.Ones(new Shape(filters), dtype),
            inner.Call(new Shape(2 * filters), dtype),
        ], 0);

        public override string ClassName => inner.ClassName;

        public override JsonObject GetConfig() => inner.GetConfig();
    }
}

/// <summary>
/// The cell of a <see cref="BaseConvLSTM"/> layer (Keras's <c>ConvLSTMCell</c>, named
/// <c>conv_lstm_cell</c>): it owns <c>kernel</c>, <c>recurrent_kernel</c> and <c>bias</c> and computes one
/// step. Its arguments are those of the layer that created it.
/// </summary>
public sealed class ConvLSTMCell : Layer
{
    // Held as object: a Layer-typed field would make the owner look like a sublayer of its own cell.
    private readonly object _ownerRef;

    internal ConvLSTMCell(BaseConvLSTM owner, bool trainable, DType dtype)
        : base("conv_lstm_cell", trainable, dtype)
    {
        _ownerRef = owner;
    }

    private BaseConvLSTM _owner => (BaseConvLSTM)_ownerRef;

    /// <summary><c>kernel_size + (input_channels, 4·filters)</c>.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary><c>kernel_size + (filters, 4·filters)</c>.</summary>
    public Variable? RecurrentKernel { get; private set; }

    /// <summary><c>(4·filters,)</c>.</summary>
    public Variable? Bias { get; private set; }

    /// <summary>Creates the weights for one step of shape (batch, spatial…, channels) (or channels first).</summary>
    public override void Build(Shape stepShape)
    {
        var o = _owner;
        int inputChannel = stepShape[o.ChannelAxisOfStep];
        int f = o.Filters;
        Kernel = AddCellWeight("kernel", new Shape([.. o.KernelSize, inputChannel, 4 * f]), o.KernelInitializer, o.KernelRegularizer, o.KernelConstraint);
        RecurrentKernel = AddCellWeight("recurrent_kernel", new Shape([.. o.KernelSize, f, 4 * f]), o.RecurrentInitializer,
            o.RecurrentRegularizer, o.RecurrentConstraint);
        if (o.UseBias)
            Bias = AddCellWeight("bias", new Shape(4 * f), o.UnitForgetBias ? new BaseConvLSTM.UnitForgetBiasInitializer(o.BiasInitializer, f) : o.BiasInitializer,
                o.BiasRegularizer, o.BiasConstraint);
    }

    // Keras's variable paths: "<layer>/conv_lstm_cell/<weight>".
    private Variable AddCellWeight(string name, Shape shape, Initializer initializer, Regularizer? regularizer, Constraint? constraint)
    {
        var v = AddWeight(name, shape, initializer, regularizer: regularizer, constraint: constraint);
        v.Path = $"{_owner.Name}/{Name}/{name}";
        return v;
    }

    /// <summary>One step: inputs (x_t, h, c) → (h, h, c), without dropout.</summary>
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var o = _owner;
        int axis = o.ChannelAxisOfStep;
        int f = o.Filters;
        var x = Ops.Conv(Ops.Cast(inputs[0], DType), Kernel!, [.. o.Strides], o.Padding, o.DataFormat, [.. o.DilationRate], Bias?.Value);
        var z = Ops.Add(x, o.RecurrentConv(inputs[1], RecurrentKernel!));
        var i = o.RecurrentActivation.Call(Ops.Slice(z, axis, 0, f));
        var fg = o.RecurrentActivation.Call(Ops.Slice(z, axis, f, f));
        var c = Ops.Add(Ops.Multiply(fg, inputs[2]), Ops.Multiply(i, o.Activation.Call(Ops.Slice(z, axis, 2 * f, f))));
        var og = o.RecurrentActivation.Call(Ops.Slice(z, axis, 3 * f, f));
        var h = Ops.Multiply(og, o.Activation.Call(c));
        return new Tensors(h, h, c);
    }

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        var state = _owner.StepOutputShape(inputShapes[0]);
        return [state, state, state];
    }
}
