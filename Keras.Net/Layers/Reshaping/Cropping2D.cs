using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Crops rows and columns off the borders of 2D inputs (images) (Keras's <c>Cropping2D</c>): input
/// (batch, height, width, channels), or (batch, channels, height, width) with channels_first.
/// </summary>
public sealed class Cropping2D : Layer
{
    private readonly (int Before, int After)[] _cropping;

    /// <summary>Creates the layer with the same cropping on every side (Keras's default is 0).</summary>
    /// <param name="cropping">Rows/columns removed on each side.</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public Cropping2D(int cropping = 0, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : this(((cropping, cropping), (cropping, cropping)), dataFormat, inputShape, name)
    {
    }

    /// <summary>Creates the layer with symmetric cropping per axis.</summary>
    /// <param name="cropping">(symmetric height crop, symmetric width crop).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public Cropping2D((int Height, int Width) cropping, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : this(((cropping.Height, cropping.Height), (cropping.Width, cropping.Width)), dataFormat, inputShape, name)
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="cropping">((top, bottom), (left, right)).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public Cropping2D(((int Top, int Bottom) Height, (int Left, int Right) Width) cropping, string dataFormat = "channels_last",
        Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        _cropping = ReshapingHelpers.CheckPairs([cropping.Height, cropping.Width], $"Cropping2D \"{Name}\"", nameof(cropping));
        DataFormat = ReshapingHelpers.CheckDataFormat(dataFormat, $"Cropping2D \"{Name}\"");
        InputSpec = new Engine.InputSpec(rank: 4);
        Built = true;
    }

    /// <summary>((top, bottom), (left, right)).</summary>
    public ((int Top, int Bottom) Height, (int Left, int Right) Width) Cropping => (_cropping[0], _cropping[1]);

    /// <summary>The data format.</summary>
    public string DataFormat { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) =>
        ReshapingHelpers.Crop(inputs, _cropping, ReshapingHelpers.FirstSpatialAxis(DataFormat), $"Cropping2D \"{Name}\"");

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) =>
        ReshapingHelpers.CroppedShape(inputShape, _cropping, ReshapingHelpers.FirstSpatialAxis(DataFormat), $"Cropping2D \"{Name}\"");

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Cropping2D FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Cropping2D));
        var p = ReshapingHelpers.ReadPairs(c, "cropping", 2, nameof(Cropping2D)) ?? [(0, 0), (0, 0)];
        return new Cropping2D((p[0], p[1]), c.String("data_format") ?? "channels_last", c.InputShape(), c.String("name"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["cropping"] = ReshapingHelpers.PairsJson(_cropping);
        c["data_format"] = DataFormat;
        return c;
    }
}
