using System.Globalization;
using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Optimizers.Schedules;

/// <summary>
/// A learning rate that changes with the optimizer's step count (Keras's
/// <c>keras.optimizers.schedules.LearningRateSchedule</c>). Give one to an optimizer instead of a
/// number: it is evaluated at <see cref="Optimizer.Iterations"/> (0 for the first step) on every step.
/// Subclass it and override <see cref="Call"/> (and <see cref="GetConfig"/>) for a custom schedule.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate at optimizer step <paramref name="step"/> (Keras's <c>__call__(step)</c>).</summary>
    public abstract double Call(long step);

    /// <summary>The constructor arguments, as Keras records them.</summary>
    public virtual JsonObject GetConfig() =>
        throw new NotSupportedException($"Learning rate schedule '{GetType().Name}' must override GetConfig() to be serializable.");

    /// <summary>Keras's <c>schedules.serialize</c>: <c>{"module", "class_name", "config", "registered_name"}</c>.</summary>
    public JsonObject Serialize() => new()
    {
        ["module"] = "keras.optimizers.schedules",
        ["class_name"] = GetType().Name,
        ["config"] = GetConfig(),
        ["registered_name"] = null,
    };

    /// <summary>
    /// Keras's <c>schedules.deserialize</c>: a built-in schedule from its serialized form
    /// (<c>{"class_name": "ExponentialDecay", "config": {…}}</c>, as in an optimizer's <c>learning_rate</c>).
    /// </summary>
    public static LearningRateSchedule FromConfig(JsonNode serialized)
    {
        if (serialized is not JsonObject o)
            throw new FormatException($"A learning rate schedule must be a JSON object with 'class_name' and 'config'; got {serialized?.ToJsonString() ?? "null"}.");
        var className = o["class_name"]?.ToString() ?? throw new FormatException("A serialized learning rate schedule has no 'class_name'.");
        if (className.Contains('>')) className = className[(className.LastIndexOf('>') + 1)..];
        var config = o["config"] as JsonObject ?? new JsonObject();
        var c = new ConfigReader(config, className);
        return className switch
        {
            nameof(ExponentialDecay) => new ExponentialDecay(
                Required(c, "initial_learning_rate"), Required(c, "decay_steps"), Required(c, "decay_rate"),
                c.Bool("staircase", false), c.String("name") ?? "ExponentialDecay"),
            nameof(PiecewiseConstantDecay) => new PiecewiseConstantDecay(
                Numbers(config, "boundaries", className), Numbers(config, "values", className), c.String("name") ?? "PiecewiseConstant"),
            nameof(PolynomialDecay) => new PolynomialDecay(
                Required(c, "initial_learning_rate"), Required(c, "decay_steps"), c.Double("end_learning_rate", 0.0001),
                c.Double("power", 1.0), c.Bool("cycle", false), c.String("name") ?? "PolynomialDecay"),
            nameof(InverseTimeDecay) => new InverseTimeDecay(
                Required(c, "initial_learning_rate"), Required(c, "decay_steps"), Required(c, "decay_rate"),
                c.Bool("staircase", false), c.String("name") ?? "InverseTimeDecay"),
            nameof(CosineDecay) => new CosineDecay(
                Required(c, "initial_learning_rate"), Required(c, "decay_steps"), c.Double("alpha", 0.0), c.String("name") ?? "CosineDecay",
                c.DoubleOrNull("warmup_target"), c.Double("warmup_steps", 0)),
            nameof(CosineDecayRestarts) => new CosineDecayRestarts(
                Required(c, "initial_learning_rate"), Required(c, "first_decay_steps"), c.Double("t_mul", 2.0), c.Double("m_mul", 1.0),
                c.Double("alpha", 0.0), c.String("name") ?? "SGDRDecay"),
            _ => throw new FormatException($"Unknown learning rate schedule '{className}'. Known: ExponentialDecay, PiecewiseConstantDecay, " +
                "PolynomialDecay, InverseTimeDecay, CosineDecay, CosineDecayRestarts."),
        };
    }

    private static double Required(ConfigReader c, string key) =>
        c.DoubleOrNull(key) ?? throw new FormatException($"The learning rate schedule config has no '{key}'.");

    private static double[] Numbers(JsonObject config, string key, string owner)
    {
        var items = ConfigReader.Items(config[key]) ?? throw new FormatException($"{owner} config: '{key}' should be a list of numbers.");
        return items.Select(n => n is JsonValue v && v.TryGetValue<double>(out var d)
            ? d
            : throw new FormatException($"{owner} config: '{key}' should hold numbers but has {n?.ToJsonString() ?? "null"}.")).ToArray();
    }

    /// <summary>Throws unless <paramref name="steps"/> is a finite number &gt; 0.</summary>
    private protected static double CheckSteps(double steps, string name, string owner) =>
        steps > 0 && double.IsFinite(steps)
            ? steps
            : throw new ArgumentOutOfRangeException(name, steps, $"{owner}: {name} must be > 0.");

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name}({GetConfig().ToJsonString()})";

    private protected static string F(double d) => d.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// <c>initialLearningRate * decayRate ^ (step / decaySteps)</c>, with an integer exponent
