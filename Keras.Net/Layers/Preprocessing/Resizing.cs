using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Resizes images to (height, width) (Keras's <c>Resizing</c>) with Keras's <c>ops.image.resize</c>:
/// half-pixel centers, no antialiasing; optionally cropping or padding to the target aspect ratio first.
/// Inputs are batches (rank 4) or single images (rank 3). Float inputs are computed in the layer's dtype;
/// integer inputs are resized in float32, rounded and returned in their own dtype, as Keras does.
/// </summary>
public sealed class Resizing : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <param name="interpolation"><c>bilinear</c> (default), <c>nearest</c> or <c>bicubic</c> (Lanczos is not supported by the torch backend).</param>
    /// <param name="cropToAspectRatio">Resize the largest centered window with the target aspect ratio (no distortion).</param>
    /// <param name="padToAspectRatio">Pad the short side evenly with <paramref name="fillValue"/> to the target aspect ratio (no distortion).</param>
    /// <param name="fillMode">Only <c>constant</c>.</param>
    /// <param name="fillValue">Padding value for <paramref name="padToAspectRatio"/>.</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="dtype">Compute dtype for float inputs.</param>
    public Resizing(
        int height,
        int width,
        string interpolation = "bilinear",
        bool cropToAspectRatio = false,
        bool padToAspectRatio = false,
        string fillMode = "constant",
        double fillValue = 0.0,
        string dataFormat = "channels_last",
        Shape? inputShape = null,
        string? name = null,
        DType dtype = DType.Float32)
        : base(name, true, dtype, inputShape)
    {
        ArgumentNullException.ThrowIfNull(interpolation);
        ArgumentNullException.ThrowIfNull(fillMode);
        ArgumentNullException.ThrowIfNull(dataFormat);
        Ops.CheckResizeArguments(height, width, interpolation, cropToAspectRatio, padToAspectRatio, fillMode, dataFormat, $"Resizing \"{Name}\"");
        if (!dtype.IsFloating())
            throw new ArgumentException($"Resizing \"{Name}\": dtype must be a floating dtype; got {dtype.Name()}.", nameof(dtype));
        Height = height;
        Width = width;
        Interpolation = interpolation;
        CropToAspectRatio = cropToAspectRatio;
        PadToAspectRatio = padToAspectRatio;
        FillMode = fillMode;
        FillValue = fillValue;
        DataFormat = dataFormat;
        InputSpec = new Engine.InputSpec(minRank: 3);
        Built = true;
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <summary>The interpolation.</summary>
    public string Interpolation { get; }

    /// <summary>Whether the largest window with the target aspect ratio is resized.</summary>
    public bool CropToAspectRatio { get; }

    /// <summary>Whether the image is padded to the target aspect ratio before resizing.</summary>
    public bool PadToAspectRatio { get; }

    /// <summary>The fill mode (constant).</summary>
    public string FillMode { get; }

    /// <summary>The padding value.</summary>
    public double FillValue { get; }

    /// <summary>The data format.</summary>
    public string DataFormat { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        CheckRank(x.Shape);
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        return Ops.Resize(x, Height, Width, Interpolation, antialias: false, CropToAspectRatio, PadToAspectRatio, FillMode, FillValue, DataFormat);
    }

    private void CheckRank(Shape shape)
    {
        if (shape.Rank is not (3 or 4))
            throw new ArgumentException($"Resizing \"{Name}\": expected images of rank 3 (one image) or 4 (a batch); got shape {shape}.");
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        CheckRank(inputShape);
        int h = inputShape.Rank - (DataFormat == "channels_last" ? 3 : 2);
        return inputShape.With(h, Height).With(h + 1, Width);
    }

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) =>
        inputDTypes.Count > 0 && !inputDTypes[0].IsFloating() ? inputDTypes[0] : DType;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Resizing FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Resizing));
        var (name, _, dtype) = c.LayerArgs();
        return new Resizing(c.RequiredInt("height"), c.RequiredInt("width"), c.String("interpolation") ?? "bilinear",
            c.Bool("crop_to_aspect_ratio", false), c.Bool("pad_to_aspect_ratio", false), c.String("fill_mode") ?? "constant",
            c.Double("fill_value", 0.0), c.String("data_format") ?? "channels_last", c.InputShape(), name, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["height"] = Height;
        c["width"] = Width;
        c["interpolation"] = Interpolation;
        c["crop_to_aspect_ratio"] = CropToAspectRatio;
        c["pad_to_aspect_ratio"] = PadToAspectRatio;
        c["fill_mode"] = FillMode;
        c["fill_value"] = FillValue;
        c["data_format"] = DataFormat;
        return c;
    }
}
