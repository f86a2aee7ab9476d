using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Randomly sets inputs to 0 with probability <c>rate</c> during training and scales the rest by
/// 1/(1 - rate); the identity at inference (Keras's <c>Dropout</c>).
/// </summary>
public sealed class Dropout : Layer
{
    private readonly SeedGenerator _seeds;

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Fraction of inputs to drop, in [0, 1).</param>
    /// <param name="seed">Seed of the dropout masks (repeatable runs).</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="noiseShape">Shape of the keep/drop mask, broadcast over the input (e.g. <c>(-1, 1, features)</c> drops whole features for all steps); -1 takes the input's size.</param>
    public Dropout(double rate, int? seed = null, string? name = null, Shape? inputShape = null, Shape? noiseShape = null)
        : base(name, true, DType.Float32, inputShape)
    {
        NoiseShape = noiseShape;
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"Dropout \"{Name}\": rate must be in [0, 1).");
        Rate = rate;
        Seed = seed;
        _seeds = new SeedGenerator(seed);
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>Fraction of inputs dropped in training.</summary>
    public double Rate { get; }

    /// <summary>The mask shape, if not the input's.</summary>
    public Shape? NoiseShape { get; }

    /// <summary>The seed given, if any.</summary>
    public int? Seed { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        if (!training || Rate == 0) return inputs;
        Tensor x = inputs;
        if (NoiseShape is null) return Ops.Dropout(x, Rate, _seeds.Next());
        if (NoiseShape.Rank != x.Rank)
            throw new ArgumentException($"Dropout \"{Name}\": noise_shape {NoiseShape} must have the rank of the input {x.Shape}.");
        var resolved = new Shape(NoiseShape.Select((d, i) => d == Shape.Unknown ? x.Shape[i] : d).ToArray());
        return Ops.Dropout(x, Rate, resolved, _seeds.Next());
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Dropout FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Dropout));
        return new Dropout(c.Double("rate", 0.5), c.IntOrNull("seed"), c.String("name"), c.InputShape(), c.Shape("noise_shape"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["rate"] = Rate;
        c["seed"] = Seed;
        c["noise_shape"] = NoiseShape is null ? null : new JsonArray(NoiseShape.Select(d => d == Shape.Unknown ? null : (JsonNode)d).ToArray());
        return c;
    }
}
