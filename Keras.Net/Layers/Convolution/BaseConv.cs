using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Engine;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// The N-D convolution layer shared by <see cref="Conv1D"/>, <see cref="Conv2D"/> and
/// <see cref="Conv3D"/> (Keras's <c>BaseConv</c>): <c>activation(conv(inputs, kernel) + bias)</c>.
/// Kernel shape <c>kernel_size + (input_channels / groups, filters)</c>, bias shape <c>(filters,)</c>.
/// </summary>
public abstract class BaseConv : Layer
{
    private Variable? _kernel;
    private Variable? _bias;

    /// <summary>Creates the layer (see the concrete classes for the arguments).</summary>
    protected BaseConv(int rank, int filters, Shape kernelSize, Shape? strides, string padding, string? dataFormat,
        Shape? dilationRate, int groups, ActivationFunction? activation, bool useBias, Initializer? kernelInitializer,
        Initializer? biasInitializer, Regularizer? kernelRegularizer, Regularizer? biasRegularizer, Regularizer? activityRegularizer,
        Constraint? kernelConstraint, Constraint? biasConstraint, Shape? inputShape, string? name, bool trainable, DType dtype)
        : base(name, trainable, dtype, inputShape)
    {
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
        KernelConstraint = kernelConstraint;
        BiasConstraint = biasConstraint;
        var label = $"{GetType().Name} \"{Name}\"";
        ConvRank = rank;
        if (filters <= 0)
            throw new ArgumentOutOfRangeException(nameof(filters), filters, $"{label}: invalid value for argument `filters`; expected a strictly positive value.");
        if (groups <= 0)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{label}: the number of groups must be a positive integer.");
        if (filters % groups != 0)
            throw new ArgumentException($"{label}: the number of filters must be evenly divisible by the number of groups. Received: groups={groups}, filters={filters}.", nameof(groups));
        Filters = filters;
        Groups = groups;
        KernelSize = ConvLayerArgs.Tuple(kernelSize, rank, "kernel_size", label);
        Strides = ConvLayerArgs.Tuple(strides, rank, "strides", label);
        DilationRate = ConvLayerArgs.Tuple(dilationRate, rank, "dilation_rate", label);
        Padding = ConvLayerArgs.Padding(padding, rank == 1, label);
        DataFormat = ConvLayerArgs.DataFormat(dataFormat, label);
        ConvLayerArgs.CheckStridesAndDilation(Strides, DilationRate, label);
        Activation = activation ?? Activations.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        InputSpec = new InputSpec(rank: rank + 2);
    }

    /// <summary>The number of spatial dimensions (1, 2 or 3).</summary>
    public int ConvRank { get; }

    public int Filters { get; }
    public IReadOnlyList<int> KernelSize { get; }
    public IReadOnlyList<int> Strides { get; }
    /// <summary><c>valid</c>, <c>same</c> or (1-D only) <c>causal</c>.</summary>
    public string Padding { get; }
    /// <summary><c>channels_last</c> or <c>channels_first</c>.</summary>
    public string DataFormat { get; }
    public IReadOnlyList<int> DilationRate { get; }
    public int Groups { get; }
    public ActivationFunction Activation { get; }
    public bool UseBias { get; }
    public Initializer KernelInitializer { get; }
    public Initializer BiasInitializer { get; }
    /// <summary>Penalty on the kernel added to the loss.</summary>
    public Regularizer? KernelRegularizer { get; }
    /// <summary>Penalty on the bias added to the loss.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>Projection of the kernel after each optimizer update.</summary>
    public Constraint? KernelConstraint { get; }
    /// <summary>Projection of the bias after each optimizer update.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>The kernel, shape <c>kernel_size + (input_channels / groups, filters)</c>; null before build.</summary>
    public Variable? Kernel => _kernel;

    /// <summary>The bias, shape (filters,); null before build or without bias.</summary>
    public Variable? Bias => _bias;

