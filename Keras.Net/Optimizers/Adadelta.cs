using System.Text.Json.Nodes;

namespace Keras.Optimizers;

/// <summary>
/// Adadelta (Keras's <c>Adadelta</c>; defaults lr 0.001, rho 0.95, epsilon 1e-7):
/// <c>E[g²] = rho E[g²] + (1 - rho) g²</c>, <c>d = -sqrt(E[d²] + eps) g / sqrt(E[g²] + eps)</c>,
/// <c>E[d²] = rho E[d²] + (1 - rho) d²</c>, <c>w += lr d</c>.
/// </summary>
public sealed class Adadelta : Optimizer
{
    private Variable[] _accumulatedGrads = [];
    private Variable[] _accumulatedDeltas = [];

    /// <summary>Creates the optimizer.</summary>
    public Adadelta(LearningRateOrSchedule? learningRate = null, double rho = 0.95, double epsilon = 1e-7,
        double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, string? name = null,
        bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
        : base(learningRate ?? 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, name ?? "adadelta", useEma, emaMomentum, emaOverwriteFrequency)
    {
        Rho = rho;
        Epsilon = epsilon;
    }

    public double Rho { get; }
    public double Epsilon { get; }

    /// <inheritdoc />
    protected override void BuildState(IReadOnlyList<Variable> variables)
    {
        _accumulatedGrads = variables.Select(v => AddVariableLike(v, "accumulated_grad")).ToArray();
        _accumulatedDeltas = variables.Select(v => AddVariableLike(v, "accumulated_delta_var")).ToArray();
    }

    /// <inheritdoc />
    protected override void UpdateStep(Tensor gradient, Variable variable, double learningRate)
    {
        int i = IndexOf(variable);
        var accGrad = _accumulatedGrads[i];
        var accDelta = _accumulatedDeltas[i];
        accGrad.ScaleAdd(Rho);
        accGrad.AddProduct(gradient, gradient, 1 - Rho);
        var delta = Ops.Negative(Ops.Divide(Ops.Multiply(Rms(accDelta), gradient), Rms(accGrad)));
        accDelta.ScaleAdd(Rho);
        accDelta.AddProduct(delta, delta, 1 - Rho);
        variable.ScaleAdd(1.0, delta, learningRate);
    }

    private Tensor Rms(Tensor x) => Ops.Sqrt(Ops.Add(x, Epsilon));

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["rho"] = Rho;
        c["epsilon"] = Epsilon;
        return c;
    }
}
