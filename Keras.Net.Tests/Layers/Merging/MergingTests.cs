using Keras.Layers;
using Keras.Models;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Layers.Merging;

/// <summary>The merge layers through the harness and against naive loops written here.</summary>
[TestClass]
public class MergingTests
{
    private static Tensor T(float[] data, params int[] shape) => Ops.Constant(data, new Shape(shape));

    private static Tensor Mask(bool[] values, params int[] shape) =>
        Ops.Cast(Ops.Constant(values.Select(v => v ? 1f : 0f).ToArray(), new Shape(shape)), DType.Bool);

    // ------------------------------------------------------------------ harness

    [TestMethod]
    public void AddHarness() => LayerHarness.Run(() => new Add(), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3, 4), new Shape(2, 3, 4)],
        OutputShape = new Shape(2, 3, 4),
    });

    [TestMethod]
    public void SubtractHarness() => LayerHarness.Run(() => new Subtract(), new LayerExpectation
    {
        InputShapes = [new Shape(2, 5), new Shape(2, 5)],
        OutputShape = new Shape(2, 5),
    });

    [TestMethod]
    public void MultiplyHarness() => LayerHarness.Run(() => new Multiply(), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3, 4), new Shape(2, 3, 4), new Shape(2, 3, 4)],
        OutputShape = new Shape(2, 3, 4),
    });

    [TestMethod]
    public void AverageHarness() => LayerHarness.Run(() => new Average(), new LayerExpectation
    {
        InputShapes = [new Shape(3, 4), new Shape(3, 4), new Shape(3, 4)],
        OutputShape = new Shape(3, 4),
    });

    [TestMethod]
    public void MaximumHarness() => LayerHarness.Run(() => new Maximum(), new LayerExpectation
    {
        InputShapes = [new Shape(2, 6), new Shape(2, 6)],
        OutputShape = new Shape(2, 6),
    });

    [TestMethod]
    public void MinimumHarness() => LayerHarness.Run(() => new Minimum(), new LayerExpectation
    {
        InputShapes = [new Shape(2, 6), new Shape(2, 6)],
        OutputShape = new Shape(2, 6),
    });

    [TestMethod]
    public void ConcatenateHarness() => LayerHarness.Run(() => new Concatenate(axis: 1), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3, 4), new Shape(2, 5, 4)],
        OutputShape = new Shape(2, 8, 4),
    });

    [TestMethod]
    public void DotHarness() => LayerHarness.Run(() => new Dot(2), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3, 4), new Shape(2, 5, 4)],
        OutputShape = new Shape(2, 3, 5),
    });

    [TestMethod]
    public void DotNormalizeHarness() => LayerHarness.Run(() => new Dot([1, 1], normalize: true), new LayerExpectation
    {
        InputShapes = [new Shape(3, 4), new Shape(3, 4)],
        OutputShape = new Shape(3, 1),
    });

    // ------------------------------------------------------------------ elementwise values

    [TestMethod]
    public void ElementwiseLayersMatchLoops()
    {
        using var scope = Ops.Scope();
        const int n = 2 * 3 * 4;
        var a = TestUtil.RandomFloats(n, 1);
        var b = TestUtil.RandomFloats(n, 2);
        var c = TestUtil.RandomFloats(n, 3);
        var inputs = new Tensors(T(a, 2, 3, 4), T(b, 2, 3, 4), T(c, 2, 3, 4));
        float[] Loop(Func<float, float, float, float> f) => Enumerable.Range(0, n).Select(i => f(a[i], b[i], c[i])).ToArray();

        TestUtil.AssertClose(Loop((x, y, z) => x + y + z), new Add().Apply(inputs)[0].ToArray<float>(), 1e-6, "add");
        TestUtil.AssertClose(Loop((x, y, z) => x * y * z), new Multiply().Apply(inputs)[0].ToArray<float>(), 1e-6, "multiply");
        TestUtil.AssertClose(Loop((x, y, z) => (x + y + z) / 3f), new Average().Apply(inputs)[0].ToArray<float>(), 1e-6, "average");
        TestUtil.AssertClose(Loop((x, y, z) => Math.Max(x, Math.Max(y, z))), new Maximum().Apply(inputs)[0].ToArray<float>(), 0, "maximum");
        TestUtil.AssertClose(Loop((x, y, z) => Math.Min(x, Math.Min(y, z))), new Minimum().Apply(inputs)[0].ToArray<float>(), 0, "minimum");
        var two = new Tensors(inputs[0], inputs[1]);
        TestUtil.AssertClose(Loop((x, y, _) => x - y), new Subtract().Apply(two)[0].ToArray<float>(), 1e-6, "subtract");
    }

    [TestMethod]
    public void LowerRankInputsGetUnitAxesAfterTheBatchAxis()
    {
        // Keras expands a (2, 3) input to (2, 1, 3) to merge with (2, 4, 3).
        using var scope = Ops.Scope();
        var a = TestUtil.RandomFloats(6, 4);
        var b = TestUtil.RandomFloats(24, 5);
        var add = new Add();
        var y = add.Apply(new Tensors(T(a, 2, 3), T(b, 2, 4, 3)))[0];
        Assert.AreEqual(new Shape(2, 4, 3), y.Shape);
        Assert.AreEqual(new Shape(2, 4, 3), add.ComputeOutputShapes([new Shape(2, 3), new Shape(2, 4, 3)])[0]);
        var expected = new float[24];
        for (int i = 0; i < 2; i++)
            for (int t = 0; t < 4; t++)
                for (int k = 0; k < 3; k++)
                    expected[(i * 4 + t) * 3 + k] = a[i * 3 + k] + b[(i * 4 + t) * 3 + k];
        TestUtil.AssertClose(expected, y.ToArray<float>(), 1e-6, "broadcast add");
    }

    [TestMethod]
    public void UnitAxesBroadcastAndUnknownsStayUnknown()
    {
        var add = new Add();
        Assert.AreEqual(new Shape(-1, 4, 5), add.ComputeOutputShapes([new Shape(-1, 1, 5), new Shape(-1, 4, 5)])[0]);
        Assert.AreEqual(new Shape(3, -1, 5), add.ComputeOutputShapes([new Shape(3, -1, 5), new Shape(-1, 4, 5)])[0]);
    }

    [TestMethod]
    public void ShapeErrorsNameTheLayer()
    {
        using var scope = Ops.Scope();
        var e = Assert.ThrowsExactly<ArgumentException>(() => new Add(name: "adder").Apply(new Tensors(Ops.Ones(new Shape(2, 3)), Ops.Ones(new Shape(3, 3)))));
        StringAssert.Contains(e.Message, "\"adder\"");
        StringAssert.Contains(e.Message, "batch sizes");
        e = Assert.ThrowsExactly<ArgumentException>(() => new Add(name: "adder2").Apply(new Tensors(Ops.Ones(new Shape(2, 3)), Ops.Ones(new Shape(2, 4)))));
        StringAssert.Contains(e.Message, "incompatible shapes");
        e = Assert.ThrowsExactly<ArgumentException>(() => new Subtract().Apply(new Tensors(Ops.Ones(new Shape(2, 3)), Ops.Ones(new Shape(2, 3)), Ops.Ones(new Shape(2, 3)))));
        StringAssert.Contains(e.Message, "exactly 2 inputs");
        e = Assert.ThrowsExactly<ArgumentException>(() => new Concatenate(name: "cat").Apply(new Tensors(Ops.Ones(new Shape(2, 3, 4)), Ops.Ones(new Shape(2, 5, 4)))));
        StringAssert.Contains(e.Message, "\"cat\"");
        e = Assert.ThrowsExactly<ArgumentException>(() => new Dot(1).Apply(new Tensors(Ops.Ones(new Shape(2, 3)), Ops.Ones(new Shape(2, 4)))));
        StringAssert.Contains(e.Message, "(at axis 1)");
        e = Assert.ThrowsExactly<ArgumentException>(() => new Dot(0).Apply(new Tensors(Ops.Ones(new Shape(2, 3)), Ops.Ones(new Shape(2, 3)))));
        StringAssert.Contains(e.Message, "axis 0");
        e = Assert.ThrowsExactly<ArgumentException>(() => new Dot(2).Apply(new Tensors(Ops.Ones(new Shape(2, 3)), Ops.Ones(new Shape(2, 3)))));
        StringAssert.Contains(e.Message, "out of range");
    }

    // ------------------------------------------------------------------ concatenate

    [TestMethod]
    public void ConcatenateMatchesLoopsOnEveryAxis()
    {
        using var scope = Ops.Scope();
        var a = TestUtil.RandomFloats(2 * 3 * 4, 6);
        var b = TestUtil.RandomFloats(2 * 3 * 2, 7);
        var y = new Concatenate().Apply(new Tensors(T(a, 2, 3, 4), T(b, 2, 3, 2)))[0];
        Assert.AreEqual(new Shape(2, 3, 6), y.Shape);
        var expected = new List<float>();
        for (int r = 0; r < 6; r++)
        {
            expected.AddRange(a.Skip(r * 4).Take(4));
            expected.AddRange(b.Skip(r * 2).Take(2));
        }
        TestUtil.AssertClose(expected.ToArray(), y.ToArray<float>(), 0, "concat -1");

        var c = TestUtil.RandomFloats(2 * 1 * 4, 8);
        var y1 = new Concatenate(axis: 1).Apply(new Tensors(T(a, 2, 3, 4), T(c, 2, 1, 4)))[0];
        Assert.AreEqual(new Shape(2, 4, 4), y1.Shape);
        var expected1 = new List<float>();
        for (int i = 0; i < 2; i++)
        {
            expected1.AddRange(a.Skip(i * 12).Take(12));
            expected1.AddRange(c.Skip(i * 4).Take(4));
        }
        TestUtil.AssertClose(expected1.ToArray(), y1.ToArray<float>(), 0, "concat 1");
        Assert.AreEqual(new Shape(-1, -1, 4), new Concatenate(axis: 1).ComputeOutputShapes([new Shape(-1, 3, 4), new Shape(-1, -1, 4)])[0]);
    }

    [TestMethod]
    public void ConcatenateConcatenatesMasks()
    {
        using var scope = Ops.Scope();
        var x1 = Ops.Ones(new Shape(2, 3, 2));
        var x2 = Ops.Ones(new Shape(2, 2, 2));
        x1.KerasMask = Mask([true, true, false, true, false, false], 2, 3);
        // Along the time axis: the unmasked input counts as all valid.
        var y = new Concatenate(axis: 1).Apply(new Tensors(x1, x2))[0];
        Assert.IsNotNull(y.KerasMask);
        CollectionAssert.AreEqual(new[] { true, true, false, true, true, true, false, false, true, true }, y.KerasMask!.ToArray<bool>());
        // Along the features axis the masks are OR-ed per step (Keras's any over the last axis).
        x2 = Ops.Ones(new Shape(2, 3, 2));
        x2.KerasMask = Mask([false, true, false, false, true, false], 2, 3);
        var z = new Concatenate().Apply(new Tensors(x1, x2))[0];
        CollectionAssert.AreEqual(new[] { true, true, false, true, true, false }, z.KerasMask!.ToArray<bool>());
    }

    // ------------------------------------------------------------------ dot

    [TestMethod]
    public void DotMatchesBatchDotLoops()
    {
        using var scope = Ops.Scope();
        // x (2, 3, 5), y (2, 4, 3), axes (1, 2): out[b, i, j] = Σk x[b, k, i] y[b, j, k]
        var x = TestUtil.RandomFloats(2 * 3 * 5, 9);
        var yv = TestUtil.RandomFloats(2 * 4 * 3, 10);
        var dot = new Dot([1, 2]);
        var outp = dot.Apply(new Tensors(T(x, 2, 3, 5), T(yv, 2, 4, 3)))[0];
        Assert.AreEqual(new Shape(2, 5, 4), outp.Shape);
        Assert.AreEqual(new Shape(-1, 5, 4), dot.ComputeOutputShapes([new Shape(-1, 3, 5), new Shape(-1, 4, 3)])[0]);
        var expected = new float[2 * 5 * 4];
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 4; j++)
                {
                    double s = 0;
                    for (int k = 0; k < 3; k++) s += x[(b * 3 + k) * 5 + i] * yv[(b * 4 + j) * 3 + k];
                    expected[(b * 5 + i) * 4 + j] = (float)s;
                }
        TestUtil.AssertClose(expected, outp.ToArray<float>(), 1e-5, "dot");

        // Negative axes: (-1, -1) on (2, 3, 5) and (2, 4, 5).
        var z = TestUtil.RandomFloats(2 * 4 * 5, 11);
        var neg = new Dot(-1).Apply(new Tensors(T(x, 2, 3, 5), T(z, 2, 4, 5)))[0];
        Assert.AreEqual(new Shape(2, 3, 4), neg.Shape);
        var expectedNeg = new float[2 * 3 * 4];
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 4; j++)
                {
                    double s = 0;
                    for (int k = 0; k < 5; k++) s += x[(b * 3 + i) * 5 + k] * z[(b * 4 + j) * 5 + k];
                    expectedNeg[(b * 3 + i) * 4 + j] = (float)s;
                }
        TestUtil.AssertClose(expectedNeg, neg.ToArray<float>(), 1e-5, "dot -1");

        // Rank 2 with rank 3: (2, 3) · (2, 3, 4) along axis 1 → (2, 4).
        var v = TestUtil.RandomFloats(6, 12);
        var w = TestUtil.RandomFloats(24, 13);
        var r = new Dot(1).Apply(new Tensors(T(v, 2, 3), T(w, 2, 3, 4)))[0];
        Assert.AreEqual(new Shape(2, 4), r.Shape);
        var expectedR = new float[8];
        for (int b = 0; b < 2; b++)
            for (int j = 0; j < 4; j++)
                expectedR[b * 4 + j] = (float)Enumerable.Range(0, 3).Sum(k => (double)v[b * 3 + k] * w[(b * 3 + k) * 4 + j]);
        TestUtil.AssertClose(expectedR, r.ToArray<float>(), 1e-5, "dot rank 2x3");
    }

    [TestMethod]
    public void DotNormalizeGivesCosineProximity()
    {
        using var scope = Ops.Scope();
        var a = new float[] { 1, 2, 2, 0, 0, 0, 3, -4, 0 };
        var b = new float[] { 2, 0, 0, 1, 1, 1, 3, -4, 0 };
        var y = new Dot(1, normalize: true).Apply(new Tensors(T(a, 3, 3), T(b, 3, 3)))[0];
        Assert.AreEqual(new Shape(3, 1), y.Shape);
        // Row 0: (1·2)/(3·2) = 1/3; row 1: a is zero, so the product is 0; row 2: identical vectors, 1.
        TestUtil.AssertClose([1f / 3f, 0f, 1f], y.ToArray<float>(), 1e-6, "cosine");
        Assert.IsNull(y.KerasMask);
    }

    // ------------------------------------------------------------------ masks

    [TestMethod]
    public void MultiplyTreatsMaskedStepsAsOneAndZeroesStepsMaskedEverywhere()
    {
        using var scope = Ops.Scope();
        var a = TestUtil.RandomFloats(2 * 3 * 2, 14);
        var b = TestUtil.RandomFloats(2 * 3 * 2, 15);
        var ma = new[] { true, false, false, true, true, false };
        var mb = new[] { true, true, false, false, true, false };
        var x1 = T(a, 2, 3, 2);
        var x2 = T(b, 2, 3, 2);
        x1.KerasMask = Mask(ma, 2, 3);
        x2.KerasMask = Mask(mb, 2, 3);
        var y = new Multiply().Apply(new Tensors(x1, x2))[0];
        var expected = new float[12];
        for (int s = 0; s < 6; s++)
            for (int k = 0; k < 2; k++)
            {
                float va = ma[s] ? a[s * 2 + k] : 1f, vb = mb[s] ? b[s * 2 + k] : 1f;
                expected[s * 2 + k] = ma[s] || mb[s] ? va * vb : 0f;
            }
        TestUtil.AssertClose(expected, y.ToArray<float>(), 1e-6, "masked multiply");
        CollectionAssert.AreEqual(ma.Zip(mb, (p, q) => p || q).ToArray(), y.KerasMask!.ToArray<bool>());
    }

    [TestMethod]
    public void MaximumTakesTheOtherOperandAtMaskedSteps()
    {
        using var scope = Ops.Scope();
        var a = new float[] { 5, 1, 2, -3 };
        var b = new float[] { 0, 7, -1, -9 };
        var x1 = T(a, 2, 2, 1);
        var x2 = T(b, 2, 2, 1);
        x1.KerasMask = Mask([false, true, true, false], 2, 2);
        x2.KerasMask = Mask([true, false, true, false], 2, 2);
        var y = new Maximum().Apply(new Tensors(x1, x2))[0];
        // Step 0: only b valid → 0; step 1: only a → 1; step 2: both → max(2, -1) = 2; step 3: none valid → the
        // masked second input takes the running value and vice versa, so the first input's -3 stays (Keras).
        TestUtil.AssertClose([0f, 1f, 2f, -3f], y.ToArray<float>(), 0, "masked maximum");
        CollectionAssert.AreEqual(new[] { true, true, true, false }, y.KerasMask!.ToArray<bool>());

        var m = new Minimum().Apply(new Tensors(x1, x2))[0];
        TestUtil.AssertClose([0f, 1f, -1f, -3f], m.ToArray<float>(), 0, "masked minimum");
    }

    [TestMethod]
    public void AddOrsMasksOnlyWhenEveryInputIsMasked()
    {
        using var scope = Ops.Scope();
        var x1 = Ops.Ones(new Shape(1, 3, 2));
        var x2 = Ops.Ones(new Shape(1, 3, 2));
        x1.KerasMask = Mask([true, false, false], 1, 3);
        Assert.IsNull(new Add().Apply(new Tensors(x1, x2))[0].KerasMask, "one input unmasked: no output mask");
        x2.KerasMask = Mask([false, false, true], 1, 3);
        var y = new Add().Apply(new Tensors(x1, x2))[0];
        CollectionAssert.AreEqual(new[] { true, false, true }, y.KerasMask!.ToArray<bool>());
        TestUtil.AssertClose(Enumerable.Repeat(2f, 6).ToArray(), y.ToArray<float>(), 0, "add ignores masks in values");
    }

    // ------------------------------------------------------------------ functional use and configs

    [TestMethod]
    public void FunctionalModelWithMergeLayers()
    {
        using var scope = Ops.Scope();
        var a = Input(new Shape(4), name: "a");
        var b = Input(new Shape(4), name: "b");
        var sum = new Add().Apply(new Tensors(a, b));
        var cat = new Concatenate().Apply(new Tensors(sum[0], b));
        var dot = new Dot(1).Apply(new Tensors(a, b));
        Assert.AreEqual(new Shape(-1, 8), cat[0].Shape);
        Assert.AreEqual(new Shape(-1, 1), dot[0].Shape);
        var model = new Model(new Tensors(a, b), new Tensors(cat[0], dot[0]));
        var av = TestUtil.RandomFloats(8, 16);
        var bv = TestUtil.RandomFloats(8, 17);
        var outs = model.Apply(new Tensors(T(av, 2, 4), T(bv, 2, 4)));
        var expectedCat = new List<float>();
        var expectedDot = new float[2];
        for (int i = 0; i < 2; i++)
        {
            expectedCat.AddRange(Enumerable.Range(0, 4).Select(k => av[i * 4 + k] + bv[i * 4 + k]));
            expectedCat.AddRange(bv.Skip(i * 4).Take(4));
            expectedDot[i] = (float)Enumerable.Range(0, 4).Sum(k => (double)av[i * 4 + k] * bv[i * 4 + k]);
        }
        TestUtil.AssertClose(expectedCat.ToArray(), outs[0].ToArray<float>(), 1e-6, "model concat");
        TestUtil.AssertClose(expectedDot, outs[1].ToArray<float>(), 1e-5, "model dot");
    }

    [TestMethod]
    public void ConfigsUseKerasKeys()
    {
        var dot = new Dot([1, 2], normalize: true, name: "d").GetConfig();
        Assert.AreEqual("[1,2]", dot["axes"]!.ToJsonString());
        Assert.AreEqual(true, (bool)dot["normalize"]!);
        Assert.AreEqual(1, (int)new Dot(1).GetConfig()["axes"]!);
        Assert.AreEqual(-1, (int)new Concatenate().GetConfig()["axis"]!);
        // Keras's config of a Dot with axes=1 reads back.
        var revived = (Dot)Keras.Saving.KerasObjects.Layer("Dot", System.Text.Json.Nodes.JsonNode.Parse("""{"name": "dot_1", "trainable": true, "axes": 1, "normalize": true}""")!.AsObject());
        CollectionAssert.AreEqual(new[] { 1 }, revived.Axes.ToArray());
        Assert.IsTrue(revived.Normalize);
        Assert.ThrowsExactly<ArgumentException>(() => new Dot([1, 2, 3]));
    }
}
