using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// The depthwise convolution layer shared by <see cref="DepthwiseConv1D"/> and <see cref="DepthwiseConv2D"/>
/// (Keras's <c>BaseDepthwiseConv</c>): each input channel is convolved with its own
/// <c>depth_multiplier</c> filters. Kernel <c>kernel_size + (input_channels, depth_multiplier)</c>,
/// bias <c>(input_channels × depth_multiplier,)</c>; output channel <c>c × depth_multiplier + m</c>.
/// </summary>
public abstract class BaseDepthwiseConv : Layer
{
    private Variable? _kernel;
    private Variable? _bias;

    /// <summary>Creates the layer (see the concrete classes for the arguments).</summary>
    private protected BaseDepthwiseConv(int rank, int depthMultiplier, Shape kernelSize, Shape? strides, string padding, string? dataFormat,
        Shape? dilationRate, ActivationFunction? activation, bool useBias, Initializer? depthwiseInitializer, Initializer? biasInitializer,
        Regularizer? depthwiseRegularizer, Regularizer? biasRegularizer, Regularizer? activityRegularizer, Constraint? depthwiseConstraint,
        Constraint? biasConstraint, Shape? inputShape, string? name, bool trainable, DType dtype)
        : base(name, trainable, dtype, inputShape)
    {
        DepthwiseRegularizer = depthwiseRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
        DepthwiseConstraint = depthwiseConstraint;
        BiasConstraint = biasConstraint;
        var label = $"{GetType().Name} \"{Name}\"";
        ConvRank = rank;
        if (depthMultiplier <= 0)
            throw new ArgumentOutOfRangeException(nameof(depthMultiplier), depthMultiplier, $"{label}: invalid value for argument `depth_multiplier`; expected a strictly positive value.");
        DepthMultiplier = depthMultiplier;
        KernelSize = ConvLayerArgs.Tuple(kernelSize, rank, "kernel_size", label);
        Strides = ConvLayerArgs.Tuple(strides, rank, "strides", label);
        DilationRate = ConvLayerArgs.Tuple(dilationRate, rank, "dilation_rate", label);
        Padding = ConvLayerArgs.Padding(padding, false, label);
        DataFormat = ConvLayerArgs.DataFormat(dataFormat, label);
        ConvLayerArgs.CheckStridesAndDilation(Strides, DilationRate, label);
        Activation = activation ?? Activations.Linear;
        UseBias = useBias;
        DepthwiseInitializer = depthwiseInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        InputSpec = new InputSpec(rank: rank + 2);
    }

    /// <summary>The number of spatial dimensions (1 or 2).</summary>
    public int ConvRank { get; }

    public int DepthMultiplier { get; }
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
    public Initializer BiasInitializer { get; }
    /// <summary>Penalty on the depthwise kernel added to the loss.</summary>
    public Regularizer? DepthwiseRegularizer { get; }
    /// <summary>Penalty on the bias added to the loss.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>Projection of the depthwise kernel after each optimizer update.</summary>
    public Constraint? DepthwiseConstraint { get; }
    /// <summary>Projection of the bias after each optimizer update.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>The depthwise kernel (Keras 3 names it <c>kernel</c>), shape <c>kernel_size + (input_channels, depth_multiplier)</c>.</summary>
    public Variable? Kernel => _kernel;

    /// <summary>The bias, shape (input_channels × depth_multiplier,).</summary>
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
        _kernel = AddWeight("kernel", new Shape([.. KernelSize, inputChannel, DepthMultiplier]), DepthwiseInitializer,
            regularizer: DepthwiseRegularizer, constraint: DepthwiseConstraint);
        if (UseBias)
            _bias = AddWeight("bias", new Shape(inputChannel * DepthMultiplier), BiasInitializer, regularizer: BiasRegularizer, constraint: BiasConstraint);
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var y = Ops.DepthwiseConv(Ops.Cast(inputs, DType), _kernel!, [.. Strides], Padding, DataFormat, [.. DilationRate], _bias?.Value);
        return Activation.IsLinear ? y : Activation.Call(y);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        int inputChannel = inputShape[ChannelsLast ? -1 : 1];
        return ConvMath.ConvOutputShape(inputShape, inputChannel == Shape.Unknown ? Shape.Unknown : inputChannel * DepthMultiplier,
            [.. KernelSize], [.. Strides], Padding, ChannelsLast, [.. DilationRate]);
    }

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["depth_multiplier"] = DepthMultiplier;
        c["kernel_size"] = ConvLayerArgs.Json(KernelSize);
        c["strides"] = ConvLayerArgs.Json(Strides);
        c["padding"] = Padding;
        c["data_format"] = DataFormat;
        c["dilation_rate"] = ConvLayerArgs.Json(DilationRate);
        c["activation"] = Activation.Name;
        c["use_bias"] = UseBias;
        c["depthwise_initializer"] = Serialization.Initializer(DepthwiseInitializer);
        c["bias_initializer"] = Serialization.Initializer(BiasInitializer);
        c["depthwise_regularizer"] = RegularizationConfig.Serialize(DepthwiseRegularizer);
        c["bias_regularizer"] = RegularizationConfig.Serialize(BiasRegularizer);
        c["activity_regularizer"] = RegularizationConfig.Serialize(ActivityRegularizer);
        c["depthwise_constraint"] = RegularizationConfig.Serialize(DepthwiseConstraint);
        c["bias_constraint"] = RegularizationConfig.Serialize(BiasConstraint);
        return c;
    }

    private protected sealed record DepthwiseConfigArgs(string? Name, bool Trainable, DType DType, int DepthMultiplier, Shape KernelSize,
        Shape? Strides, string Padding, string? DataFormat, Shape? DilationRate, ActivationFunction Activation, bool UseBias,
        Initializer DepthwiseInitializer, Initializer BiasInitializer, Regularizer? DepthwiseRegularizer, Regularizer? BiasRegularizer,
        Regularizer? ActivityRegularizer, Constraint? DepthwiseConstraint, Constraint? BiasConstraint, Shape? InputShape);

    /// <summary>Reads a depthwise config (Keras 3, or Keras 2's with the same keys).</summary>
    private protected static DepthwiseConfigArgs ReadConfig(JsonObject config, string owner, int rank)
    {
        var c = new ConfigReader(config, owner);
        var (name, trainable, dtype) = c.LayerArgs();
        return new DepthwiseConfigArgs(name, trainable, dtype, c.Int("depth_multiplier", 1),
            ConvLayerArgs.ReadTuple(c, "kernel_size", rank) ?? throw new FormatException($"{owner} config: 'kernel_size' is missing."),
            ConvLayerArgs.ReadTuple(c, "strides", rank), c.String("padding") ?? "valid", c.String("data_format"),
            ConvLayerArgs.ReadTuple(c, "dilation_rate", rank), c.Activation(), c.Bool("use_bias", true),
            c.Initializer("depthwise_initializer", new GlorotUniform()), c.Initializer("bias_initializer", new Zeros()),
            c.Regularizer("depthwise_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("depthwise_constraint"), c.Constraint("bias_constraint"), c.InputShape());
    }
}
