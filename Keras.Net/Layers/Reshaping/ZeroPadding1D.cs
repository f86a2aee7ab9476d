using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Adds zeros at the start and end of the steps axis (Keras's <c>ZeroPadding1D</c>): input
/// (batch, steps, features), or (batch, features, steps) with channels_first.
/// </summary>
public sealed class ZeroPadding1D : Layer
{
    private readonly (int Before, int After)[] _padding;

    /// <summary>Creates the layer with the same padding at both ends (Keras's default is 1).</summary>
    /// <param name="padding">Zeros added at the start and at the end.</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public ZeroPadding1D(int padding = 1, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : this((padding, padding), dataFormat, inputShape, name)
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="padding">(start, end): zeros added at the start and at the end.</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public ZeroPadding1D((int Start, int End) padding, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        _padding = ReshapingHelpers.CheckPairs([padding], $"ZeroPadding1D \"{Name}\"", nameof(padding));
        DataFormat = ReshapingHelpers.CheckDataFormat(dataFormat, $"ZeroPadding1D \"{Name}\"");
        InputSpec = new Engine.InputSpec(rank: 3);
        Built = true;
    }

    /// <summary>(start, end) padding.</summary>
    public (int Start, int End) Padding => _padding[0];

    /// <summary>The data format.</summary>
    public string DataFormat { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) =>
        ReshapingHelpers.Pad(inputs, _padding, ReshapingHelpers.FirstSpatialAxis(DataFormat));

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) =>
        ReshapingHelpers.PaddedShape(inputShape, _padding, ReshapingHelpers.FirstSpatialAxis(DataFormat));

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static ZeroPadding1D FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(ZeroPadding1D));
        var p = ReshapingHelpers.ReadPairs(c, "padding", 1, nameof(ZeroPadding1D)) ?? [(1, 1)];
        return new ZeroPadding1D(p[0], c.String("data_format") ?? "channels_last", c.InputShape(), c.String("name"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["padding"] = new JsonArray(_padding[0].Before, _padding[0].After);
        c["data_format"] = DataFormat;
        return c;
    }
}
