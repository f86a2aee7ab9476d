using Keras.Layers;

namespace Keras.Net.Tests.Layers.Reshaping;

/// <summary>Every reshaping layer through the shared harness.</summary>
[TestClass]
public class ReshapingHarnessTests
{
    [TestMethod]
    public void ReshapeLayer() => LayerHarness.Run(() => new Reshape((3, 4)), new Shape(2, 12), new Shape(2, 3, 4));

    [TestMethod]
    public void ReshapeInferred() => LayerHarness.Run(() => new Reshape(new[] { -1, 2, 2 }), new Shape(2, 3, 4), new Shape(2, 3, 2, 2));

    [TestMethod]
    public void PermuteLayer() => LayerHarness.Run(() => new Permute([3, 1, 2]), new Shape(2, 3, 4, 5), new Shape(2, 5, 3, 4));

    [TestMethod]
    public void RepeatVectorLayer() => LayerHarness.Run(() => new RepeatVector(3), new Shape(2, 4), new Shape(2, 3, 4));

    [TestMethod]
    public void Cropping1DLayer() => LayerHarness.Run(() => new Cropping1D((1, 2)), new Shape(2, 6, 3), new Shape(2, 3, 3));

    [TestMethod]
    public void Cropping2DLayer() => LayerHarness.Run(() => new Cropping2D(((1, 1), (2, 0))), new Shape(2, 5, 6, 3), new Shape(2, 3, 4, 3));

    [TestMethod]
    public void Cropping2DChannelsFirst() =>
        LayerHarness.Run(() => new Cropping2D((1, 2), dataFormat: "channels_first"), new Shape(2, 3, 5, 6), new Shape(2, 3, 3, 2));

    [TestMethod]
    public void Cropping3DLayer() => LayerHarness.Run(() => new Cropping3D(), new Shape(2, 4, 5, 6, 2), new Shape(2, 2, 3, 4, 2));

    [TestMethod]
    public void Cropping3DChannelsFirst() =>
        LayerHarness.Run(() => new Cropping3D(((0, 1), (1, 0), (2, 1)), "channels_first"), new Shape(1, 2, 4, 5, 6), new Shape(1, 2, 3, 4, 3));

    [TestMethod]
    public void UpSampling1DLayer() => LayerHarness.Run(() => new UpSampling1D(3), new Shape(2, 4, 3), new Shape(2, 12, 3));

    [TestMethod]
    public void UpSampling2DNearest() => LayerHarness.Run(() => new UpSampling2D((2, 3)), new Shape(2, 3, 4, 2), new Shape(2, 6, 12, 2));

    [TestMethod]
    public void UpSampling2DBilinear() =>
        LayerHarness.Run(() => new UpSampling2D(2, interpolation: "bilinear"), new Shape(2, 3, 4, 2), new Shape(2, 6, 8, 2));

    [TestMethod]
    public void UpSampling2DBicubicChannelsFirst() =>
        LayerHarness.Run(() => new UpSampling2D((2, 1), "channels_first", "bicubic"), new Shape(2, 2, 3, 4), new Shape(2, 2, 6, 4));

    [TestMethod]
    public void UpSampling3DLayer() => LayerHarness.Run(() => new UpSampling3D((1, 2, 3)), new Shape(1, 2, 3, 2, 2), new Shape(1, 2, 6, 6, 2));

    [TestMethod]
    public void ZeroPadding1DLayer() => LayerHarness.Run(() => new ZeroPadding1D((2, 1)), new Shape(2, 4, 3), new Shape(2, 7, 3));

    [TestMethod]
    public void ZeroPadding1DChannelsFirst() =>
        LayerHarness.Run(() => new ZeroPadding1D(1, "channels_first"), new Shape(2, 4, 3), new Shape(2, 4, 5));

    [TestMethod]
    public void ZeroPadding2DLayer() => LayerHarness.Run(() => new ZeroPadding2D(((1, 2), (2, 1))), new Shape(2, 3, 4, 2), new Shape(2, 6, 7, 2));

    [TestMethod]
    public void ZeroPadding3DLayer() => LayerHarness.Run(() => new ZeroPadding3D((1, 0, 2), "channels_first"), new Shape(1, 2, 2, 3, 2), new Shape(1, 2, 4, 3, 6));
}
