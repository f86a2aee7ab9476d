using System.Text.Json.Nodes;

namespace Keras.Optimizers;

/// <summary>
/// Nadam, Adam with Nesterov momentum (Keras's <c>Nadam</c>; defaults lr 0.001, beta1 0.9, beta2 0.999,
/// epsilon 1e-7). With <c>u_t = beta1 (1 - 0.5 * 0.96^t)</c> and the running product <c>U_t = u_1 … u_t</c>:
/// <c>m_hat = u_{t+1} m / (1 - U_t u_{t+1}) + (1 - u_t) g / (1 - U_t)</c>, <c>v_hat = v / (1 - beta2^t)</c>,
/// <c>w -= lr m_hat / (sqrt(v_hat) + epsilon)</c>.
/// </summary>
public sealed class Nadam : Optimizer
{
    private Variable[] _m = [];
    private Variable[] _v = [];
    private Variable? _uProduct;

    /// <summary>Creates the optimizer.</summary>
    public Nadam(LearningRateOrSchedule? learningRate = null, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7,
        double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, string? name = null,
        bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
        : base(learningRate ?? 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, name ?? "nadam", useEma, emaMomentum, emaOverwriteFrequency)
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
        _m = variables.Select(v => AddVariableLike(v, "momentum")).ToArray();
        _v = variables.Select(v => AddVariableLike(v, "velocity")).ToArray();
        _uProduct = AddVariable(Shape.Scalar, variables.Count > 0 ? variables[0].DType : DType.Float32, "u_product", 1.0);
    }

    private double U(double step) => Beta1 * (1.0 - 0.5 * Math.Pow(0.96, step));

    /// <inheritdoc />
    protected override void BeforeUpdateSteps(double learningRate) =>
        _uProduct!.ScaleAdd(U(Iterations + 1));

    /// <inheritdoc />
    protected override void UpdateStep(Tensor gradient, Variable variable, double learningRate)
    {
        int i = IndexOf(variable);
        double t = Iterations + 1;
        double uT = U(t), uT1 = U(t + 1);
        var uProductT = Ops.Cast(_uProduct!.Value, variable.DType);
        var uProductT1 = Ops.Multiply(uProductT, uT1);
        var m = _m[i];
        var v = _v[i];
        m.ScaleAdd(Beta1, gradient, 1 - Beta1);
        v.ScaleAdd(Beta2);
        v.AddProduct(gradient, gradient, 1 - Beta2);
        var mHat = Ops.Add(
            Ops.Divide(Ops.Multiply(m, uT1), OneMinus(uProductT1)),
            Ops.Divide(Ops.Multiply(gradient, 1 - uT), OneMinus(uProductT)));
        var vHat = Ops.Multiply(v, 1.0 / (1 - Math.Pow(Beta2, t)));
        variable.AddQuotient(Ops.Multiply(mHat, learningRate), Ops.Add(Ops.Sqrt(vHat), Epsilon), -1.0);
    }

    private static Tensor OneMinus(Tensor x) => Ops.Add(Ops.Negative(x), 1.0);

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
