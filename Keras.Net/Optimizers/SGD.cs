using System.Text.Json.Nodes;

namespace Keras.Optimizers;

/// <summary>
/// Gradient descent with optional momentum and Nesterov momentum (Keras's <c>SGD</c>; defaults
/// learning rate 0.01, momentum 0; the learning rate may be a schedule). With momentum: <c>m = momentum * m - lr * g</c>, then
/// <c>w += m</c> (or <c>w += momentum * m - lr * g</c> with Nesterov).
/// </summary>
public sealed class SGD : Optimizer
{
    private Variable[] _momenta = [];

    /// <summary>Creates the optimizer.</summary>
    public SGD(LearningRateOrSchedule? learningRate = null, double momentum = 0.0, bool nesterov = false, double? weightDecay = null,
        double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, string? name = null,
        bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
        : base(learningRate ?? 0.01, weightDecay, clipnorm, clipvalue, globalClipnorm, name ?? "SGD", useEma, emaMomentum, emaOverwriteFrequency)
    {
        if (momentum is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "SGD: momentum must be in [0, 1].");
        Momentum = momentum;
        Nesterov = nesterov;
    }

    public double Momentum { get; }
    public bool Nesterov { get; }

    /// <inheritdoc />
    protected override void BuildState(IReadOnlyList<Variable> variables)
    {
        if (Momentum != 0) _momenta = variables.Select(v => AddVariableLike(v, "momentum")).ToArray();
    }

    /// <inheritdoc />
    protected override void UpdateStep(Tensor gradient, Variable variable, double learningRate)
    {
        if (Momentum == 0)
        {
            variable.ScaleAdd(1.0, gradient, -learningRate);
            return;
        }
        var m = _momenta[IndexOf(variable)];
        m.ScaleAdd(Momentum, gradient, -learningRate);
        if (Nesterov)
        {
            variable.ScaleAdd(1.0, m, Momentum);
            variable.ScaleAdd(1.0, gradient, -learningRate);
        }
        else
        {
            variable.ScaleAdd(1.0, m, 1.0);
        }
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["momentum"] = Momentum;
        c["nesterov"] = Nesterov;
        return c;
    }
}
