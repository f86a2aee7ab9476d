using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Crops the central (height, width) window of images (Keras's <c>CenterCrop</c>); the window starts at
/// <c>floor((in - out) / 2)</c>. When an image is smaller than the target on either axis it is instead
/// resized as Keras's <c>smart_resize</c> does: the largest centered window with the target aspect ratio,
/// bilinearly resized to (height, width). Inputs are batches (rank 4) or single images (rank 3); the
/// output is in the layer's dtype.
/// </summary>
public sealed class CenterCrop : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="dtype">Compute (output) dtype.</param>
    public CenterCrop(int height, int width, string dataFormat = "channels_last", Shape? inputShape = null, string? name = null, DType dtype = DType.Float32)
        : base(name, true, dtype, inputShape)
    {
        ArgumentNullException.ThrowIfNull(dataFormat);
        Ops.CheckResizeArguments(height, width, "bilinear", false, false, "constant", dataFormat, $"CenterCrop \"{Name}\"");
        if (!dtype.IsFloating())
            throw new ArgumentException($"CenterCrop \"{Name}\": dtype must be a floating dtype; got {dtype.Name()}.", nameof(dtype));
        Height = height;
        Width = width;
        DataFormat = dataFormat;
        InputSpec = new Engine.InputSpec(minRank: 3);
        Built = true;
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <summary>The data format.</summary>
    public string DataFormat { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var x = Ops.Cast(inputs, DType);
        CheckRank(x.Shape);
        int hAxis = x.Rank - (DataFormat == "channels_last" ? 3 : 2);
        int inH = x.Shape[hAxis], inW = x.Shape[hAxis + 1];
        int hDiff = inH - Height, wDiff = inW - Width;
        if (hDiff >= 0 && wDiff >= 0)
            return Ops.Slice(Ops.Slice(x, hAxis, hDiff / 2, Height), hAxis + 1, wDiff / 2, Width);
        return Ops.Resize(x, Height, Width, "bilinear", cropToAspectRatio: true, dataFormat: DataFormat);
    }

    private void CheckRank(Shape shape)
    {
        if (shape.Rank is not (3 or 4))
            throw new ArgumentException($"CenterCrop \"{Name}\": expected images of rank 3 (one image) or 4 (a batch); got shape {shape}.");
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        CheckRank(inputShape);
        int h = inputShape.Rank - (DataFormat == "channels_last" ? 3 : 2);
        return inputShape.With(h, Height).With(h + 1, Width);
    }

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static CenterCrop FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(CenterCrop));
        var (name, _, dtype) = c.LayerArgs();
        return new CenterCrop(c.RequiredInt("height"), c.RequiredInt("width"), c.String("data_format") ?? "channels_last", c.InputShape(), name, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["height"] = Height;
        c["width"] = Width;
        c["data_format"] = DataFormat;
        return c;
    }
}
