using Keras.Layers;

namespace Keras.Net.Tests.Layers.Reshaping;

/// <summary>Reshaping layers against hand-computed values and naive index loops.</summary>
[TestClass]
public class ReshapingNumericTests
{
    private static Tensor Iota(Shape shape) => Ops.Constant(ImageReference.Iota((int)shape.Size), shape);

    [TestMethod]
    public void ReshapeKeepsRowMajorOrderAndInfersMinusOne()
    {
        using var scope = Ops.Scope();
        var y = new Reshape(new[] { 2, -1 }).Apply(Iota(new Shape(3, 2, 3)));
        Assert.AreEqual(new Shape(3, 2, 3), y.Shape);
        CollectionAssert.AreEqual(ImageReference.Iota(18), y.ToArray<float>());
        Assert.AreEqual(new Shape(5, 2, 3), new Reshape(new[] { 2, -1 }).ComputeOutputShape(new Shape(5, 6)));
        Assert.AreEqual(new Shape(-1, 2, -1), new Reshape(new[] { 2, -1 }).ComputeOutputShape(new Shape(-1, -1, 3)));
    }

    [TestMethod]
    public void ReshapeRejectsMismatchedSizesAndBadTargets()
    {
        using var scope = Ops.Scope();
        var x = Iota(new Shape(2, 12));
        var e = Assert.ThrowsExactly<ArgumentException>(() => new Reshape((5, 2)).Apply(x));
        StringAssert.Contains(e.Message, "total size");
        StringAssert.Contains(e.Message, "(2, 12)");
        Assert.ThrowsExactly<ArgumentException>(() => new Reshape(new[] { 5, -1 }).Apply(x));
        Assert.ThrowsExactly<ArgumentException>(() => new Reshape(new[] { -1, -1 }));
        Assert.ThrowsExactly<ArgumentException>(() => new Reshape(new[] { 0, 12 }));
    }

    [TestMethod]
    public void PermuteMovesAxesAsKerasOneBasedDims()
    {
        using var scope = Ops.Scope();
        var x = Iota(new Shape(2, 3, 4, 5));
        var y = new Permute([3, 1, 2]).Apply(x).ToArray<float>();
        var input = x.ToArray<float>();
        // out[b, k, i, j] = in[b, i, j, k]
        for (int b = 0; b < 2; b++)
        for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
        for (int k = 0; k < 5; k++)
            Assert.AreEqual(input[((b * 3 + i) * 4 + j) * 5 + k], y[((b * 5 + k) * 3 + i) * 4 + j]);
        Assert.ThrowsExactly<ArgumentException>(() => new Permute([1, 3]));
        Assert.ThrowsExactly<ArgumentException>(() => new Permute([0, 1]));
        Assert.ThrowsExactly<ArgumentException>(() => new Permute([2, 1]).Apply(x));
    }

    [TestMethod]
    public void RepeatVectorRepeatsEachSample()
    {
        using var scope = Ops.Scope();
        var y = new RepeatVector(3).Apply(Ops.Constant([1f, 2f, 3f, 4f], new Shape(2, 2)));
        Assert.AreEqual(new Shape(2, 3, 2), y.Shape);
        CollectionAssert.AreEqual(new[] { 1f, 2f, 1f, 2f, 1f, 2f, 3f, 4f, 3f, 4f, 3f, 4f }, y.ToArray<float>());
    }

    [TestMethod]
    public void Cropping1DRemovesStartAndEndSteps()
    {
        using var scope = Ops.Scope();
        // Keras docstring example: (2, 3, 2) arange, cropping=1 -> [[[2, 3]], [[8, 9]]].
        var y = new Cropping1D(1).Apply(Iota(new Shape(2, 3, 2)));
        Assert.AreEqual(new Shape(2, 1, 2), y.Shape);
        CollectionAssert.AreEqual(new[] { 2f, 3f, 8f, 9f }, y.ToArray<float>());
        var z = new Cropping1D((0, 2)).Apply(Iota(new Shape(1, 4, 1)));
        CollectionAssert.AreEqual(new[] { 0f, 1f }, z.ToArray<float>());
        Assert.ThrowsExactly<ArgumentException>(() => new Cropping1D((2, 2)).Apply(Iota(new Shape(1, 4, 1))));
        Assert.ThrowsExactly<ArgumentException>(() => new Cropping1D(-1));
    }

