using Keras.Data;
using Keras.Metrics;

namespace Keras.Net.Tests.Metrics;

/// <summary>
/// Keras 3's metrics (<c>keras/src/metrics/accuracy_metrics.py</c>, <c>reduction_metrics.py</c>):
/// values against hand-computed ones, accumulation over uneven batches, sample weights and resets.
/// </summary>
[TestClass]
public class MetricTests
{
    private static Tensor F(double[] data, params long[] shape) =>
        Ops.FromHost(HostArray.Create(data.Select(x => (float)x).ToArray(), shape));

    private static Tensor L(long[] data, params long[] shape) => Ops.FromHost(HostArray.Create(data, shape));

    private const double Tol = 1e-6;

    /// <summary>Feeds row-major (rows, cols) data in consecutive batches of the given sizes.</summary>
    private static void Feed(Metric m, double[] yTrue, int trueCols, double[] yPred, int predCols, int[] batches, double[]? weights = null)
    {
        int start = 0;
        foreach (var n in batches)
        {
            using var scope = Ops.Scope();
            // trueCols 0 means (n,) targets.
            int tc = Math.Max(1, trueCols);
            var t = F(yTrue.Skip(start * tc).Take(n * tc).ToArray(), trueCols == 0 ? [n] : [n, trueCols]);
            var p = F(yPred.Skip(start * predCols).Take(n * predCols).ToArray(), n, predCols);
            var w = weights is null ? null : F(weights.Skip(start).Take(n).ToArray(), n);
            m.UpdateState(t, p, w);
            start += n;
        }
    }

    // Ten samples, fed as uneven batches.
    private static readonly int[] Uneven = [3, 4, 1, 2];

    [TestMethod]
    public void BinaryAccuracyUsesAStrictThreshold()
    {
        double[] t = [1, 0, 1, 0, 1, 1, 0, 0, 1, 0];
        double[] p = [0.7, 0.5, 0.4, 0.2, 0.51, 0.9, 0.6, 0.1, 0.5, 0.3];
        double Expected(double thr) => t.Zip(p, (a, b) => (b > thr ? 1.0 : 0.0) == a ? 1.0 : 0.0).Average();

        using var acc = new BinaryAccuracy();
        Feed(acc, t, 1, p, 1, Uneven);
        Assert.AreEqual(Expected(0.5), acc.ResultValue(), Tol, "threshold 0.5 (0.5 itself is predicted 0)");
        Assert.AreEqual(0.7, Expected(0.5), 1e-12, "hand count: 7 of 10 correct");

        using var acc3 = new BinaryAccuracy(threshold: 0.3);
        Feed(acc3, t, 1, p, 1, [10]);
        Assert.AreEqual(Expected(0.3), acc3.ResultValue(), Tol, "threshold 0.3");
        Assert.AreNotEqual(Expected(0.5), Expected(0.3));

        // (batch,) targets on (batch, 1) predictions, and several outputs per sample.
        using var flat = new BinaryAccuracy();
        Feed(flat, t, 0, p, 1, Uneven);
        Assert.AreEqual(Expected(0.5), flat.ResultValue(), Tol, "(n,) targets");
        using var wide = new BinaryAccuracy();
        Feed(wide, t, 2, p, 2, [2, 3]);
        Assert.AreEqual(Expected(0.5), wide.ResultValue(), Tol, "(n, 2) targets");

        // Sample weights weigh each sample.
        double[] w = [1, 2, 0, 1, 3, 1, 1, 0.5, 2, 1];
        double weighted = Enumerable.Range(0, 10).Sum(i => w[i] * ((p[i] > 0.5 ? 1.0 : 0.0) == t[i] ? 1 : 0)) / w.Sum();
        using var acc2 = new BinaryAccuracy();
        Feed(acc2, t, 1, p, 1, Uneven, w);
        Assert.AreEqual(weighted, acc2.ResultValue(), Tol, "weighted");
    }

    private static readonly double[] Probs =
    [
        0.1, 0.7, 0.2, /**/ 0.5, 0.3, 0.2, /**/ 0.2, 0.2, 0.6, /**/ 0.3, 0.4, 0.3, /**/ 0.9, 0.05, 0.05,
        0.1, 0.1, 0.8, /**/ 0.34, 0.33, 0.33, /**/ 0.2, 0.5, 0.3, /**/ 0.6, 0.3, 0.1, /**/ 0.0, 0.0, 1.0,
    ];
    private static readonly long[] Labels = [1, 0, 1, 1, 0, 2, 2, 1, 0, 2];

