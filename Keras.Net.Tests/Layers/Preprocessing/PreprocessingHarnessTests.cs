using Keras.Layers;

namespace Keras.Net.Tests.Layers.Preprocessing;

// Keras.Layers.Normalization, even if a sibling test namespace named Normalization exists.
using Normalization = global::Keras.Layers.Normalization;

/// <summary>Every preprocessing layer through the shared harness.</summary>
[TestClass]
public class PreprocessingHarnessTests
{
    [TestMethod]
    public void RescalingLayer() => LayerHarness.Run(() => new Rescaling(1.0 / 255, offset: -0.5), new Shape(2, 3, 4), new Shape(2, 3, 4));

    [TestMethod]
    public void RescalingPerChannel() =>
        LayerHarness.Run(() => new Rescaling(new[] { 0.5, 2.0, -1.0 }, new[] { 1.0, 0.0, 0.25 }), new Shape(2, 4, 3), new Shape(2, 4, 3));

    [TestMethod]
    public void RescalingIntegerInputs() => LayerHarness.Run(() => new Rescaling(0.5), new LayerExpectation
    {
        InputShapes = [new Shape(2, 5)],
        OutputShape = new Shape(2, 5),
        InputDTypes = [DType.Int32],
        IntegerInputRange = 255,
    });

    [TestMethod]
    public void NormalizationAdaptable() => LayerHarness.Run(() => new Normalization(), new LayerExpectation
    {
        InputShapes = [new Shape(3, 4)],
        OutputShape = new Shape(3, 4),
        NonTrainableShapes = [new Shape(4), new Shape(4), Shape.Scalar],
    });

    [TestMethod]
    public void NormalizationSeveralAxes() => LayerHarness.Run(() => new Normalization([1, -1]), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3, 5, 4)],
        OutputShape = new Shape(2, 3, 5, 4),
        NonTrainableShapes = [new Shape(3, 4), new Shape(3, 4), Shape.Scalar],
    });

    [TestMethod]
    public void NormalizationGivenStatistics() =>
        LayerHarness.Run(() => new Normalization(mean: new[] { 1.0, 2.0, 3.0 }, variance: new[] { 4.0, 1.0, 0.25 }, invert: true),
            new Shape(2, 3), new Shape(2, 3));

    [TestMethod]
    public void ResizingBilinear() => LayerHarness.Run(() => new Resizing(5, 3), new Shape(2, 4, 6, 3), new Shape(2, 5, 3, 3));

    [TestMethod]
    public void ResizingNearestChannelsFirst() =>
        LayerHarness.Run(() => new Resizing(3, 7, "nearest", dataFormat: "channels_first"), new Shape(2, 2, 4, 5), new Shape(2, 2, 3, 7));

    [TestMethod]
    public void ResizingBicubicCropToAspectRatio() =>
        LayerHarness.Run(() => new Resizing(4, 4, "bicubic", cropToAspectRatio: true), new Shape(2, 5, 8, 1), new Shape(2, 4, 4, 1));

    [TestMethod]
    public void ResizingPadToAspectRatio() =>
        LayerHarness.Run(() => new Resizing(4, 8, padToAspectRatio: true, fillValue: 0.5), new Shape(1, 4, 4, 2), new Shape(1, 4, 8, 2));

    [TestMethod]
    public void CenterCropLayer() => LayerHarness.Run(() => new CenterCrop(3, 4), new Shape(2, 6, 7, 2), new Shape(2, 3, 4, 2));

    [TestMethod]
    public void CenterCropSmallerInputResizes() =>
        LayerHarness.Run(() => new CenterCrop(6, 4, "channels_first"), new Shape(2, 3, 4, 5), new Shape(2, 3, 6, 4));
}
