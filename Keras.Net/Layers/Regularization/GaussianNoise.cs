using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Adds zero-centred Gaussian noise N(0, stddev²) in training (Keras's <c>GaussianNoise</c>); the
/// identity at inference.
/// </summary>
public sealed class GaussianNoise : Layer
{
    private readonly SeedGenerator _seeds;

    /// <summary>Creates the layer.</summary>
    /// <param name="stddev">Standard deviation of the noise, in [0, 1] as Keras requires.</param>
    /// <param name="seed">Seed of the noise (repeatable runs).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype (and the noise's).</param>
    public GaussianNoise(double stddev, int? seed = null, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (!(stddev >= 0 && stddev <= 1))
            throw new ArgumentOutOfRangeException(nameof(stddev), stddev, $"GaussianNoise \"{Name}\": stddev must be in [0, 1].");
        Stddev = stddev;
        Seed = seed;
        _seeds = new SeedGenerator(seed);
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>Standard deviation of the noise.</summary>
    public double Stddev { get; }

    /// <summary>The seed given, if any.</summary>
    public int? Seed { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        if (!training || Stddev <= 0) return x;
        return Ops.Add(x, Ops.RandomNormal(x.Shape, 0.0, Stddev, _seeds.Next(), DType));
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static GaussianNoise FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(GaussianNoise));
        var (name, trainable, dtype) = c.LayerArgs();
        return new GaussianNoise(c.DoubleOrNull("stddev") ?? throw new FormatException("GaussianNoise config: 'stddev' is missing."),
            c.IntOrNull("seed"), c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["stddev"] = Stddev;
        c["seed"] = Seed;
        return c;
    }
}
