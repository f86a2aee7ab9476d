using System.Text.Json.Nodes;

namespace Keras.Optimizers;

/// <summary>
/// Adagrad (Keras's <c>Adagrad</c>; defaults lr 0.001, initial accumulator value 0.1, epsilon 1e-7):
/// <c>a += g²</c>, <c>w -= lr g / sqrt(a + epsilon)</c>.
/// </summary>
public sealed class Adagrad : Optimizer
{
    private Variable[] _accumulators = [];

    /// <summary>Creates the optimizer; <paramref name="initialAccumulatorValue"/> must be &gt;= 0.</summary>
    public Adagrad(LearningRateOrSchedule? learningRate = null, double initialAccumulatorValue = 0.1, double epsilon = 1e-7,
        double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, string? name = null,
        bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
        : base(learningRate ?? 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, name ?? "adagrad", useEma, emaMomentum, emaOverwriteFrequency)
    {
        if (initialAccumulatorValue < 0 || !double.IsFinite(initialAccumulatorValue))
            throw new ArgumentOutOfRangeException(nameof(initialAccumulatorValue), initialAccumulatorValue, "Adagrad: initialAccumulatorValue must be >= 0.");
        InitialAccumulatorValue = initialAccumulatorValue;
        Epsilon = epsilon;
    }

    public double InitialAccumulatorValue { get; }
    public double Epsilon { get; }

    /// <inheritdoc />
    protected override void BuildState(IReadOnlyList<Variable> variables) =>
        _accumulators = variables.Select(v => AddVariableLike(v, "accumulator", InitialAccumulatorValue)).ToArray();

    /// <inheritdoc />
    protected override void UpdateStep(Tensor gradient, Variable variable, double learningRate)
    {
        var a = _accumulators[IndexOf(variable)];
        a.AddProduct(gradient, gradient, 1.0);
        variable.AddQuotient(gradient, Ops.Sqrt(Ops.Add(a, Epsilon)), -learningRate);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["initial_accumulator_value"] = InitialAccumulatorValue;
        c["epsilon"] = Epsilon;
        return c;
    }
}
