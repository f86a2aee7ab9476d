using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Adds zeros around 3D inputs (volumes) (Keras's <c>ZeroPadding3D</c>): input
/// (batch, dim1, dim2, dim3, channels), or (batch, channels, dim1, dim2, dim3) with channels_first.
/// </summary>
public sealed class ZeroPadding3D : Layer
{
    private readonly (int Before, int After)[] _padding;

    /// <summary>Creates the layer with the same padding on every side (Keras's default is 1).</summary>
    /// <param name="padding">Zeros added on each side of each spatial axis.</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public ZeroPadding3D(int padding = 1, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : this(((padding, padding), (padding, padding), (padding, padding)), dataFormat, inputShape, name)
    {
    }

    /// <summary>Creates the layer with symmetric padding per axis.</summary>
    /// <param name="padding">(symmetric dim1 padding, symmetric dim2 padding, symmetric dim3 padding).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public ZeroPadding3D((int Dim1, int Dim2, int Dim3) padding, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : this(((padding.Dim1, padding.Dim1), (padding.Dim2, padding.Dim2), (padding.Dim3, padding.Dim3)), dataFormat, inputShape, name)
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="padding">((dim1 start, dim1 end), (dim2 start, dim2 end), (dim3 start, dim3 end)).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public ZeroPadding3D(((int, int) Dim1, (int, int) Dim2, (int, int) Dim3) padding, string dataFormat = "channels_last",
        Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        _padding = ReshapingHelpers.CheckPairs([padding.Dim1, padding.Dim2, padding.Dim3], $"ZeroPadding3D \"{Name}\"", nameof(padding));
        DataFormat = ReshapingHelpers.CheckDataFormat(dataFormat, $"ZeroPadding3D \"{Name}\"");
        InputSpec = new Engine.InputSpec(rank: 5);
        Built = true;
    }

    /// <summary>((dim1 start, dim1 end), (dim2 start, dim2 end), (dim3 start, dim3 end)).</summary>
    public ((int, int) Dim1, (int, int) Dim2, (int, int) Dim3) Padding => (_padding[0], _padding[1], _padding[2]);

    /// <summary>The data format.</summary>
    public string DataFormat { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) =>
        ReshapingHelpers.Pad(inputs, _padding, ReshapingHelpers.FirstSpatialAxis(DataFormat));

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) =>
        ReshapingHelpers.PaddedShape(inputShape, _padding, ReshapingHelpers.FirstSpatialAxis(DataFormat));

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static ZeroPadding3D FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(ZeroPadding3D));
        var p = ReshapingHelpers.ReadPairs(c, "padding", 3, nameof(ZeroPadding3D)) ?? [(1, 1), (1, 1), (1, 1)];
        return new ZeroPadding3D((p[0], p[1], p[2]), c.String("data_format") ?? "channels_last", c.InputShape(), c.String("name"));
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
