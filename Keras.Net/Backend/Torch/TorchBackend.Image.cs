using TorchSharp;
using static TorchSharp.torch;

namespace Keras.Backend.Torch;

internal sealed partial class TorchBackend
{
    public Tensor ResizeNchw(Tensor images, long height, long width, string interpolation, bool antialias)
    {
        var (mode, alignCorners) = interpolation switch
        {
            "bilinear" => (InterpolationMode.Bilinear, (bool?)false),
            "bicubic" => (InterpolationMode.Bicubic, (bool?)false),
            "nearest" => (InterpolationMode.NearestExact, (bool?)null),
            _ => throw new ArgumentException($"Unsupported interpolation '{interpolation}'; expected bilinear, nearest or bicubic.", nameof(interpolation)),
        };
        // Antialiasing only applies to the linear and cubic modes (as in Keras's torch backend).
        bool aa = antialias && mode != InterpolationMode.NearestExact;
        return W(torch.nn.functional.interpolate(T(images), [height, width], mode: mode, align_corners: alignCorners, antialias: aa));
    }
}
