namespace Keras;

public static partial class Ops
{
    private static readonly string[] ResizeInterpolations = ["bilinear", "nearest", "bicubic"];

    /// <summary>
    /// Resizes images to (<paramref name="height"/>, <paramref name="width"/>) (Keras's <c>ops.image.resize</c>,
    /// as its torch backend computes it). Interpolation uses half-pixel centers (<c>align_corners=False</c>):
    /// <c>"bilinear"</c>, <c>"nearest"</c> (the source pixel <c>floor((i + 0.5) * in / out)</c>) or
    /// <c>"bicubic"</c> (cubic convolution with a = -0.75). Images are rank 4 (batched) or rank 3 (one image).
    /// Integer images are resized in float32, rounded and cast back; other float dtypes than float32/float64
    /// are resized in float32 and cast back.
    /// </summary>
    /// <param name="images">Images, <c>(batch, h, w, c)</c> / <c>(h, w, c)</c> or channels first.</param>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <param name="interpolation"><c>bilinear</c>, <c>nearest</c> or <c>bicubic</c>.</param>
    /// <param name="antialias">Low-pass filter when downsampling (bilinear and bicubic only).</param>
    /// <param name="cropToAspectRatio">Take the largest centered window with the target aspect ratio before resizing.</param>
    /// <param name="padToAspectRatio">Pad the short side evenly with <paramref name="fillValue"/> to the target aspect ratio before resizing.</param>
    /// <param name="fillMode">Only <c>constant</c>.</param>
    /// <param name="fillValue">Value of the padding of <paramref name="padToAspectRatio"/>.</param>
    /// <param name="dataFormat"><c>channels_last</c> or <c>channels_first</c>.</param>
    public static Tensor Resize(
        Tensor images,
        int height,
        int width,
        string interpolation = "bilinear",
        bool antialias = false,
        bool cropToAspectRatio = false,
        bool padToAspectRatio = false,
        string fillMode = "constant",
        double fillValue = 0.0,
        string dataFormat = "channels_last")
    {
        ArgumentNullException.ThrowIfNull(images);
        CheckResizeArguments(height, width, interpolation, cropToAspectRatio, padToAspectRatio, fillMode, dataFormat, "resize");
        if (images.Rank is not (3 or 4))
            throw new ArgumentException($"resize: expected rank 3 (one image) or rank 4 (batch of images); got shape {images.Shape}.", nameof(images));

        using var scope = Scope();
        var x = images;
        bool squeeze = x.Rank == 3;
        if (squeeze) x = ExpandDims(x, 0);
        var outDType = x.DType;
        bool cast = outDType is not (DType.Float32 or DType.Float64);
        if (cast) x = Cast(x, DType.Float32);
        bool channelsLast = dataFormat == "channels_last";
        if (channelsLast) x = Transpose(x, 0, 3, 1, 2);

        long h = x.Shape[2], w = x.Shape[3];
        if (cropToAspectRatio)
        {
            var (top, left, cropH, cropW) = AspectRatioCrop(h, w, height, width);
            x = Slice(Slice(x, 2, top, cropH), 3, left, cropW);
        }
        else if (padToAspectRatio)
        {
            long padH = Math.Max(h, (long)((double)(w * height) / width));
            long padW = Math.Max(w, (long)((double)(h * width) / height));
            int top = (int)((double)(padH - h) / 2);
            int left = (int)((double)(padW - w) / 2);
            // As Keras: the same number of rows (columns) on both sides.
            if (top > 0)
            {
                var band = Full(new Shape(x.Shape[0], x.Shape[1], top, x.Shape[3]), fillValue, x.DType);
                x = Concatenate([band, x, band], 2);
            }
            if (left > 0)
            {
                var band = Full(new Shape(x.Shape[0], x.Shape[1], x.Shape[2], left), fillValue, x.DType);
                x = Concatenate([band, x, band], 3);
            }
        }

        x = B.ResizeNchw(x, height, width, interpolation, antialias);
        if (interpolation == "bicubic" && outDType == DType.UInt8) x = Clip(x, 0, 255);
        if (channelsLast) x = Transpose(x, 0, 2, 3, 1);
        if (squeeze) x = Squeeze(x, 0);
        if (cast)
        {
            if (!outDType.IsFloating() && outDType != DType.Bool) x = Round(x);
            x = Cast(x, outDType);
        }
        return scope.Keep(x);
    }

    /// <summary>
    /// The largest centered window of an (h, w) image with the aspect ratio of (targetHeight, targetWidth),
    /// as Keras computes it (<c>smart_resize</c>, <c>crop_to_aspect_ratio</c>): (top, left, height, width).
    /// </summary>
    internal static (long Top, long Left, long Height, long Width) AspectRatioCrop(long h, long w, int targetHeight, int targetWidth)
    {
        long cropH = Math.Max(Math.Min(h, (long)((double)(w * targetHeight) / targetWidth)), 1);
        long cropW = Math.Max(Math.Min(w, (long)((double)(h * targetWidth) / targetHeight)), 1);
        long top = (long)((double)(h - cropH) / 2);
        long left = (long)((double)(w - cropW) / 2);
        return (top, left, cropH, cropW);
    }

    internal static void CheckResizeArguments(int height, int width, string interpolation, bool cropToAspectRatio, bool padToAspectRatio,
        string fillMode, string dataFormat, string owner)
    {
        if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, $"{owner}: height must be a positive integer.");
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, $"{owner}: width must be a positive integer.");
        if (interpolation is "lanczos3" or "lanczos5")
            throw new ArgumentException($"{owner}: interpolation '{interpolation}' is not supported by the torch backend (as in Keras's torch backend); use bilinear, nearest or bicubic.", nameof(interpolation));
        if (Array.IndexOf(ResizeInterpolations, interpolation) < 0)
            throw new ArgumentException($"{owner}: interpolation must be one of bilinear, nearest, bicubic; got '{interpolation}'.", nameof(interpolation));
        if (fillMode != "constant")
            throw new ArgumentException($"{owner}: fill_mode must be 'constant' (the only mode supported); got '{fillMode}'.", nameof(fillMode));
        if (cropToAspectRatio && padToAspectRatio)
            throw new ArgumentException($"{owner}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be true.");
        if (dataFormat is not ("channels_last" or "channels_first"))
            throw new ArgumentException($"{owner}: data_format must be channels_last or channels_first; got '{dataFormat}'.", nameof(dataFormat));
    }
}
