using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Layers;

namespace Keras.Net.Tests.Layers.Activations;

[TestClass]
public class ActivationLayerTests
{
    private static readonly float[] Ramp = [-10f, -5f, -1.5f, -0.5f, 0f, 0.5f, 1f, 1.5f, 2f, 5f, 6f, 7f, 10f];

    private static float[] Run(Layer layer, float[] x, Shape? shape = null, Tensors? mask = null)
    {
        using var scope = Ops.Scope();
        var input = Ops.Constant(x, shape ?? new Shape(x.Length));
        return layer.Apply(new Tensors(input), mask: mask)[0].ToArray<float>();
    }

    // ---------------------------------------------------------------- harness

    [TestMethod]
    public void ReLUHarness() => LayerHarness.Run(() => new ReLU(maxValue: 0.8, negativeSlope: 0.1, threshold: 0.2), new Shape(3, 4), new Shape(3, 4));

    [TestMethod]
    public void LeakyReLUHarness() => LayerHarness.Run(() => new LeakyReLU(), new Shape(2, 5), new Shape(2, 5));

    [TestMethod]
    public void PReLUHarness() => LayerHarness.Run(() => new PReLU(alphaInitializer: new Keras.Initializers.Constant(0.25)), new Shape(2, 3, 4), new Shape(2, 3, 4), new Shape(3, 4));

    [TestMethod]
    public void PReLUSharedAxesHarness() =>
        LayerHarness.Run(() => new PReLU(sharedAxes: [1, 2]), new Shape(2, 3, 4, 5), new Shape(2, 3, 4, 5), new Shape(1, 1, 5));

    [TestMethod]
    public void ELUHarness() => LayerHarness.Run(() => new ELU(0.7), new Shape(3, 2), new Shape(3, 2));

    [TestMethod]
    public void SoftmaxHarness() => LayerHarness.Run(() => new Softmax(axis: 1), new Shape(2, 4, 3), new Shape(2, 4, 3));

    [TestMethod]
    public void SoftmaxSeveralAxesHarness() => LayerHarness.Run(() => new Softmax([1, 2]), new Shape(2, 4, 3), new Shape(2, 4, 3));

    [TestMethod]
    public void ThresholdedReLUHarness() => LayerHarness.Run(() => new ThresholdedReLU(0.3), new Shape(4, 3), new Shape(4, 3));

    // ---------------------------------------------------------------- ReLU

    // The piecewise function Keras's activations.relu computes: above the threshold x clipped to
    // [0, max_value]; at or below it negative_slope * (x - threshold).
    private static float ReluReference(float x, double slope, double? max, double threshold) =>
        x > threshold ? (float)Math.Min(Math.Max(x, 0), max ?? double.PositiveInfinity) : (float)(slope * (x - threshold));

    [TestMethod]
    [DataRow(0.0, -1.0, 0.0)]
    [DataRow(0.0, 6.0, 0.0)]
    [DataRow(0.0, 4.0, 0.0)]
    [DataRow(0.2, -1.0, 0.0)]
    [DataRow(0.5, 10.0, 0.0)]
    [DataRow(0.0, -1.0, 1.5)]
    [DataRow(0.3, -1.0, 1.5)]
    [DataRow(0.3, 5.0, 1.5)]
    [DataRow(0.3, 6.0, 1.0)]
    [DataRow(0.1, 1.0, 2.0)]
    public void ReLUMatchesKerasPiecewiseFormula(double slope, double maxOrNone, double threshold)
    {
        double? max = maxOrNone < 0 ? null : maxOrNone;
        var expected = Ramp.Select(x => ReluReference(x, slope, max, threshold)).ToArray();
        TestUtil.AssertClose(expected, Run(new ReLU(max, slope, threshold), Ramp), 1e-6, $"ReLU(max={max}, slope={slope}, threshold={threshold})");
    }

    [TestMethod]
    public void ReLUDocstringExample() =>
        CollectionAssert.AreEqual(new[] { -5f, -2.5f, 0f, 5f, 10f }, Run(new ReLU(maxValue: 10, negativeSlope: 0.5, threshold: 0), [-10f, -5f, 0f, 5f, 10f]));

