using System.Text.Json.Nodes;

namespace Keras.Optimizers;

/// <summary>
/// Adafactor (Keras's <c>Adafactor</c>; defaults lr 0.001, beta2 decay -0.8, epsilon1 1e-30, epsilon2 1e-3,
/// clip threshold 1, relative step on). For variables of rank 2 or more the second moment is factored
/// over the last two axes (row means <c>r</c>, column means <c>c</c>); smaller variables keep a full one.
/// With <c>t</c> the step, <c>beta2_t = 1 - t^beta2Decay</c>, <c>rho_t = min(lr, 1 / sqrt(t))</c> and
/// <c>alpha_t = max(epsilon2, rms(w)) rho_t</c>: <c>u = g / sqrt(v)</c>, <c>w -= alpha_t u / max(1, rms(u) / clipThreshold)</c>.
/// </summary>
public sealed class Adafactor : Optimizer
{
    private Variable[] _r = [];
    private Variable[] _c = [];
    private Variable[] _v = [];

    /// <summary>Creates the optimizer.</summary>
    public Adafactor(LearningRateOrSchedule? learningRate = null, double beta2Decay = -0.8, double epsilon1 = 1e-30, double epsilon2 = 1e-3,
        double clipThreshold = 1.0, bool relativeStep = true,
        double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, string? name = null,
        bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
        : base(learningRate ?? 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, name ?? "adafactor", useEma, emaMomentum, emaOverwriteFrequency)
    {
        Beta2Decay = beta2Decay;
        Epsilon1 = epsilon1;
        Epsilon2 = epsilon2;
        ClipThreshold = clipThreshold;
        RelativeStep = relativeStep;
    }

    public double Beta2Decay { get; }
    public double Epsilon1 { get; }
    public double Epsilon2 { get; }
    public double ClipThreshold { get; }

    /// <summary>With a fixed learning rate, caps it at <c>1 / sqrt(t)</c> (Keras's <c>relative_step</c>).</summary>
    public bool RelativeStep { get; }

    /// <inheritdoc />
    protected override void BuildState(IReadOnlyList<Variable> variables)
    {
        int n = variables.Count;
        _r = new Variable[n];
        _c = new Variable[n];
        _v = new Variable[n];
        for (int i = 0; i < n; i++)
        {
            var w = variables[i];
            var name = w.Path.Replace('/', '_');
            if (w.Shape.Rank < 2)
            {
                // Keras keeps scalar placeholders for unfactored variables.
                _r[i] = AddVariable(Shape.Scalar, w.DType, name + "_r");
                _c[i] = AddVariable(Shape.Scalar, w.DType, name + "_c");
            }
            else
            {
                _r[i] = AddVariable(w.Shape.Slice(0, -1), w.DType, name + "_r");
                var cDims = new List<long>(w.Shape.Slice(0, -2).ToLongArray()) { w.Shape[-1] };
                _c[i] = AddVariable(new Shape(cDims), w.DType, name + "_c");
            }
            _v[i] = AddVariableLike(w, "velocity");
        }
    }

    private static Tensor Rms(Tensor x) => Ops.Sqrt(Ops.Mean(Ops.Square(x)));

    /// <inheritdoc />
    protected override void UpdateStep(Tensor gradient, Variable variable, double learningRate)
    {
        int i = IndexOf(variable);
        double t = Iterations + 1;
        double lr = learningRate;
        if (LearningRateSchedule is null && RelativeStep) lr = Math.Min(lr, 1 / Math.Sqrt(t));
        double rhoT = Math.Min(lr, 1 / Math.Sqrt(t));
        var alphaT = Ops.Multiply(Ops.Maximum(Rms(variable), Ops.Scalar(Epsilon2, variable.DType)), rhoT);
        var regulated = Ops.Add(Ops.Square(gradient), Epsilon1);
        double beta2T = 1 - Math.Pow(t, Beta2Decay);
        var v = _v[i];
        if (variable.Shape.Rank >= 2)
        {
            var r = _r[i];
            var c = _c[i];
            r.ScaleAdd(beta2T, Ops.Mean(regulated, -1), 1 - beta2T);
            c.ScaleAdd(beta2T, Ops.Mean(regulated, -2), 1 - beta2T);
            v.Assign(Ops.Multiply(
                Ops.ExpandDims(Ops.Divide(r, Ops.Mean(r, -1, keepDims: true)), -1),
                Ops.ExpandDims(c, -2)));
        }
        else
        {
            v.ScaleAdd(beta2T, regulated, 1 - beta2T);
        }
        var u = Ops.Divide(gradient, Ops.Sqrt(v));
        var uHat = Ops.Divide(u, Ops.Maximum(Ops.Scalar(1.0, u.DType), Ops.Multiply(Rms(u), 1.0 / ClipThreshold)));
        variable.AssignSub(Ops.Multiply(alphaT, uHat));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["beta_2_decay"] = Beta2Decay;
        c["epsilon_1"] = Epsilon1;
        c["epsilon_2"] = Epsilon2;
        c["clip_threshold"] = ClipThreshold;
        c["relative_step"] = RelativeStep;
        return c;
    }
}
