using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Alpha dropout (Keras's <c>AlphaDropout</c>), the dropout for SELU networks that keeps the inputs'
/// mean and variance: in training each element is kept with probability <c>1 - rate</c> or set to
/// <c>alpha_p = -alpha * scale</c> (SELU's negative saturation), then <c>a * x + b</c> with
/// <c>a = ((1 - rate) (1 + rate alpha_p²))^-1/2</c> and <c>b = -a alpha_p rate</c>. The identity at
/// inference.
/// </summary>
public sealed class AlphaDropout : Layer
{
    private const double SeluAlpha = 1.6732632423543772848170429916717;
    private const double SeluScale = 1.0507009873554804934193349852946;
    private readonly SeedGenerator _seeds;

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Drop probability, in [0, 1]. (Keras accepts 1 but then fails in training; so does this layer.)</param>
    /// <param name="noiseShape">Shape of the keep/drop draws, broadcast to the input (e.g. <c>(batch, 1, features)</c> to share them across steps); -1 entries take the input's size. Null: one draw per element.</param>
    /// <param name="seed">Seed of the draws (repeatable runs).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public AlphaDropout(double rate, int[]? noiseShape = null, int? seed = null, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (!(rate >= 0 && rate <= 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"AlphaDropout \"{Name}\": rate must be in [0, 1].");
        if (noiseShape is not null && noiseShape.Any(d => d < -1 || d == 0))
            throw new ArgumentException($"AlphaDropout \"{Name}\": noise_shape entries must be positive or -1 (None); got [{string.Join(", ", noiseShape)}].", nameof(noiseShape));
        Rate = rate;
        NoiseShape = noiseShape?.ToArray();
        Seed = seed;
        _seeds = new SeedGenerator(seed);
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>The drop probability.</summary>
    public double Rate { get; }

    /// <summary>The noise shape (-1 = the input's size), or null.</summary>
    public int[]? NoiseShape { get; }

    /// <summary>The seed given, if any.</summary>
    public int? Seed { get; }

    /// <summary>Keras's affine correction <c>(a, b)</c> and the dropped value <c>alpha_p</c> for a rate.</summary>
    public static (double A, double B, double AlphaP) Coefficients(double rate)
    {
        double alphaP = -SeluAlpha * SeluScale;
        double a = Math.Pow((1 - rate) * (1 + rate * alphaP * alphaP), -0.5);
        double b = -a * alphaP * rate;
        return (a, b, alphaP);
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        if (!training || Rate <= 0) return x;
        if (Rate >= 1)
            throw new InvalidOperationException($"AlphaDropout \"{Name}\": rate 1 makes the affine correction ((1 - rate) ...)^-1/2 infinite; Keras fails here too.");
        var shape = ConcreteNoiseShape(x.Shape);
        var (a, b, alphaP) = Coefficients(Rate);
        var kept = Ops.Cast(Ops.GreaterEqual(Ops.RandomUniform(shape, 0.0, 1.0, _seeds.Next()), Ops.Scalar(Rate)), x.DType);
        // x * kept + alpha_p * (1 - kept), then a * x + b.
        var dropped = Ops.Multiply(Ops.Add(Ops.Negative(kept), 1.0), alphaP);
        var y = Ops.Add(Ops.Multiply(x, kept), dropped);
        return Ops.Add(Ops.Multiply(y, a), b);
    }

    private Shape ConcreteNoiseShape(Shape input)
    {
        if (NoiseShape is null) return input;
        if (NoiseShape.Length != input.Rank)
            throw new ArgumentException($"AlphaDropout \"{Name}\": noise_shape [{string.Join(", ", NoiseShape)}] has rank {NoiseShape.Length} but the input {input} has rank {input.Rank}.");
        var dims = NoiseShape.Select((d, i) => d == -1 ? input[i] : d).ToArray();
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] != 1 && dims[i] != input[i])
                throw new ArgumentException($"AlphaDropout \"{Name}\": noise_shape {new Shape(dims)} does not broadcast to the input shape {input}.");
        }
        return new Shape(dims);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static AlphaDropout FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(AlphaDropout));
        var (name, trainable, dtype) = c.LayerArgs();
        return new AlphaDropout(c.DoubleOrNull("rate") ?? throw new FormatException("AlphaDropout config: 'rate' is missing."),
            c.Ints("noise_shape"), c.IntOrNull("seed"), c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["rate"] = Rate;
        c["seed"] = Seed;
        c["noise_shape"] = NoiseShape is null ? null : new JsonArray(NoiseShape.Select(d => d == -1 ? null : (JsonNode)d).ToArray());
        return c;
    }
}