    [TestMethod]
    public void ReLUArgumentsAreValidated()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ReLU(maxValue: -1)).Message, "max_value");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ReLU(negativeSlope: -0.1)).Message, "negative_slope");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ReLU(threshold: double.NaN)).Message, "threshold");
    }

    [TestMethod]
    public void ReLUConfigRoundTrip()
    {
        var c = new ReLU(negativeSlope: 0.1).GetConfig();
        Assert.IsNull(c["max_value"]);
        var revived = ReLU.FromConfig(JsonNode.Parse("""{"name": "re_lu", "trainable": true, "dtype": "float32", "max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0}""")!.AsObject());
        Assert.AreEqual(6.0, revived.MaxValue);
    }

    // ---------------------------------------------------------------- LeakyReLU, ELU, ThresholdedReLU

    [TestMethod]
    public void LeakyReLUDefaultSlopeIsKeras3Layers03() =>
        CollectionAssert.AreEqual(new[] { -3f, -1.5f, 0f, 5f, 10f }, Run(new LeakyReLU(), [-10f, -5f, 0f, 5f, 10f]));

    [TestMethod]
    public void LeakyReLUReadsKeras2Alpha()
    {
        var layer = LeakyReLU.FromConfig(JsonNode.Parse("""{"name": "leaky_re_lu", "trainable": true, "dtype": "float32", "alpha": 0.1}""")!.AsObject());
        Assert.AreEqual(0.1, layer.NegativeSlope);
        Assert.AreEqual(0.3, LeakyReLU.FromConfig(new JsonObject()).NegativeSlope);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LeakyReLU(-1));
    }

    [TestMethod]
    public void ELUValues()
    {
        var expected = Ramp.Select(x => x > 0 ? x : (float)(0.7 * (Math.Exp(x) - 1))).ToArray();
        TestUtil.AssertClose(expected, Run(new ELU(0.7), Ramp), 1e-6, "ELU(0.7)");
        Assert.AreEqual(0.7, ELU.FromConfig(new ELU(0.7).GetConfig()).Alpha);
    }

    [TestMethod]
    public void ThresholdedReLUIsKeras2Formula()
    {
        CollectionAssert.AreEqual(new[] { 0f, 0f, 0f, 1.5f, 2f }, Run(new ThresholdedReLU(), [-2f, 0.5f, 1f, 1.5f, 2f]));
        var layer = ThresholdedReLU.FromConfig(JsonNode.Parse("""{"name": "thresholded_re_lu", "trainable": true, "dtype": "float32", "theta": 0.5}""")!.AsObject());
        CollectionAssert.AreEqual(new[] { 0f, 0f, 1f }, Run(layer, [-1f, 0.5f, 1f]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ThresholdedReLU(-0.1));
    }

    // ---------------------------------------------------------------- PReLU

    [TestMethod]
    public void PReLUUsesPerPositionAlpha()
    {
        var layer = new PReLU();
        layer.EnsureBuilt([new Shape(-1, 2, 2)]);
        Assert.AreEqual(new Shape(2, 2), layer.Alpha!.Shape);
        Assert.AreEqual("alpha", layer.Alpha.Name);
        CollectionAssert.AreEqual(new[] { 0f, 0f, 0f, 0f }, layer.Alpha.ToHost().ToArray<float>(), "zeros by default");
        layer.Alpha.Assign(HostArray.Create(new[] { 0.1f, 0.2f, 0.3f, 0.4f }, [2, 2]));
        float[] x = [-1f, -2f, 3f, -4f, /**/ 5f, -6f, -7f, 8f];
        TestUtil.AssertClose([-0.1f, -0.4f, 3f, -1.6f, 5f, -1.2f, -2.1f, 8f], Run(layer, x, new Shape(2, 2, 2)), 1e-6, "PReLU");
    }

    [TestMethod]
    public void PReLUSharedAxesShareOneAlphaPerChannel()
    {
        var layer = new PReLU(sharedAxes: [1]);
        layer.EnsureBuilt([new Shape(-1, 3, 2)]);
        Assert.AreEqual(new Shape(1, 2), layer.Alpha!.Shape);
        layer.Alpha.Assign(HostArray.Create(new[] { 0.5f, 0.25f }, [1, 2]));
        float[] x = [-2f, -4f, -1f, 1f, 2f, -8f];
        TestUtil.AssertClose([-1f, -1f, -0.5f, 1f, 2f, -2f], Run(layer, x, new Shape(1, 3, 2)), 1e-6, "PReLU shared");
        // The non-shared axis is fixed after build.
        using var scope = Ops.Scope();
        var e = Assert.ThrowsExactly<ArgumentException>(() => layer.Apply(Ops.Zeros(new Shape(1, 3, 3))));
        StringAssert.Contains(e.Message, layer.Name);
    }

    [TestMethod]
    public void PReLUConfig()
    {
        var c = new PReLU(sharedAxes: [1, 2]).GetConfig();
        Assert.AreEqual("Zeros", c["alpha_initializer"]!["class_name"]!.GetValue<string>());
        Assert.AreEqual("[1,2]", c["shared_axes"]!.ToJsonString());
        Assert.IsNull(new PReLU().GetConfig()["shared_axes"]);
        var fromKeras = PReLU.FromConfig(JsonNode.Parse("""
            {"name": "p_re_lu", "trainable": true, "alpha_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
             "alpha_regularizer": null, "alpha_constraint": null, "shared_axes": null}
            """)!.AsObject());
        Assert.IsNull(fromKeras.SharedAxes);
        CollectionAssert.AreEqual(new[] { 2 }, PReLU.FromConfig(new JsonObject { ["shared_axes"] = 2 }).SharedAxes);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PReLU(sharedAxes: [0]));
        var regularized = new PReLU(alphaRegularizer: new Keras.Regularizers.L1(0.5), alphaConstraint: new Keras.Constraints.NonNeg()).GetConfig();
        Assert.AreEqual("L1", regularized["alpha_regularizer"]!["class_name"]!.GetValue<string>());
        Assert.AreEqual(regularized.ToJsonString(), PReLU.FromConfig(regularized).GetConfig().ToJsonString());
    }

    // ---------------------------------------------------------------- Softmax

    private static float[] SoftmaxReference(float[] row)
    {
        double max = row.Max();
        var e = row.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => (float)(v / sum)).ToArray();
    }

    [TestMethod]
    public void SoftmaxLastAxis()
    {
        float[] x = [1f, 2f, 1f, /**/ -3f, 0.5f, 4f];
        var expected = SoftmaxReference(x[..3]).Concat(SoftmaxReference(x[3..])).ToArray();
        TestUtil.AssertClose(expected, Run(new Softmax(), x, new Shape(2, 3)), 1e-6, "softmax");
        TestUtil.AssertClose([0.21194157f, 0.5761169f, 0.21194157f], Run(new Softmax(), [1f, 2f, 1f]), 1e-6, "Keras docstring example");
    }

    [TestMethod]
    public void SoftmaxFirstAxis()
    {
        float[] x = [1f, 2f, 3f, 0f, -1f, 2f];
        var col0 = SoftmaxReference([x[0], x[3]]);
        var col1 = SoftmaxReference([x[1], x[4]]);
        var col2 = SoftmaxReference([x[2], x[5]]);
        TestUtil.AssertClose([col0[0], col1[0], col2[0], col0[1], col1[1], col2[1]], Run(new Softmax(0), x, new Shape(2, 3)), 1e-6, "axis 0");
    }

    [TestMethod]
    public void SoftmaxOverSeveralAxesNormalisesTheirProduct()
    {
        float[] x = [0.5f, -1f, 2f, 0f, 1f, 3f, /**/ 4f, 4f, 1f, -2f, 0f, 0.25f];
        var expected = SoftmaxReference(x[..6]).Concat(SoftmaxReference(x[6..])).ToArray();
        TestUtil.AssertClose(expected, Run(new Softmax([1, 2]), x, new Shape(2, 2, 3)), 1e-6, "softmax over axes 1 and 2");
        Assert.AreEqual("[1,2]", new Softmax([1, 2]).GetConfig()["axis"]!.ToJsonString());
        Assert.AreEqual("-1", new Softmax().GetConfig()["axis"]!.ToJsonString());
        CollectionAssert.AreEqual(new[] { -2, -1 }, Softmax.FromConfig(JsonNode.Parse("""{"axis": [-2, -1]}""")!.AsObject()).Axes.ToArray());
    }

    [TestMethod]
    public void SoftmaxMaskAddsALargeNegativeNumber()
    {
        using var scope = Ops.Scope();
        float[] x = [1f, 2f, 3f, /**/ 0f, 0f, 5f];
        var mask = Ops.FromHost(HostArray.Create(new[] { true, true, false, true, false, true }, [2, 3]));
        // Masked logits get -1e9 added: x - 1e9 in float32 is -1e9, so exp underflows to exactly 0.
        var expected = SoftmaxReference([1f, 2f, -1e9f]).Concat(SoftmaxReference([0f, -1e9f, 5f])).ToArray();
        var y = Run(new Softmax(), x, new Shape(2, 3), new Tensors(mask));
        TestUtil.AssertClose(expected, y, 1e-6, "masked softmax");
        Assert.AreEqual(0f, y[2]);

        // A mask broadcast over the rows (shape (3,)) applies to every row.
        var rowMask = Ops.FromHost(HostArray.Create(new[] { false, true, true }, [3]));
        var yb = Run(new Softmax(), x, new Shape(2, 3), new Tensors(rowMask));
        TestUtil.AssertClose(SoftmaxReference([-1e9f, 2f, 3f]).Concat(SoftmaxReference([-1e9f, 0f, 5f])).ToArray(), yb, 1e-6, "broadcast mask");

        var badMask = Ops.FromHost(HostArray.Create(new[] { true, false }, [2]));
        var e = Assert.ThrowsExactly<ArgumentException>(() => Run(new Softmax(name: "sm_bad"), x, new Shape(2, 3), new Tensors(badMask)));
        StringAssert.Contains(e.Message, "sm_bad");
    }

    [TestMethod]
    public void SoftmaxAxisIsValidated()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new Softmax(Array.Empty<int>()));
        Assert.ThrowsExactly<ArgumentException>(() => new Softmax([1, 1]));
        Assert.ThrowsExactly<ArgumentException>(() => Run(new Softmax(3), [1f, 2f], new Shape(1, 2)));
    }
}