/// (<c>floor(step / decaySteps)</c>) when <c>staircase</c> (Keras's <c>ExponentialDecay</c>).
/// </summary>
public sealed class ExponentialDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule; <paramref name="decaySteps"/> must be &gt; 0.</summary>
    public ExponentialDecay(double initialLearningRate, double decaySteps, double decayRate, bool staircase = false, string name = "ExponentialDecay")
    {
        InitialLearningRate = initialLearningRate;
        DecaySteps = CheckSteps(decaySteps, nameof(decaySteps), nameof(ExponentialDecay));
        DecayRate = decayRate;
        Staircase = staircase;
        Name = name;
    }

    public double InitialLearningRate { get; }
    public double DecaySteps { get; }
    public double DecayRate { get; }
    public bool Staircase { get; }
    public string Name { get; }

    /// <inheritdoc />
    public override double Call(long step)
    {
        double p = step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return InitialLearningRate * Math.Pow(DecayRate, p);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["decay_rate"] = DecayRate,
        ["staircase"] = Staircase,
        ["name"] = Name,
    };
}

/// <summary>
/// A piecewise constant rate (Keras's <c>PiecewiseConstantDecay</c>): <c>values[0]</c> while
/// <c>step &lt;= boundaries[0]</c>, <c>values[i]</c> while <c>boundaries[i-1] &lt; step &lt;= boundaries[i]</c>,
/// and <c>values[^1]</c> after the last boundary. Boundaries are compared as integer steps (Keras casts
/// them to the step's integer type, so a fractional boundary is truncated).
/// </summary>
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly long[] _steps;

    /// <summary>Creates the schedule; <paramref name="values"/> needs one more entry than <paramref name="boundaries"/>.</summary>
    public PiecewiseConstantDecay(IReadOnlyList<double> boundaries, IReadOnlyList<double> values, string name = "PiecewiseConstant")
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (boundaries.Count != values.Count - 1)
        {
            throw new ArgumentException(
                $"PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of values; got {boundaries.Count} boundaries " +
                $"[{string.Join(", ", boundaries.Select(F))}] and {values.Count} values [{string.Join(", ", values.Select(F))}].", nameof(values));
        }
        if (boundaries.Count == 0) throw new ArgumentException("PiecewiseConstantDecay: at least one boundary is needed.", nameof(boundaries));
        Boundaries = boundaries.ToArray();
        Values = values.ToArray();
        _steps = Boundaries.Select(b => (long)Math.Truncate(b)).ToArray();
        Name = name;
    }

    public IReadOnlyList<double> Boundaries { get; }
    public IReadOnlyList<double> Values { get; }
    public string Name { get; }

    /// <inheritdoc />
    public override double Call(long step)
    {
        for (int i = 0; i < _steps.Length; i++)
            if (step <= _steps[i]) return Values[i];
        return Values[^1];
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["boundaries"] = new JsonArray(Boundaries.Select(b => (JsonNode)JsonValue.Create(b)).ToArray()),
        ["values"] = new JsonArray(Values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
        ["name"] = Name,
    };
}

