using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// The windowed pooling layer shared by the MaxPooling and AveragePooling classes (Keras's
/// <c>BasePooling</c>): a max or mean over each window of the spatial axes, channel by channel.
/// </summary>
public abstract class BasePooling : Layer
{
    /// <summary>Creates the layer (see the concrete classes for the arguments).</summary>
    private protected BasePooling(int rank, bool max, Shape poolSize, Shape? strides, string padding, string? dataFormat,
        Shape? inputShape, string? name, bool trainable, DType dtype)
        : base(name, trainable, dtype, inputShape)
    {
        var label = $"{GetType().Name} \"{Name}\"";
        PoolRank = rank;
        IsMax = max;
        PoolSize = ConvLayerArgs.Tuple(poolSize, rank, "pool_size", label);
        Strides = strides is null ? PoolSize : ConvLayerArgs.Tuple(strides, rank, "strides", label);
        Padding = ConvLayerArgs.Padding(padding, false, label);
        DataFormat = ConvLayerArgs.DataFormat(dataFormat, label);
        InputSpec = new InputSpec(rank: rank + 2);
        Built = true;
    }

    /// <summary>The number of spatial dimensions (1, 2 or 3).</summary>
    public int PoolRank { get; }

    /// <summary>True for max pooling, false for average pooling.</summary>
    private protected bool IsMax { get; }

    public IReadOnlyList<int> PoolSize { get; }
    /// <summary>The strides (the pool size when none are given).</summary>
    public IReadOnlyList<int> Strides { get; }
    /// <summary><c>valid</c> or <c>same</c>.</summary>
    public string Padding { get; }
    /// <summary><c>channels_last</c> or <c>channels_first</c>.</summary>
    public string DataFormat { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        return IsMax
            ? Ops.MaxPool(x, [.. PoolSize], [.. Strides], Padding, DataFormat)
            : Ops.AveragePool(x, [.. PoolSize], [.. Strides], Padding, DataFormat);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) =>
        ConvMath.PoolOutputShape(inputShape, [.. PoolSize], [.. Strides], Padding, DataFormat == "channels_last");

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["pool_size"] = ConvLayerArgs.Json(PoolSize);
        c["padding"] = Padding;
        c["strides"] = ConvLayerArgs.Json(Strides);
        c["data_format"] = DataFormat;
        return c;
    }

    /// <summary>Reads a pooling config (Keras 3 or 2).</summary>
    private protected static (ConfigReader Reader, Shape PoolSize, Shape? Strides, string Padding, string? DataFormat, string? Name, bool Trainable, DType DType, Shape? InputShape)
        ReadConfig(JsonObject config, string owner, int rank)
    {
        var c = new ConfigReader(config, owner);
        var (name, trainable, dtype) = c.LayerArgs();
        var pool = ConvLayerArgs.ReadTuple(c, "pool_size", rank) ?? new Shape(Enumerable.Repeat(2, rank).ToArray());
        return (c, pool, ConvLayerArgs.ReadTuple(c, "strides", rank), c.String("padding") ?? "valid", c.String("data_format"), name, trainable, dtype, c.InputShape());
    }
}

/// <summary>
/// The global pooling layer shared by the GlobalMaxPooling and GlobalAveragePooling classes (Keras's
/// <c>BaseGlobalPooling</c>): a max or mean over all spatial axes; <c>keepdims</c> keeps them with size 1.
/// </summary>
public abstract class BaseGlobalPooling : Layer
{
    /// <summary>Creates the layer (see the concrete classes for the arguments).</summary>
    private protected BaseGlobalPooling(int rank, string? dataFormat, bool keepdims, Shape? inputShape, string? name, bool trainable, DType dtype)
        : base(name, trainable, dtype, inputShape)
    {
        PoolRank = rank;
        DataFormat = ConvLayerArgs.DataFormat(dataFormat, $"{GetType().Name} \"{Name}\"");
        Keepdims = keepdims;
        InputSpec = new InputSpec(rank: rank + 2);
        Built = true;
    }

    /// <summary>The number of spatial dimensions (1, 2 or 3).</summary>
    public int PoolRank { get; }

    /// <summary><c>channels_last</c> or <c>channels_first</c>.</summary>
    public string DataFormat { get; }

    /// <summary>Whether the spatial axes are kept (with size 1).</summary>
    public bool Keepdims { get; }

    /// <summary>The spatial axes of the input.</summary>
    private protected int[] SpatialAxes => DataFormat == "channels_last"
        ? Enumerable.Range(1, PoolRank).ToArray()
        : Enumerable.Range(2, PoolRank).ToArray();

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        var spatial = SpatialAxes;
        if (Keepdims) return new Shape(inputShape.Select((d, i) => spatial.Contains(i) ? 1 : d).ToArray());
        return new Shape(inputShape.Where((_, i) => !spatial.Contains(i)).ToArray());
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["data_format"] = DataFormat;
        c["keepdims"] = Keepdims;
        return c;
    }

    /// <summary>Reads a global pooling config (Keras 3, or Keras 2 where <c>keepdims</c> may be absent).</summary>
    private protected static (string? DataFormat, bool Keepdims, Shape? InputShape, string? Name, bool Trainable, DType DType) ReadConfig(JsonObject config, string owner)
    {
        var c = new ConfigReader(config, owner);
        var (name, trainable, dtype) = c.LayerArgs();
        return (c.String("data_format"), c.Bool("keepdims", false), c.InputShape(), name, trainable, dtype);
    }
}
