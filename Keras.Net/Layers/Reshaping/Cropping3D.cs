using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Crops the borders of 3D inputs (volumes) (Keras's <c>Cropping3D</c>): input
/// (batch, dim1, dim2, dim3, channels), or (batch, channels, dim1, dim2, dim3) with channels_first.
/// </summary>
public sealed class Cropping3D : Layer
{
    private readonly (int Before, int After)[] _cropping;

    /// <summary>Creates the layer with the same cropping on every side (Keras's default is 1).</summary>
    /// <param name="cropping">Entries removed on each side of each spatial axis.</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public Cropping3D(int cropping = 1, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : this(((cropping, cropping), (cropping, cropping), (cropping, cropping)), dataFormat, inputShape, name)
    {
    }

    /// <summary>Creates the layer with symmetric cropping per axis.</summary>
    /// <param name="cropping">(symmetric dim1 crop, symmetric dim2 crop, symmetric dim3 crop).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public Cropping3D((int Dim1, int Dim2, int Dim3) cropping, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : this(((cropping.Dim1, cropping.Dim1), (cropping.Dim2, cropping.Dim2), (cropping.Dim3, cropping.Dim3)), dataFormat, inputShape, name)
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="cropping">((dim1 start, dim1 end), (dim2 start, dim2 end), (dim3 start, dim3 end)).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public Cropping3D(((int, int) Dim1, (int, int) Dim2, (int, int) Dim3) cropping, string dataFormat = "channels_last",
        Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        _cropping = ReshapingHelpers.CheckPairs([cropping.Dim1, cropping.Dim2, cropping.Dim3], $"Cropping3D \"{Name}\"", nameof(cropping));
        DataFormat = ReshapingHelpers.CheckDataFormat(dataFormat, $"Cropping3D \"{Name}\"");
        InputSpec = new Engine.InputSpec(rank: 5);
        Built = true;
    }

    /// <summary>((dim1 start, dim1 end), (dim2 start, dim2 end), (dim3 start, dim3 end)).</summary>
    public ((int, int) Dim1, (int, int) Dim2, (int, int) Dim3) Cropping => (_cropping[0], _cropping[1], _cropping[2]);

    /// <summary>The data format.</summary>
    public string DataFormat { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) =>
        ReshapingHelpers.Crop(inputs, _cropping, ReshapingHelpers.FirstSpatialAxis(DataFormat), $"Cropping3D \"{Name}\"");

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) =>
        ReshapingHelpers.CroppedShape(inputShape, _cropping, ReshapingHelpers.FirstSpatialAxis(DataFormat), $"Cropping3D \"{Name}\"");

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Cropping3D FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Cropping3D));
        var p = ReshapingHelpers.ReadPairs(c, "cropping", 3, nameof(Cropping3D)) ?? [(1, 1), (1, 1), (1, 1)];
        return new Cropping3D((p[0], p[1], p[2]), c.String("data_format") ?? "channels_last", c.InputShape(), c.String("name"));
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
