using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Multiplies by 1-centred Gaussian noise N(1, rate / (1 - rate)) in training (Keras's
/// <c>GaussianDropout</c>); the identity at inference.
/// </summary>
public sealed class GaussianDropout : Layer
{
    private readonly SeedGenerator _seeds;

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Drop probability as with Dropout, in [0, 1); the noise's standard deviation is <c>sqrt(rate / (1 - rate))</c>. (Keras accepts 1 but then fails in training; so does this layer.)</param>
    /// <param name="seed">Seed of the noise (repeatable runs).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype (and the noise's).</param>
    public GaussianDropout(double rate, int? seed = null, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (!(rate >= 0 && rate <= 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"GaussianDropout \"{Name}\": rate must be in [0, 1].");
        Rate = rate;
        Seed = seed;
        _seeds = new SeedGenerator(seed);
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>The drop probability.</summary>
    public double Rate { get; }

    /// <summary>The seed given, if any.</summary>
    public int? Seed { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        if (!training || Rate <= 0) return x;
        if (Rate >= 1)
            throw new InvalidOperationException($"GaussianDropout \"{Name}\": rate 1 gives noise of infinite standard deviation (rate / (1 - rate)); Keras fails here too.");
        double stddev = Math.Sqrt(Rate / (1.0 - Rate));
        return Ops.Multiply(x, Ops.RandomNormal(x.Shape, 1.0, stddev, _seeds.Next(), DType));
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static GaussianDropout FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(GaussianDropout));
        var (name, trainable, dtype) = c.LayerArgs();
        return new GaussianDropout(c.DoubleOrNull("rate") ?? throw new FormatException("GaussianDropout config: 'rate' is missing."),
            c.IntOrNull("seed"), c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["rate"] = Rate;
        c["seed"] = Seed;
        return c;
    }
}