    private static double CategoricalExpected()
    {
        int correct = 0;
        for (int i = 0; i < 10; i++)
        {
            var row = Probs.Skip(3 * i).Take(3).ToArray();
            if (Array.IndexOf(row, row.Max()) == Labels[i]) correct++;
        }
        return correct / 10.0;
    }

    [TestMethod]
    public void CategoricalAndSparseCategoricalAccuracy()
    {
        double expected = CategoricalExpected();
        Assert.AreEqual(0.8, expected, 1e-12, "hand count: rows 2 and 6 are wrong");
        var oneHot = Labels.SelectMany(l => Enumerable.Range(0, 3).Select(j => j == l ? 1.0 : 0.0)).ToArray();

        using var cat = new CategoricalAccuracy();
        Feed(cat, oneHot, 3, Probs, 3, Uneven);
        Assert.AreEqual(expected, cat.ResultValue(), Tol, "categorical");

        using var sparse = new SparseCategoricalAccuracy();
        Feed(sparse, Labels.Select(l => (double)l).ToArray(), 0, Probs, 3, Uneven);
        Assert.AreEqual(expected, sparse.ResultValue(), Tol, "sparse, (n,) float labels");

        using var sparse1 = new SparseCategoricalAccuracy();
        Feed(sparse1, Labels.Select(l => (double)l).ToArray(), 1, Probs, 3, Uneven);
        Assert.AreEqual(expected, sparse1.ResultValue(), Tol, "sparse, (n, 1) labels");

        using var sparseInt = new SparseCategoricalAccuracy();
        using (var scope = Ops.Scope()) sparseInt.UpdateState(L(Labels, 10), F(Probs, 10, 3));
        Assert.AreEqual(expected, sparseInt.ResultValue(), Tol, "sparse, int64 labels");
    }

    [TestMethod]
    public void AccuracyCountsExactMatches()
    {
        double[] t = [1, 2, 3, 4, 0, 1, 2, 2, 1, 0];
        double[] p = [1, 2, 0, 4, 0, 2, 2, 1, 1, 1];
        double expected = t.Zip(p, (a, b) => a == b ? 1.0 : 0.0).Average();
        using var acc = new Accuracy();
        Feed(acc, t, 1, p, 1, Uneven);
        Assert.AreEqual(expected, acc.ResultValue(), Tol);
        using var flat = new Accuracy();
        Feed(flat, t, 0, p, 1, Uneven); // (n,) vs (n, 1): aligned, not broadcast to (n, n)
        Assert.AreEqual(expected, flat.ResultValue(), Tol);
    }

    [TestMethod]
    public void MeanAbsoluteAndSquaredErrorAverageOverSamples()
    {
        var r = new Random(5);
        var t = Enumerable.Range(0, 20).Select(_ => Math.Round(r.NextDouble() * 4 - 2, 3)).ToArray();
        var p = Enumerable.Range(0, 20).Select(_ => Math.Round(r.NextDouble() * 4 - 2, 3)).ToArray();
        // Ten samples of two outputs: the per-sample mean over outputs, then the mean over samples.
        double mae = Enumerable.Range(0, 10).Average(i => (Math.Abs(p[2 * i] - t[2 * i]) + Math.Abs(p[2 * i + 1] - t[2 * i + 1])) / 2);
        double mse = Enumerable.Range(0, 10).Average(i => (Math.Pow(p[2 * i] - t[2 * i], 2) + Math.Pow(p[2 * i + 1] - t[2 * i + 1], 2)) / 2);

        using var maeMetric = new MeanAbsoluteError();
        Feed(maeMetric, t, 2, p, 2, Uneven);
        Assert.AreEqual(mae, maeMetric.ResultValue(), 1e-5);
        using var mseMetric = new MeanSquaredError();
        Feed(mseMetric, t, 2, p, 2, Uneven);
        Assert.AreEqual(mse, mseMetric.ResultValue(), 1e-5);

        // Sample-weighted: sum(w_i * per_sample_i) / sum(w_i).
        double[] w = [1, 0, 2, 1, 1, 3, 0.5, 1, 1, 2];
        double maeW = Enumerable.Range(0, 10).Sum(i => w[i] * (Math.Abs(p[2 * i] - t[2 * i]) + Math.Abs(p[2 * i + 1] - t[2 * i + 1])) / 2) / w.Sum();
        using var maeWeighted = new MeanAbsoluteError();
        Feed(maeWeighted, t, 2, p, 2, Uneven, w);
        Assert.AreEqual(maeW, maeWeighted.ResultValue(), 1e-5);
    }

