using Keras.Saving;
using System.Text.Json.Nodes;
using Keras.Engine;

namespace Keras.Layers;

/// <summary>
/// Spatial 1-D dropout (Keras's <c>SpatialDropout1D</c>): in training, drops whole channels of a
/// <c>(batch, steps, channels)</c> input (one draw per sample and channel, shared by every step) and
/// scales the kept ones by 1/(1 - rate); the identity at inference.
/// </summary>
public sealed class SpatialDropout1D : Layer
{
    private readonly SeedGenerator _seeds;

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Fraction of channels to drop, in [0, 1] (1 drops everything).</param>
    /// <param name="seed">Seed of the dropout masks (repeatable runs).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public SpatialDropout1D(double rate, int? seed = null, Shape? inputShape = null, string? name = null, DType dtype = DType.Float32)
        : base(name, true, dtype, inputShape)
    {
        SpatialDropout.CheckRate(rate, this);
        Rate = rate;
        Seed = seed;
        _seeds = new SeedGenerator(seed);
        InputSpec = new InputSpec(rank: 3);
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>Fraction of channels dropped in training.</summary>
    public double Rate { get; }

    /// <summary>The seed given, if any.</summary>
    public int? Seed { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) =>
        SpatialDropout.Apply(inputs, training, Rate, DType, _seeds, "channels_last");

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static SpatialDropout1D FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(SpatialDropout1D));
        return new SpatialDropout1D(c.Double("rate", 0.5), c.IntOrNull("seed"), c.InputShape(), c.String("name"), c.DType());
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => SpatialDropout.Config(this, Rate, Seed, null);
}

/// <summary>What the spatial dropout layers share.</summary>
internal static class SpatialDropout
{
    public static void CheckRate(double rate, Layer layer)
    {
        if (!(rate >= 0 && rate <= 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"{layer.GetType().Name} \"{layer.Name}\": rate must be in [0, 1].");
    }

    public static string CheckDataFormat(string dataFormat, Layer layer) => dataFormat is "channels_last" or "channels_first"
        ? dataFormat
        : throw new ArgumentException($"{layer.GetType().Name} \"{layer.Name}\": data_format must be channels_last or channels_first; got '{dataFormat}'.", nameof(dataFormat));

    /// <summary>Dropout with one draw per sample and channel (noise shape 1 along the spatial axes).</summary>
    public static Tensor Apply(Tensor x, bool training, double rate, DType dtype, SeedGenerator seeds, string dataFormat)
    {
        if (x.DType.IsFloating()) x = Ops.Cast(x, dtype);
        if (!training || rate <= 0) return x;
        // Every channel dropped: Keras's where(mask, x / 0, 0) is all zeros.
        if (rate >= 1) return Ops.ZerosLike(x);
        var dims = new int[x.Rank];
        Array.Fill(dims, 1);
        dims[0] = x.Shape[0];
        int channelAxis = dataFormat == "channels_first" ? 1 : x.Rank - 1;
        dims[channelAxis] = x.Shape[channelAxis];
        return Ops.Dropout(x, rate, new Shape(dims), seeds.Next());
    }

    /// <summary>Keras's config of the spatial dropouts: only rate, seed, name and dtype (a plain string), plus data_format for 2-D/3-D.</summary>
    public static JsonObject Config(Layer layer, double rate, int? seed, string? dataFormat)
    {
        var c = new JsonObject
        {
            ["rate"] = rate,
            ["seed"] = seed,
            ["name"] = layer.Name,
            ["dtype"] = layer.DType.Name(),
        };
        if (dataFormat is not null) c["data_format"] = dataFormat;
        return c;
    }
}
