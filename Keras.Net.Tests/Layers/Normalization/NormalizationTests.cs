using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Layers;
using Keras.Saving;

namespace Keras.Net.Tests.Layers.Normalization;

/// <summary>The normalization layers: harness, and values against the formulas written out as loops here.</summary>
[TestClass]
public class NormalizationTests
{
    private static Tensor T(float[] data, params int[] shape) => Ops.Constant(data, new Shape(shape));

    private static float[] Assign(Variable v, int seed, float offset = 0f)
    {
        var values = TestUtil.RandomFloats((int)v.Shape.Size, seed).Select(x => x + offset).ToArray();
        v.Assign(HostArray.Create(values, v.Shape.ToLongArray()));
        return values;
    }

    // ------------------------------------------------------------------ harness

    [TestMethod]
    public void BatchNormalizationHarness() => LayerHarness.Run(() => new BatchNormalization(), new LayerExpectation
    {
        InputShapes = [new Shape(4, 3)],
        OutputShape = new Shape(4, 3),
        TrainableShapes = [new Shape(3), new Shape(3)],
        NonTrainableShapes = [new Shape(3), new Shape(3)],
        TrainingDiffers = true,
        TrainingUpdatesNonTrainable = true,
    });

    [TestMethod]
    public void BatchNormalizationChannelsFirstHarness() => LayerHarness.Run(() => new BatchNormalization(axis: 1, center: false), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3, 2, 2)],
        OutputShape = new Shape(2, 3, 2, 2),
        TrainableShapes = [new Shape(3)],
        NonTrainableShapes = [new Shape(3), new Shape(3)],
        TrainingDiffers = true,
        TrainingUpdatesNonTrainable = true,
    });

    [TestMethod]
    public void LayerNormalizationHarness() => LayerHarness.Run(() => new LayerNormalization(),
        new Shape(2, 3, 4), new Shape(2, 3, 4), new Shape(4), new Shape(4));

    [TestMethod]
    public void LayerNormalizationNonTrailingAxisHarness() => LayerHarness.Run(() => new LayerNormalization([1]),
        new Shape(2, 3, 4), new Shape(2, 3, 4), new Shape(3), new Shape(3));

    [TestMethod]
    public void LayerNormalizationRmsScalingHarness() => LayerHarness.Run(() => new LayerNormalization([1, 2], rmsScaling: true),
        new Shape(2, 3, 4), new Shape(2, 3, 4), new Shape(3, 4));

    [TestMethod]
    public void GroupNormalizationHarness() => LayerHarness.Run(() => new GroupNormalization(groups: 3),
        new Shape(2, 4, 6), new Shape(2, 4, 6), new Shape(6), new Shape(6));

    [TestMethod]
    public void UnitNormalizationHarness() => LayerHarness.Run(() => new UnitNormalization(), new Shape(3, 5), new Shape(3, 5));

    [TestMethod]
    public void RmsNormalizationHarness() => LayerHarness.Run(() => new RMSNormalization(), new Shape(2, 3, 4), new Shape(2, 3, 4), new Shape(4));

    // ------------------------------------------------------------------ batch normalization

    [TestMethod]
    public void BatchNormalizationTrainingInferenceAndMovingStatistics()
    {
        using var scope = Ops.Scope();
        const int B = 5, C = 3;
        var x = TestUtil.RandomFloats(B * C, 100).Select(v => v * 3 + 1).ToArray();
        var bn = new BatchNormalization(momentum: 0.9, epsilon: 1e-3);
        bn.EnsureBuilt([new Shape(B, C)]);
        var gamma = Assign(bn.Gamma!, 101, 1f);
        var beta = Assign(bn.Beta!, 102);
        var mm0 = Assign(bn.MovingMean!, 103);
        var mv0 = Assign(bn.MovingVariance!, 104, 2f);

        var mean = new double[C];
        var variance = new double[C];
        for (int c = 0; c < C; c++)
        {
            mean[c] = Enumerable.Range(0, B).Average(b => (double)x[b * C + c]);
            variance[c] = Enumerable.Range(0, B).Average(b => Math.Pow(x[b * C + c] - mean[c], 2));   // biased
        }
        float[] Normalize(double[] m, double[] v) => Enumerable.Range(0, B * C).Select(i =>
        {
            int c = i % C;
            return (float)((x[i] - m[c]) / Math.Sqrt(v[c] + 1e-3) * gamma[c] + beta[c]);
        }).ToArray();

        var train = bn.Apply(T(x, B, C), training: true);
        TestUtil.AssertClose(Normalize(mean, variance), train.ToArray<float>(), 1e-5, "training output");
        var mm1 = Enumerable.Range(0, C).Select(c => mm0[c] * 0.9 + mean[c] * 0.1).ToArray();
        var mv1 = Enumerable.Range(0, C).Select(c => mv0[c] * 0.9 + variance[c] * 0.1).ToArray();
        TestUtil.AssertClose(mm1.Select(v => (float)v).ToArray(), bn.MovingMean!.ToHost().ToArray<float>(), 1e-5, "moving mean");
        TestUtil.AssertClose(mv1.Select(v => (float)v).ToArray(), bn.MovingVariance!.ToHost().ToArray<float>(), 1e-5, "moving variance");

        var inference = bn.Apply(T(x, B, C), training: false);
        TestUtil.AssertClose(Normalize(mm1, mv1), inference.ToArray<float>(), 1e-5, "inference output");

        // A frozen layer runs in inference mode even when training, and keeps its statistics.
        bn.Trainable = false;
        var frozen = bn.Apply(T(x, B, C), training: true);
        TestUtil.AssertClose(Normalize(mm1, mv1), frozen.ToArray<float>(), 1e-5, "frozen output");
        TestUtil.AssertClose(mm1.Select(v => (float)v).ToArray(), bn.MovingMean!.ToHost().ToArray<float>(), 1e-6, "frozen moving mean");
    }

    [TestMethod]
    public void BatchNormalizationExcludesMaskedStepsFromBatchStatistics()
    {
        using var scope = Ops.Scope();
        const int B = 2, Tn = 3, C = 2;
        var x = TestUtil.RandomFloats(B * Tn * C, 105);
        var mask = new[] { true, false, true, true, true, false };
        var input = T(x, B, Tn, C);
        input.KerasMask = Ops.Cast(Ops.Constant(mask.Select(m => m ? 1f : 0f).ToArray(), new Shape(B, Tn)), DType.Bool);
        var bn = new BatchNormalization(center: false, scale: false);
        var y = bn.Apply(input, training: true);
        int valid = mask.Count(m => m);
        var expected = new float[x.Length];
        for (int c = 0; c < C; c++)
        {
            double m = Enumerable.Range(0, B * Tn).Where(s => mask[s]).Sum(s => (double)x[s * C + c]) / (valid + 1e-7);
            double v = Enumerable.Range(0, B * Tn).Where(s => mask[s]).Sum(s => Math.Pow(x[s * C + c] - m, 2)) / (valid + 1e-7);
            for (int s = 0; s < B * Tn; s++) expected[s * C + c] = (float)((x[s * C + c] - m) / Math.Sqrt(v + 1e-3));
        }
        TestUtil.AssertClose(expected, y.ToArray<float>(), 1e-5, "masked batch statistics");
        CollectionAssert.AreEqual(mask, y.KerasMask!.ToArray<bool>(), "mask passes through");
    }

    [TestMethod]
    public void BatchNormalizationConfigMatchesKeras315()
    {
        // The BatchNormalization config of shared/fixtures/keras3/norm_act (Keras 3.15.1), less name and dtype.
        var keras = JsonNode.Parse("""
            {"axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": true, "scale": true,
             "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
             "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null},
             "moving_mean_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
             "moving_variance_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null},
             "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null,
             "synchronized": false, "renorm": false, "renorm_clipping": null, "renorm_momentum": 0.99}
            """)!.AsObject();
        var ours = new BatchNormalization().GetConfig();
        foreach (var key in new[] { "name", "trainable", "dtype" }) ours.Remove(key);
        CollectionAssert.AreEqual(keras.Select(p => p.Key).ToArray(), ours.Select(p => p.Key).ToArray(), "keys");
        foreach (var (key, value) in keras)
            Assert.IsTrue(Attention.MultiHeadAttentionTests.SameJson(value, ours[key]), key);
        var revived = (BatchNormalization)KerasObjects.Layer("BatchNormalization", keras);
        Assert.AreEqual(0.99, revived.Momentum);
        keras["renorm"] = true;
        Assert.ThrowsExactly<NotSupportedException>(() => KerasObjects.Layer("BatchNormalization", keras));
        Assert.ThrowsExactly<ArgumentException>(() => new BatchNormalization(synchronized: true));
    }

    [TestMethod]
    public void FitUpdatesMovingStatisticsUnlessFrozen()
    {
        Utils.SetRandomSeed(5);
        var x = Keras.Data.HostArray.Create(TestUtil.RandomFloats(16 * 3, 140).Select(v => v * 2 + 3).ToArray(), 16, 3);
        var y = Keras.Data.HostArray.Create(TestUtil.RandomFloats(16 * 2, 141), 16, 2);
        var bn = new BatchNormalization(inputShape: new Shape(3));
        var model = new Keras.Models.Sequential([bn, new Dense(2)]);
        model.Compile(new Keras.Optimizers.SGD(0.01), new Keras.Losses.MeanSquaredError());
        model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0);
        var afterFit = bn.MovingMean!.ToHost().ToArray<float>();
        Assert.IsTrue(afterFit.All(v => v > 0.01f), "the inputs' mean (about 3) pulls the moving mean up from 0");

        bn.Trainable = false;
        model.Compile(new Keras.Optimizers.SGD(0.01), new Keras.Losses.MeanSquaredError());
        model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0);
        CollectionAssert.AreEqual(afterFit, bn.MovingMean!.ToHost().ToArray<float>(), "a frozen layer keeps its statistics");
    }

    // ------------------------------------------------------------------ layer, group, unit and RMS normalization

    /// <summary>Normalizes x (rows × n, normalized over the n entries of each row selected by <paramref name="groupOf"/>).</summary>
    private static double[] NormalizeGroups(float[] x, Func<int, int> groupOf, int groups, double epsilon, bool center = true)
    {
        var sum = new double[groups];
        var sq = new double[groups];
        var count = new int[groups];
        for (int i = 0; i < x.Length; i++)
        {
            int g = groupOf(i);
            sum[g] += x[i];
            count[g]++;
        }
        var mean = sum.Select((s, g) => s / count[g]).ToArray();
        for (int i = 0; i < x.Length; i++) sq[groupOf(i)] += Math.Pow(x[i] - mean[groupOf(i)], 2);
        return x.Select((v, i) => (center ? v - mean[groupOf(i)] : v) / Math.Sqrt(sq[groupOf(i)] / count[groupOf(i)] + epsilon)).ToArray();
    }

    [TestMethod]
    public void LayerNormalizationMatchesLoops()
    {
        using var scope = Ops.Scope();
        const int B = 2, S = 3, F = 4;
        var x = TestUtil.RandomFloats(B * S * F, 110).Select(v => v * 2 + 0.5f).ToArray();

        // Last axis: one group per (b, s); gamma/beta over F.
        var ln = new LayerNormalization(epsilon: 1e-3);
        ln.EnsureBuilt([new Shape(B, S, F)]);
        var g = Assign(ln.Gamma!, 111, 1f);
        var be = Assign(ln.Beta!, 112);
        var norm = NormalizeGroups(x, i => i / F, B * S, 1e-3);
        TestUtil.AssertClose(norm.Select((v, i) => (float)(v * g[i % F] + be[i % F])).ToArray(), ln.Apply(T(x, B, S, F)).ToArray<float>(), 1e-5, "axis -1");

        // Axes [1, 2]: one group per sample; gamma/beta over (S, F).
        var ln12 = new LayerNormalization([1, 2]);
        ln12.EnsureBuilt([new Shape(B, S, F)]);
        var g12 = Assign(ln12.Gamma!, 113, 1f);
        var b12 = Assign(ln12.Beta!, 114);
        norm = NormalizeGroups(x, i => i / (S * F), B, 1e-3);
        TestUtil.AssertClose(norm.Select((v, i) => (float)(v * g12[i % (S * F)] + b12[i % (S * F)])).ToArray(), ln12.Apply(T(x, B, S, F)).ToArray<float>(), 1e-5, "axes [1, 2]");

        // Axis 1 (not trailing): one group per (b, f); gamma/beta over S.
        var ln1 = new LayerNormalization([1]);
        ln1.EnsureBuilt([new Shape(B, S, F)]);
        var g1 = Assign(ln1.Gamma!, 115, 1f);
        var b1 = Assign(ln1.Beta!, 116);
        norm = NormalizeGroups(x, i => (i / (S * F)) * F + i % F, B * F, 1e-3);
        TestUtil.AssertClose(norm.Select((v, i) => (float)(v * g1[i / F % S] + b1[i / F % S])).ToArray(), ln1.Apply(T(x, B, S, F)).ToArray<float>(), 1e-5, "axis 1");

        // rms_scaling (Keras's deprecated option): x · rsqrt(var + ε) · gamma, no centering, no beta.
        var rms = new LayerNormalization(rmsScaling: true);
        rms.EnsureBuilt([new Shape(B, S, F)]);
        Assert.IsNull(rms.Beta);
        var gr = Assign(rms.Gamma!, 117, 1f);
        norm = NormalizeGroups(x, i => i / F, B * S, 1e-3, center: false);
        TestUtil.AssertClose(norm.Select((v, i) => (float)(v * gr[i % F])).ToArray(), rms.Apply(T(x, B, S, F)).ToArray<float>(), 1e-5, "rms_scaling");

        var config = ln.GetConfig();
        Assert.AreEqual("[-1]", config["axis"]!.ToJsonString());
        Assert.AreEqual(-1, (int)new LayerNormalization().GetConfig()["axis"]!, "an int axis stays an int until the layer is built");
        Assert.IsFalse((bool)config["rms_scaling"]!);
    }

    [TestMethod]
    public void GroupNormalizationMatchesLoops()
    {
        using var scope = Ops.Scope();
        // Channels last: (2, 4, 6) with 3 groups of 2 channels; statistics over steps and the group's channels.
        const int B = 2, S = 4, C = 6, G = 3;
        var x = TestUtil.RandomFloats(B * S * C, 120).Select(v => v * 2 - 0.3f).ToArray();
        var gn = new GroupNormalization(groups: G, epsilon: 1e-3);
        gn.EnsureBuilt([new Shape(B, S, C)]);
        var g = Assign(gn.Gamma!, 121, 1f);
        var be = Assign(gn.Beta!, 122);
        var norm = NormalizeGroups(x, i => (i / (S * C)) * G + (i % C) / (C / G), B * G, 1e-3);
        TestUtil.AssertClose(norm.Select((v, i) => (float)(v * g[i % C] + be[i % C])).ToArray(), gn.Apply(T(x, B, S, C)).ToArray<float>(), 1e-5, "groups=3");

        // Channels first (2, 4, 3, 2), groups = -1: one group per channel (instance normalization).
        var inst = new GroupNormalization(groups: -1, axis: 1, center: false, scale: false);
        var xf = TestUtil.RandomFloats(2 * 4 * 3 * 2, 123);
        var y = inst.Apply(T(xf, 2, 4, 3, 2));
        Assert.AreEqual(4, inst.Groups);
        norm = NormalizeGroups(xf, i => i / 6, 8, 1e-3);
        TestUtil.AssertClose(norm.Select(v => (float)v).ToArray(), y.ToArray<float>(), 1e-5, "instance normalization");
        Assert.AreEqual(4, (int)inst.GetConfig()["groups"]!);

        var e = Assert.ThrowsExactly<ArgumentException>(() => new GroupNormalization(groups: 4, name: "gn").Apply(Ops.Ones(new Shape(1, 6))));
        StringAssert.Contains(e.Message, "\"gn\"");
    }

    [TestMethod]
    public void UnitAndRmsNormalizationMatchLoops()
    {
        using var scope = Ops.Scope();
        const int B = 2, S = 3, F = 4;
        var x = TestUtil.RandomFloats(B * S * F, 130);
        x[0] = x[1] = x[2] = x[3] = 0f;   // a zero row stays zero (the 1e-12 floor)

        var unit = new UnitNormalization().Apply(T(x, B, S, F)).ToArray<float>();
        var expected = x.Select((v, i) =>
        {
            int row = i / F;
            double ss = Enumerable.Range(0, F).Sum(k => (double)x[row * F + k] * x[row * F + k]);
            return (float)(v / Math.Sqrt(Math.Max(ss, 1e-12)));
        }).ToArray();
        TestUtil.AssertClose(expected, unit, 1e-5, "unit axis -1");

        var unit12 = new UnitNormalization([1, 2]).Apply(T(x, B, S, F)).ToArray<float>();
        expected = x.Select((v, i) =>
        {
            int b = i / (S * F);
            double ss = Enumerable.Range(0, S * F).Sum(k => (double)x[b * S * F + k] * x[b * S * F + k]);
            return (float)(v / Math.Sqrt(ss));
        }).ToArray();
        TestUtil.AssertClose(expected, unit12, 1e-5, "unit axes [1, 2]");

        var rms = new RMSNormalization();
        rms.EnsureBuilt([new Shape(B, S, F)]);
        var scale = Assign(rms.Scale!, 131, 1f);
        expected = x.Select((v, i) =>
        {
            int row = i / F;
            double ms = Enumerable.Range(0, F).Average(k => (double)x[row * F + k] * x[row * F + k]);
            return (float)(v / Math.Sqrt(ms + 1e-6) * scale[i % F]);
        }).ToArray();
        TestUtil.AssertClose(expected, rms.Apply(T(x, B, S, F)).ToArray<float>(), 1e-5, "rms");
        var config = rms.GetConfig();
        Assert.AreEqual(1e-6, (double)config["epsilon"]!);
        Assert.AreEqual("[-1]", config["axis"]!.ToJsonString());
    }
}
