using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Group normalization (Keras's <c>GroupNormalization</c>, Wu and He 2018): the channels of <c>axis</c> are
/// split into <c>groups</c> groups, and each sample is normalized per group over the group's channels and
/// all other non-batch axes (variance <c>E[x²] − E[x]²</c>, as Keras's torch backend), then scaled by
/// <c>gamma</c> and shifted by <c>beta</c> per channel (shape <c>(channels,)</c>). <c>groups = -1</c> means
/// one group per channel (instance normalization).
/// </summary>
public sealed class GroupNormalization : Layer
{
    private Variable? _gamma;
    private Variable? _beta;

    /// <summary>Creates the layer.</summary>
    /// <param name="groups">Number of groups (must divide the channels; -1: one per channel). Default 32.</param>
    /// <param name="axis">The channels axis; default -1.</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="center">Whether to add the learned offset <c>beta</c>.</param>
    /// <param name="scale">Whether to multiply by the learned <c>gamma</c>.</param>
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
    public GroupNormalization(int groups = 32, int axis = -1, double epsilon = 1e-3, bool center = true, bool scale = true,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null, Constraint? betaConstraint = null, Constraint? gammaConstraint = null,
        Shape? inputShape = null,
        string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (groups == 0 || groups < -1)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"GroupNormalization \"{Name}\": groups must be a positive integer or -1.");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"GroupNormalization \"{Name}\": epsilon must be positive.");
        Groups = groups;
        Axis = axis;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        BetaInitializer = betaInitializer ?? new Zeros();
        GammaInitializer = gammaInitializer ?? new Ones();
        BetaRegularizer = betaRegularizer;
        GammaRegularizer = gammaRegularizer;
        BetaConstraint = betaConstraint;
        GammaConstraint = gammaConstraint;
        SupportsMasking = true;
    }

    /// <summary>The number of groups (-1, one per channel, is resolved when the layer is built).</summary>
    public int Groups { get; private set; }

    public int Axis { get; }
    public double Epsilon { get; }
    public bool Center { get; }
    public bool Scale { get; }
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
        int a = Axis < 0 ? Axis + inputShape.Rank : Axis;
        if (a <= 0 || a >= inputShape.Rank)
            throw new ArgumentException($"GroupNormalization \"{Name}\": axis {Axis} is out of range (or the batch axis) for input shape {inputShape}.");
        int dim = inputShape[a];
        if (dim == Shape.Unknown)
            throw new ArgumentException($"GroupNormalization \"{Name}\": axis {Axis} of input tensor should have a defined dimension but the layer received an input with shape {inputShape}.");
        if (Groups == -1) Groups = dim;
        if (dim < Groups)
            throw new ArgumentException($"GroupNormalization \"{Name}\": number of groups ({Groups}) cannot be more than the number of channels ({dim}).");
        if (dim % Groups != 0)
            throw new ArgumentException($"GroupNormalization \"{Name}\": number of groups ({Groups}) must be a multiple of the number of channels ({dim}).");
        InputSpec = new InputSpec(rank: inputShape.Rank, axes: new Dictionary<int, int> { [Axis] = dim });
        if (Scale) _gamma = AddWeight("gamma", new Shape(dim), GammaInitializer, regularizer: GammaRegularizer, constraint: GammaConstraint);
        if (Center) _beta = AddWeight("beta", new Shape(dim), BetaInitializer, regularizer: BetaRegularizer, constraint: BetaConstraint);
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (!x.DType.IsFloating()) x = Ops.Cast(x, DType);
        var shape = x.Shape;
        int rank = shape.Rank;
        int a = Axis < 0 ? Axis + rank : Axis;
        int channels = shape[a];
        // (batch, …, groups, channels / groups, …)
        var grouped = new List<long>();
        for (int i = 0; i < rank; i++)
        {
            if (i == a)
            {
                grouped.Add(Groups);
                grouped.Add(channels / Groups);
            }
            else grouped.Add(shape[i]);
        }
        var reshaped = Ops.Reshape(x, grouped.ToArray());
        var reductionAxes = Enumerable.Range(1, rank).Where(i => i != a).ToArray();
        var (mean, variance) = Ops.Moments(reshaped, reductionAxes, keepDims: true);
        var broadcast = Enumerable.Repeat(1L, rank + 1).ToArray();
        broadcast[a] = Groups;
        broadcast[a + 1] = channels / Groups;
        var inv = Ops.Power(Ops.Add(variance, Epsilon), -0.5);
        if (_gamma is not null) inv = Ops.Multiply(inv, Ops.Cast(Ops.Reshape(_gamma, broadcast), reshaped.DType));
        var res = Ops.Multiply(Ops.Negative(mean), inv);
        if (_beta is not null) res = Ops.Add(res, Ops.Cast(Ops.Reshape(_beta, broadcast), reshaped.DType));
        var normalized = Ops.Add(Ops.Multiply(reshaped, inv), res);
        return Ops.Reshape(normalized, shape.ToLongArray());
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static GroupNormalization FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(GroupNormalization));
        var (name, trainable, dtype) = c.LayerArgs();
        return new GroupNormalization(c.Int("groups", 32), c.Int("axis", -1), c.Double("epsilon", 1e-3), c.Bool("center", true), c.Bool("scale", true),
            c.Initializer("beta_initializer", new Zeros()), c.Initializer("gamma_initializer", new Ones()),
            c.Regularizer("beta_regularizer"), c.Regularizer("gamma_regularizer"), c.Constraint("beta_constraint"), c.Constraint("gamma_constraint"), c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["groups"] = Groups;
        c["axis"] = Axis;
        c["epsilon"] = Epsilon;
        c["center"] = Center;
        c["scale"] = Scale;
        c["beta_initializer"] = Serialization.Initializer(BetaInitializer);
        c["gamma_initializer"] = Serialization.Initializer(GammaInitializer);
        c["beta_regularizer"] = RegularizationConfig.Serialize(BetaRegularizer);
        c["gamma_regularizer"] = RegularizationConfig.Serialize(GammaRegularizer);
        c["beta_constraint"] = RegularizationConfig.Serialize(BetaConstraint);
        c["gamma_constraint"] = RegularizationConfig.Serialize(GammaConstraint);
        return c;
    }
}
