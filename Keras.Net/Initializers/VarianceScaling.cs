using System.Text.Json.Nodes;

namespace Keras.Initializers;

/// <summary>
/// Keras's <c>VarianceScaling</c>: scale / fan (fan_in, fan_out or their mean), drawn from a
/// truncated normal, a normal or a uniform distribution. The Glorot, He and LeCun initializers are
/// instances of it.
/// </summary>
public class VarianceScaling : RandomInitializer
{
    /// <summary>Creates the initializer (mode: fan_in | fan_out | fan_avg; distribution: truncated_normal | untruncated_normal | uniform).</summary>
    public VarianceScaling(double scale = 1.0, string mode = "fan_in", string distribution = "truncated_normal", int? seed = null)
        : base(seed)
    {
        ArgumentNullException.ThrowIfNull(mode);
        ArgumentNullException.ThrowIfNull(distribution);
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "VarianceScaling: scale must be positive.");
        if (mode is not ("fan_in" or "fan_out" or "fan_avg"))
            throw new ArgumentException($"VarianceScaling: mode must be fan_in, fan_out or fan_avg; got '{mode}'.", nameof(mode));
        distribution = distribution.ToLowerInvariant();
        if (distribution == "normal") distribution = "truncated_normal";
        if (distribution is not ("truncated_normal" or "untruncated_normal" or "uniform"))
            throw new ArgumentException($"VarianceScaling: distribution must be truncated_normal, untruncated_normal or uniform; got '{distribution}'.", nameof(distribution));
        Scale = scale;
        Mode = mode;
        Distribution = distribution;
    }

    public double Scale { get; }
    public string Mode { get; }
    public string Distribution { get; }

    /// <inheritdoc />
    public override string ClassName => GetType() == typeof(VarianceScaling) ? "VarianceScaling" : GetType().Name;

    /// <inheritdoc />
    public override Tensor Call(Shape shape, DType dtype = DType.Float32)
    {
        var (fanIn, fanOut) = ComputeFans(shape);
        var fan = Mode switch { "fan_in" => fanIn, "fan_out" => fanOut, _ => (fanIn + fanOut) / 2.0 };
        var scale = Scale / Math.Max(1.0, fan);
        return Distribution switch
        {
            // 0.8796… is the stddev of a unit normal truncated to [-2, 2].
            "truncated_normal" => Ops.TruncatedNormal(shape, 0.0, Math.Sqrt(scale) / 0.87962566103423978, NextSeed(), dtype),
            "untruncated_normal" => Ops.RandomNormal(shape, 0.0, Math.Sqrt(scale), NextSeed(), dtype),
            _ => Ops.RandomUniform(shape, -Math.Sqrt(3.0 * scale), Math.Sqrt(3.0 * scale), NextSeed(), dtype),
        };
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => GetType() == typeof(VarianceScaling)
        ? new() { ["scale"] = Scale, ["mode"] = Mode, ["distribution"] = Distribution, ["seed"] = Seed }
        : base.GetConfig();
}

/// <summary>Glorot (Xavier) uniform: limit sqrt(6 / (fan_in + fan_out)).</summary>
public sealed class GlorotUniform(int? seed = null) : VarianceScaling(1.0, "fan_avg", "uniform", seed);

/// <summary>Glorot (Xavier) normal: truncated normal, stddev sqrt(2 / (fan_in + fan_out)).</summary>
public sealed class GlorotNormal(int? seed = null) : VarianceScaling(1.0, "fan_avg", "truncated_normal", seed);

/// <summary>He uniform: limit sqrt(6 / fan_in).</summary>
public sealed class HeUniform(int? seed = null) : VarianceScaling(2.0, "fan_in", "uniform", seed);

/// <summary>He normal: truncated normal, stddev sqrt(2 / fan_in).</summary>
public sealed class HeNormal(int? seed = null) : VarianceScaling(2.0, "fan_in", "truncated_normal", seed);

/// <summary>LeCun uniform: limit sqrt(3 / fan_in).</summary>
public sealed class LecunUniform(int? seed = null) : VarianceScaling(1.0, "fan_in", "uniform", seed);

/// <summary>LeCun normal: truncated normal, stddev sqrt(1 / fan_in).</summary>
public sealed class LecunNormal(int? seed = null) : VarianceScaling(1.0, "fan_in", "truncated_normal", seed);
