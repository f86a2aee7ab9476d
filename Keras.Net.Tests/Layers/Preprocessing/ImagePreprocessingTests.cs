using Keras.Data;
using Keras.Layers;
using Keras.Net.Tests.Layers.Reshaping;

namespace Keras.Net.Tests.Layers.Preprocessing;

/// <summary>Rescaling, Resizing and CenterCrop against hand-computed values and naive loops.</summary>
[TestClass]
public class ImagePreprocessingTests
{
    [TestMethod]
    public void RescalingScalesThenOffsetsInFloat32()
    {
        using var scope = Ops.Scope();
        var ints = new[] { 0, 1, 127, 128, 255, 42 };
        var x = Ops.FromHost(HostArray.Create(ints, 2, 3));
        var y = new Rescaling(1.0 / 127.5, offset: -1).Apply(x);
        Assert.AreEqual(DType.Float32, y.DType);
        var expected = ints.Select(v => (float)(v * (float)(1.0 / 127.5)) + -1f).ToArray();
        TestUtil.AssertClose(expected, y.ToArray<float>(), 1e-7, "x / 127.5 - 1");

        var perChannel = new Rescaling(new[] { 2.0, -1.0, 0.5 }, new[] { 0.0, 1.0, -2.0 }).Apply(Ops.Constant(ImageReference.Iota(6), new Shape(2, 3)));
        CollectionAssert.AreEqual(new[] { 0f, 0f, -1f, 6f, -3f, 0.5f }, perChannel.ToArray<float>());
        var config = new Rescaling(new[] { 2.0, 3.0 }).GetConfig();
        Assert.AreEqual("[2,3]", config["scale"]!.ToJsonString());
        Assert.AreEqual(0.0, (double)config["offset"]!);
        var numpyScale = (Rescaling)Keras.Saving.KerasObjects.Layer("Rescaling", System.Text.Json.Nodes.JsonNode.Parse(
            """{"name": "r", "scale": {"class_name": "__numpy__", "config": {"value": [0.5, 0.25], "dtype": "float32"}}, "offset": 1}""")!.AsObject());
        CollectionAssert.AreEqual(new[] { 0.5, 0.25 }, numpyScale.Scale.ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => new Rescaling(double.NaN));
    }

    [TestMethod]
    public void ResizingBilinearNearestAndBicubicMatchLoops()
    {
        using var scope = Ops.Scope();
        const int n = 2, h = 6, w = 8, c = 2;
        var data = TestUtil.RandomFloats(n * h * w * c, 31);
        var x = Ops.Constant(data, new Shape(n, h, w, c));
        // Downsampling (no antialiasing in Keras's Resizing) and upsampling, both half-pixel.
        TestUtil.AssertClose(ImageReference.Bilinear(data, n, h, w, c, 4, 3), new Resizing(4, 3).Apply(x).ToArray<float>(), 1e-5, "bilinear down");
        TestUtil.AssertClose(ImageReference.Bilinear(data, n, h, w, c, 9, 11), new Resizing(9, 11).Apply(x).ToArray<float>(), 1e-5, "bilinear up");
        CollectionAssert.AreEqual(ImageReference.Nearest(data, n, h, w, c, 4, 5), new Resizing(4, 5, "nearest").Apply(x).ToArray<float>(), "nearest down");
        CollectionAssert.AreEqual(ImageReference.Nearest(data, n, h, w, c, 9, 13), new Resizing(9, 13, "nearest").Apply(x).ToArray<float>(), "nearest up");
        TestUtil.AssertClose(ImageReference.Bicubic(data, n, h, w, c, 10, 5), new Resizing(10, 5, "bicubic").Apply(x).ToArray<float>(), 1e-5, "bicubic");

        var xf = Ops.Constant(ImageReference.ToChannelsFirst(data, n, h, w, c), new Shape(n, c, h, w));
        TestUtil.AssertClose(ImageReference.ToChannelsFirst(ImageReference.Bilinear(data, n, h, w, c, 4, 3), n, 4, 3, c),
            new Resizing(4, 3, dataFormat: "channels_first").Apply(xf).ToArray<float>(), 1e-5, "bilinear channels_first");

        // One image (rank 3) gives the batch's first image.
        var single = new Resizing(4, 3).Apply(Ops.Constant(data[..(h * w * c)], new Shape(h, w, c)));
        Assert.AreEqual(new Shape(4, 3, c), single.Shape);
        TestUtil.AssertClose(ImageReference.Bilinear(data[..(h * w * c)], 1, h, w, c, 4, 3), single.ToArray<float>(), 1e-5, "single image");
    }

    [TestMethod]
    public void ResizingCropToAspectRatioTakesTheCenteredWindow()
    {
        using var scope = Ops.Scope();
        const int n = 1, h = 5, w = 8, c = 1;
        var data = TestUtil.RandomFloats(n * h * w * c, 32);
        // Target 4x4 (square): window 5x5 starting at column floor((8 - 5) / 2) = 1.
        var expected = ImageReference.Bilinear(ImageReference.Window(data, n, h, w, c, 0, 1, 5, 5), n, 5, 5, c, 4, 4);
        var y = new Resizing(4, 4, cropToAspectRatio: true).Apply(Ops.Constant(data, new Shape(n, h, w, c)));
        TestUtil.AssertClose(expected, y.ToArray<float>(), 1e-5, "crop to aspect ratio");
    }

