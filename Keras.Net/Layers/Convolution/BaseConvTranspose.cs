using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// The transposed convolution layer shared by <see cref="Conv1DTranspose"/>, <see cref="Conv2DTranspose"/>
/// and <see cref="Conv3DTranspose"/> (Keras's <c>BaseConvTranspose</c>, sometimes called deconvolution):
/// the gradient of a convolution with respect to its input, mapping a map of size n to one of size
/// about n × stride. Kernel <c>kernel_size + (filters, input_channels)</c>, bias <c>(filters,)</c>.
/// </summary>
/// <remarks>
/// Output size along each spatial axis (k the dilated kernel size, s the stride), as Keras computes it:
/// <c>valid</c>: <c>(n - 1)·s + k + output_padding</c>, output_padding defaulting to <c>max(k, s) - k</c>;
/// <c>same</c>: <c>n·s</c>, or <c>(n - 1)·s + k % 2 + output_padding</c> when output_padding is given.
/// Values follow TensorFlow and JAX (the padding of the equivalent forward convolution may differ
/// left and right, which torch's own arguments cannot always express; it is applied exactly here).
/// </remarks>
public abstract class BaseConvTranspose : Layer
{
    private Variable? _kernel;
    private Variable? _bias;

    /// <summary>Creates the layer (see the concrete classes for the arguments).</summary>
    private protected BaseConvTranspose(int rank, int filters, Shape kernelSize, Shape? strides, string padding, Shape? outputPadding,
        string? dataFormat, Shape? dilationRate, ActivationFunction? activation, bool useBias, Initializer? kernelInitializer,
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
        Filters = filters;
        KernelSize = ConvLayerArgs.Tuple(kernelSize, rank, "kernel_size", label);
        Strides = ConvLayerArgs.Tuple(strides, rank, "strides", label);
        DilationRate = ConvLayerArgs.Tuple(dilationRate, rank, "dilation_rate", label);
        Padding = ConvLayerArgs.Padding(padding, false, label);
        OutputPadding = outputPadding is null ? null : ConvLayerArgs.Tuple(outputPadding, rank, "output_padding", label, allowZero: true);
        if (OutputPadding is not null)
        {
            for (int i = 0; i < rank; i++)
            {
                if (OutputPadding[i] >= Strides[i])
                    throw new ArgumentException(
                        $"{label}: `output_padding` must be < `strides`. output_padding=({string.Join(", ", OutputPadding)}), strides=({string.Join(", ", Strides)}).",
                        nameof(outputPadding));
            }
        }
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
    /// <summary><c>valid</c> or <c>same</c>.</summary>
    public string Padding { get; }
    /// <summary>Extra size at the end of each spatial axis (each &lt; its stride); null lets Keras's default decide.</summary>
    public IReadOnlyList<int>? OutputPadding { get; }
    /// <summary><c>channels_last</c> or <c>channels_first</c>.</summary>
    public string DataFormat { get; }
    public IReadOnlyList<int> DilationRate { get; }
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

    /// <summary>The kernel, shape <c>kernel_size + (filters, input_channels)</c>; null before build.</summary>
    public Variable? Kernel => _kernel;

    /// <summary>The bias, shape (filters,).</summary>
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
        _kernel = AddWeight("kernel", new Shape([.. KernelSize, Filters, inputChannel]), KernelInitializer,
            regularizer: KernelRegularizer, constraint: KernelConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), BiasInitializer, regularizer: BiasRegularizer, constraint: BiasConstraint);
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var y = Ops.ConvTranspose(Ops.Cast(inputs, DType), _kernel!, [.. Strides], Padding, OutputPadding?.ToArray(), DataFormat, [.. DilationRate]);
        if (_bias is not null) y = ConvLayerArgs.AddBias(y, _bias, ConvRank, ChannelsLast);
        return Activation.IsLinear ? y : Activation.Call(y);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        var spatial = new int[ConvRank];
        for (int i = 0; i < ConvRank; i++)
        {
            int n = ChannelsLast ? inputShape[1 + i] : inputShape[2 + i];
            spatial[i] = ConvMath.TransposeOutputLength(n, KernelSize[i], Strides[i], Padding, OutputPadding?[i], DilationRate[i]);
        }
        return ChannelsLast
            ? new Shape([inputShape[0], .. spatial, Filters])
            : new Shape([inputShape[0], Filters, .. spatial]);
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
        c["output_padding"] = OutputPadding is null ? null : ConvLayerArgs.Json(OutputPadding);
        c["data_format"] = DataFormat;
        c["dilation_rate"] = ConvLayerArgs.Json(DilationRate);
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

    private protected sealed record TransposeConfigArgs(string? Name, bool Trainable, DType DType, int Filters, Shape KernelSize, Shape? Strides,
        string Padding, Shape? OutputPadding, string? DataFormat, Shape? DilationRate, ActivationFunction Activation, bool UseBias,
        Initializer KernelInitializer, Initializer BiasInitializer, Regularizer? KernelRegularizer, Regularizer? BiasRegularizer,
        Regularizer? ActivityRegularizer, Constraint? KernelConstraint, Constraint? BiasConstraint, Shape? InputShape);

    /// <summary>Reads a transposed-convolution config (Keras 3 or 2).</summary>
    private protected static TransposeConfigArgs ReadConfig(JsonObject config, string owner, int rank)
    {
        var c = new ConfigReader(config, owner);
        var (name, trainable, dtype) = c.LayerArgs();
        if (c.Int("groups", 1) != 1)
            throw new FormatException($"{owner} config: grouped transposed convolutions (groups={c.Int("groups", 1)}) are not supported by Keras.");
        return new TransposeConfigArgs(name, trainable, dtype, c.RequiredInt("filters"),
            ConvLayerArgs.ReadTuple(c, "kernel_size", rank) ?? throw new FormatException($"{owner} config: 'kernel_size' is missing."),
            ConvLayerArgs.ReadTuple(c, "strides", rank), c.String("padding") ?? "valid", ConvLayerArgs.ReadTuple(c, "output_padding", rank),
            c.String("data_format"), ConvLayerArgs.ReadTuple(c, "dilation_rate", rank), c.Activation(), c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", new GlorotUniform()), c.Initializer("bias_initializer", new Zeros()),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"), c.InputShape());
    }
}
