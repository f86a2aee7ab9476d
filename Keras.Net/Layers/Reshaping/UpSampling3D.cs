using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>Repeats the three spatial axes of 3D inputs by integer factors (Keras's <c>UpSampling3D</c>).</summary>
public sealed class UpSampling3D : Layer
{
    private readonly int[] _size;

    /// <summary>Creates the layer with the same factor for the three axes.</summary>
    /// <param name="size">Upsampling factor (Keras's default is 2).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public UpSampling3D(int size = 2, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : this((size, size, size), dataFormat, inputShape, name)
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="size">(dim1 factor, dim2 factor, dim3 factor).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public UpSampling3D((int Dim1, int Dim2, int Dim3) size, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        var owner = $"UpSampling3D \"{Name}\"";
        _size = ReshapingHelpers.CheckPositive([size.Dim1, size.Dim2, size.Dim3], owner, nameof(size));
        DataFormat = ReshapingHelpers.CheckDataFormat(dataFormat, owner);
        InputSpec = new Engine.InputSpec(rank: 5);
        Built = true;
    }

    /// <summary>(dim1 factor, dim2 factor, dim3 factor).</summary>
    public (int Dim1, int Dim2, int Dim3) Size => (_size[0], _size[1], _size[2]);

    /// <summary>The data format.</summary>
    public string DataFormat { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        int first = ReshapingHelpers.FirstSpatialAxis(DataFormat);
        for (int i = 0; i < 3; i++) x = Ops.Repeat(x, _size[i], first + i);
        return x;
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) =>
        ReshapingHelpers.UpsampledShape(inputShape, _size, ReshapingHelpers.FirstSpatialAxis(DataFormat));

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static UpSampling3D FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(UpSampling3D));
        var size = c.Ints("size", 3) ?? [2, 2, 2];
        if (size.Length != 3) throw new FormatException($"UpSampling3D config: 'size' should hold 3 integers; got {size.Length}.");
        return new UpSampling3D((size[0], size[1], size[2]), c.String("data_format") ?? "channels_last", c.InputShape(), c.String("name"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["size"] = ReshapingHelpers.IntsJson(_size);
        c["data_format"] = DataFormat;
        return c;
    }
}
