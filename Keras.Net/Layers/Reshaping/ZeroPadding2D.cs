using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Adds rows and columns of zeros around 2D inputs (images) (Keras's <c>ZeroPadding2D</c>): input
/// (batch, height, width, channels), or (batch, channels, height, width) with channels_first.
/// </summary>
public sealed class ZeroPadding2D : Layer
{
    private readonly (int Before, int After)[] _padding;

    /// <summary>Creates the layer with the same padding on every side (Keras's default is 1).</summary>
    /// <param name="padding">Rows/columns of zeros added on each side.</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public ZeroPadding2D(int padding = 1, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : this(((padding, padding), (padding, padding)), dataFormat, inputShape, name)
    {
    }

    /// <summary>Creates the layer with symmetric padding per axis.</summary>
    /// <param name="padding">(symmetric height padding, symmetric width padding).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public ZeroPadding2D((int Height, int Width) padding, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : this(((padding.Height, padding.Height), (padding.Width, padding.Width)), dataFormat, inputShape, name)
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="padding">((top, bottom), (left, right)).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public ZeroPadding2D(((int Top, int Bottom) Height, (int Left, int Right) Width) padding, string dataFormat = "channels_last",
        Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        _padding = ReshapingHelpers.CheckPairs([padding.Height, padding.Width], $"ZeroPadding2D \"{Name}\"", nameof(padding));
        DataFormat = ReshapingHelpers.CheckDataFormat(dataFormat, $"ZeroPadding2D \"{Name}\"");
        InputSpec = new Engine.InputSpec(rank: 4);
        Built = true;
    }

    /// <summary>((top, bottom), (left, right)).</summary>
    public ((int Top, int Bottom) Height, (int Left, int Right) Width) Padding => (_padding[0], _padding[1]);

    /// <summary>The data format.</summary>
    public string DataFormat { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) =>
        ReshapingHelpers.Pad(inputs, _padding, ReshapingHelpers.FirstSpatialAxis(DataFormat));

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) =>
        ReshapingHelpers.PaddedShape(inputShape, _padding, ReshapingHelpers.FirstSpatialAxis(DataFormat));

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static ZeroPadding2D FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(ZeroPadding2D));
        var p = ReshapingHelpers.ReadPairs(c, "padding", 2, nameof(ZeroPadding2D)) ?? [(1, 1), (1, 1)];
        return new ZeroPadding2D((p[0], p[1]), c.String("data_format") ?? "channels_last", c.InputShape(), c.String("name"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["padding"] = ReshapingHelpers.PairsJson(_padding);
        c["data_format"] = DataFormat;
        return c;
    }
}
