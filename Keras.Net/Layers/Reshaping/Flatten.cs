using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>Flattens every axis but the batch axis (Keras's <c>Flatten</c>).</summary>
public sealed class Flatten : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c> (channels are moved last before flattening, as Keras does).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public Flatten(string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        if (dataFormat is not ("channels_last" or "channels_first"))
            throw new ArgumentException($"Flatten \"{Name}\": data_format must be channels_last or channels_first; got '{dataFormat}'.", nameof(dataFormat));
        DataFormat = dataFormat;
        InputSpec = new Engine.InputSpec(minRank: 1);
        Built = true;
    }

    /// <summary>The data format.</summary>
    public string DataFormat { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (DataFormat == "channels_first" && x.Rank > 2)
            x = Ops.Transpose(x, [0, .. Enumerable.Range(2, x.Rank - 2), 1]);
        return x.Rank == 1 ? Ops.ExpandDims(x, 1) : Ops.Reshape(x, x.Shape[0], -1);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        var rest = inputShape.Slice(1);
        int flat = rest.IsFullyDefined ? checked((int)rest.Size) : Shape.Unknown;
        return new Shape(inputShape[0], flat);
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Flatten FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Flatten));
        return new Flatten(c.String("data_format") ?? "channels_last", c.InputShape(), c.String("name"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["data_format"] = DataFormat;
        return c;
    }
}
