namespace Keras.Backend;

public partial interface IBackend
{
    /// <summary>
    /// Resizes a float NCHW image batch to (<paramref name="height"/>, <paramref name="width"/>) by interpolation
    /// with half-pixel centers (align_corners false): <paramref name="interpolation"/> is <c>"bilinear"</c>,
    /// <c>"nearest"</c> (half-pixel nearest, torch's <c>nearest-exact</c>) or <c>"bicubic"</c> (cubic kernel a = -0.75).
    /// </summary>
    Tensor ResizeNchw(Tensor images, long height, long width, string interpolation, bool antialias);
}
