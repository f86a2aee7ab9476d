using System.Text.Json.Nodes;

namespace Keras.Optimizers;

/// <summary>
/// Adamax, Adam with the infinity norm (Keras's <c>Adamax</c>; defaults lr 0.001, beta1 0.9, beta2 0.999,
/// epsilon 1e-7): <c>m += (g - m)(1 - beta1)</c>, <c>u = max(beta2 u, |g|)</c>,
/// <c>w -= lr m / ((1 - beta1^t)(u + epsilon))</c>.
/// </summary>
public sealed class Adamax : Optimizer
{
    private Variable[] _m = [];
    private Variable[] _u = [];

    /// <summary>Creates the optimizer.</summary>
    public Adamax(LearningRateOrSchedule? learningRate = null, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7,
        double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, string? name = null,
        bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
        : base(learningRate ?? 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, name ?? "adamax", useEma, emaMomentum, emaOverwriteFrequency)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }

    /// <inheritdoc />
    protected override void BuildState(IReadOnlyList<Variable> variables)
    {
        _m = new Variable[variables.Count];
        _u = new Variable[variables.Count];
        for (int i = 0; i < variables.Count; i++)
        {
            _m[i] = AddVariableLike(variables[i], "momentum");
            _u[i] = AddVariableLike(variables[i], "norm");
        }
    }

    /// <inheritdoc />
    protected override void UpdateStep(Tensor gradient, Variable variable, double learningRate)
    {
        int i = IndexOf(variable);
        double t = Iterations + 1;
        var m = _m[i];
        var u = _u[i];
        m.ScaleAdd(Beta1, gradient, 1 - Beta1);
        u.Assign(Ops.Maximum(Ops.Multiply(u, Beta2), Ops.Abs(gradient)));
        variable.AddQuotient(m, Ops.Multiply(Ops.Add(u, Epsilon), 1 - Math.Pow(Beta1, t)), -learningRate);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["beta_1"] = Beta1;
        c["beta_2"] = Beta2;
        c["epsilon"] = Epsilon;
        return c;
    }
}