    [TestMethod]
    public void Cropping2DMatchesIndexWindowInBothFormats()
    {
        using var scope = Ops.Scope();
        const int n = 2, h = 5, w = 6, c = 3;
        var data = ImageReference.Iota(n * h * w * c);
        var x = Ops.Constant(data, new Shape(n, h, w, c));
        var y = new Cropping2D(((1, 2), (0, 3))).Apply(x);
        Assert.AreEqual(new Shape(n, 2, 3, c), y.Shape);
        CollectionAssert.AreEqual(ImageReference.Window(data, n, h, w, c, 1, 0, 2, 3), y.ToArray<float>());

        var xf = Ops.Constant(ImageReference.ToChannelsFirst(data, n, h, w, c), new Shape(n, c, h, w));
        var yf = new Cropping2D(((1, 2), (0, 3)), "channels_first").Apply(xf);
        Assert.AreEqual(new Shape(n, c, 2, 3), yf.Shape);
        CollectionAssert.AreEqual(ImageReference.ToChannelsFirst(ImageReference.Window(data, n, h, w, c, 1, 0, 2, 3), n, 2, 3, c), yf.ToArray<float>());

        var e = Assert.ThrowsExactly<ArgumentException>(() => new Cropping2D(((3, 2), (0, 0))).Apply(x));
        StringAssert.Contains(e.Message, "cropping");
    }

    [TestMethod]
    public void Cropping3DMatchesIndexLoop()
    {
        using var scope = Ops.Scope();
        var x = Iota(new Shape(1, 4, 5, 6, 2));
        var input = x.ToArray<float>();
        var y = new Cropping3D(((1, 0), (2, 1), (0, 3))).Apply(x);
        Assert.AreEqual(new Shape(1, 3, 2, 3, 2), y.Shape);
        var output = y.ToArray<float>();
        int p = 0;
        for (int d = 0; d < 3; d++)
        for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
        for (int k = 0; k < 2; k++)
            Assert.AreEqual(input[(((d + 1) * 5 + i + 2) * 6 + j) * 2 + k], output[p++]);
    }

