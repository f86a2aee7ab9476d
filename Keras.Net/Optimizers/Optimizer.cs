using System.Text.Json.Nodes;
using Keras.Optimizers.Schedules;

namespace Keras.Optimizers;

/// <summary>
/// The base of optimizers (Keras's <c>keras.optimizers.Optimizer</c>): holds per-variable state,
/// clips gradients (<c>clipnorm</c>, <c>clipvalue</c>, <c>globalClipnorm</c>), applies decoupled
/// weight decay, then each optimizer's update rule, and optionally keeps an exponential moving
/// average of the weights (<c>useEma</c>). The learning rate is a number or a
/// <see cref="Schedules.LearningRateSchedule"/> evaluated at <see cref="Iterations"/> on every step.
/// Strings convert implicitly (<c>"adam"</c>, <c>"sgd"</c>, <c>"rmsprop"</c>, …; see <see cref="Get"/>).
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly List<Variable> _stateVariables = [];
    private readonly Dictionary<Variable, int> _index = new(ReferenceEqualityComparer.Instance);
    private IReadOnlyList<Variable> _built = [];
    private Variable[] _averages = [];

    /// <summary>Sets the options shared by all optimizers (Keras's <c>BaseOptimizer.__init__</c>).</summary>
    protected Optimizer(LearningRateOrSchedule learningRate, double? weightDecay, double? clipnorm, double? clipvalue, double? globalClipnorm,
        string? name, bool useEma = false, double emaMomentum = 0.99, int? emaOverwriteFrequency = null)
    {
        if (new[] { clipnorm, clipvalue, globalClipnorm }.Count(c => c is not null) > 1)
        {
            throw new ArgumentException(
                $"{GetType().Name}: only one of clipnorm, clipvalue and globalClipnorm can be set; got clipnorm={Format(clipnorm)}, " +
                $"clipvalue={Format(clipvalue)}, globalClipnorm={Format(globalClipnorm)}.");
        }
        if (useEma)
        {
            if (emaMomentum is < 0 or > 1 || double.IsNaN(emaMomentum))
                throw new ArgumentOutOfRangeException(nameof(emaMomentum), emaMomentum, $"{GetType().Name}: emaMomentum must be in the range [0, 1].");
            if (emaOverwriteFrequency is < 1)
                throw new ArgumentOutOfRangeException(nameof(emaOverwriteFrequency), emaOverwriteFrequency, $"{GetType().Name}: emaOverwriteFrequency must be an integer >= 1 or null.");
        }
        if (learningRate.Schedule is { } schedule)
        {
            _schedule = schedule;
        }
        else
        {
            double lr = learningRate.Value;
            if (!IsValidLearningRate(lr))
                throw new ArgumentOutOfRangeException(nameof(learningRate), lr, $"{GetType().Name}: the learning rate must be a finite number >= 0.");
            _learningRate = lr;
        }
        WeightDecay = weightDecay;
        Clipnorm = clipnorm;
        Clipvalue = clipvalue;
        GlobalClipnorm = globalClipnorm;
        UseEma = useEma;
        EmaMomentum = emaMomentum;
        EmaOverwriteFrequency = emaOverwriteFrequency;
        Name = name ?? Engine.Naming.ToSnakeCase(GetType().Name);
    }

    /// <summary>The optimizer's name.</summary>
    public string Name { get; }

    private double _learningRate;
    private LearningRateSchedule? _schedule;

    /// <summary>
    /// The learning rate of the next step: the fixed rate, or the schedule evaluated at
    /// <see cref="Iterations"/> (Keras's <c>optimizer.learning_rate</c>). Setting a number (e.g. from
    /// <c>ReduceLROnPlateau</c>) fixes the rate and replaces any schedule; it must be finite and &gt;= 0.
    /// </summary>
    public double LearningRate
    {
        get => _schedule is { } s ? s.Call(Iterations) : _learningRate;
        set
        {
            // Keras accepts any float (0 freezes the weights); a negative or non-finite rate is a mistake.
            if (!IsValidLearningRate(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, $"{GetType().Name}: the learning rate must be a finite number >= 0.");
            _learningRate = value;
            _schedule = null;
        }
    }

    /// <summary>The learning-rate schedule, or null when the rate is a fixed number; setting one replaces the fixed rate.</summary>
    public LearningRateSchedule? LearningRateSchedule
    {
        get => _schedule;
        set
        {
            if (value is null)
            {
                // Dropping the schedule keeps the rate it gives now.
                if (_schedule is { } s) _learningRate = s.Call(Iterations);
                _schedule = null;
                return;
            }
            _schedule = value;
        }
    }

    private static bool IsValidLearningRate(double lr) => lr >= 0 && double.IsFinite(lr);

    private static string Format(double? d) => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null";

    /// <summary>Decoupled weight decay, if any: each step <c>w -= w * weightDecay * learningRate</c> before the update.</summary>
    public double? WeightDecay { get; }

    /// <summary>Per-variable gradient norm clipping.</summary>
    public double? Clipnorm { get; }

    /// <summary>Per-element gradient value clipping.</summary>
    public double? Clipvalue { get; }

    /// <summary>Global gradient norm clipping.</summary>
    public double? GlobalClipnorm { get; }

    /// <summary>Whether an exponential moving average (EMA) of the weights is kept.</summary>
    public bool UseEma { get; }

    /// <summary>The EMA momentum: <c>average = m * average + (1 - m) * weight</c> after each step (the first step copies the weights).</summary>
    public double EmaMomentum { get; }

    /// <summary>Every this many steps the weights are overwritten with their EMA; null leaves that to <see cref="FinalizeVariableValues"/>.</summary>
    public int? EmaOverwriteFrequency { get; }

    /// <summary>Number of update steps applied so far.</summary>
    public long Iterations { get; protected set; }

    /// <summary>The optimizer's state variables (EMA averages, momenta, …) in creation order.</summary>
    public IReadOnlyList<Variable> Variables => _stateVariables;

    /// <summary>Whether the optimizer has created its state.</summary>
    public bool Built => _built.Count > 0;

    /// <summary>Creates the per-variable state for <paramref name="variables"/>.</summary>
    public void Build(IReadOnlyList<Variable> variables)
    {
        if (Built) return;
        _built = variables.ToArray();
        for (int i = 0; i < _built.Count; i++) _index[_built[i]] = i;
        // Keras's base build creates the averages before the optimizer's own slots.
        if (UseEma) _averages = _built.Select(v => AddVariableLike(v, "average")).ToArray();
        BuildState(_built);
    }

    /// <summary>Creates the optimizer's state variables (call <see cref="AddVariableLike"/>).</summary>
    protected abstract void BuildState(IReadOnlyList<Variable> variables);

    /// <summary>A state variable shaped like <paramref name="reference"/>, filled with <paramref name="initialValue"/>.</summary>
    protected Variable AddVariableLike(Variable reference, string name, double initialValue = 0.0) =>
        AddVariable(reference.Shape, reference.DType, $"{reference.Path.Replace('/', '_')}_{name}", initialValue);

    /// <summary>A state variable of any shape (its path is <c>{optimizer name}/{name}</c>), filled with <paramref name="initialValue"/>.</summary>
    protected Variable AddVariable(Shape shape, DType dtype, string name, double initialValue = 0.0)
    {
        using var value = Ops.Full(shape, initialValue, dtype);
        var v = new Variable(value, name, trainable: false, path: $"{Name}/{name}");
        _stateVariables.Add(v);
        return v;
    }

    /// <summary>The position of <paramref name="variable"/> among the variables the optimizer was built for.</summary>
    protected int IndexOf(Variable variable) => _index.TryGetValue(variable, out var i)
        ? i
        : throw new InvalidOperationException($"{Name}: variable '{variable.Path}' was not part of the variables this optimizer was built for.");

    /// <summary>
    /// Applies one step (Keras's <c>apply_gradients</c>): gradients[i] updates variables[i]. In order:
    /// clipping, weight decay with the step's learning rate, the update rule of every variable, the EMA
    /// (and its periodic overwrite), the iteration count, then the variables' constraints.
    /// </summary>
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
        double lr = LearningRate;
        if (!IsValidLearningRate(lr))
            throw new InvalidOperationException($"{Name}: the learning-rate schedule gave {lr} at step {Iterations}; it must be a finite number >= 0.");
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        var grads = ClipGradients(gradients);
        if (WeightDecay is double wd)
            foreach (var v in variables) v.ScaleAdd(1.0 - wd * lr);
        BeforeUpdateSteps(lr);
        for (int i = 0; i < variables.Count; i++) UpdateStep(grads[i], variables[i], lr);
        if (UseEma)
        {
            // The first step copies the weights; later ones average with the momentum.
            double m = Iterations == 0 ? 0.0 : EmaMomentum;
            for (int i = 0; i < _built.Count; i++) _averages[i].ScaleAdd(m, _built[i], 1.0 - m);
            if (EmaOverwriteFrequency is int f && (Iterations + 1) % f == 0) OverwriteWithAverages(_built);
        }
        Iterations++;
        foreach (var v in variables)
            if (v.Constraint is { } constraint) v.Assign(constraint.Call(v.Value));
    }

    /// <summary>Runs once per step before the per-variable updates (Nadam's running product lives here).</summary>
    protected virtual void BeforeUpdateSteps(double learningRate)
    {
    }

    /// <summary>Updates one variable from its gradient (Keras's <c>update_step</c>).</summary>
    protected abstract void UpdateStep(Tensor gradient, Variable variable, double learningRate);

    /// <summary>
    /// The weights' final values (Keras's <c>finalize_variable_values</c>, which <c>fit</c> calls after the
    /// last epoch): with <see cref="UseEma"/>, copies each variable's moving average into it; otherwise
    /// does nothing. <paramref name="variables"/> are the model's trainable weights the optimizer was built for.
    /// </summary>
    public void FinalizeVariableValues(IReadOnlyList<Variable> variables)
    {
        if (!UseEma || !Built) return;
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        OverwriteWithAverages(variables);
    }

    /// <summary>The moving average kept for <paramref name="variable"/> (only with <see cref="UseEma"/>, once built).</summary>
    public Variable MovingAverageOf(Variable variable) => UseEma && Built
        ? _averages[IndexOf(variable)]
        : throw new InvalidOperationException($"{Name}: there is no moving average; the optimizer {(UseEma ? "is not built yet" : "was created with useEma: false")}.");

    private void OverwriteWithAverages(IReadOnlyList<Variable> variables)
    {
        foreach (var v in variables) v.Assign(_averages[IndexOf(v)].Value);
    }

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

    /// <summary>
    /// The constructor arguments, as Keras records them. A schedule is written as Keras serializes it
    /// (<c>{"module": "keras.optimizers.schedules", "class_name": …, "config": …}</c>).
    /// </summary>
    public virtual JsonObject GetConfig() => new()
    {
        ["name"] = Name,
        ["learning_rate"] = _schedule is { } s ? s.Serialize() : JsonValue.Create(_learningRate),
        ["weight_decay"] = WeightDecay,
        ["clipnorm"] = Clipnorm,
        ["global_clipnorm"] = GlobalClipnorm,
        ["clipvalue"] = Clipvalue,
        ["use_ema"] = UseEma,
        ["ema_momentum"] = EmaMomentum,
        ["ema_overwrite_frequency"] = EmaOverwriteFrequency,
        ["loss_scale_factor"] = null,
        ["gradient_accumulation_steps"] = null,
    };

    public static implicit operator Optimizer(string name) => Get(name);

    /// <summary>
    /// A new optimizer with Keras's defaults, by name (case-insensitive, Keras's <c>optimizers.get</c>):
    /// sgd, adam, adamw, rmsprop, adamax, nadam, adagrad, adadelta, adafactor, ftrl, lion, lamb.
    /// </summary>
    public static Optimizer Get(string name) => name.ToLowerInvariant() switch
    {
        "sgd" => new SGD(),
        "adam" => new Adam(),
        "adamw" => new AdamW(),
        "rmsprop" => new RMSprop(),
        "adamax" => new Adamax(),
        "nadam" => new Nadam(),
        "adagrad" => new Adagrad(),
        "adadelta" => new Adadelta(),
        "adafactor" => new Adafactor(),
        "ftrl" => new Ftrl(),
        "lion" => new Lion(),
        "lamb" => new Lamb(),
        _ => throw new ArgumentException(
            $"Unknown optimizer '{name}'. Known: sgd, adam, adamw, rmsprop, adamax, nadam, adagrad, adadelta, adafactor, ftrl, lion, lamb.", nameof(name)),
    };

    private readonly List<Variable> _workBuffers = [];

    /// <summary>
    /// A buffer shaped like <paramref name="reference"/> for intermediate results computed in place every step
    /// (not optimizer state: never saved). A fresh large tensor per step costs page faults in the allocator.
    /// </summary>
    protected Variable WorkBufferLike(Variable reference)
    {
        using var scope = Ops.Scope();
        var v = new Variable(Ops.ZerosLike(reference.Value), $"{reference.Path.Replace('/', '_')}_work", trainable: false, path: $"{Name}/work");
        _workBuffers.Add(v);
        return v;
    }

    /// <summary>Releases the state variables.</summary>
    public void Dispose()
    {
        foreach (var v in _stateVariables) v.Dispose();
        foreach (var v in _workBuffers) v.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// A learning rate given to an optimizer's constructor: a fixed number or a
/// <see cref="Schedules.LearningRateSchedule"/> (both convert implicitly, so <c>new Adam(0.01)</c> and
/// <c>new Adam(new ExponentialDecay(0.01, 1000, 0.9))</c> both work).
/// </summary>
public readonly struct LearningRateOrSchedule
{
    private LearningRateOrSchedule(double value, LearningRateSchedule? schedule)
    {
        Value = value;
        Schedule = schedule;
    }

    /// <summary>The fixed rate (when <see cref="Schedule"/> is null).</summary>
    public double Value { get; }

    /// <summary>The schedule, if the rate is one.</summary>
    public LearningRateSchedule? Schedule { get; }

    public static implicit operator LearningRateOrSchedule(double value) => new(value, null);

    public static implicit operator LearningRateOrSchedule(LearningRateSchedule schedule) =>
        new(double.NaN, schedule ?? throw new ArgumentNullException(nameof(schedule)));

    /// <inheritdoc />
    public override string ToString() => Schedule?.ToString() ?? Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
