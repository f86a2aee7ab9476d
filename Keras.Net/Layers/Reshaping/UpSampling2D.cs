using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Upsamples 2D inputs (images) by integer factors (Keras's <c>UpSampling2D</c>). <c>nearest</c> repeats rows
/// and columns; <c>bilinear</c> and <c>bicubic</c> resize with half-pixel centers as Keras's
/// <c>ops.image.resize</c> (torch's <c>interpolate</c> with <c>align_corners=False</c>, no antialiasing).
/// </summary>
public sealed class UpSampling2D : Layer
{
    private readonly int[] _size;

    /// <summary>Creates the layer with the same factor for rows and columns.</summary>
    /// <param name="size">Upsampling factor (Keras's default is 2).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="interpolation"><c>nearest</c> (default), <c>bilinear</c> or <c>bicubic</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public UpSampling2D(int size = 2, string dataFormat = "channels_last", string interpolation = "nearest", Shape? inputShape = null, string? name = null)
        : this((size, size), dataFormat, interpolation, inputShape, name)
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="size">(row factor, column factor).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="interpolation"><c>nearest</c> (default), <c>bilinear</c> or <c>bicubic</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public UpSampling2D((int Rows, int Cols) size, string dataFormat = "channels_last", string interpolation = "nearest", Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        var owner = $"UpSampling2D \"{Name}\"";
        _size = ReshapingHelpers.CheckPositive([size.Rows, size.Cols], owner, nameof(size));
        DataFormat = ReshapingHelpers.CheckDataFormat(dataFormat, owner);
        ArgumentNullException.ThrowIfNull(interpolation);
        Interpolation = interpolation.ToLowerInvariant();
        if (Interpolation != "nearest")
            Ops.CheckResizeArguments(1, 1, Interpolation, false, false, "constant", DataFormat, owner);
        InputSpec = new Engine.InputSpec(rank: 4);
        Built = true;
    }

    /// <summary>(row factor, column factor).</summary>
    public (int Rows, int Cols) Size => (_size[0], _size[1]);

    /// <summary>The data format.</summary>
    public string DataFormat { get; }

    /// <summary>The interpolation (lower case).</summary>
    public string Interpolation { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        int first = ReshapingHelpers.FirstSpatialAxis(DataFormat);
        if (Interpolation == "nearest")
            return Ops.Repeat(Ops.Repeat(x, _size[0], first), _size[1], first + 1);
        return Ops.Resize(x, x.Shape[first] * _size[0], x.Shape[first + 1] * _size[1], Interpolation, dataFormat: DataFormat);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) =>
        ReshapingHelpers.UpsampledShape(inputShape, _size, ReshapingHelpers.FirstSpatialAxis(DataFormat));

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static UpSampling2D FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(UpSampling2D));
        var size = c.Ints("size", 2) ?? [2, 2];
        if (size.Length != 2) throw new FormatException($"UpSampling2D config: 'size' should hold 2 integers; got {size.Length}.");
        return new UpSampling2D((size[0], size[1]), c.String("data_format") ?? "channels_last", c.String("interpolation") ?? "nearest",
            c.InputShape(), c.String("name"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["size"] = ReshapingHelpers.IntsJson(_size);
        c["data_format"] = DataFormat;
        c["interpolation"] = Interpolation;
        return c;
    }
}