    [TestMethod]
    public void ZeroPadding2DMatchesIndexLoopInBothFormats()
    {
        using var scope = Ops.Scope();
        const int n = 2, h = 3, w = 4, c = 2, top = 1, bottom = 2, left = 2, right = 1;
        var data = ImageReference.Iota(n * h * w * c, 1f).Select(v => v + 1f).ToArray();
        int oh = h + top + bottom, ow = w + left + right;
        var expected = new float[n * oh * ow * c];
        for (int b = 0; b < n; b++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        for (int k = 0; k < c; k++)
        {
            bool inside = i >= top && i < top + h && j >= left && j < left + w;
            expected[((b * oh + i) * ow + j) * c + k] = inside ? data[((b * h + i - top) * w + j - left) * c + k] : 0f;
        }
        var y = new ZeroPadding2D(((top, bottom), (left, right))).Apply(Ops.Constant(data, new Shape(n, h, w, c)));
        Assert.AreEqual(new Shape(n, oh, ow, c), y.Shape);
        CollectionAssert.AreEqual(expected, y.ToArray<float>());

        var yf = new ZeroPadding2D(((top, bottom), (left, right)), "channels_first")
            .Apply(Ops.Constant(ImageReference.ToChannelsFirst(data, n, h, w, c), new Shape(n, c, h, w)));
        CollectionAssert.AreEqual(ImageReference.ToChannelsFirst(expected, n, oh, ow, c), yf.ToArray<float>());
        Assert.ThrowsExactly<ArgumentException>(() => new ZeroPadding2D((1, -1)));
    }

    [TestMethod]
    public void ZeroPadding1DAnd3DPadTheRightAxes()
    {
        using var scope = Ops.Scope();
        // Keras docstring: (2, 2, 3) arange, padding=2 -> two zero rows before and after each sample.
        var y = new ZeroPadding1D(2).Apply(Iota(new Shape(2, 2, 3))).ToArray<float>();
        var expected1 = new float[2 * 6 * 3];
        for (int b = 0; b < 2; b++)
        for (int t = 0; t < 2; t++)
        for (int k = 0; k < 3; k++)
            expected1[(b * 6 + t + 2) * 3 + k] = (b * 2 + t) * 3 + k;
        CollectionAssert.AreEqual(expected1, y);

        var yf = new ZeroPadding1D((1, 0), "channels_first").Apply(Ops.Constant([1f, 2f, 3f, 4f], new Shape(1, 2, 2)));
        CollectionAssert.AreEqual(new[] { 0f, 1f, 2f, 0f, 3f, 4f }, yf.ToArray<float>());

        var z = new ZeroPadding3D(((1, 0), (0, 1), (0, 0))).Apply(Ops.Constant([5f], new Shape(1, 1, 1, 1, 1)));
        Assert.AreEqual(new Shape(1, 2, 2, 1, 1), z.Shape);
        CollectionAssert.AreEqual(new[] { 0f, 0f, 5f, 0f }, z.ToArray<float>());
    }

    [TestMethod]
    public void NearestUpSamplingRepeatsEntries()
    {
        using var scope = Ops.Scope();
        // Keras docstring: UpSampling1D(2) on (2, 2, 3) arange repeats each step twice.
        var y1 = new UpSampling1D(2).Apply(Iota(new Shape(1, 2, 3)));
        CollectionAssert.AreEqual(new[] { 0f, 1f, 2f, 0f, 1f, 2f, 3f, 4f, 5f, 3f, 4f, 5f }, y1.ToArray<float>());

        const int n = 2, h = 2, w = 3, c = 2;
        var data = ImageReference.Iota(n * h * w * c);
        var y2 = new UpSampling2D((3, 2)).Apply(Ops.Constant(data, new Shape(n, h, w, c)));
        var out2 = y2.ToArray<float>();
        for (int b = 0; b < n; b++)
        for (int i = 0; i < 3 * h; i++)
        for (int j = 0; j < 2 * w; j++)
        for (int k = 0; k < c; k++)
            Assert.AreEqual(data[((b * h + i / 3) * w + j / 2) * c + k], out2[((b * 3 * h + i) * 2 * w + j) * c + k]);

        var y2f = new UpSampling2D((3, 2), "channels_first").Apply(Ops.Constant(ImageReference.ToChannelsFirst(data, n, h, w, c), new Shape(n, c, h, w)));
        CollectionAssert.AreEqual(ImageReference.ToChannelsFirst(out2, n, 3 * h, 2 * w, c), y2f.ToArray<float>());

        var x3 = Iota(new Shape(1, 2, 2, 2, 1));
        var in3 = x3.ToArray<float>();
        var out3 = new UpSampling3D((2, 1, 3)).Apply(x3).ToArray<float>();
        for (int d = 0; d < 4; d++)
        for (int i = 0; i < 2; i++)
        for (int j = 0; j < 6; j++)
            Assert.AreEqual(in3[((d / 2) * 2 + i) * 2 + j / 3], out3[(d * 2 + i) * 6 + j]);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new UpSampling1D(0));
        Assert.ThrowsExactly<ArgumentException>(() => new UpSampling2D((2, 0)));
    }

    [TestMethod]
    public void BilinearUpSamplingUsesHalfPixelCenters()
    {
        using var scope = Ops.Scope();
        // Hand-computed: rows/cols sample at -0.25, 0.25, 0.75, 1.25 -> weights clamp at the borders.
        var y = new UpSampling2D(2, interpolation: "bilinear").Apply(Ops.Constant([0f, 1f, 2f, 3f], new Shape(1, 2, 2, 1)));
        float[] expected =
        [
            0f, 0.25f, 0.75f, 1f,
            0.5f, 0.75f, 1.25f, 1.5f,
            1.5f, 1.75f, 2.25f, 2.5f,
            2f, 2.25f, 2.75f, 3f,
        ];
        TestUtil.AssertClose(expected, y.ToArray<float>(), 1e-6, "bilinear 2x2 -> 4x4");

        const int n = 2, h = 3, w = 4, c = 2;
        var data = TestUtil.RandomFloats(n * h * w * c, 11);
        var x = Ops.Constant(data, new Shape(n, h, w, c));
        var reference = ImageReference.Bilinear(data, n, h, w, c, 2 * h, 3 * w);
        TestUtil.AssertClose(reference, new UpSampling2D((2, 3), interpolation: "BILINEAR").Apply(x).ToArray<float>(), 1e-5, "bilinear (2, 3)");
        var xf = Ops.Constant(ImageReference.ToChannelsFirst(data, n, h, w, c), new Shape(n, c, h, w));
        TestUtil.AssertClose(ImageReference.ToChannelsFirst(reference, n, 2 * h, 3 * w, c),
            new UpSampling2D((2, 3), "channels_first", "bilinear").Apply(xf).ToArray<float>(), 1e-5, "bilinear channels_first");
    }

