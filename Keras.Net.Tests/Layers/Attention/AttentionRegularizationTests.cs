using Keras.Constraints;
using Keras.Data;
using Keras.Layers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Net.Tests.Layers.Attention;

/// <summary>
/// Regularizers and constraints of MultiHeadAttention and GroupedQueryAttention: Keras hands them to the four
/// EinsumDense projections (and GroupedQueryAttention also regularizes its own output's activity).
/// </summary>
[TestClass]
public class AttentionRegularizationTests
{
    private static Tensor T(float[] data, params int[] shape) => Ops.Constant(data, new Shape(shape));

    /// <summary>Random values for every weight, returned in the layer's weight order.</summary>
    private static float[][] Randomize(Layer layer, int seed) => layer.Weights.Select((w, i) =>
    {
        var v = TestUtil.RandomFloats((int)w.Shape.Size, seed + i);
        w.Assign(HostArray.Create(v, w.Shape.ToLongArray()));
        return v;
    }).ToArray();

    /// <summary>sum |x W + b| for x (rows, c) and a kernel flattened to (c, m): a naive projection loop.</summary>
    private static double AbsProjection(float[] x, int rows, int c, float[] kernel, float[] bias)
    {
        int m = bias.Length;
        double total = 0;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < m; j++)
            {
                double y = bias[j];
                for (int k = 0; k < c; k++) y += x[r * c + k] * kernel[k * m + j];
                total += Math.Abs(y);
            }
        return total;
    }

    private static double SumSq(float[] v) => v.Sum(x => (double)x * x);
    private static double SumAbs(float[] v) => v.Sum(x => Math.Abs((double)x));

    [TestMethod]
    public void MultiHeadAttentionConfigRoundTrip()
    {
        var mha = new MultiHeadAttention(2, 3, kernelRegularizer: new L2(0.1), biasRegularizer: new L1(0.2),
            activityRegularizer: new L1L2(0.01, 0.02), kernelConstraint: new MaxNorm(2, axis: 0), biasConstraint: new NonNeg());
        var config = mha.GetConfig();
        Assert.AreEqual("L1L2", (string)config["activity_regularizer"]!["class_name"]!);
        Assert.AreEqual("MaxNorm", (string)config["kernel_constraint"]!["class_name"]!);
        var revived = (MultiHeadAttention)KerasObjects.Layer("MultiHeadAttention", config);
        Assert.AreEqual(config.ToJsonString(), revived.GetConfig().ToJsonString());
        Assert.IsNull(revived.ActivityRegularizer, "Keras keeps MultiHeadAttention's activity regularizer for the sublayers only");
        Assert.IsInstanceOfType<L1L2>(revived.SublayerActivityRegularizer);
    }

    [TestMethod]
    public void GroupedQueryAttentionConfigRoundTrip()
    {
        var gqa = new GroupedQueryAttention(2, 4, 2, kernelRegularizer: new L1(0.1), biasRegularizer: new L2(0.3),
            activityRegularizer: new L2(0.05), kernelConstraint: new UnitNorm(), biasConstraint: new MinMaxNorm(0.5, 1.5));
        var config = gqa.GetConfig();
        Assert.AreEqual("UnitNorm", (string)config["kernel_constraint"]!["class_name"]!);
        var revived = (GroupedQueryAttention)KerasObjects.Layer("GroupedQueryAttention", config);
        Assert.AreEqual(config.ToJsonString(), revived.GetConfig().ToJsonString());
        Assert.IsInstanceOfType<MinMaxNorm>(revived.BiasConstraint);
    }

    [TestMethod]
    public void MultiHeadAttentionPenaltiesComeFromItsProjections()
    {
        const int B = 2, Tq = 2, S = 3, C = 4;
        var mha = new MultiHeadAttention(2, 3, kernelRegularizer: new L2(0.1), biasRegularizer: new L1(0.5), activityRegularizer: new L1(0.2));
        var query = TestUtil.RandomFloats(B * Tq * C, 11);
        var value = TestUtil.RandomFloats(B * S * C, 12);
        using var scope = Ops.Scope();
        mha.EnsureBuilt([new Shape(-1, Tq, C), new Shape(-1, S, C)]);
        var w = Randomize(mha, 20); // q kernel, q bias, k kernel, k bias, v kernel, v bias, o kernel, o bias

        double weightPenalty = 0;
        for (int i = 0; i < 8; i += 2) weightPenalty += 0.1 * SumSq(w[i]) + 0.5 * SumAbs(w[i + 1]);
        var weightOnly = mha.Losses.Select(l => l.Item()).ToArray();
        Assert.AreEqual(8, weightOnly.Length, "before any call: one penalty per kernel and bias");
        Assert.AreEqual(weightPenalty, weightOnly.Sum(), 1e-4);

        var output = mha.Apply(T(query, B, Tq, C), T(value, B, S, C))[0];
        var losses = mha.Losses.Select(l => l.Item()).ToArray();
        Assert.AreEqual(12, losses.Length, "4 activity terms (query, key, value, attention_output) and 8 weight penalties");
        double activity = AbsProjection(query, B * Tq, C, w[0], w[1]) + AbsProjection(value, B * S, C, w[2], w[3])
            + AbsProjection(value, B * S, C, w[4], w[5]) + SumAbs(output.ToArray<float>());
        Assert.AreEqual(weightPenalty + 0.2 * activity / B, losses.Sum(), 1e-3);
    }

    [TestMethod]
    public void GroupedQueryAttentionAlsoPenalisesItsOwnOutput()
    {
        const int B = 2, Tq = 3, S = 2, C = 4;
        var gqa = new GroupedQueryAttention(2, 4, 2, biasRegularizer: new L2(0.3), activityRegularizer: new L1(0.1));
        var query = TestUtil.RandomFloats(B * Tq * C, 31);
        var value = TestUtil.RandomFloats(B * S * C, 32);
        using var scope = Ops.Scope();
        gqa.EnsureBuilt([new Shape(-1, Tq, C), new Shape(-1, S, C)]);
        var w = Randomize(gqa, 40);
        Assert.AreEqual(4, gqa.Losses.Count, "before any call: the 4 bias penalties");
        var output = gqa.Apply(T(query, B, Tq, C), T(value, B, S, C))[0];
        var losses = gqa.Losses.Select(l => l.Item()).ToArray();
        Assert.AreEqual(5 + 4, losses.Length, "its own output, the 4 projections' outputs, and 4 bias penalties");
        double biasPenalty = 0.3 * (SumSq(w[1]) + SumSq(w[3]) + SumSq(w[5]) + SumSq(w[7]));
        double activity = AbsProjection(query, B * Tq, C, w[0], w[1]) + AbsProjection(value, B * S, C, w[2], w[3])
            + AbsProjection(value, B * S, C, w[4], w[5]) + 2 * SumAbs(output.ToArray<float>());
        Assert.AreEqual(biasPenalty + 0.1 * activity / B, losses.Sum(), 1e-3);
    }

    [TestMethod]
    public void ConstraintsApplyToEveryProjectionAfterAnOptimizerStep()
    {
        var mha = new MultiHeadAttention(2, 3, kernelConstraint: new NonNeg());
        using var scope = Ops.Scope();
        mha.Apply(T(TestUtil.RandomFloats(12, 1), 1, 3, 4), T(TestUtil.RandomFloats(8, 2), 1, 2, 4));
        var before = Randomize(mha, 50);
        var vars = mha.TrainableWeights;
        Assert.AreEqual(8, vars.Count);
        new Keras.Optimizers.SGD(0.1).ApplyGradients(vars.Select(v => Ops.Ones(v.Shape)).ToArray(), vars);
        for (int i = 0; i < 8; i++)
        {
            var expected = before[i].Select(v => i % 2 == 0 ? Math.Max(v - 0.1f, 0f) : v - 0.1f).ToArray();
            TestUtil.AssertClose(expected, vars[i].ToHost().ToArray<float>(), 1e-6, $"weight {vars[i].Path}");
        }
    }
}
