using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Layers;
using Keras.Models;
using Keras.Saving;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Layers.Attention;

/// <summary>MultiHeadAttention and GroupedQueryAttention: harness, and values against <see cref="AttentionReference"/>.</summary>
[TestClass]
public class MultiHeadAttentionTests
{
    private static Tensor T(float[] data, params int[] shape) => Ops.Constant(data, new Shape(shape));

    private static Tensor BoolTensor(bool[] values, params int[] shape) =>
        Ops.Cast(Ops.Constant(values.Select(v => v ? 1f : 0f).ToArray(), new Shape(shape)), DType.Bool);

    /// <summary>Gives every weight random values (biases too) and returns them in order.</summary>
    private static float[][] RandomizeWeights(Layer layer, int seed)
    {
        var values = new List<float[]>();
        for (int i = 0; i < layer.Weights.Count; i++)
        {
            var w = layer.Weights[i];
            var v = TestUtil.RandomFloats((int)w.Shape.Size, seed + i);
            w.Assign(HostArray.Create(v, w.Shape.ToLongArray()));
            values.Add(v);
        }
        return values.ToArray();
    }

    // ------------------------------------------------------------------ harness

    [TestMethod]
    public void CrossAttentionHarness() => LayerHarness.Run(() => new MultiHeadAttention(2, 3), new LayerExpectation
    {
        InputShapes = [new Shape(2, 4, 5), new Shape(2, 6, 5)],
        OutputShape = new Shape(2, 4, 5),
        TrainableShapes =
        [
            new Shape(5, 2, 3), new Shape(2, 3), new Shape(5, 2, 3), new Shape(2, 3),
            new Shape(5, 2, 3), new Shape(2, 3), new Shape(2, 3, 5), new Shape(5),
        ],
    });

    [TestMethod]
    public void KeyValueDimsOutputShapeAndDropoutHarness() => LayerHarness.Run(
        () => new MultiHeadAttention(2, 3, valueDim: 4, dropout: 0.5, outputShape: [7], seed: 3), new LayerExpectation
        {
            InputShapes = [new Shape(2, 4, 5), new Shape(2, 6, 3), new Shape(2, 6, 2)],
            OutputShape = new Shape(2, 4, 7),
            TrainableShapes =
            [
                new Shape(5, 2, 3), new Shape(2, 3), new Shape(2, 2, 3), new Shape(2, 3),
                new Shape(3, 2, 4), new Shape(2, 4), new Shape(2, 4, 7), new Shape(7),
            ],
            TrainingDiffers = true,
        });

    [TestMethod]
    public void GroupedQueryAttentionHarness() => LayerHarness.Run(() => new GroupedQueryAttention(3, 4, 2), new LayerExpectation
    {
        InputShapes = [new Shape(2, 4, 6), new Shape(2, 5, 6)],
        OutputShape = new Shape(2, 4, 6),
        TrainableShapes =
        [
            new Shape(6, 4, 3), new Shape(4, 3), new Shape(6, 2, 3), new Shape(2, 3),
            new Shape(6, 2, 3), new Shape(2, 3), new Shape(4, 3, 6), new Shape(6),
        ],
    });

    [TestMethod]
    public void WeightsHaveKerasNamesAndOrder()
    {
        using var scope = Ops.Scope();
        var mha = new MultiHeadAttention(2, 4, useBias: true, name: "mha");
        mha.Apply(Ops.Ones(new Shape(1, 3, 8)), Ops.Ones(new Shape(1, 5, 8)));
        CollectionAssert.AreEqual(
            new[] { "query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias", "attention_output/kernel", "attention_output/bias" },
            mha.Weights.Select(w => w.Path).ToArray());
        Assert.AreEqual("abc,cde->abde", mha.QueryDense!.Equation);
        Assert.AreEqual("abcd,cde->abe", mha.OutputDense!.Equation);
        var noBias = new MultiHeadAttention(2, 4, useBias: false);
        noBias.Apply(Ops.Ones(new Shape(1, 3, 8)), Ops.Ones(new Shape(1, 5, 8)));
        CollectionAssert.AreEqual(new[] { new Shape(8, 2, 4), new Shape(8, 2, 4), new Shape(8, 2, 4), new Shape(2, 4, 8) }, noBias.Weights.Select(w => w.Shape).ToArray());
    }

    // ------------------------------------------------------------------ values

    private static (MultiHeadAttention Layer, float[][] W, float[] Q, float[] V) Setup(int n, int kd, int t, int s, int d, int seed)
    {
        var layer = new MultiHeadAttention(n, kd);
        var q = TestUtil.RandomFloats(2 * t * d, seed);
        var v = TestUtil.RandomFloats(2 * s * d, seed + 1);
        layer.EnsureBuilt([new Shape(2, t, d), new Shape(2, s, d)]);
        return (layer, RandomizeWeights(layer, seed + 10), q, v);
    }

