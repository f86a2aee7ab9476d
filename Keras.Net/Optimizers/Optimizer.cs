using System.Text.Json.Nodes;

namespace Keras.Optimizers;

/// <summary>
/// The base of optimizers (Keras's <c>keras.optimizers.Optimizer</c>): holds per-variable state,
/// clips gradients (<c>clipnorm</c>, <c>clipvalue</c>, <c>globalClipnorm</c>), applies decoupled
/// weight decay, then each optimizer's update rule. Strings convert implicitly
/// (<c>"adam"</c>, <c>"sgd"</c>, <c>"rmsprop"</c>, <c>"adamw"</c>).
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly List<Variable> _stateVariables = [];
    private readonly Dictionary<Variable, int> _index = new(ReferenceEqualityComparer.Instance);
    private IReadOnlyList<Variable> _built = [];

    /// <summary>Sets the options shared by all optimizers.</summary>
    protected Optimizer(double learningRate, double? weightDecay, double? clipnorm, double? clipvalue, double? globalClipnorm, string? name)
    {
        if (new[] { clipnorm, clipvalue, globalClipnorm }.Count(c => c is not null) > 1)
        {
            throw new ArgumentException(
                $"{GetType().Name}: only one of clipnorm, clipvalue and globalClipnorm can be set; got clipnorm={Format(clipnorm)}, " +
                $"clipvalue={Format(clipvalue)}, globalClipnorm={Format(globalClipnorm)}.");
        }
        if (!IsValidLearningRate(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, $"{GetType().Name}: the learning rate must be a finite number >= 0.");
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        Clipnorm = clipnorm;
        Clipvalue = clipvalue;
        GlobalClipnorm = globalClipnorm;
        Name = name ?? Engine.Naming.ToSnakeCase(GetType().Name);
    }

    /// <summary>The optimizer's name.</summary>
    public string Name { get; }

    private double _learningRate;

    /// <summary>The learning rate (settable, e.g. by a schedule callback); 0 or more.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            // Keras accepts any float (0 freezes the weights); a negative or non-finite rate is a mistake.
            if (!IsValidLearningRate(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, $"{GetType().Name}: the learning rate must be a finite number >= 0.");
            _learningRate = value;
        }
    }

    private static bool IsValidLearningRate(double lr) => lr >= 0 && double.IsFinite(lr);

    private static string Format(double? d) => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null";

    /// <summary>Decoupled weight decay, if any.</summary>
    public double? WeightDecay { get; }

    /// <summary>Per-variable gradient norm clipping.</summary>
    public double? Clipnorm { get; }

    /// <summary>Per-element gradient value clipping.</summary>
    public double? Clipvalue { get; }

    /// <summary>Global gradient norm clipping.</summary>
    public double? GlobalClipnorm { get; }

    /// <summary>Number of update steps applied so far.</summary>
    public long Iterations { get; protected set; }

    /// <summary>The optimizer's state variables (momenta, …) in creation order.</summary>
    public IReadOnlyList<Variable> Variables => _stateVariables;

    /// <summary>Whether the optimizer has created its state.</summary>
    public bool Built => _built.Count > 0;

    /// <summary>Creates the per-variable state for <paramref name="variables"/>.</summary>
    public void Build(IReadOnlyList<Variable> variables)
    {
        if (Built) return;
        _built = variables.ToArray();
        for (int i = 0; i < _built.Count; i++) _index[_built[i]] = i;
        BuildState(_built);
    }

    /// <summary>Creates the optimizer's state variables (call <see cref="AddVariableLike"/>).</summary>
    protected abstract void BuildState(IReadOnlyList<Variable> variables);

    /// <summary>A zero-initialised state variable shaped like <paramref name="reference"/>.</summary>
    protected Variable AddVariableLike(Variable reference, string name)
    {
        using var zeros = Ops.Zeros(reference.Shape, reference.DType);
        var v = new Variable(zeros, name, trainable: false, path: $"{Name}/{reference.Path.Replace('/', '_')}_{name}");
        _stateVariables.Add(v);
        return v;
    }

    /// <summary>The position of <paramref name="variable"/> among the variables the optimizer was built for.</summary>
    protected int IndexOf(Variable variable) => _index.TryGetValue(variable, out var i)
        ? i
        : throw new InvalidOperationException($"{Name}: variable '{variable.Path}' was not part of the variables this optimizer was built for.");

    /// <summary>Applies one step: gradients[i] updates variables[i] (Keras's <c>apply_gradients</c>).</summary>
    public void ApplyGradients(IReadOnlyList<Tensor> gradients, IReadOnlyList<Variable> variables)
    {
        if (gradients.Count != variables.Count)
            throw new ArgumentException($"{Name}: got {gradients.Count} gradients for {variables.Count} variables.");
        if (!Built) Build(variables);
        // Check everything before changing anything, so that a bad call leaves the weights as they were.
        for (int i = 0; i < variables.Count; i++)
        {
            IndexOf(variables[i]);
            if (!gradients[i].Shape.Equals(variables[i].Shape))
                throw new ArgumentException($"{Name}: the gradient of variable '{variables[i].Path}' has shape {gradients[i].Shape}, but the variable has shape {variables[i].Shape}.");
        }
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        var grads = ClipGradients(gradients);
        double lr = LearningRate;
        for (int i = 0; i < variables.Count; i++)
        {
            if (WeightDecay is double wd && wd > 0) variables[i].ScaleAdd(1.0 - wd * lr);
            UpdateStep(grads[i], variables[i], lr);
            if (variables[i].Constraint is { } constraint) variables[i].Assign(constraint.Call(variables[i].Value));
        }
        Iterations++;
    }

    /// <summary>Updates one variable from its gradient (Keras's <c>update_step</c>).</summary>
    protected abstract void UpdateStep(Tensor gradient, Variable variable, double learningRate);

    // Keras's _clip_gradients: a clip option of 0 or less is ignored.
    private IReadOnlyList<Tensor> ClipGradients(IReadOnlyList<Tensor> grads)
    {
        if (Clipnorm is double cn && cn > 0) return grads.Select(g => ClipByNorm(g, Ops.Sqrt(Ops.Sum(Ops.Square(g))), cn)).ToArray();
        if (GlobalClipnorm is double gcn && gcn > 0)
        {
            Tensor total = Ops.Scalar(0);
            foreach (var g in grads) total = Ops.Add(total, Ops.Sum(Ops.Square(g)));
            var norm = Ops.Sqrt(total);
            return grads.Select(g => ClipByNorm(g, norm, gcn)).ToArray();
        }
        if (Clipvalue is double cv && cv > 0) return grads.Select(g => Ops.Clip(g, -cv, cv)).ToArray();
        return grads;
    }

    // g * clip / max(norm, clip): unchanged when the norm is within the limit.
    private static Tensor ClipByNorm(Tensor g, Tensor norm, double clip) =>
        Ops.Divide(Ops.Multiply(g, clip), Ops.Maximum(norm, Ops.Scalar(clip)));

    /// <summary>The constructor arguments, as Keras records them.</summary>
    public virtual JsonObject GetConfig() => new()
    {
        ["name"] = Name,
        ["learning_rate"] = LearningRate,
        ["weight_decay"] = WeightDecay,
        ["clipnorm"] = Clipnorm,
        ["global_clipnorm"] = GlobalClipnorm,
        ["clipvalue"] = Clipvalue,
    };

    public static implicit operator Optimizer(string name) => Get(name);

    /// <summary>A new optimizer with Keras's defaults, by name.</summary>
    public static Optimizer Get(string name) => name.ToLowerInvariant() switch
    {
        "sgd" => new SGD(),
        "adam" => new Adam(),
        "adamw" => new AdamW(),
        "rmsprop" => new RMSprop(),
        _ => throw new ArgumentException($"Unknown optimizer '{name}'. Known: sgd, adam, adamw, rmsprop.", nameof(name)),
    };

    /// <summary>Releases the state variables.</summary>
    public void Dispose()
    {
        foreach (var v in _stateVariables) v.Dispose();
        GC.SuppressFinalize(this);
    }
}