    [TestMethod]
    public void ResizingPadToAspectRatioFillsBothSides()
    {
        using var scope = Ops.Scope();
        const int h = 4, w = 4, c = 2;
        var data = ImageReference.Iota(h * w * c).Select(v => v + 1f).ToArray();
        // 4x4 to 4x8: two columns of 0.5 on each side, then a same-size (identity) resize.
        var y = new Resizing(4, 8, padToAspectRatio: true, fillValue: 0.5).Apply(Ops.Constant(data, new Shape(1, h, w, c))).ToArray<float>();
        for (int i = 0; i < h; i++)
        for (int j = 0; j < 8; j++)
        for (int k = 0; k < c; k++)
        {
            float expected = j is < 2 or >= 6 ? 0.5f : data[(i * w + j - 2) * c + k];
            Assert.AreEqual(expected, y[(i * 8 + j) * c + k], 1e-6, $"({i}, {j}, {k})");
        }
        // 2x4 to 4x4: one row of fill above and below.
        var tall = new Resizing(4, 4, padToAspectRatio: true).Apply(Ops.Ones(new Shape(1, 2, 4, 1))).ToArray<float>();
        CollectionAssert.AreEqual(new float[] { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 }, tall);
    }

    [TestMethod]
    public void ResizingIntegerImagesRoundsAndKeepsTheDType()
    {
        using var scope = Ops.Scope();
        const int h = 3, w = 4;
        var rng = new Random(5);
        var bytes = Enumerable.Range(0, h * w).Select(_ => (byte)rng.Next(256)).ToArray();
        var y = new Resizing(6, 8).Apply(Ops.FromHost(HostArray.Create(bytes, 1, h, w, 1)));
        Assert.AreEqual(DType.UInt8, y.DType);
        var reference = ImageReference.Bilinear(bytes.Select(b => (float)b).ToArray(), 1, h, w, 1, 6, 8);
        CollectionAssert.AreEqual(reference.Select(v => (byte)Math.Round(v, MidpointRounding.ToEven)).ToArray(), y.ToArray<byte>());
    }

    [TestMethod]
    public void ResizingRejectsUnsupportedArguments()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new Resizing(2, 2, cropToAspectRatio: true, padToAspectRatio: true));
        Assert.ThrowsExactly<ArgumentException>(() => new Resizing(2, 2, "lanczos3"));
        Assert.ThrowsExactly<ArgumentException>(() => new Resizing(2, 2, "area"));
        Assert.ThrowsExactly<ArgumentException>(() => new Resizing(2, 2, fillMode: "reflect"));
        Assert.ThrowsExactly<ArgumentException>(() => new Resizing(2, 2, dataFormat: "nhwc"));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Resizing(0, 2));
        using var scope = Ops.Scope();
        Assert.ThrowsExactly<ArgumentException>(() => new Resizing(2, 2).Apply(Ops.Zeros(new Shape(2, 3, 4, 5, 1))));
    }

    [TestMethod]
    public void CenterCropTakesTheCentralWindow()
    {
        using var scope = Ops.Scope();
        const int n = 2, h = 7, w = 8, c = 2;
        var data = ImageReference.Iota(n * h * w * c);
        var y = new CenterCrop(3, 5).Apply(Ops.Constant(data, new Shape(n, h, w, c)));
        Assert.AreEqual(new Shape(n, 3, 5, c), y.Shape);
        // Start (floor(4 / 2), floor(3 / 2)) = (2, 1).
        CollectionAssert.AreEqual(ImageReference.Window(data, n, h, w, c, 2, 1, 3, 5), y.ToArray<float>());

        var xf = Ops.Constant(ImageReference.ToChannelsFirst(data, n, h, w, c), new Shape(n, c, h, w));
        CollectionAssert.AreEqual(ImageReference.ToChannelsFirst(ImageReference.Window(data, n, h, w, c, 2, 1, 3, 5), n, 3, 5, c),
            new CenterCrop(3, 5, "channels_first").Apply(xf).ToArray<float>());

        var ints = new CenterCrop(1, 1).Apply(Ops.FromHost(HostArray.Create(new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 3, 3, 1)));
        Assert.AreEqual(DType.Float32, ints.DType);
        CollectionAssert.AreEqual(new[] { 5f }, ints.ToArray<float>());
    }

    [TestMethod]
    public void CenterCropOfASmallerImageResizesTheLargestAspectWindow()
    {
        using var scope = Ops.Scope();
        const int n = 1, h = 4, w = 5, c = 1;
        var data = TestUtil.RandomFloats(n * h * w * c, 33);
        // Target 6x4 (taller than the 4-row input): window 4x2 (4 * 4 / 6 = 2 columns) from column floor(3 / 2) = 1, bilinear to 6x4.
        var expected = ImageReference.Bilinear(ImageReference.Window(data, n, h, w, c, 0, 1, 4, 2), n, 4, 2, c, 6, 4);
        var y = new CenterCrop(6, 4).Apply(Ops.Constant(data, new Shape(n, h, w, c)));
        Assert.AreEqual(new Shape(n, 6, 4, c), y.Shape);
        TestUtil.AssertClose(expected, y.ToArray<float>(), 1e-5, "smart resize");
    }
}
