using System.Text.Json.Nodes;

namespace Keras.Optimizers;

/// <summary>
/// Adam (Keras's <c>Adam</c>; defaults lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7), with
/// Keras's formula: <c>alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)</c>,
/// <c>m += (g - m)(1 - beta1)</c>, <c>v += (g² - v)(1 - beta2)</c>, <c>w -= alpha * m / (sqrt(v) + epsilon)</c>.
/// </summary>
public class Adam : Optimizer
{
    private Variable[] _m = [];
    private Variable[] _v = [];
    private Variable[] _vHat = [];
    private Variable[] _denominators = [];

    /// <summary>Creates the optimizer.</summary>
    public Adam(LearningRateOrSchedule? learningRate = null, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false,
        double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, string? name = null,
        bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
        : base(learningRate ?? 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, name ?? "adam", useEma, emaMomentum, emaOverwriteFrequency)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        Amsgrad = amsgrad;
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    public bool Amsgrad { get; }

    /// <inheritdoc />
    protected override void BuildState(IReadOnlyList<Variable> variables)
    {
        _m = variables.Select(v => AddVariableLike(v, "momentum")).ToArray();
        _v = variables.Select(v => AddVariableLike(v, "velocity")).ToArray();
        if (Amsgrad) _vHat = variables.Select(v => AddVariableLike(v, "velocity_hat")).ToArray();
        _denominators = variables.Select(WorkBufferLike).ToArray();
    }

    /// <inheritdoc />
    protected override void UpdateStep(Tensor gradient, Variable variable, double learningRate)
    {
        int i = IndexOf(variable);
        double t = Iterations + 1;
        double alpha = learningRate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t));
        var m = _m[i];
        var v = _v[i];
        m.ScaleAdd(Beta1, gradient, 1 - Beta1);
        v.ScaleAdd(Beta2);
        v.AddProduct(gradient, gradient, 1 - Beta2);
        Tensor vUsed = v;
        if (Amsgrad)
        {
            _vHat[i].Assign(Ops.Maximum(_vHat[i], v));
            vUsed = _vHat[i];
        }
        var denominator = _denominators[i];
        denominator.AssignSqrt(vUsed);
        denominator.AssignAdd(Epsilon);
        variable.AddQuotient(m, denominator, -alpha);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["beta_1"] = Beta1;
        c["beta_2"] = Beta2;
        c["epsilon"] = Epsilon;
        c["amsgrad"] = Amsgrad;
        return c;
    }
}

/// <summary>Adam with decoupled weight decay (Keras's <c>AdamW</c>; default weight decay 0.004).</summary>
public sealed class AdamW(LearningRateOrSchedule? learningRate = null, double weightDecay = 0.004, double beta1 = 0.9, double beta2 = 0.999,
    double epsilon = 1e-7, bool amsgrad = false, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, string? name = null,
    bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
    : Adam(learningRate ?? 0.001, beta1, beta2, epsilon, amsgrad, weightDecay, clipnorm, clipvalue, globalClipnorm, name ?? "adamw",
        useEma, emaMomentum, emaOverwriteFrequency);
