using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// The separable convolution layer shared by <see cref="SeparableConv1D"/> and <see cref="SeparableConv2D"/>
/// (Keras's <c>BaseSeparableConv</c>): a depthwise convolution (each input channel with its own
/// <c>depth_multiplier</c> filters) followed by a pointwise (1×…×1) convolution to <c>filters</c> channels.
/// Weights, in Keras's order: <c>depthwise_kernel</c> <c>kernel_size + (input_channels, depth_multiplier)</c>,
/// <c>pointwise_kernel</c> <c>(1,)·rank + (input_channels × depth_multiplier, filters)</c>, <c>bias</c> <c>(filters,)</c>.
/// </summary>
public abstract class BaseSeparableConv : Layer
{
    private Variable? _depthwise;
    private Variable? _pointwise;
    private Variable? _bias;

    /// <summary>Creates the layer (see the concrete classes for the arguments).</summary>
    private protected BaseSeparableConv(int rank, int depthMultiplier, int filters, Shape kernelSize, Shape? strides, string padding,
        string? dataFormat, Shape? dilationRate, ActivationFunction? activation, bool useBias, Initializer? depthwiseInitializer,
        Initializer? pointwiseInitializer, Initializer? biasInitializer, Regularizer? depthwiseRegularizer, Regularizer? pointwiseRegularizer,
        Regularizer? biasRegularizer, Regularizer? activityRegularizer, Constraint? depthwiseConstraint, Constraint? pointwiseConstraint,
        Constraint? biasConstraint, Shape? inputShape, string? name, bool trainable, DType dtype)
        : base(name, trainable, dtype, inputShape)
    {
        DepthwiseRegularizer = depthwiseRegularizer;
        PointwiseRegularizer = pointwiseRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
        DepthwiseConstraint = depthwiseConstraint;
        PointwiseConstraint = pointwiseConstraint;
        BiasConstraint = biasConstraint;
        var label = $"{GetType().Name} \"{Name}\"";
        ConvRank = rank;
        if (depthMultiplier <= 0)
            throw new ArgumentOutOfRangeException(nameof(depthMultiplier), depthMultiplier, $"{label}: invalid value for argument `depth_multiplier`; expected a strictly positive value.");
        if (filters <= 0)
            throw new ArgumentOutOfRangeException(nameof(filters), filters, $"{label}: invalid value for argument `filters`; expected a strictly positive value.");
        DepthMultiplier = depthMultiplier;
        Filters = filters;
        KernelSize = ConvLayerArgs.Tuple(kernelSize, rank, "kernel_size", label);
        Strides = ConvLayerArgs.Tuple(strides, rank, "strides", label);
        DilationRate = ConvLayerArgs.Tuple(dilationRate, rank, "dilation_rate", label);
        Padding = ConvLayerArgs.Padding(padding, false, label);
        DataFormat = ConvLayerArgs.DataFormat(dataFormat, label);
        ConvLayerArgs.CheckStridesAndDilation(Strides, DilationRate, label);
        Activation = activation ?? Activations.Linear;
        UseBias = useBias;
        DepthwiseInitializer = depthwiseInitializer ?? new GlorotUniform();
        PointwiseInitializer = pointwiseInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        InputSpec = new InputSpec(rank: rank + 2);
    }

    /// <summary>The number of spatial dimensions (1 or 2).</summary>
    public int ConvRank { get; }

    public int DepthMultiplier { get; }
    public int Filters { get; }
    public IReadOnlyList<int> KernelSize { get; }
    public IReadOnlyList<int> Strides { get; }
    /// <summary><c>valid</c> or <c>same</c>.</summary>
    public string Padding { get; }
    /// <summary><c>channels_last</c> or <c>channels_first</c>.</summary>
    public string DataFormat { get; }
    public IReadOnlyList<int> DilationRate { get; }
    public ActivationFunction Activation { get; }
    public bool UseBias { get; }
    public Initializer DepthwiseInitializer { get; }
    public Initializer PointwiseInitializer { get; }
    public Initializer BiasInitializer { get; }
    /// <summary>Penalty on the depthwise kernel added to the loss.</summary>
    public Regularizer? DepthwiseRegularizer { get; }
    /// <summary>Penalty on the pointwise kernel added to the loss.</summary>
    public Regularizer? PointwiseRegularizer { get; }
    /// <summary>Penalty on the bias added to the loss.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>Projection of the depthwise kernel after each optimizer update.</summary>
    public Constraint? DepthwiseConstraint { get; }
    /// <summary>Projection of the pointwise kernel after each optimizer update.</summary>
    public Constraint? PointwiseConstraint { get; }
    /// <summary>Projection of the bias after each optimizer update.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>The depthwise kernel, <c>kernel_size + (input_channels, depth_multiplier)</c>.</summary>
    public Variable? DepthwiseKernel => _depthwise;

    /// <summary>The pointwise kernel, <c>(1,)·rank + (input_channels × depth_multiplier, filters)</c>.</summary>
    public Variable? PointwiseKernel => _pointwise;

    /// <summary>The bias, (filters,).</summary>
    public Variable? Bias => _bias;

