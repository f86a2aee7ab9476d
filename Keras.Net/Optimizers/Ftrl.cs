using System.Text.Json.Nodes;

namespace Keras.Optimizers;

/// <summary>
/// FTRL-Proximal, "Follow The Regularized Leader" (Keras's <c>Ftrl</c>; defaults lr 0.001, learning rate power
/// -0.5, initial accumulator value 0.1, no regularization, beta 0). With <c>p = -learningRatePower</c>:
/// <c>n' = n + g²</c>, <c>z += g + 2 l2Shrinkage w - (n'^p - n^p) / lr * w</c>,
/// <c>w = (clip(z, -l1, l1) - z) / (n'^p / lr + 2 (l2 + beta / (2 lr)))</c>, <c>n = n'</c>.
/// </summary>
public sealed class Ftrl : Optimizer
{
    private Variable[] _accumulators = [];
    private Variable[] _linears = [];

    /// <summary>Creates the optimizer; the regularization strengths and the initial accumulator must be &gt;= 0 and the power &lt;= 0.</summary>
    public Ftrl(LearningRateOrSchedule? learningRate = null, double learningRatePower = -0.5, double initialAccumulatorValue = 0.1,
        double l1RegularizationStrength = 0.0, double l2RegularizationStrength = 0.0, double l2ShrinkageRegularizationStrength = 0.0,
        double beta = 0.0,
        double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, string? name = null,
        bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
        : base(learningRate ?? 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, name ?? "ftrl", useEma, emaMomentum, emaOverwriteFrequency)
    {
        static void NonNegative(double value, string name)
        {
            if (!(value >= 0)) throw new ArgumentOutOfRangeException(name, value, $"Ftrl: {name} needs to be positive or zero.");
        }
        NonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue));
        if (!(learningRatePower <= 0))
            throw new ArgumentOutOfRangeException(nameof(learningRatePower), learningRatePower, "Ftrl: learningRatePower needs to be negative or zero.");
        NonNegative(l1RegularizationStrength, nameof(l1RegularizationStrength));
        NonNegative(l2RegularizationStrength, nameof(l2RegularizationStrength));
        NonNegative(l2ShrinkageRegularizationStrength, nameof(l2ShrinkageRegularizationStrength));
        LearningRatePower = learningRatePower;
        InitialAccumulatorValue = initialAccumulatorValue;
        L1RegularizationStrength = l1RegularizationStrength;
        L2RegularizationStrength = l2RegularizationStrength;
        L2ShrinkageRegularizationStrength = l2ShrinkageRegularizationStrength;
        Beta = beta;
    }

    public double LearningRatePower { get; }
    public double InitialAccumulatorValue { get; }
    public double L1RegularizationStrength { get; }
    public double L2RegularizationStrength { get; }
    public double L2ShrinkageRegularizationStrength { get; }
    public double Beta { get; }

    /// <inheritdoc />
    protected override void BuildState(IReadOnlyList<Variable> variables)
    {
        _accumulators = new Variable[variables.Count];
        _linears = new Variable[variables.Count];
        for (int i = 0; i < variables.Count; i++)
        {
            _accumulators[i] = AddVariableLike(variables[i], "accumulator", InitialAccumulatorValue);
            _linears[i] = AddVariableLike(variables[i], "linear");
        }
    }

    /// <inheritdoc />
    protected override void UpdateStep(Tensor gradient, Variable variable, double learningRate)
    {
        int i = IndexOf(variable);
        var accum = _accumulators[i];
        var linear = _linears[i];
        double lr = learningRate;
        double power = -LearningRatePower;
        double l2 = L2RegularizationStrength + Beta / (2.0 * lr);
        var gradToUse = Ops.Add(gradient, Ops.Multiply(variable, 2 * L2ShrinkageRegularizationStrength));
        var newAccum = Ops.Add(accum, Ops.Square(gradient));
        var newPow = Ops.Power(newAccum, power);
        var sigma = Ops.Multiply(Ops.Subtract(newPow, Ops.Power(accum, power)), 1.0 / lr);
        linear.AssignAdd(Ops.Subtract(gradToUse, Ops.Multiply(sigma, variable)));
        var quadratic = Ops.Add(Ops.Multiply(newPow, 1.0 / lr), 2 * l2);
        var clipped = Ops.Clip(linear, -L1RegularizationStrength, L1RegularizationStrength);
        variable.Assign(Ops.Divide(Ops.Subtract(clipped, linear), quadratic));
        accum.Assign(newAccum);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["learning_rate_power"] = LearningRatePower;
        c["initial_accumulator_value"] = InitialAccumulatorValue;
        c["l1_regularization_strength"] = L1RegularizationStrength;
        c["l2_regularization_strength"] = L2RegularizationStrength;
        c["l2_shrinkage_regularization_strength"] = L2ShrinkageRegularizationStrength;
        c["beta"] = Beta;
        return c;
    }
}
