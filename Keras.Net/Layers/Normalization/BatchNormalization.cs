using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Batch normalization (Keras's <c>BatchNormalization</c>). In training it normalizes with the batch's
/// mean and variance over every axis but <c>axis</c> (variance <c>E[x²] − E[x]²</c>, as Keras's torch
/// backend) and updates the non-trainable moving statistics:
/// <c>moving = moving · momentum + batch · (1 − momentum)</c>. In inference it uses the moving statistics.
/// Output: <c>(x − mean) · rsqrt(var + epsilon) · gamma + beta</c>. A frozen layer (<c>Trainable = false</c>)
/// always runs in inference mode, as in Keras 3. Keras masks of shape <c>input.shape[:-1]</c> exclude masked
/// steps from the batch statistics. Weights, in Keras's order: gamma, beta (trainable), moving_mean,
/// moving_variance (non-trainable), each of shape <c>(input.shape[axis],)</c>.
/// </summary>
public sealed class BatchNormalization : Layer
{
    private Variable? _gamma;
    private Variable? _beta;
    private Variable? _movingMean;
    private Variable? _movingVariance;
    private int[] _reductionAxes = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The features axis (normalized per entry of it); default -1.</param>
    /// <param name="momentum">Momentum of the moving statistics.</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="center">Whether to add the learned offset <c>beta</c>.</param>
    /// <param name="scale">Whether to multiply by the learned <c>gamma</c>.</param>
    /// <param name="betaInitializer">Initializer of beta (default zeros).</param>
    /// <param name="gammaInitializer">Initializer of gamma (default ones).</param>
    /// <param name="movingMeanInitializer">Initializer of the moving mean (default zeros).</param>
    /// <param name="movingVarianceInitializer">Initializer of the moving variance (default ones).</param>
    /// <param name="betaRegularizer">Penalty on beta added to the loss.</param>
    /// <param name="gammaRegularizer">Penalty on gamma added to the loss.</param>
    /// <param name="betaConstraint">Projection of beta after each update.</param>
    /// <param name="gammaConstraint">Projection of gamma after each update.</param>
    /// <param name="synchronized">Keras's cross-replica option; only false is supported (TensorFlow only in Keras).</param>
    /// <param name="renorm">Batch renormalization; only false is supported.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the layer trains (a frozen layer also runs in inference mode).</param>
    /// <param name="dtype">Weights' dtype.</param>
    public BatchNormalization(
        int axis = -1,
        double momentum = 0.99,
        double epsilon = 1e-3,
        bool center = true,
        bool scale = true,
        Initializer? betaInitializer = null,
        Initializer? gammaInitializer = null,
        Initializer? movingMeanInitializer = null,
        Initializer? movingVarianceInitializer = null,
        Regularizer? betaRegularizer = null,
        Regularizer? gammaRegularizer = null,
        Constraint? betaConstraint = null,
        Constraint? gammaConstraint = null,
        bool synchronized = false,
        bool renorm = false,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (synchronized)
            throw new ArgumentException($"BatchNormalization \"{Name}\": argument synchronized=True is only supported with the TensorFlow backend.", nameof(synchronized));
        if (renorm)
            throw new NotSupportedException($"BatchNormalization \"{Name}\": batch renormalization (renorm=True) is not supported by Keras.Net yet.");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"BatchNormalization \"{Name}\": epsilon must be positive.");
        if (double.IsNaN(momentum)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"BatchNormalization \"{Name}\": momentum must be a number.");
        Axis = axis;
        Momentum = momentum;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        BetaInitializer = betaInitializer ?? new Zeros();
        GammaInitializer = gammaInitializer ?? new Ones();
        MovingMeanInitializer = movingMeanInitializer ?? new Zeros();
        MovingVarianceInitializer = movingVarianceInitializer ?? new Ones();
        BetaRegularizer = betaRegularizer;
        GammaRegularizer = gammaRegularizer;
        BetaConstraint = betaConstraint;
        GammaConstraint = gammaConstraint;
        SupportsMasking = true;
    }

    public int Axis { get; }
    public double Momentum { get; }
    public double Epsilon { get; }
    public bool Center { get; }
    public bool Scale { get; }
    public Initializer BetaInitializer { get; }
    public Initializer GammaInitializer { get; }
    public Initializer MovingMeanInitializer { get; }
    public Initializer MovingVarianceInitializer { get; }
    public Regularizer? BetaRegularizer { get; }
    public Regularizer? GammaRegularizer { get; }
    public Constraint? BetaConstraint { get; }
    public Constraint? GammaConstraint { get; }

    public Variable? Gamma => _gamma;
    public Variable? Beta => _beta;
    public Variable? MovingMean => _movingMean;
    public Variable? MovingVariance => _movingVariance;

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        int rank = inputShape.Rank;
        int a = Axis < 0 ? Axis + rank : Axis;
        if (a < 0 || a >= rank)
            throw new ArgumentException($"BatchNormalization \"{Name}\": axis {Axis} is out of range for input shape {inputShape}.");
        int dim = inputShape[a];
        if (dim == Shape.Unknown)
            throw new ArgumentException($"BatchNormalization \"{Name}\": axis {Axis} of the input must have a known size; got input shape {inputShape}.");
        var shape = new Shape(dim);
        if (Scale) _gamma = AddWeight("gamma", shape, GammaInitializer, regularizer: GammaRegularizer, constraint: GammaConstraint);
        if (Center) _beta = AddWeight("beta", shape, BetaInitializer, regularizer: BetaRegularizer, constraint: BetaConstraint);
        _movingMean = AddWeight("moving_mean", shape, MovingMeanInitializer, trainable: false);
        _movingVariance = AddWeight("moving_variance", shape, MovingVarianceInitializer, trainable: false);
        InputSpec = new InputSpec(rank: rank, axes: new Dictionary<int, int> { [Axis] = dim });
        _reductionAxes = Enumerable.Range(0, rank).Where(i => i != a).ToArray();
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        var inputDType = x.DType;
        if (inputDType is DType.Float16 or DType.BFloat16) x = Ops.Cast(x, DType.Float32);
        else if (!inputDType.IsFloating()) x = Ops.Cast(x, DType);
        Tensor mean, variance;
        if (training && Trainable)
        {
            (mean, variance) = BatchMoments(x, mask is { Count: > 0 } ? mask[0] : x.KerasMask);
            var movingMean = Ops.Cast(_movingMean!.Value, x.DType);
            var movingVariance = Ops.Cast(_movingVariance!.Value, x.DType);
            using (Ops.NoGrad())
            {
                _movingMean.Assign(Ops.Cast(Ops.Add(Ops.Multiply(movingMean, Momentum), Ops.Multiply(Ops.StopGradient(mean), 1.0 - Momentum)), _movingMean.DType));
                _movingVariance.Assign(Ops.Cast(Ops.Add(Ops.Multiply(movingVariance, Momentum), Ops.Multiply(Ops.StopGradient(variance), 1.0 - Momentum)), _movingVariance.DType));
            }
        }
        else
        {
            mean = Ops.Cast(_movingMean!.Value, x.DType);
            variance = Ops.Cast(_movingVariance!.Value, x.DType);
        }
        var y = Ops.BatchNormalization(x, mean, variance, Axis,
            _beta is null ? null : Ops.Cast(_beta.Value, x.DType),
            _gamma is null ? null : Ops.Cast(_gamma.Value, x.DType),
            Epsilon);
        return inputDType is DType.Float16 or DType.BFloat16 ? Ops.Cast(y, inputDType) : y;
    }

    /// <summary>Batch mean and variance per channel; with a mask, Keras's weighted moments over the unmasked steps.</summary>
    private (Tensor Mean, Tensor Variance) BatchMoments(Tensor x, Tensor? mask)
    {
        int channels = x.Shape[Axis];
        if (mask is null)
        {
            var (m, v) = Ops.Moments(x, _reductionAxes);
            return (Ops.Reshape(m, channels), Ops.Reshape(v, channels));
        }
        var weights = Ops.ExpandDims(Ops.Cast(mask, x.DType), -1);
        var weighted = Ops.Multiply(weights, x);
        var sumOfWeights = Ops.Sum(weights, _reductionAxes, keepDims: true);
        var denominator = Ops.Add(sumOfWeights, 1e-7);
        var mean = Ops.Divide(Ops.Sum(weighted, _reductionAxes, keepDims: true), denominator);
        var squared = Ops.Square(Ops.Subtract(weighted, mean));
        var variance = Ops.Divide(Ops.Sum(Ops.Multiply(weights, squared), _reductionAxes, keepDims: true), denominator);
        return (Ops.Reshape(mean, channels), Ops.Reshape(variance, channels));
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static BatchNormalization FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(BatchNormalization));
        var (name, trainable, dtype) = c.LayerArgs();
        foreach (var key in new[] { "renorm_clipping" })
        {
            if (c.Has(key)) throw new NotSupportedException($"BatchNormalization \"{name}\": '{key}' is not supported by Keras.Net yet.");
        }
        if (c.Has("virtual_batch_size") || c.Has("adjustment"))
            throw new NotSupportedException($"BatchNormalization \"{name}\": Keras 2's virtual_batch_size/adjustment are not supported.");
        return new BatchNormalization(c.Int("axis", -1), c.Double("momentum", 0.99), c.Double("epsilon", 1e-3), c.Bool("center", true), c.Bool("scale", true),
            c.Initializer("beta_initializer", new Zeros()), c.Initializer("gamma_initializer", new Ones()),
            c.Initializer("moving_mean_initializer", new Zeros()), c.Initializer("moving_variance_initializer", new Ones()),
            c.Regularizer("beta_regularizer"), c.Regularizer("gamma_regularizer"), c.Constraint("beta_constraint"), c.Constraint("gamma_constraint"),
            c.Bool("synchronized", false), c.Bool("renorm", false), c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = Axis;
        c["momentum"] = Momentum;
        c["epsilon"] = Epsilon;
        c["center"] = Center;
        c["scale"] = Scale;
        c["beta_initializer"] = Serialization.Initializer(BetaInitializer);
        c["gamma_initializer"] = Serialization.Initializer(GammaInitializer);
        c["moving_mean_initializer"] = Serialization.Initializer(MovingMeanInitializer);
        c["moving_variance_initializer"] = Serialization.Initializer(MovingVarianceInitializer);
        c["beta_regularizer"] = RegularizationConfig.Serialize(BetaRegularizer);
        c["gamma_regularizer"] = RegularizationConfig.Serialize(GammaRegularizer);
        c["beta_constraint"] = RegularizationConfig.Serialize(BetaConstraint);
        c["gamma_constraint"] = RegularizationConfig.Serialize(GammaConstraint);
        c["synchronized"] = false;
        c["renorm"] = false;
        c["renorm_clipping"] = null;
        c["renorm_momentum"] = 0.99;
        return c;
    }
}