    private bool ChannelsLast => DataFormat == "channels_last";

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        int channelAxis = ChannelsLast ? -1 : 1;
        int inputChannel = inputShape[channelAxis];
        if (inputChannel == Shape.Unknown)
            throw new ArgumentException($"{GetType().Name} \"{Name}\": the channel dimension of the inputs must be known; got input shape {inputShape}.");
        InputSpec = new InputSpec(rank: ConvRank + 2, axes: new Dictionary<int, int> { [channelAxis] = inputChannel });
        ComputeOutputShape(inputShape);
        _depthwise = AddWeight("depthwise_kernel", new Shape([.. KernelSize, inputChannel, DepthMultiplier]), DepthwiseInitializer,
            regularizer: DepthwiseRegularizer, constraint: DepthwiseConstraint);
        _pointwise = AddWeight("pointwise_kernel", new Shape([.. Enumerable.Repeat(1, ConvRank), inputChannel * DepthMultiplier, Filters]), PointwiseInitializer,
            regularizer: PointwiseRegularizer, constraint: PointwiseConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), BiasInitializer, regularizer: BiasRegularizer, constraint: BiasConstraint);
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var y = Ops.SeparableConv(Ops.Cast(inputs, DType), _depthwise!, _pointwise!, [.. Strides], Padding, DataFormat, [.. DilationRate], _bias?.Value);
        return Activation.IsLinear ? y : Activation.Call(y);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) =>
        ConvMath.ConvOutputShape(inputShape, Filters, [.. KernelSize], [.. Strides], Padding, ChannelsLast, [.. DilationRate]);

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["depth_multiplier"] = DepthMultiplier;
        c["filters"] = Filters;
        c["kernel_size"] = ConvLayerArgs.Json(KernelSize);
        c["strides"] = ConvLayerArgs.Json(Strides);
        c["padding"] = Padding;
        c["data_format"] = DataFormat;
        c["dilation_rate"] = ConvLayerArgs.Json(DilationRate);
        c["activation"] = Activation.Name;
        c["use_bias"] = UseBias;
        c["depthwise_initializer"] = Serialization.Initializer(DepthwiseInitializer);
        c["pointwise_initializer"] = Serialization.Initializer(PointwiseInitializer);
        c["bias_initializer"] = Serialization.Initializer(BiasInitializer);
        c["depthwise_regularizer"] = RegularizationConfig.Serialize(DepthwiseRegularizer);
        c["pointwise_regularizer"] = RegularizationConfig.Serialize(PointwiseRegularizer);
        c["bias_regularizer"] = RegularizationConfig.Serialize(BiasRegularizer);
        c["activity_regularizer"] = RegularizationConfig.Serialize(ActivityRegularizer);
        c["depthwise_constraint"] = RegularizationConfig.Serialize(DepthwiseConstraint);
        c["pointwise_constraint"] = RegularizationConfig.Serialize(PointwiseConstraint);
        c["bias_constraint"] = RegularizationConfig.Serialize(BiasConstraint);
        return c;
    }

    private protected sealed record SeparableConfigArgs(string? Name, bool Trainable, DType DType, int DepthMultiplier, int Filters,
        Shape KernelSize, Shape? Strides, string Padding, string? DataFormat, Shape? DilationRate, ActivationFunction Activation,
        bool UseBias, Initializer DepthwiseInitializer, Initializer PointwiseInitializer, Initializer BiasInitializer,
        Regularizer? DepthwiseRegularizer, Regularizer? PointwiseRegularizer, Regularizer? BiasRegularizer, Regularizer? ActivityRegularizer,
        Constraint? DepthwiseConstraint, Constraint? PointwiseConstraint, Constraint? BiasConstraint, Shape? InputShape);

    /// <summary>Reads a separable config (Keras 3 or 2).</summary>
    private protected static SeparableConfigArgs ReadConfig(JsonObject config, string owner, int rank)
    {
        var c = new ConfigReader(config, owner);
        var (name, trainable, dtype) = c.LayerArgs();
        return new SeparableConfigArgs(name, trainable, dtype, c.Int("depth_multiplier", 1), c.RequiredInt("filters"),
            ConvLayerArgs.ReadTuple(c, "kernel_size", rank) ?? throw new FormatException($"{owner} config: 'kernel_size' is missing."),
            ConvLayerArgs.ReadTuple(c, "strides", rank), c.String("padding") ?? "valid", c.String("data_format"),
            ConvLayerArgs.ReadTuple(c, "dilation_rate", rank), c.Activation(), c.Bool("use_bias", true),
            c.Initializer("depthwise_initializer", new GlorotUniform()), c.Initializer("pointwise_initializer", new GlorotUniform()),
            c.Initializer("bias_initializer", new Zeros()),
            c.Regularizer("depthwise_regularizer"), c.Regularizer("pointwise_regularizer"), c.Regularizer("bias_regularizer"),
            c.Regularizer("activity_regularizer"), c.Constraint("depthwise_constraint"), c.Constraint("pointwise_constraint"),
            c.Constraint("bias_constraint"), c.InputShape());
    }
}
