using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Layer normalization (Keras's <c>LayerNormalization</c>, Ba et al. 2016): each sample is normalized over
/// <c>axis</c> (mean and biased variance), <c>(x − mean) / sqrt(var + epsilon) · gamma + beta</c>, with
/// <c>gamma</c> and <c>beta</c> of the shape of those axes. Trailing axes use libtorch's fused kernel, as
/// Keras's torch backend does. <c>rms_scaling</c> is Keras's deprecated option: scale by
/// <c>rsqrt(var + epsilon)</c> without centering, then by gamma (no beta).
/// </summary>
public sealed class LayerNormalization : Layer
{
    private Variable? _gamma;
    private Variable? _beta;
    private readonly int[] _axis;
    private readonly bool _axisIsList;

    /// <summary>Creates the layer normalizing over one axis.</summary>
    public LayerNormalization(int axis = -1, double epsilon = 1e-3, bool center = true, bool scale = true, bool rmsScaling = false,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null, Constraint? betaConstraint = null, Constraint? gammaConstraint = null,
        Shape? inputShape = null,
        string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : this([axis], false, epsilon, center, scale, rmsScaling, betaInitializer, gammaInitializer,
            betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint, inputShape, name, trainable, dtype)
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The axes to normalize over (negative counts from the end).</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="center">Whether to add the learned offset <c>beta</c>.</param>
    /// <param name="scale">Whether to multiply by the learned <c>gamma</c>.</param>
    /// <param name="rmsScaling">Keras's deprecated RMS option (see the class summary).</param>
    /// <param name="betaInitializer">Initializer of beta (default zeros).</param>
    /// <param name="gammaInitializer">Initializer of gamma (default ones).</param>
    /// <param name="betaRegularizer">Penalty on beta added to the loss.</param>
    /// <param name="gammaRegularizer">Penalty on gamma added to the loss.</param>
    /// <param name="betaConstraint">Projection of beta after each update.</param>
    /// <param name="gammaConstraint">Projection of gamma after each update.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public LayerNormalization(int[] axis, double epsilon = 1e-3, bool center = true, bool scale = true, bool rmsScaling = false,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null, Constraint? betaConstraint = null, Constraint? gammaConstraint = null,
        Shape? inputShape = null,
        string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : this(axis, true, epsilon, center, scale, rmsScaling, betaInitializer, gammaInitializer,
            betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint, inputShape, name, trainable, dtype)
    {
    }

    private LayerNormalization(int[] axis, bool axisIsList, double epsilon, bool center, bool scale, bool rmsScaling,
        Initializer? betaInitializer, Initializer? gammaInitializer, Regularizer? betaRegularizer, Regularizer? gammaRegularizer,
        Constraint? betaConstraint, Constraint? gammaConstraint, Shape? inputShape, string? name, bool trainable, DType dtype)
        : base(name, trainable, dtype, inputShape)
    {
        ArgumentNullException.ThrowIfNull(axis);
        if (axis.Length == 0) throw new ArgumentException($"LayerNormalization \"{Name}\": axis must name at least one axis.", nameof(axis));
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"LayerNormalization \"{Name}\": epsilon must be positive.");
        _axis = (int[])axis.Clone();
        _axisIsList = axisIsList;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        RmsScaling = rmsScaling;
        BetaInitializer = betaInitializer ?? new Zeros();
        GammaInitializer = gammaInitializer ?? new Ones();
        BetaRegularizer = betaRegularizer;
        GammaRegularizer = gammaRegularizer;
        BetaConstraint = betaConstraint;
        GammaConstraint = gammaConstraint;
        SupportsMasking = true;
    }

    /// <summary>The axes normalized over, as given.</summary>
    public IReadOnlyList<int> Axis => _axis;

    public double Epsilon { get; }
    public bool Center { get; }
    public bool Scale { get; }
    public bool RmsScaling { get; }
    public Initializer BetaInitializer { get; }
    public Initializer GammaInitializer { get; }
    public Regularizer? BetaRegularizer { get; }
    public Regularizer? GammaRegularizer { get; }
    public Constraint? BetaConstraint { get; }
    public Constraint? GammaConstraint { get; }
    public Variable? Gamma => _gamma;
    public Variable? Beta => _beta;

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        CheckAxes(inputShape);
        var shape = new Shape(_axis.Select(a => inputShape[a]).ToArray());
        if (!shape.IsFullyDefined)
            throw new ArgumentException($"LayerNormalization \"{Name}\": the normalized axes ({string.Join(", ", _axis)}) of the input must have known sizes; got input shape {inputShape}.");
        if (Scale || RmsScaling) _gamma = AddWeight("gamma", shape, GammaInitializer, regularizer: GammaRegularizer, constraint: GammaConstraint);
        if (Center && !RmsScaling) _beta = AddWeight("beta", shape, BetaInitializer, regularizer: BetaRegularizer, constraint: BetaConstraint);
    }

    private void CheckAxes(Shape inputShape)
    {
        foreach (var a in _axis)
        {
            if (a >= inputShape.Rank || a < -inputShape.Rank)
                throw new ArgumentException($"LayerNormalization \"{Name}\": axis {a} is out of bounds for input shape {inputShape}. Received: axis=[{string.Join(", ", _axis)}].");
        }
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (!x.DType.IsFloating()) x = Ops.Cast(x, DType);
        var y = Ops.LayerNormalization(x, _gamma?.Value, _beta?.Value, _axis, Epsilon, RmsScaling);
        return Ops.Cast(y, DType);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        CheckAxes(inputShape);
        return inputShape;
    }

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static LayerNormalization FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(LayerNormalization));
        var (name, trainable, dtype) = c.LayerArgs();
        var axisNode = c.Node("axis");
        var axes = c.Ints("axis", repeat: 1) ?? [-1];
        return new LayerNormalization(axes, axisNode is not null && ConfigReader.Items(axisNode) is not null, c.Double("epsilon", 1e-3),
            c.Bool("center", true), c.Bool("scale", true), c.Bool("rms_scaling", false),
            c.Initializer("beta_initializer", new Zeros()), c.Initializer("gamma_initializer", new Ones()),
            c.Regularizer("beta_regularizer"), c.Regularizer("gamma_regularizer"), c.Constraint("beta_constraint"), c.Constraint("gamma_constraint"), c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        // Keras turns an int axis into a list when the layer is built.
        c["axis"] = _axisIsList || Built ? new JsonArray(_axis.Select(a => (JsonNode)a).ToArray()) : _axis[0];
        c["epsilon"] = Epsilon;
        c["center"] = Center;
        c["scale"] = Scale;
        c["rms_scaling"] = RmsScaling;
        c["beta_initializer"] = Serialization.Initializer(BetaInitializer);
        c["gamma_initializer"] = Serialization.Initializer(GammaInitializer);
        c["beta_regularizer"] = RegularizationConfig.Serialize(BetaRegularizer);
        c["gamma_regularizer"] = RegularizationConfig.Serialize(GammaRegularizer);
        c["beta_constraint"] = RegularizationConfig.Serialize(BetaConstraint);
        c["gamma_constraint"] = RegularizationConfig.Serialize(GammaConstraint);
        return c;
    }
}
