using System.Text.Json.Nodes;

namespace Keras.Optimizers;

/// <summary>
/// RMSprop (Keras's <c>RMSprop</c>; defaults lr 0.001, rho 0.9, momentum 0, epsilon 1e-7):
/// <c>v = rho v + (1 - rho) g²</c>; the step is <c>lr g / sqrt(v + epsilon)</c> (centered: <c>v - mean_g²</c>).
/// </summary>
public sealed class RMSprop : Optimizer
{
    private Variable[] _velocities = [];
    private Variable[] _momenta = [];
    private Variable[] _averageGradients = [];

    /// <summary>Creates the optimizer.</summary>
    public RMSprop(LearningRateOrSchedule? learningRate = null, double rho = 0.9, double momentum = 0.0, double epsilon = 1e-7, bool centered = false,
        double? weightDecay = null, double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, string? name = null,
        bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
        : base(learningRate ?? 0.001, weightDecay, clipnorm, clipvalue, globalClipnorm, name ?? "rmsprop", useEma, emaMomentum, emaOverwriteFrequency)
    {
        Rho = rho;
        Momentum = momentum;
        Epsilon = epsilon;
        Centered = centered;
    }

    public double Rho { get; }
    public double Momentum { get; }
    public double Epsilon { get; }
    public bool Centered { get; }

    /// <inheritdoc />
    protected override void BuildState(IReadOnlyList<Variable> variables)
    {
        _velocities = variables.Select(v => AddVariableLike(v, "velocity")).ToArray();
        if (Momentum > 0) _momenta = variables.Select(v => AddVariableLike(v, "momentum")).ToArray();
        if (Centered) _averageGradients = variables.Select(v => AddVariableLike(v, "average_gradient")).ToArray();
        _roots = variables.Select(WorkBufferLike).ToArray();
    }

    private Variable[] _roots = [];

    /// <inheritdoc />
    protected override void UpdateStep(Tensor gradient, Variable variable, double learningRate)
    {
        int i = IndexOf(variable);
        var velocity = _velocities[i];
        velocity.ScaleAdd(Rho);
        velocity.AddProduct(gradient, gradient, 1 - Rho);
        // root = sqrt(velocity [- average²] + epsilon), computed in a reused buffer (no weight-sized allocation per step).
        var root = _roots[i];
        if (Centered)
        {
            var avg = _averageGradients[i];
            avg.ScaleAdd(Rho, gradient, 1 - Rho);
            root.Assign(Ops.Subtract(velocity, Ops.Square(avg)));
        }
        else
        {
            root.Assign(velocity);
        }
        root.AssignAdd(Epsilon);
        root.AssignSqrt(root);
        if (Momentum > 0)
        {
            var m = _momenta[i];
            m.ScaleAdd(Momentum);
            m.AddQuotient(gradient, root, learningRate);
            variable.ScaleAdd(1.0, m, -1.0);
        }
        else
        {
            variable.AddQuotient(gradient, root, -learningRate);
        }
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["rho"] = Rho;
        c["momentum"] = Momentum;
        c["epsilon"] = Epsilon;
        c["centered"] = Centered;
        return c;
    }
}