    [TestMethod]
    public void CrossAttentionWithScoresMatchesLoops()
    {
        using var scope = Ops.Scope();
        const int N = 2, Kd = 3, Tq = 4, S = 5, D = 6;
        var (layer, w, q, v) = Setup(N, Kd, Tq, S, D, 30);
        var outs = layer.Apply(T(q, 2, Tq, D), T(v, 2, S, D), returnAttentionScores: true);
        Assert.AreEqual(2, outs.Count);
        Assert.AreEqual(new Shape(2, Tq, D), outs[0].Shape);
        Assert.AreEqual(new Shape(2, N, Tq, S), outs[1].Shape);
        var (expected, scores) = AttentionReference.MultiHead(q, v, v, 2, Tq, S, D, D, D, N, N, Kd, Kd, D,
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], (_, _, _) => true, fullyMaskedUniform: false);
        TestUtil.AssertClose(expected, outs[0].ToArray<float>(), 1e-5, "output");
        TestUtil.AssertClose(scores, outs[1].ToArray<float>(), 1e-5, "scores");
        // Without scores Keras takes its fused path: the same output.
        TestUtil.AssertClose(expected, layer.Apply(T(q, 2, Tq, D), T(v, 2, S, D))[0].ToArray<float>(), 1e-5, "fused output");
    }

    [TestMethod]
    public void CausalAndAttentionMasksMatchLoops()
    {
        using var scope = Ops.Scope();
        const int N = 2, Kd = 4, Tq = 5, S = 5, D = 4;
        var (layer, w, q, v) = Setup(N, Kd, Tq, S, D, 40);
        var rng = new Random(3);
        var am = Enumerable.Range(0, 2 * Tq * S).Select(_ => rng.NextDouble() < 0.7).ToArray();
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < Tq; i++) am[(b * Tq + i) * S] = true;   // keep every row attendable
        bool Allowed(int b, int i, int j) => j <= i && am[(b * Tq + i) * S + j];
        var (expected, scores) = AttentionReference.MultiHead(q, v, v, 2, Tq, S, D, D, D, N, N, Kd, Kd, D,
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], Allowed, fullyMaskedUniform: false);
        var outs = layer.Apply(T(q, 2, Tq, D), T(v, 2, S, D), attentionMask: BoolTensor(am, 2, Tq, S), useCausalMask: true, returnAttentionScores: true);
        TestUtil.AssertClose(expected, outs[0].ToArray<float>(), 1e-5, "masked output");
        TestUtil.AssertClose(scores, outs[1].ToArray<float>(), 1e-5, "masked scores");
        var fused = layer.Apply(T(q, 2, Tq, D), T(v, 2, S, D), attentionMask: BoolTensor(am, 2, Tq, S), useCausalMask: true);
        Assert.AreEqual(1, fused.Count);
        TestUtil.AssertClose(expected, fused[0].ToArray<float>(), 1e-5, "masked fused output");
        // The options applied to those calls only.
        Assert.IsFalse(layer.UseCausalMask);
        Assert.AreEqual(1, layer.Apply(new Tensors(T(q, 2, Tq, D), T(v, 2, S, D))).Count);
    }

    [TestMethod]
    public void KerasMasksOfQueryAndValueFollowKerasOnBothPaths()
    {
        using var scope = Ops.Scope();
        const int N = 2, Kd = 3, Tq = 4, S = 5, D = 4;
        var (layer, w, q, v) = Setup(N, Kd, Tq, S, D, 50);
        var qm = new[] { true, true, false, true, true, false, false, false };
        var vm = new[] { true, false, true, true, false, true, true, true, false, false };
        bool Allowed(int b, int i, int j) => qm[b * Tq + i] && vm[b * S + j];
        var query = T(q, 2, Tq, D);
        var value = T(v, 2, S, D);
        query.KerasMask = BoolTensor(qm, 2, Tq);
        value.KerasMask = BoolTensor(vm, 2, S);

        // Explicit path (scores returned): Keras's masked softmax gives zero weights to fully masked (query-masked) rows.
        var (expectedExplicit, scores) = AttentionReference.MultiHead(q, v, v, 2, Tq, S, D, D, D, N, N, Kd, Kd, D,
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], Allowed, fullyMaskedUniform: false);
        var outs = layer.Apply(query, value, returnAttentionScores: true);
        TestUtil.AssertClose(expectedExplicit, outs[0].ToArray<float>(), 1e-5, "explicit path output");
        TestUtil.AssertClose(scores, outs[1].ToArray<float>(), 1e-5, "explicit path scores");
        CollectionAssert.AreEqual(qm, outs[0].KerasMask!.ToArray<bool>(), "output carries the query mask");

        // Fused path (torch scaled_dot_product_attention with an additive mask): fully masked rows are uniform.
        var (expectedFused, _) = AttentionReference.MultiHead(q, v, v, 2, Tq, S, D, D, D, N, N, Kd, Kd, D,
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], Allowed, fullyMaskedUniform: true);
        TestUtil.AssertClose(expectedFused, layer.Apply(query, value)[0].ToArray<float>(), 1e-5, "fused path output");
    }

    [TestMethod]
    public void AttentionOverTwoAxesEqualsAttentionOverFlattenedPositions()
    {
        using var scope = Ops.Scope();
        const int H = 2, W = 3, C = 4, N = 2, Kd = 3;
        var layer = new MultiHeadAttention(N, Kd, attentionAxes: [1, 2]);
        var x = TestUtil.RandomFloats(2 * H * W * C, 60);
        var outs = layer.Apply(T(x, 2, H, W, C), T(x, 2, H, W, C), returnAttentionScores: true);
        CollectionAssert.AreEqual(new[] { 1, 2 }, layer.AttentionAxes!.ToArray());
        Assert.AreEqual(new Shape(2, H, W, C), outs[0].Shape);
        Assert.AreEqual(new Shape(2, N, H, W, H, W), outs[1].Shape);
        layer.ReturnAttentionScores = true;
        Assert.AreEqual(new Shape(-1, N, H, W, H, W), layer.ComputeOutputShapes([new Shape(-1, H, W, C), new Shape(-1, H, W, C)])[1]);
        layer.ReturnAttentionScores = false;
        var w = RandomizeWeights(layer, 61);
        var (expected, scores) = AttentionReference.MultiHead(x, x, x, 2, H * W, H * W, C, C, C, N, N, Kd, Kd, C,
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], (_, _, _) => true, fullyMaskedUniform: false);
        outs = layer.Apply(T(x, 2, H, W, C), T(x, 2, H, W, C), returnAttentionScores: true);
        TestUtil.AssertClose(expected, outs[0].ToArray<float>(), 1e-5, "2-D attention output");
        TestUtil.AssertClose(scores, outs[1].ToArray<float>(), 1e-5, "2-D attention scores");
        // The default attention axes of rank-4 inputs are the same two axes.
        var byDefault = new MultiHeadAttention(N, Kd);
        byDefault.Apply(T(x, 2, H, W, C), T(x, 2, H, W, C));
        CollectionAssert.AreEqual(new[] { 1, 2 }, byDefault.AttentionAxes!.ToArray());
    }

    [TestMethod]
    public void GroupedQueryAttentionMatchesLoops()
    {
        using var scope = Ops.Scope();
        const int Hd = 3, Nq = 4, Nkv = 2, Tq = 4, S = 4, D = 5;
        var layer = new GroupedQueryAttention(Hd, Nq, Nkv);
        var q = TestUtil.RandomFloats(2 * Tq * D, 70);
        var v = TestUtil.RandomFloats(2 * S * D, 71);
        var k = TestUtil.RandomFloats(2 * S * D, 72);
        layer.EnsureBuilt([new Shape(2, Tq, D), new Shape(2, S, D), new Shape(2, S, D)]);
        var w = RandomizeWeights(layer, 73);
        var (expected, scores) = AttentionReference.MultiHead(q, v, k, 2, Tq, S, D, D, D, Nq, Nkv, Hd, Hd, D,
            w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], (_, i, j) => j <= i, fullyMaskedUniform: false);
        var outs = layer.Apply(T(q, 2, Tq, D), T(v, 2, S, D), T(k, 2, S, D), useCausalMask: true, returnAttentionScores: true);
        Assert.AreEqual(new Shape(2, Nq, Tq, S), outs[1].Shape);
        TestUtil.AssertClose(expected, outs[0].ToArray<float>(), 1e-5, "gqa output");
        TestUtil.AssertClose(scores, outs[1].ToArray<float>(), 1e-5, "gqa scores");
        TestUtil.AssertClose(expected, layer.Apply(T(q, 2, Tq, D), T(v, 2, S, D), T(k, 2, S, D), useCausalMask: true)[0].ToArray<float>(), 1e-5, "gqa fused");
    }

    // ------------------------------------------------------------------ functional graphs and configs

    /// <summary>JSON equality with numbers compared by value (Keras writes 0.0 where .NET writes 0).</summary>
    internal static bool SameJson(JsonNode? a, JsonNode? b) => (a, b) switch
    {
        (null, null) => true,
        (JsonValue x, JsonValue y) when x.TryGetValue<double>(out var dx) && y.TryGetValue<double>(out var dy) => dx == dy,
        (JsonArray x, JsonArray y) => x.Count == y.Count && x.Zip(y).All(p => SameJson(p.First, p.Second)),
        (JsonObject x, JsonObject y) => x.Count == y.Count && x.All(p => y.ContainsKey(p.Key) && SameJson(p.Value, y[p.Key])),
        _ => a?.ToJsonString() == b?.ToJsonString(),
    };

    [TestMethod]
    public void FunctionalModelRecordsReturnAttentionScores()
    {
        using var scope = Ops.Scope();
        var query = Input(new Shape(6, 16), name: "query");
        var value = Input(new Shape(8, 16), name: "value");
        var self = new MultiHeadAttention(2, 8, dropout: 0.1, name: "self_mha");
        var x = self.Apply(query, query)[0];
        var cross = new MultiHeadAttention(2, 4, valueDim: 6, name: "cross_mha");
        var outs = cross.Apply(x, value, returnAttentionScores: true);
        Assert.AreEqual(2, outs.Count);
        Assert.AreEqual(new Shape(-1, 6, 16), outs[0].Shape);
        Assert.AreEqual(new Shape(-1, 2, 6, 8), outs[1].Shape);
        Assert.IsTrue(cross.ReturnAttentionScores);
        var model = new Model(new Tensors(query, value), new Tensors(outs[0], outs[1]));
        var qv = T(TestUtil.RandomFloats(2 * 6 * 16, 80), 2, 6, 16);
        var vv = T(TestUtil.RandomFloats(2 * 8 * 16, 81), 2, 8, 16);
        var result = model.Apply(new Tensors(qv, vv));
        var eager = cross.Apply(self.Apply(qv, qv)[0], vv);
        TestUtil.AssertClose(eager[0].ToArray<float>(), result[0].ToArray<float>(), 1e-6, "model output");
        TestUtil.AssertClose(eager[1].ToArray<float>(), result[1].ToArray<float>(), 1e-6, "model scores");
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => cross.Apply(x, value, returnAttentionScores: false));
        StringAssert.Contains(e.Message, "cross_mha");
    }

    [TestMethod]
    public void ReadsTheKeras315ConfigOfTheFixture()
    {
        // The config of "cross_mha" in shared/fixtures/keras3/attention_mha (Keras 3.15.1).
        var config = JsonNode.Parse("""
            {"name": "cross_mha", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
             "num_heads": 2, "key_dim": 4, "value_dim": 6, "dropout": 0.0, "use_bias": true, "use_gate": false, "output_shape": null,
             "attention_axes": [1], "sliding_window": null,
             "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null},
             "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
             "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "seed": null}
            """)!.AsObject();
        var layer = (MultiHeadAttention)KerasObjects.Layer("MultiHeadAttention", config);
        Assert.AreEqual(6, layer.ValueDim);
        CollectionAssert.AreEqual(new[] { 1 }, layer.AttentionAxes!.ToArray());
        using var scope = Ops.Scope();
        layer.Apply(Ops.Ones(new Shape(1, 6, 16)), Ops.Ones(new Shape(1, 8, 16)));
        var ours = layer.GetConfig();
        foreach (var key in config.Select(p => p.Key))
        {
            if (key is "dtype" or "kernel_initializer") continue;
            Assert.IsTrue(SameJson(config[key], ours[key]), $"{key}: {config[key]?.ToJsonString()} vs {ours[key]?.ToJsonString()}");
        }
        CollectionAssert.AreEqual(config.Select(p => p.Key).ToArray(), ours.Select(p => p.Key).ToArray(), "key order");
        config["use_gate"] = true;
        Assert.ThrowsExactly<NotSupportedException>(() => KerasObjects.Layer("MultiHeadAttention", config));
        var gqa = KerasObjects.Layer("GroupQueryAttention", JsonNode.Parse("""{"name": "g", "head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 1}""")!.AsObject());
        Assert.IsInstanceOfType<GroupedQueryAttention>(gqa);
        Assert.ThrowsExactly<ArgumentException>(() => new GroupedQueryAttention(2, 4, 3));
    }

    [TestMethod]
    public void RecordedCallArgumentsOfAConfigBecomeLayerOptions()
    {
        var mha = new MultiHeadAttention(2, 4);
        IKerasCallArguments consumer = mha;
        consumer.ApplyCallArguments(new Dictionary<string, JsonNode?> { ["return_attention_scores"] = true, ["use_causal_mask"] = true });
        Assert.IsTrue(mha.ReturnAttentionScores);
        Assert.IsTrue(mha.UseCausalMask);
        Assert.ThrowsExactly<NotSupportedException>(() => consumer.ApplyCallArguments(new Dictionary<string, JsonNode?> { ["flash_attention"] = true }));
        IKerasCallArguments attention = new Keras.Layers.Attention();
        attention.ApplyCallArguments(new Dictionary<string, JsonNode?> { ["use_causal_mask"] = true });
        Assert.IsTrue(((Keras.Layers.Attention)attention).UseCausalMask);
    }
}
