using Keras.Saving;
using System.Text.Json.Nodes;
using Keras.Engine;

namespace Keras.Layers;

/// <summary>
/// Spatial 2-D dropout (Keras's <c>SpatialDropout2D</c>): in training, drops whole feature maps of a
/// rank-4 input (one draw per sample and channel, shared by every position) and scales the kept
/// ones by 1/(1 - rate); the identity at inference.
/// </summary>
public sealed class SpatialDropout2D : Layer
{
    private readonly SeedGenerator _seeds;

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Fraction of channels to drop, in [0, 1] (1 drops everything).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default; channels on the last axis) or <c>channels_first</c> (axis 1).</param>
    /// <param name="seed">Seed of the dropout masks (repeatable runs).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public SpatialDropout2D(double rate, string dataFormat = "channels_last", int? seed = null, Shape? inputShape = null, string? name = null, DType dtype = DType.Float32)
        : base(name, true, dtype, inputShape)
    {
        SpatialDropout.CheckRate(rate, this);
        DataFormat = SpatialDropout.CheckDataFormat(dataFormat, this);
        Rate = rate;
        Seed = seed;
        _seeds = new SeedGenerator(seed);
        InputSpec = new InputSpec(rank: 4);
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>Fraction of channels dropped in training.</summary>
    public double Rate { get; }

    /// <summary>The data format.</summary>
    public string DataFormat { get; }

    /// <summary>The seed given, if any.</summary>
    public int? Seed { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) =>
        SpatialDropout.Apply(inputs, training, Rate, DType, _seeds, DataFormat);

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static SpatialDropout2D FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(SpatialDropout2D));
        return new SpatialDropout2D(c.Double("rate", 0.5), c.String("data_format") ?? "channels_last", c.IntOrNull("seed"),
            c.InputShape(), c.String("name"), c.DType());
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => SpatialDropout.Config(this, Rate, Seed, DataFormat);
}