/// <summary>
/// A polynomial decay from <c>initialLearningRate</c> to <c>endLearningRate</c> over <c>decaySteps</c>
/// (Keras's <c>PolynomialDecay</c>): <c>(initial - end) * (1 - step / decaySteps) ^ power + end</c>, with the
/// step capped at <c>decaySteps</c>, or, with <c>cycle</c>, <c>decaySteps</c> stretched to the first multiple
/// that is at least the step (1 at step 0).
/// </summary>
public sealed class PolynomialDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule; <paramref name="decaySteps"/> must be &gt; 0.</summary>
    public PolynomialDecay(double initialLearningRate, double decaySteps, double endLearningRate = 0.0001, double power = 1.0,
        bool cycle = false, string name = "PolynomialDecay")
    {
        InitialLearningRate = initialLearningRate;
        DecaySteps = CheckSteps(decaySteps, nameof(decaySteps), nameof(PolynomialDecay));
        EndLearningRate = endLearningRate;
        Power = power;
        Cycle = cycle;
        Name = name;
    }

    public double InitialLearningRate { get; }
    public double DecaySteps { get; }
    public double EndLearningRate { get; }
    public double Power { get; }
    public bool Cycle { get; }
    public string Name { get; }

    /// <inheritdoc />
    public override double Call(long step)
    {
        double s = step;
        double decaySteps = DecaySteps;
        if (Cycle)
        {
            double multiplier = s == 0 ? 1.0 : Math.Ceiling(s / DecaySteps);
            decaySteps *= multiplier;
        }
        else
        {
            s = Math.Min(s, decaySteps);
        }
        double p = s / decaySteps;
        return (InitialLearningRate - EndLearningRate) * Math.Pow(1 - p, Power) + EndLearningRate;
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["end_learning_rate"] = EndLearningRate,
        ["power"] = Power,
        ["cycle"] = Cycle,
        ["name"] = Name,
    };
}

/// <summary>
/// <c>initialLearningRate / (1 + decayRate * step / decaySteps)</c>, with <c>floor(step / decaySteps)</c>
/// when <c>staircase</c> (Keras's <c>InverseTimeDecay</c>).
/// </summary>
public sealed class InverseTimeDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule; <paramref name="decaySteps"/> must be &gt; 0.</summary>
    public InverseTimeDecay(double initialLearningRate, double decaySteps, double decayRate, bool staircase = false, string name = "InverseTimeDecay")
    {
        InitialLearningRate = initialLearningRate;
        DecaySteps = CheckSteps(decaySteps, nameof(decaySteps), nameof(InverseTimeDecay));
        DecayRate = decayRate;
        Staircase = staircase;
        Name = name;
    }

    public double InitialLearningRate { get; }
    public double DecaySteps { get; }
    public double DecayRate { get; }
    public bool Staircase { get; }
    public string Name { get; }

    /// <inheritdoc />
    public override double Call(long step)
    {
        double p = step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return InitialLearningRate / (1 + DecayRate * p);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["decay_rate"] = DecayRate,
        ["staircase"] = Staircase,
        ["name"] = Name,
    };
}

