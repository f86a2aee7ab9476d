using System.Text.Json.Nodes;

namespace Keras.Optimizers;

/// <summary>
/// LAMB, layer-wise adaptive moments (Keras's <c>Lamb</c>; defaults lr 0.001, beta1 0.9, beta2 0.999,
/// epsilon 1e-7): the bias-corrected Adam direction <c>r = m_hat / (sqrt(v_hat) + epsilon)</c> is scaled by
/// the trust ratio <c>||w|| / ||r||</c> (1 when either norm is 0): <c>w -= ratio lr r</c>.
/// </summary>
public sealed class Lamb : Optimizer
{
    private Variable[] _m = [];
    private Variable[] _v = [];

    /// <summary>Creates the optimizer.</summary>
    public Lamb(LearningRateOrSchedule? learningRate = null, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7,
        double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, string? name = null,
        bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
        : base(learningRate ?? 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, name ?? "lamb", useEma, emaMomentum, emaOverwriteFrequency)
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
        _v = new Variable[variables.Count];
        for (int i = 0; i < variables.Count; i++)
        {
            _m[i] = AddVariableLike(variables[i], "momentum");
            _v[i] = AddVariableLike(variables[i], "velocity");
        }
    }

    /// <inheritdoc />
    protected override void UpdateStep(Tensor gradient, Variable variable, double learningRate)
    {
        int i = IndexOf(variable);
        double t = Iterations + 1;
        var m = _m[i];
        var v = _v[i];
        m.ScaleAdd(Beta1, gradient, 1 - Beta1);
        v.ScaleAdd(Beta2);
        v.AddProduct(gradient, gradient, 1 - Beta2);
        var mHat = Ops.Multiply(m, 1.0 / (1 - Math.Pow(Beta1, t)));
        var vSqrt = Ops.Add(Ops.Sqrt(Ops.Multiply(v, 1.0 / (1 - Math.Pow(Beta2, t)))), Epsilon);
        var update = Ops.Divide(mHat, vSqrt);
        var wNorm = Ops.Sqrt(Ops.Sum(Ops.Square(variable)));
        var gNorm = Ops.Sqrt(Ops.Sum(Ops.Square(update)));
        var zero = Ops.Scalar(0, wNorm.DType);
        var one = Ops.Scalar(1, wNorm.DType);
        var ratio = Ops.Where(Ops.Greater(wNorm, zero), Ops.Where(Ops.Greater(gNorm, zero), Ops.Divide(wNorm, gNorm), one), one);
        variable.ScaleAdd(1.0, Ops.Multiply(ratio, update), -learningRate);
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