    private protected bool ChannelsLast => DataFormat == "channels_last";

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        var label = $"{GetType().Name} \"{Name}\"";
        int channelAxis = ChannelsLast ? -1 : 1;
        int inputChannel = inputShape[channelAxis];
        if (inputChannel == Shape.Unknown)
            throw new ArgumentException($"{label}: the channel dimension of the inputs must be known; got input shape {inputShape}.");
        if (inputChannel % Groups != 0)
            throw new ArgumentException(
                $"{label}: the number of input channels must be evenly divisible by the number of groups. Received groups={Groups}, " +
                $"but the input has {inputChannel} channels (full input shape is {inputShape}).");
        InputSpec = new InputSpec(rank: ConvRank + 2, axes: new Dictionary<int, int> { [channelAxis] = inputChannel });
        ComputeOutputShape(inputShape);
        _kernel = AddWeight("kernel", new Shape([.. KernelSize, inputChannel / Groups, Filters]), KernelInitializer,
            regularizer: KernelRegularizer, constraint: KernelConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), BiasInitializer, regularizer: BiasRegularizer, constraint: BiasConstraint);
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var y = Ops.Conv(Ops.Cast(inputs, DType), _kernel!, [.. Strides], Padding, DataFormat, [.. DilationRate], _bias?.Value);
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
        c["filters"] = Filters;
        c["kernel_size"] = ConvLayerArgs.Json(KernelSize);
        c["strides"] = ConvLayerArgs.Json(Strides);
        c["padding"] = Padding;
        c["data_format"] = DataFormat;
        c["dilation_rate"] = ConvLayerArgs.Json(DilationRate);
        c["groups"] = Groups;
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

    /// <summary>The arguments common to the convolution configs (Keras 3, and Keras 2 without <c>groups</c>).</summary>
    private protected static ConvConfigArgs ReadConfig(JsonObject config, string owner, int rank)
    {
        var c = new ConfigReader(config, owner);
        var (name, trainable, dtype) = c.LayerArgs();
        return new ConvConfigArgs(c, name, trainable, dtype,
            c.RequiredInt("filters"),
            ConvLayerArgs.ReadTuple(c, "kernel_size", rank) ?? throw new FormatException($"{owner} config: 'kernel_size' is missing."),
            ConvLayerArgs.ReadTuple(c, "strides", rank),
            c.String("padding") ?? "valid",
            c.String("data_format"),
            ConvLayerArgs.ReadTuple(c, "dilation_rate", rank),
            c.Int("groups", 1),
            c.Activation(),
            c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", new GlorotUniform()),
            c.Initializer("bias_initializer", new Zeros()),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"),
            c.InputShape());
    }

    private protected sealed record ConvConfigArgs(ConfigReader Reader, string? Name, bool Trainable, DType DType, int Filters, Shape KernelSize,
        Shape? Strides, string Padding, string? DataFormat, Shape? DilationRate, int Groups, ActivationFunction Activation, bool UseBias,
        Initializer KernelInitializer, Initializer BiasInitializer, Regularizer? KernelRegularizer, Regularizer? BiasRegularizer,
        Regularizer? ActivityRegularizer, Constraint? KernelConstraint, Constraint? BiasConstraint, Shape? InputShape);
}

/// <summary>Argument handling shared by the convolution, pooling and locally-connected layers.</summary>
internal static class ConvLayerArgs
{
    public static int[] Tuple(Shape? value, int rank, string name, string label, int fallback = 1, bool allowZero = false)
    {
        try
        {
            return ConvMath.Tuple(value?.ToArray(), rank, name, fallback, allowZero);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{label}: {e.Message}", name, e);
        }
    }

    public static string Padding(string padding, bool allowCausal, string label)
    {
        try
        {
            return ConvMath.Padding(padding, allowCausal);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{label}: {e.Message}", nameof(padding), e);
        }
    }

    public static string DataFormat(string? dataFormat, string label)
    {
        try
        {
            return ConvMath.DataFormat(dataFormat);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{label}: {e.Message}", nameof(dataFormat), e);
        }
    }

    public static void CheckStridesAndDilation(IReadOnlyList<int> strides, IReadOnlyList<int> dilation, string label)
    {
        if (strides.Max() > 1 && dilation.Max() > 1)
            throw new ArgumentException(
                $"{label}: `strides > 1` not supported in conjunction with `dilation_rate > 1`. " +
                $"Received: strides=({string.Join(", ", strides)}) and dilation_rate=({string.Join(", ", dilation)}).");
    }

    /// <summary>Adds a (channels,) bias along the channel axis.</summary>
    public static Tensor AddBias(Tensor y, Tensor bias, int rank, bool channelsLast)
    {
        long n = bias.Shape[0];
        long[] shape = channelsLast
            ? [.. Enumerable.Repeat(1L, rank + 1), n]
            : [1, n, .. Enumerable.Repeat(1L, rank)];
        return Ops.Add(y, Ops.Reshape(bias, shape));
    }

    public static JsonArray Json(IEnumerable<int> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    /// <summary>An int or a tuple from a config, as a shape to be standardized by the layer.</summary>
    public static Shape? ReadTuple(ConfigReader c, string key, int rank) => c.Ints(key, rank) is { } v ? new Shape(v) : null;
}