    [TestMethod]
    public void MeanIsWeightedAndStatefulAcrossUnevenBatches()
    {
        double[] v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        double[] w = [1, 0, 2, 0.5, 1, 1, 3, 0, 1, 2];
        double weightedMean = v.Zip(w, (a, b) => a * b).Sum() / w.Sum();

        using var mean = new Mean();
        int start = 0;
        foreach (var n in Uneven)
        {
            using var scope = Ops.Scope();
            mean.Update(F(v.Skip(start).Take(n).ToArray(), n), F(w.Skip(start).Take(n).ToArray(), n));
            start += n;
        }
        Assert.AreEqual(weightedMean, mean.ResultValue(), Tol, "weighted over uneven batches");

        // (n, 1) weights on (n,) values, and per-sample weights on (n, k) values.
        using var colWeights = new Mean();
        using (var scope = Ops.Scope()) colWeights.Update(F(v, 10), F(w, 10, 1));
        Assert.AreEqual(weightedMean, colWeights.ResultValue(), Tol, "(n, 1) weights");
        using var rows = new Mean();
        using (var scope = Ops.Scope()) rows.Update(F(v, 5, 2), F([1, 0, 2, 1, 1], 5));
        double rowsExpected = (1 * (1 + 2) + 0 * (3 + 4) + 2 * (5 + 6) + 1 * (7 + 8) + 1 * (9 + 10)) / (2.0 * (1 + 0 + 2 + 1 + 1));
        Assert.AreEqual(rowsExpected, rows.ResultValue(), Tol, "per-sample weights on (5, 2) values");

        // Unweighted values, tensor and scalar overloads.
        using var plain = new Mean();
        using (var scope = Ops.Scope())
        {
            plain.Update(F([1, 2, 3], 3));
            plain.Update(10.0, weight: 2.0);
            plain.Update(Ops.Scalar(4.0), 1.0);
        }
        Assert.AreEqual((1 + 2 + 3 + 10 * 2 + 4) / 6.0, plain.ResultValue(), Tol);
    }

    [TestMethod]
    public void ResetStateClearsTheAccumulators()
    {
        using var acc = new BinaryAccuracy();
        Feed(acc, [1, 1, 1], 1, [0.9, 0.8, 0.7], 1, [3]);
        Assert.AreEqual(1.0, acc.ResultValue(), Tol);
        acc.ResetState();
        Assert.AreEqual(0.0, acc.ResultValue(), Tol, "an empty metric reads 0 (Keras's divide_no_nan)");
        Assert.IsTrue(acc.Variables.All(v => v.ToHost().ToArray<float>().Single() == 0f), "total and count are zero");
        Feed(acc, [1, 0], 1, [0.9, 0.8], 1, [2]);
        Assert.AreEqual(0.5, acc.ResultValue(), Tol, "only batches after the reset count");

        using var mean = new Mean();
        mean.Update(5.0);
        mean.ResetState();
        mean.Update(3.0);
        Assert.AreEqual(3.0, mean.ResultValue(), Tol);
    }

    [TestMethod]
    public void APredictionMaskWeighsTheMetric()
    {
        // Keras's MeanMetricWrapper applies the mask of y_pred as sample weights.
        using var acc = new SparseCategoricalAccuracy();
        using var scope = Ops.Scope();
        var pred = F([0.9, 0.1, /**/ 0.2, 0.8, /**/ 0.6, 0.4, /**/ 0.3, 0.7], 1, 4, 2);
        pred.KerasMask = Ops.FromHost(HostArray.Create(new[] { true, true, false, false }, 1, 4));
        acc.UpdateState(L([0, 0, 0, 0], 1, 4), pred);
        Assert.AreEqual(0.5, acc.ResultValue(), Tol, "of the two unmasked steps one is right");
    }

    [TestMethod]
    public void GetResolvesNames()
    {
        Assert.IsInstanceOfType<Accuracy>(Metric.Get("accuracy"));
        Assert.IsInstanceOfType<Accuracy>(Metric.Get("acc"));
        Assert.IsInstanceOfType<BinaryAccuracy>(Metric.Get("binary_accuracy"));
        Assert.IsInstanceOfType<CategoricalAccuracy>(Metric.Get("categorical_accuracy"));
        Assert.IsInstanceOfType<SparseCategoricalAccuracy>(Metric.Get("sparse_categorical_accuracy"));
        Assert.IsInstanceOfType<MeanAbsoluteError>(Metric.Get("mae"));
        Assert.IsInstanceOfType<MeanSquaredError>(Metric.Get("mean_squared_error"));
        Metric converted = "mse";
        Assert.AreEqual("mse", converted.Name);
        Assert.AreEqual(0.5, new BinaryAccuracy().Threshold);
        Assert.ThrowsExactly<ArgumentException>(() => Metric.Get("f1"));
    }
}
