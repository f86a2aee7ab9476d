using Keras.Data;
using Keras.Layers;
using Keras.Models;
using static Keras.KerasApi;
using AttentionLayer = Keras.Layers.Attention;

namespace Keras.Net.Tests.Layers.Attention;

/// <summary>Attention (Luong) and AdditiveAttention (Bahdanau): harness, and values against <see cref="AttentionReference"/>.</summary>
[TestClass]
public class DotProductAttentionTests
{
    private static Tensor T(float[] data, params int[] shape) => Ops.Constant(data, new Shape(shape));

    private static Tensor BoolTensor(bool[] values, params int[] shape) =>
        Ops.Cast(Ops.Constant(values.Select(v => v ? 1f : 0f).ToArray(), new Shape(shape)), DType.Bool);

    [TestMethod]
    public void AttentionHarness() => LayerHarness.Run(() => new AttentionLayer(), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3, 4), new Shape(2, 5, 4)],
        OutputShape = new Shape(2, 3, 4),
    });

    [TestMethod]
    public void ScaledConcatAttentionHarness() => LayerHarness.Run(() => new AttentionLayer(useScale: true, scoreMode: "concat"), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3, 4), new Shape(2, 5, 4), new Shape(2, 5, 4)],
        OutputShape = new Shape(2, 3, 4),
        TrainableShapes = [Shape.Scalar, Shape.Scalar],
    });

    [TestMethod]
    public void AttentionDropoutHarness() => LayerHarness.Run(() => new AttentionLayer(useScale: true, dropout: 0.5, seed: 2), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3, 4), new Shape(2, 5, 4)],
        OutputShape = new Shape(2, 3, 4),
        TrainableShapes = [Shape.Scalar],
        TrainingDiffers = true,
    });

    [TestMethod]
    public void AdditiveAttentionHarness() => LayerHarness.Run(() => new AdditiveAttention(), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3, 4), new Shape(2, 5, 4)],
        OutputShape = new Shape(2, 3, 4),
        TrainableShapes = [new Shape(4)],
    });

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    [TestMethod]
    public void ScaledDotAttentionWithMasksAndCausalMatchesLoops()
    {
        using var scope = Ops.Scope();
        const int B = 2, Tq = 4, Tv = 4, D = 3;
        var q = TestUtil.RandomFloats(B * Tq * D, 90);
        var v = TestUtil.RandomFloats(B * Tv * D, 91);
        var k = TestUtil.RandomFloats(B * Tv * D, 92);
        var qm = new[] { true, true, false, true, true, false, true, true };
        var vm = new[] { true, false, true, true, false, true, true, false };
        var layer = new AttentionLayer(useScale: true);
        layer.EnsureBuilt([new Shape(B, Tq, D), new Shape(B, Tv, D), new Shape(B, Tv, D)]);
        layer.Scale!.Assign(HostArray.Create(new[] { 0.7f }));
        var outs = layer.Apply(T(q, B, Tq, D), T(v, B, Tv, D), T(k, B, Tv, D), queryMask: BoolTensor(qm, B, Tq), valueMask: BoolTensor(vm, B, Tv),
            returnAttentionScores: true, useCausalMask: true);
        // Row 0 of sample 1 sees only value step 0, which is masked: Keras's −1e9 bias leaves a uniform row.
        var (expected, weights) = AttentionReference.Luong(q, v, k, B, Tq, Tv, D, (a, b) => 0.7 * Dot(a, b), qm, vm, causal: true);
        TestUtil.AssertClose(expected, outs[0].ToArray<float>(), 1e-5, "output");
        TestUtil.AssertClose(weights, outs[1].ToArray<float>(), 1e-5, "weights");
        CollectionAssert.AreEqual(qm, outs[0].KerasMask!.ToArray<bool>(), "output carries the query mask");
    }

    [TestMethod]
    public void KerasMasksOnInputsAreUsed()
    {
        using var scope = Ops.Scope();
        const int B = 2, Tq = 3, Tv = 5, D = 4;
        var q = TestUtil.RandomFloats(B * Tq * D, 93);
        var v = TestUtil.RandomFloats(B * Tv * D, 94);
        var vm = new[] { true, true, false, true, false, false, true, true, true, false };
        var query = T(q, B, Tq, D);
        var value = T(v, B, Tv, D);
        value.KerasMask = BoolTensor(vm, B, Tv);
        var y = new AttentionLayer().Apply(new Tensors(query, value))[0];
        var (expected, _) = AttentionReference.Luong(q, v, v, B, Tq, Tv, D, Dot, null, vm, causal: false);
        TestUtil.AssertClose(expected, y.ToArray<float>(), 1e-5, "value-masked output");
        Assert.IsNull(y.KerasMask, "no query mask, no output mask");
    }

    [TestMethod]
    public void ConcatScoresMatchLoops()
    {
        using var scope = Ops.Scope();
        const int B = 2, Tq = 3, Tv = 4, D = 3;
        var q = TestUtil.RandomFloats(B * Tq * D, 95);
        var v = TestUtil.RandomFloats(B * Tv * D, 96);
        var layer = new AttentionLayer(useScale: true, scoreMode: "concat");
        layer.EnsureBuilt([new Shape(B, Tq, D), new Shape(B, Tv, D)]);
        layer.Scale!.Assign(HostArray.Create(new[] { 1.3f }));
        layer.ConcatScoreWeight!.Assign(HostArray.Create(new[] { -0.6f }));
        var y = layer.Apply(new Tensors(T(q, B, Tq, D), T(v, B, Tv, D)))[0];
        var (expected, _) = AttentionReference.Luong(q, v, v, B, Tq, Tv, D,
            (a, b) => -0.6 * a.Zip(b, (x, z) => Math.Tanh(1.3 * (x + z))).Sum(), null, null, causal: false);
        TestUtil.AssertClose(expected, y.ToArray<float>(), 1e-5, "concat output");
    }

    [TestMethod]
    public void AdditiveScoresMatchLoops()
    {
        using var scope = Ops.Scope();
        const int B = 2, Tq = 3, Tv = 4, D = 3;
        var q = TestUtil.RandomFloats(B * Tq * D, 97);
        var v = TestUtil.RandomFloats(B * Tv * D, 98);
        var scale = new[] { 0.5f, -1.5f, 2f };
        var layer = new AdditiveAttention();
        layer.EnsureBuilt([new Shape(B, Tq, D), new Shape(B, Tv, D)]);
        layer.Scale!.Assign(HostArray.Create(scale, 3));
        var outs = layer.Apply(T(q, B, Tq, D), T(v, B, Tv, D), returnAttentionScores: true);
        var (expected, weights) = AttentionReference.Luong(q, v, v, B, Tq, Tv, D,
            (a, b) => Enumerable.Range(0, D).Sum(i => scale[i] * Math.Tanh(a[i] + b[i])), null, null, causal: false);
        TestUtil.AssertClose(expected, outs[0].ToArray<float>(), 1e-5, "additive output");
        TestUtil.AssertClose(weights, outs[1].ToArray<float>(), 1e-5, "additive weights");
        var unscaled = new AdditiveAttention(useScale: false).Apply(new Tensors(T(q, B, Tq, D), T(v, B, Tv, D)))[0];
        var (expectedUnscaled, _) = AttentionReference.Luong(q, v, v, B, Tq, Tv, D,
            (a, b) => Enumerable.Range(0, D).Sum(i => Math.Tanh(a[i] + b[i])), null, null, causal: false);
        TestUtil.AssertClose(expectedUnscaled, unscaled.ToArray<float>(), 1e-5, "unscaled additive output");
    }

    [TestMethod]
    public void FunctionalModelWithCausalSelfAttention()
    {
        using var scope = Ops.Scope();
        var x = Input(new Shape(4, 3));
        var layer = new AttentionLayer();
        var outs = layer.Apply(x, x, useCausalMask: true, returnAttentionScores: true);
        Assert.AreEqual(new Shape(-1, 4, 3), outs[0].Shape);
        Assert.AreEqual(new Shape(-1, 4, 4), outs[1].Shape);
        var model = new Model(new Tensors(x), new Tensors(outs[0], outs[1]));
        var xv = TestUtil.RandomFloats(2 * 4 * 3, 99);
        var result = model.Apply(new Tensors(T(xv, 2, 4, 3)));
        var (expected, weights) = AttentionReference.Luong(xv, xv, xv, 2, 4, 4, 3, Dot, null, null, causal: true);
        TestUtil.AssertClose(expected, result[0].ToArray<float>(), 1e-5, "model output");
        TestUtil.AssertClose(weights, result[1].ToArray<float>(), 1e-5, "model weights");
        Assert.ThrowsExactly<ArgumentException>(() => layer.Apply(x, x, queryMask: Ops.Ones(new Shape(1, 4))));
    }

    [TestMethod]
    public void ConfigsAndArguments()
    {
        var c = new AttentionLayer(useScale: true, scoreMode: "concat", dropout: 0.25).GetConfig();
        Assert.AreEqual(true, (bool)c["use_scale"]!);
        Assert.AreEqual("concat", (string)c["score_mode"]!);
        Assert.AreEqual(0.25, (double)c["dropout"]!);
        var a = new AdditiveAttention().GetConfig();
        Assert.IsFalse(a.ContainsKey("score_mode"));
        Assert.AreEqual(true, (bool)a["use_scale"]!);
        var e = Assert.ThrowsExactly<ArgumentException>(() => new AttentionLayer(scoreMode: "general", name: "att"));
        StringAssert.Contains(e.Message, "score_mode");
        using var scope = Ops.Scope();
        e = Assert.ThrowsExactly<ArgumentException>(() => new AttentionLayer().Apply(new Tensors(Ops.Ones(new Shape(1, 2, 3)))));
        StringAssert.Contains(e.Message, "[query, value]");
    }
}