/// <summary>
/// Cosine decay with an optional linear warmup (Keras's <c>CosineDecay</c>). Without
/// <c>warmupTarget</c>: <c>initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decaySteps) / decaySteps)) + alpha)</c>.
/// With it: while <c>step &lt; warmupSteps</c> the rate goes linearly from <c>initial</c> to
/// <c>warmupTarget</c>, then decays from <c>warmupTarget</c> as above over <c>step - warmupSteps</c>.
/// </summary>
public sealed class CosineDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule; <paramref name="decaySteps"/> must be &gt; 0.</summary>
    public CosineDecay(double initialLearningRate, double decaySteps, double alpha = 0.0, string name = "CosineDecay",
        double? warmupTarget = null, double warmupSteps = 0)
    {
        InitialLearningRate = initialLearningRate;
        DecaySteps = CheckSteps(decaySteps, nameof(decaySteps), nameof(CosineDecay));
        Alpha = alpha;
        Name = name;
        WarmupTarget = warmupTarget;
        if (warmupSteps < 0 || !double.IsFinite(warmupSteps))
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "CosineDecay: warmupSteps must be >= 0.");
        WarmupSteps = warmupSteps;
    }

    public double InitialLearningRate { get; }
    public double DecaySteps { get; }
    public double Alpha { get; }
    public string Name { get; }
    public double? WarmupTarget { get; }
    public double WarmupSteps { get; }

    private double Decay(double step, double from)
    {
        double cosine = 0.5 * (1.0 + Math.Cos(Math.PI * (step / DecaySteps)));
        return from * ((1 - Alpha) * cosine + Alpha);
    }

    /// <inheritdoc />
    public override double Call(long step)
    {
        double s = step;
        if (WarmupTarget is not double target) return Decay(Math.Min(s, DecaySteps), InitialLearningRate);
        s = Math.Min(s, DecaySteps + WarmupSteps);
        if (s < WarmupSteps) return (target - InitialLearningRate) * (s / WarmupSteps) + InitialLearningRate;
        return Decay(s - WarmupSteps, target);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["alpha"] = Alpha,
        ["name"] = Name,
        ["warmup_target"] = WarmupTarget,
        ["warmup_steps"] = WarmupSteps,
    };
}

/// <summary>
/// Cosine decay with warm restarts, SGDR (Keras's <c>CosineDecayRestarts</c>): the multiplier decays from 1
/// to <c>alpha</c> over <c>firstDecaySteps</c>, then restarts; each period is <c>tMul</c> times longer and
/// starts at <c>mMul</c> times the previous initial rate.
/// </summary>
public sealed class CosineDecayRestarts : LearningRateSchedule
{
    /// <summary>Creates the schedule; <paramref name="firstDecaySteps"/> must be &gt; 0.</summary>
    public CosineDecayRestarts(double initialLearningRate, double firstDecaySteps, double tMul = 2.0, double mMul = 1.0, double alpha = 0.0,
        string name = "SGDRDecay")
    {
        InitialLearningRate = initialLearningRate;
        FirstDecaySteps = CheckSteps(firstDecaySteps, nameof(firstDecaySteps), nameof(CosineDecayRestarts));
        TMul = tMul;
        MMul = mMul;
        Alpha = alpha;
        Name = name;
    }

    public double InitialLearningRate { get; }
    public double FirstDecaySteps { get; }
    public double TMul { get; }
    public double MMul { get; }
    public double Alpha { get; }
    public string Name { get; }

    /// <inheritdoc />
    public override double Call(long step)
    {
        double fraction = step / FirstDecaySteps;
        double restart;
        if (TMul == 1.0)
        {
            restart = Math.Floor(fraction);
            fraction -= restart;
        }
        else
        {
            // The restart index i solves sum_{j<i} tMul^j <= fraction, a geometric series.
            restart = Math.Floor(Math.Log(1.0 - fraction * (1.0 - TMul)) / Math.Log(TMul));
            double sumR = (1.0 - Math.Pow(TMul, restart)) / (1.0 - TMul);
            fraction = (fraction - sumR) / Math.Pow(TMul, restart);
        }
        double mFac = Math.Pow(MMul, restart);
        double cosine = 0.5 * mFac * (1.0 + Math.Cos(Math.PI * fraction));
        return InitialLearningRate * ((1 - Alpha) * cosine + Alpha);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["first_decay_steps"] = FirstDecaySteps,
        ["t_mul"] = TMul,
        ["m_mul"] = MMul,
        ["alpha"] = Alpha,
        ["name"] = Name,
    };
}
