using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// The locally-connected layer shared by <see cref="LocallyConnected1D"/> and <see cref="LocallyConnected2D"/>
/// (Keras 2's <c>LocallyConnected*</c>, removed from Keras 3, kept here so Keras 2 models load): a
/// convolution whose weights are not shared — every output position has its own filter bank.
/// Weights in Keras 2's <c>implementation=1</c> layout: kernel
/// <c>(output_positions, prod(kernel_size) × input_channels, filters)</c>, each patch flattened in the
/// input's axis order ((k…, channels) for channels_last, (channels, k…) for channels_first); bias
/// <c>output_spatial_shape + (filters,)</c>. Only <c>valid</c> padding, as implementation 1 allows.
/// </summary>
public abstract class BaseLocallyConnected : Layer
{
    private Variable? _kernel;
    private Variable? _bias;

    /// <summary>Creates the layer (see the concrete classes for the arguments).</summary>
    private protected BaseLocallyConnected(int rank, int filters, Shape kernelSize, Shape? strides, string padding, string? dataFormat,
        ActivationFunction? activation, bool useBias, Initializer? kernelInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? biasRegularizer, Regularizer? activityRegularizer, Constraint? kernelConstraint,
        Constraint? biasConstraint, int implementation, Shape? inputShape, string? name, bool trainable, DType dtype)
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
        if (implementation != 1)
            throw new NotSupportedException(
                $"{label}: implementation={implementation} is not supported; only implementation=1 (Keras 2's default, with the " +
                "kernel (output_positions, prod(kernel_size) × channels, filters)) is. Re-save the Keras 2 model with implementation=1.");
        Filters = filters;
        KernelSize = ConvLayerArgs.Tuple(kernelSize, rank, "kernel_size", label);
        Strides = ConvLayerArgs.Tuple(strides, rank, "strides", label);
        Padding = ConvLayerArgs.Padding(padding, false, label);
        if (Padding != "valid")
            throw new ArgumentException($"{label}: invalid border mode (only \"valid\" is supported if implementation is 1): {padding}.", nameof(padding));
        DataFormat = ConvLayerArgs.DataFormat(dataFormat, label);
        Activation = activation ?? Activations.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        Implementation = implementation;
        InputSpec = new InputSpec(rank: rank + 2);
    }

    /// <summary>The number of spatial dimensions (1 or 2).</summary>
    public int ConvRank { get; }

    public int Filters { get; }
    public IReadOnlyList<int> KernelSize { get; }
    public IReadOnlyList<int> Strides { get; }
    /// <summary>Always <c>valid</c>.</summary>
    public string Padding { get; }
    /// <summary><c>channels_last</c> or <c>channels_first</c>.</summary>
    public string DataFormat { get; }
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
    /// <summary>Keras 2's weight layout; always 1.</summary>
    public int Implementation { get; }

    /// <summary>The kernel, (output_positions, prod(kernel_size) × input_channels, filters).</summary>
    public Variable? Kernel => _kernel;

    /// <summary>The bias, output_spatial_shape + (filters,).</summary>
    public Variable? Bias => _bias;

    /// <summary>The output spatial shape, known after build.</summary>
    public IReadOnlyList<int>? OutputSpatialShape { get; private set; }

    private bool ChannelsLast => DataFormat == "channels_last";

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        var label = $"{GetType().Name} \"{Name}\"";
        int channelAxis = ChannelsLast ? -1 : 1;
        int inputChannel = inputShape[channelAxis];
        var spatial = Enumerable.Range(0, ConvRank).Select(i => inputShape[(ChannelsLast ? 1 : 2) + i]).ToArray();
        if (inputChannel == Shape.Unknown || spatial.Any(d => d == Shape.Unknown))
            throw new ArgumentException($"{label}: the spatial and channel dimensions of the inputs must be fully defined; got input shape {inputShape}.");
        var output = spatial.Select((n, i) => ConvMath.OutputLength(n, KernelSize[i], Strides[i], "valid")).ToArray();
        if (output.Any(d => d <= 0))
            throw new ArgumentException(
                $"{label}: one of the dimensions in the output is <= 0 due to downsampling. Consider increasing the input size. " +
                $"Received input shape {inputShape} which would produce output shape with a zero or negative value in a dimension.");
        OutputSpatialShape = output;
        int positions = output.Aggregate(1, (a, b) => a * b);
        int features = KernelSize.Aggregate(1, (a, b) => a * b) * inputChannel;
        InputSpec = new InputSpec(rank: ConvRank + 2, axes: new Dictionary<int, int> { [channelAxis] = inputChannel });
        _kernel = AddWeight("kernel", new Shape(positions, features, Filters), KernelInitializer,
            regularizer: KernelRegularizer, constraint: KernelConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape([.. output, Filters]), BiasInitializer, regularizer: BiasRegularizer, constraint: BiasConstraint);
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var y = Ops.LocalConv(Ops.Cast(inputs, DType), _kernel!, [.. KernelSize], [.. Strides], DataFormat);
        if (_bias is not null)
        {
            // Keras 2's bias_add: channels_last adds bias (o…, filters) as is; channels_first *reshapes*
            // it (not transposes) to (1, filters, o…), and that is what trained weights expect.
            var b = _bias.Shape.ToLongArray();
            long[] shape = ChannelsLast ? [1, .. b] : [1, b[^1], .. b[..^1]];
            y = Ops.Add(y, Ops.Reshape(_bias, shape));
        }
        return Activation.IsLinear ? y : Activation.Call(y);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        var spatial = Enumerable.Range(0, ConvRank)
            .Select(i => ConvMath.OutputLength(inputShape[(ChannelsLast ? 1 : 2) + i], KernelSize[i], Strides[i], "valid")).ToArray();
        return ChannelsLast ? new Shape([inputShape[0], .. spatial, Filters]) : new Shape([inputShape[0], Filters, .. spatial]);
    }

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
        c["activation"] = Activation.Name;
        c["use_bias"] = UseBias;
        c["kernel_initializer"] = Serialization.Initializer(KernelInitializer);
        c["bias_initializer"] = Serialization.Initializer(BiasInitializer);
        c["kernel_regularizer"] = RegularizationConfig.Serialize(KernelRegularizer);
        c["bias_regularizer"] = RegularizationConfig.Serialize(BiasRegularizer);
        c["activity_regularizer"] = RegularizationConfig.Serialize(ActivityRegularizer);
        c["kernel_constraint"] = RegularizationConfig.Serialize(KernelConstraint);
        c["bias_constraint"] = RegularizationConfig.Serialize(BiasConstraint);
        c["implementation"] = Implementation;
        return c;
    }

    private protected sealed record LocallyConnectedConfigArgs(string? Name, bool Trainable, DType DType, int Filters, Shape KernelSize,
        Shape? Strides, string Padding, string? DataFormat, ActivationFunction Activation, bool UseBias, Initializer KernelInitializer,
        Initializer BiasInitializer, Regularizer? KernelRegularizer, Regularizer? BiasRegularizer, Regularizer? ActivityRegularizer,
        Constraint? KernelConstraint, Constraint? BiasConstraint, int Implementation, Shape? InputShape);

    /// <summary>Reads a Keras 2 locally-connected config.</summary>
    private protected static LocallyConnectedConfigArgs ReadConfig(JsonObject config, string owner, int rank)
    {
        var c = new ConfigReader(config, owner);
        var (name, trainable, dtype) = c.LayerArgs();
        return new LocallyConnectedConfigArgs(name, trainable, dtype, c.RequiredInt("filters"),
            ConvLayerArgs.ReadTuple(c, "kernel_size", rank) ?? throw new FormatException($"{owner} config: 'kernel_size' is missing."),
            ConvLayerArgs.ReadTuple(c, "strides", rank), c.String("padding") ?? "valid", c.String("data_format"), c.Activation(),
            c.Bool("use_bias", true), c.Initializer("kernel_initializer", new GlorotUniform()), c.Initializer("bias_initializer", new Zeros()),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"), c.Int("implementation", 1), c.InputShape());
    }
}
