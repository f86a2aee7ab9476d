using System.Text.Json.Nodes;

namespace Keras.Initializers;

/// <summary>
/// Makes the initial value of a weight (Keras's <c>keras.initializers.Initializer</c>). Strings
/// convert implicitly (<c>"glorot_uniform"</c>, <c>"zeros"</c>, …).
/// </summary>
public abstract class Initializer
{
    /// <summary>Returns a new tensor of the given shape and dtype.</summary>
    public abstract Tensor Call(Shape shape, DType dtype = DType.Float32);

    /// <summary>The registered Keras class name (e.g. <c>GlorotUniform</c>).</summary>
    public virtual string ClassName => GetType().Name;

    /// <summary>The constructor arguments, as Keras records them.</summary>
    public virtual JsonObject GetConfig() => new();

    public static implicit operator Initializer(string name) => Get(name);

    /// <summary>The initializer called <paramref name="name"/> (Keras's snake_case or class name).</summary>
    public static Initializer Get(string name) => name switch
    {
        "glorot_uniform" or "GlorotUniform" => new GlorotUniform(),
        "glorot_normal" or "GlorotNormal" => new GlorotNormal(),
        "he_uniform" or "HeUniform" => new HeUniform(),
        "he_normal" or "HeNormal" => new HeNormal(),
        "lecun_uniform" or "LecunUniform" => new LecunUniform(),
        "lecun_normal" or "LecunNormal" => new LecunNormal(),
        "random_normal" or "RandomNormal" or "normal" => new RandomNormal(),
        "random_uniform" or "RandomUniform" or "uniform" => new RandomUniform(),
        "truncated_normal" or "TruncatedNormal" => new TruncatedNormal(),
        "variance_scaling" or "VarianceScaling" => new VarianceScaling(),
        "orthogonal" or "Orthogonal" or "orthogonal_initializer" or "OrthogonalInitializer" => new Orthogonal(),
        "identity" or "Identity" => new Identity(),
        "zeros" or "Zeros" or "zero" => new Zeros(),
        "ones" or "Ones" or "one" => new Ones(),
        "constant" or "Constant" => new Constant(),
        _ => throw new ArgumentException(
            $"Unknown initializer '{name}'. Known: glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, " +
            "random_normal, random_uniform, truncated_normal, variance_scaling, orthogonal, identity, zeros, ones, constant " +
            "(or their class names, e.g. GlorotUniform).", nameof(name)),
    };

    /// <summary>Keras's <c>compute_fans</c>: fan-in and fan-out of a weight shape.</summary>
    public static (double FanIn, double FanOut) ComputeFans(Shape shape)
    {
        if (shape.Rank == 0) return (1, 1);
        if (shape.Rank == 1) return (shape[0], shape[0]);
        if (shape.Rank == 2) return (shape[0], shape[1]);
        double receptive = 1;
        for (int i = 0; i < shape.Rank - 2; i++) receptive *= shape[i];
        return (shape[^2] * receptive, shape[^1] * receptive);
    }
}

/// <summary>An initializer that draws random values: a fixed <c>seed</c> gives the same values every call.</summary>
public abstract class RandomInitializer : Initializer
{
    /// <summary>Creates the initializer; <paramref name="seed"/> null draws from the global random state.</summary>
    protected RandomInitializer(int? seed) => Seed = seed;

    /// <summary>The seed, or null.</summary>
    public int? Seed { get; }

    /// <summary>The seed for one call.</summary>
    protected long NextSeed() => Seed is int s ? SeedGenerator.Mix(s, 0) : GlobalRandom.NextSeed();

    /// <inheritdoc />
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}

/// <summary>Constant zeros.</summary>
public sealed class Zeros : Initializer
{
    /// <inheritdoc />
    public override Tensor Call(Shape shape, DType dtype = DType.Float32) => Ops.Zeros(shape, dtype);
}

/// <summary>Constant ones.</summary>
public sealed class Ones : Initializer
{
    /// <inheritdoc />
    public override Tensor Call(Shape shape, DType dtype = DType.Float32) => Ops.Ones(shape, dtype);
}

/// <summary>A constant value.</summary>
public sealed class Constant(double value = 0.0) : Initializer
{
    /// <summary>The value.</summary>
    public double Value { get; } = value;

    /// <inheritdoc />
    public override Tensor Call(Shape shape, DType dtype = DType.Float32) => Ops.Full(shape, Value, dtype);

    /// <inheritdoc />
    public override JsonObject GetConfig() => new() { ["value"] = Value };
}

/// <summary>Normal distribution (Keras defaults: mean 0, stddev 0.05).</summary>
public sealed class RandomNormal(double mean = 0.0, double stddev = 0.05, int? seed = null) : RandomInitializer(seed)
{
    /// <inheritdoc />
    public override Tensor Call(Shape shape, DType dtype = DType.Float32) => Ops.RandomNormal(shape, mean, stddev, NextSeed(), dtype);

    /// <inheritdoc />
    public override JsonObject GetConfig() => new() { ["mean"] = mean, ["stddev"] = stddev, ["seed"] = Seed };
}

/// <summary>Uniform distribution (Keras defaults: [-0.05, 0.05]).</summary>
public sealed class RandomUniform(double minval = -0.05, double maxval = 0.05, int? seed = null) : RandomInitializer(seed)
{
    /// <inheritdoc />
    public override Tensor Call(Shape shape, DType dtype = DType.Float32) => Ops.RandomUniform(shape, minval, maxval, NextSeed(), dtype);

    /// <inheritdoc />
    public override JsonObject GetConfig() => new() { ["minval"] = minval, ["maxval"] = maxval, ["seed"] = Seed };
}

/// <summary>Normal distribution truncated at two standard deviations (Keras defaults: mean 0, stddev 0.05).</summary>
public sealed class TruncatedNormal(double mean = 0.0, double stddev = 0.05, int? seed = null) : RandomInitializer(seed)
{
    /// <inheritdoc />
    public override Tensor Call(Shape shape, DType dtype = DType.Float32) => Ops.TruncatedNormal(shape, mean, stddev, NextSeed(), dtype);

    /// <inheritdoc />
    public override JsonObject GetConfig() => new() { ["mean"] = mean, ["stddev"] = stddev, ["seed"] = Seed };
}
