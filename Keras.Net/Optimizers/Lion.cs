using System.Text.Json.Nodes;

namespace Keras.Optimizers;

/// <summary>
/// Lion (Keras's <c>Lion</c>; defaults lr 0.001, beta1 0.9, beta2 0.99):
/// <c>w -= lr sign(beta1 m + (1 - beta1) g)</c>, then <c>m = beta2 m + (1 - beta2) g</c>.
/// </summary>
public sealed class Lion : Optimizer
{
    private Variable[] _momenta = [];

    /// <summary>Creates the optimizer; <paramref name="beta1"/> must be in (0, 1].</summary>
    public Lion(LearningRateOrSchedule? learningRate = null, double beta1 = 0.9, double beta2 = 0.99,
        double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, string? name = null,
        bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
        : base(learningRate ?? 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, name ?? "lion", useEma, emaMomentum, emaOverwriteFrequency)
    {
        if (!(beta1 > 0 && beta1 <= 1))
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Lion: beta1 must be in the (0, 1] range; otherwise the optimizer degenerates to SignSGD.");
        Beta1 = beta1;
        Beta2 = beta2;
    }

    public double Beta1 { get; }
    public double Beta2 { get; }

    /// <inheritdoc />
    protected override void BuildState(IReadOnlyList<Variable> variables) =>
        _momenta = variables.Select(v => AddVariableLike(v, "momentum")).ToArray();

    /// <inheritdoc />
    protected override void UpdateStep(Tensor gradient, Variable variable, double learningRate)
    {
        var m = _momenta[IndexOf(variable)];
        var direction = Ops.Sign(Ops.Add(Ops.Multiply(m, Beta1), Ops.Multiply(gradient, 1 - Beta1)));
        variable.ScaleAdd(1.0, direction, -learningRate);
        m.ScaleAdd(Beta2, gradient, 1 - Beta2);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["beta_1"] = Beta1;
        c["beta_2"] = Beta2;
        return c;
    }
}