    [TestMethod]
    public void BicubicUpSamplingMatchesCubicConvolutionLoop()
    {
        using var scope = Ops.Scope();
        const int n = 1, h = 4, w = 3, c = 2;
        var data = TestUtil.RandomFloats(n * h * w * c, 12);
        var y = new UpSampling2D((2, 3), interpolation: "bicubic").Apply(Ops.Constant(data, new Shape(n, h, w, c)));
        TestUtil.AssertClose(ImageReference.Bicubic(data, n, h, w, c, 2 * h, 3 * w), y.ToArray<float>(), 1e-5, "bicubic");
        Assert.ThrowsExactly<ArgumentException>(() => new UpSampling2D(2, interpolation: "lanczos3"));
        Assert.ThrowsExactly<ArgumentException>(() => new UpSampling2D(2, interpolation: "area"));
    }

    [TestMethod]
    public void ConfigsUseKerasKeysAndForms()
    {
        var pad = new ZeroPadding2D(((1, 2), (2, 1))).GetConfig();
        Assert.AreEqual("[[1,2],[2,1]]", pad["padding"]!.ToJsonString());
        Assert.AreEqual("channels_last", (string)pad["data_format"]!);
        var up = new UpSampling2D(2).GetConfig();
        Assert.AreEqual("[2,2]", up["size"]!.ToJsonString());
        Assert.AreEqual("nearest", (string)up["interpolation"]!);
        Assert.AreEqual("[1,1]", new Cropping1D().GetConfig()["cropping"]!.ToJsonString());
        Assert.AreEqual("[[1,1],[1,1],[1,1]]", new Cropping3D().GetConfig()["cropping"]!.ToJsonString());
        Assert.AreEqual("[4,6]", new Reshape((4, 6)).GetConfig()["target_shape"]!.ToJsonString());
        Assert.AreEqual("[2,1]", new Permute([2, 1]).GetConfig()["dims"]!.ToJsonString());

        // Keras 3.15 configs (from the conv_variants and misc_core fixtures) and the int form.
        var c2 = (Cropping2D)Keras.Saving.KerasObjects.Layer("Cropping2D",
            System.Text.Json.Nodes.JsonNode.Parse("""{"name": "cropping2d", "cropping": [[1, 1], [2, 0]], "data_format": "channels_last"}""")!.AsObject());
        Assert.AreEqual(((1, 1), (2, 0)), c2.Cropping);
        var z2 = (ZeroPadding2D)Keras.Saving.KerasObjects.Layer("ZeroPadding2D",
            System.Text.Json.Nodes.JsonNode.Parse("""{"name": "zp", "padding": 3}""")!.AsObject());
        Assert.AreEqual(((3, 3), (3, 3)), z2.Padding);
        var z3 = (ZeroPadding3D)Keras.Saving.KerasObjects.Layer("ZeroPadding3D",
            System.Text.Json.Nodes.JsonNode.Parse("""{"name": "zp3", "padding": [1, 2, 3]}""")!.AsObject());
        Assert.AreEqual(((1, 1), (2, 2), (3, 3)), z3.Padding);
        var u = (UpSampling2D)Keras.Saving.KerasObjects.Layer("UpSampling2D",
            System.Text.Json.Nodes.JsonNode.Parse("""{"name": "up", "size": {"__tuple__": true, "items": [2, 3]}, "interpolation": "bilinear"}""")!.AsObject());
        Assert.AreEqual((2, 3), u.Size);
        Assert.AreEqual("bilinear", u.Interpolation);
    }
}
