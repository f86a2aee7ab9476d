using Keras.Data;
using Keras.Metrics;

namespace Keras.Net.Tests.Metrics;

/// <summary>
/// Keras 3's F1Score/FBetaScore, MeanIoU/BinaryIoU, R2Score, RootMeanSquaredError, Sum, top-k accuracies and the
/// loss-function metrics (<c>keras/src/metrics/{f_score,iou,regression,reduction,accuracy,probabilistic,hinge}_metrics.py</c>),
/// fed in uneven batches and compared with the whole set computed directly in the test and with Keras's
/// docstring values; plus <see cref="Metric.Get"/> names and <see cref="Metric.Clone"/>.
/// </summary>
[TestClass]
public class ScoreMetricTests
{
    private static Tensor F(double[] data, params long[] shape) =>
        Ops.FromHost(HostArray.Create(data.Select(x => (float)x).ToArray(), shape));

    private static Tensor L(long[] data, params long[] shape) => Ops.FromHost(HostArray.Create(data, shape));

    private static readonly int[] Uneven = [3, 8, 1, 6, 2];

    private static void Feed(Metric m, double[] yTrue, int trueCols, double[] yPred, int predCols, int[] batches, double[]? weights = null)
    {
        int start = 0, tc = Math.Max(trueCols, 1), pc = Math.Max(predCols, 1);
        foreach (var n in batches)
        {
            using var scope = Ops.Scope();
            var t = F(yTrue.Skip(start * tc).Take(n * tc).ToArray(), trueCols == 0 ? [n] : [n, trueCols]);
            var p = F(yPred.Skip(start * pc).Take(n * pc).ToArray(), predCols == 0 ? [n] : [n, predCols]);
            m.UpdateState(t, p, weights is null ? null : F(weights.Skip(start).Take(n).ToArray(), n));
            start += n;
        }
        Assert.AreEqual(yTrue.Length, start * tc, "all data fed");
    }

    private static void AssertClose(double[] expected, double[] actual, string what, double tol = 1e-5)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], tol * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]");
    }

    // 20 samples, 3 classes, multi-hot targets and scores.
    private static (double[] T, double[] P, double[] W) MultiLabel(int seed)
    {
        var r = new Random(seed);
        var t = Enumerable.Range(0, 60).Select(_ => r.NextDouble() < 0.4 ? 1.0 : 0.0).ToArray();
        var p = Enumerable.Range(0, 60).Select(i => Math.Round(0.35 * t[i] + 0.65 * r.NextDouble(), 3)).ToArray();
        p[3] = p[4] = p[5] = 0.0; // an all-zero row predicts nothing without a threshold
        p[6] = p[7] = 0.4;        // a tie for the row maximum predicts both
        var w = Enumerable.Range(0, 20).Select(_ => Math.Round(0.2 + r.NextDouble(), 2)).ToArray();
        return (t, p, w);
    }

    private static double[] FBeta(double[] t, double[] p, double[]? w, double beta, double? threshold, string? average)
    {
        double[] tp = new double[3], fp = new double[3], fn = new double[3], support = new double[3];
        for (int row = 0; row < 20; row++)
        {
            var scores = Enumerable.Range(0, 3).Select(j => (float)p[3 * row + j]).ToArray();
            float max = scores.Max();
            for (int j = 0; j < 3; j++)
            {
                bool predicted = threshold is double thr ? scores[j] > (float)thr : scores[j] >= max && Math.Abs(scores[j]) > 1e-9;
                bool truth = t[3 * row + j] != 0;
                double weight = w?[row] ?? 1.0;
                if (predicted && truth) tp[j] += weight;
                if (predicted && !truth) fp[j] += weight;
                if (!predicted && truth) fn[j] += weight;
                if (truth) support[j] += weight;
            }
        }
        const double eps = 1e-7;
        double Score(double a, double b, double c)
        {
            double precision = a / (a + b + eps), recall = a / (a + c + eps);
            return (1 + beta * beta) * precision * recall / (beta * beta * precision + recall + eps);
        }
        if (average == "micro") return [Score(tp.Sum(), fp.Sum(), fn.Sum())];
        var perClass = Enumerable.Range(0, 3).Select(j => Score(tp[j], fp[j], fn[j])).ToArray();
        return average switch
        {
            null => perClass,
            "macro" => [perClass.Average()],
            _ => [perClass.Select((f, j) => f * support[j] / (support.Sum() + eps)).Sum()],
        };
    }

    [TestMethod]
    public void FBetaScoresOverUnevenBatchesForEveryAveraging()
    {
        var (t, p, w) = MultiLabel(4);
        foreach (var average in new string?[] { null, "micro", "macro", "weighted" })
        {
            foreach (var threshold in new double?[] { null, 0.5 })
            {
                using var f1 = new F1Score(average, threshold);
                Feed(f1, t, 3, p, 3, Uneven, w);
                AssertClose(FBeta(t, p, w, 1.0, threshold, average), f1.ResultValues(), $"F1 {average ?? "none"} {threshold}");
                using var f2 = new FBetaScore(average, beta: 2.0, threshold: threshold);
                Feed(f2, t, 3, p, 3, Uneven);
                AssertClose(FBeta(t, p, null, 2.0, threshold, average), f2.ResultValues(), $"F2 {average ?? "none"} {threshold}");
            }
        }
        // No averaging gives a vector result (one score per class).
        using var vector = new F1Score();
        Feed(vector, t, 3, p, 3, [20]);
        using (var scope = Ops.Scope()) CollectionAssert.AreEqual(new long[] { 3 }, vector.Result().Shape.ToLongArray());
        Assert.Throws<InvalidOperationException>(() => vector.ResultValue());
        CollectionAssert.AreEqual(new[] { "f1_score_0", "f1_score_1", "f1_score_2" }, vector.ResultLogs().Select(kv => kv.Key).ToArray());

        // Keras's docstring.
        using var doc = new F1Score(threshold: 0.5);
        using (var scope = Ops.Scope()) doc.UpdateState(F([1, 1, 1, 1, 0, 0, 1, 1, 0], 3, 3), F([0.2, 0.6, 0.7, 0.2, 0.6, 0.6, 0.6, 0.8, 0.0], 3, 3));
        AssertClose([0.5, 0.8, 0.6666667], doc.ResultValues(), "docstring", 1e-6);
        Assert.Throws<ArgumentException>(() => new F1Score("samples"));
        Assert.Throws<ArgumentException>(() => new FBetaScore(beta: 0));
        Assert.Throws<ArgumentException>(() => new F1Score(threshold: 0));
        Assert.IsFalse(new F1Score().GetConfig().ContainsKey("beta"));
    }

    [TestMethod]
    public void MeanIoUFromTheAccumulatedConfusionMatrix()
    {
        var r = new Random(6);
        var labels = Enumerable.Range(0, 20).Select(_ => (double)r.Next(4)).ToArray();
        var preds = labels.Select(l => r.NextDouble() < 0.6 ? l : r.Next(4)).Select(x => (double)x).ToArray();
        preds = preds.Select(x => x == 3 ? 2.0 : x).ToArray(); // class 3 is never predicted
        var w = Enumerable.Range(0, 20).Select(_ => Math.Round(r.NextDouble() * 2, 2)).ToArray();
        double Expected(double[] weights, int classes, int? ignore, int[]? targets = null)
        {
            var cm = new double[classes, classes];
            for (int i = 0; i < 20; i++)
                if (ignore is null || labels[i] != ignore) cm[(int)labels[i], (int)preds[i]] += weights[i];
            var ids = targets ?? Enumerable.Range(0, classes).ToArray();
            double sum = 0;
            int valid = 0;
            foreach (int c in ids)
            {
                double tp = cm[c, c], row = 0, col = 0;
                for (int k = 0; k < classes; k++)
                {
                    row += cm[c, k];
                    col += cm[k, c];
                }
                double denom = row + col - tp;
                if (denom > 1e-9) valid++;
                sum += tp / (denom + 1e-7);
            }
            return sum / (valid + 1e-7);
        }
        var ones = Enumerable.Repeat(1.0, 20).ToArray();
        using var miou = new MeanIoU(4);
        Feed(miou, labels, 0, preds, 0, Uneven);
        Assert.AreEqual(Expected(ones, 4, null), miou.ResultValue(), 1e-5, "unweighted");
        using var weighted = new MeanIoU(5);
        Feed(weighted, labels, 1, preds, 1, Uneven, w);
        Assert.AreEqual(Expected(w, 5, null), weighted.ResultValue(), 1e-5, "weighted, a class that never occurs is left out");
        using var ignoring = new MeanIoU(4, ignoreClass: 1);
        Feed(ignoring, labels, 0, preds, 0, Uneven, w);
        Assert.AreEqual(Expected(w, 4, 1), ignoring.ResultValue(), 1e-5, "ignore class 1");
        using var some = new IoU(4, [0, 2]);
        Feed(some, labels, 0, preds, 0, Uneven);
        Assert.AreEqual(Expected(ones, 4, null, [0, 2]), some.ResultValue(), 1e-5, "target classes 0 and 2");

        // One-hot targets and scores through arg-max.
        var oneHot = labels.SelectMany(l => Enumerable.Range(0, 4).Select(j => j == l ? 1.0 : 0.0)).ToArray();
        var scores = preds.SelectMany(l => Enumerable.Range(0, 4).Select(j => j == l ? 0.7 : 0.1)).ToArray();
        using var oneHotMean = new OneHotMeanIoU(4);
        Feed(oneHotMean, oneHot, 4, scores, 4, Uneven);
        Assert.AreEqual(Expected(ones, 4, null), oneHotMean.ResultValue(), 1e-5, "one-hot");

        // Keras's docstrings.
        using var doc = new MeanIoU(2);
        using (var scope = Ops.Scope()) doc.UpdateState(F([0, 0, 1, 1], 4), F([0, 1, 0, 1], 4));
        Assert.AreEqual(0.33333334, doc.ResultValue(), 1e-6);
        doc.ResetState();
        using (var scope = Ops.Scope()) doc.UpdateState(F([0, 0, 1, 1], 4), F([0, 1, 0, 1], 4), F([0.3, 0.3, 0.3, 0.1], 4));
        Assert.AreEqual(0.23809525, doc.ResultValue(), 1e-6);
        using var bin = new BinaryIoU([0, 1], threshold: 0.3);
        using (var scope = Ops.Scope()) bin.UpdateState(F([0, 1, 0, 1], 4), F([0.1, 0.2, 0.4, 0.7], 4));
        Assert.AreEqual(0.33333334, bin.ResultValue(), 1e-6);
        bin.ResetState();
        using (var scope = Ops.Scope()) bin.UpdateState(F([0, 1, 0, 1], 4), F([0.1, 0.2, 0.4, 0.7], 4), F([0.2, 0.3, 0.4, 0.1], 4));
        Assert.AreEqual(0.17361112, bin.ResultValue(), 1e-6);
        Assert.Throws<ArgumentException>(() => new IoU(3, [3]));
    }

    [TestMethod]
    public void R2ScoreAndRootMeanSquaredErrorOverUnevenBatches()
    {
        var r = new Random(8);
        var t = Enumerable.Range(0, 40).Select(_ => Math.Round(r.NextDouble() * 4 - 1, 3)).ToArray();
        var p = t.Select(x => Math.Round(x + (r.NextDouble() - 0.5), 3)).ToArray();
        var w = Enumerable.Range(0, 20).Select(_ => Math.Round(0.1 + r.NextDouble(), 2)).ToArray();
        double[] PerOutput(double[] weights, out double[] totals)
        {
            var scores = new double[2];
            totals = new double[2];
            for (int j = 0; j < 2; j++)
            {
                double sw = 0, mean = 0;
                for (int i = 0; i < 20; i++)
                {
                    sw += weights[i];
                    mean += weights[i] * t[2 * i + j];
                }
                mean /= sw;
                double res = 0, tot = 0;
                for (int i = 0; i < 20; i++)
                {
                    res += weights[i] * Math.Pow(t[2 * i + j] - p[2 * i + j], 2);
                    tot += weights[i] * Math.Pow(t[2 * i + j] - mean, 2);
                }
                scores[j] = 1 - res / tot;
                totals[j] = tot;
            }
            return scores;
        }
        var ones = Enumerable.Repeat(1.0, 20).ToArray();
        var plain = PerOutput(ones, out _);
        using var r2 = new R2Score();
        Feed(r2, t, 2, p, 2, Uneven);
        Assert.AreEqual(plain.Average(), r2.ResultValue(), 1e-4, "uniform average");
        var weighted = PerOutput(w, out var totals);
        using var raw = new R2Score(classAggregation: null);
        Feed(raw, t, 2, p, 2, Uneven, w);
        AssertClose(weighted, raw.ResultValues(), "per output, weighted", 1e-4);
        using var vw = new R2Score("variance_weighted_average");
        Feed(vw, t, 2, p, 2, Uneven, w);
        Assert.AreEqual((weighted[0] * totals[0] + weighted[1] * totals[1]) / totals.Sum(), vw.ResultValue(), 1e-4, "variance weighted");
        using var adjusted = new R2Score(numRegressors: 3);
        Feed(adjusted, t, 2, p, 2, Uneven);
        double n = 40; // Keras counts elements
        Assert.AreEqual(1 - (1 - plain.Average()) * (n - 1) / (n - 3 - 1), adjusted.ResultValue(), 1e-4, "adjusted");
        using var doc = new R2Score();
        using (var scope = Ops.Scope()) doc.UpdateState(F([1, 4, 3], 3, 1), F([2, 4, 4], 3, 1));
        Assert.AreEqual(0.57142854, doc.ResultValue(), 1e-6, "docstring");

        // RMSE over every element, weighted per sample.
        double mse = 0, sw = 0;
        for (int i = 0; i < 20; i++)
        {
            mse += w[i] * (Math.Pow(t[2 * i] - p[2 * i], 2) + Math.Pow(t[2 * i + 1] - p[2 * i + 1], 2)) / 2;
            sw += w[i];
        }
        using var rmse = new RootMeanSquaredError();
        Feed(rmse, t, 2, p, 2, Uneven, w);
        Assert.AreEqual(Math.Sqrt(mse / sw), rmse.ResultValue(), 1e-5, "rmse");
        using var rdoc = new RootMeanSquaredError();
        using (var scope = Ops.Scope()) rdoc.UpdateState(F([0, 1, 0, 0], 2, 2), F([1, 1, 0, 0], 2, 2), F([1, 0], 2));
        Assert.AreEqual(0.70710677, rdoc.ResultValue(), 1e-6, "docstring");
    }

    [TestMethod]
    public void TopKAccuraciesCountTiesWithTheKthScore()
    {
        var r = new Random(12);
        var labels = Enumerable.Range(0, 20).Select(_ => (long)r.Next(5)).ToArray();
        var scores = Enumerable.Range(0, 100).Select(_ => Math.Round(r.NextDouble(), 1)).ToArray(); // coarse, so ties happen
        var w = Enumerable.Range(0, 20).Select(_ => Math.Round(r.NextDouble(), 2)).ToArray();
        double Expected(int k, double[]? weights)
        {
            double hits = 0, total = 0;
            for (int i = 0; i < 20; i++)
            {
                var row = scores.Skip(5 * i).Take(5).ToArray();
                int greater = row.Count(s => s > row[labels[i]]);
                double wi = weights?[i] ?? 1;
                if (greater < k) hits += wi; // at least the k-th highest
                total += wi;
            }
            return hits / total;
        }
        var labelsD = labels.Select(l => (double)l).ToArray();
        var oneHot = labels.SelectMany(l => Enumerable.Range(0, 5).Select(j => j == l ? 1.0 : 0.0)).ToArray();
        foreach (int k in new[] { 1, 2, 3 })
        {
            using var sparse = new SparseTopKCategoricalAccuracy(k);
            Feed(sparse, labelsD, 0, scores, 5, Uneven, w);
            Assert.AreEqual(Expected(k, w), sparse.ResultValue(), 1e-6, $"sparse top {k}");
            using var dense = new TopKCategoricalAccuracy(k);
            Feed(dense, oneHot, 5, scores, 5, Uneven);
            Assert.AreEqual(Expected(k, null), dense.ResultValue(), 1e-6, $"top {k}");
        }
        // Sorted ids: a hit is the label among the first k ids.
        using var ids = new SparseTopKCategoricalAccuracy(2, fromSortedIds: true);
        using (var scope = Ops.Scope()) ids.UpdateState(L([3, 1, 4], 3), L([3, 0, 2, 2, 1, 0, 0, 1, 4], 3, 3));
        Assert.AreEqual(2.0 / 3, ids.ResultValue(), 1e-6);
        // Keras's docstrings.
        using var doc = new TopKCategoricalAccuracy(1);
        using (var scope = Ops.Scope()) doc.UpdateState(F([0, 0, 1, 0, 1, 0], 2, 3), F([0.1, 0.9, 0.8, 0.05, 0.95, 0], 2, 3), F([0.7, 0.3], 2));
        Assert.AreEqual(0.3, doc.ResultValue(), 1e-6);
        using var tooBig = new SparseTopKCategoricalAccuracy(6);
        Assert.Throws<ArgumentException>(() => Feed(tooBig, labelsD, 0, scores, 5, [20]));
    }

    [TestMethod]
    public void LossFunctionMetricsAverageThePerSampleLoss()
    {
        // Keras's docstrings: targets [[0, 1], [0, 0]], predictions [[1, 1], [0, 0]], then sample weights [1, 0].
        var cases = new (Metric Metric, double Plain, double Weighted)[]
        {
            (new MeanSquaredLogarithmicError(), 0.12011322, 0.24022643),
            (new LogCoshError(), 0.10844523, 0.21689045),
            (new MeanAbsolutePercentageError(), 250000000.0, 500000000.0),
        };
        foreach (var (m, plain, weighted) in cases)
        {
            using (var scope = Ops.Scope()) m.UpdateState(F([0, 1, 0, 0], 2, 2), F([1, 1, 0, 0], 2, 2));
            Assert.AreEqual(plain, m.ResultValue(), 1e-6 * Math.Max(1, plain), m.Name);
            m.ResetState();
            using (var scope = Ops.Scope()) m.UpdateState(F([0, 1, 0, 0], 2, 2), F([1, 1, 0, 0], 2, 2), F([1, 0], 2));
            Assert.AreEqual(weighted, m.ResultValue(), 1e-6 * Math.Max(1, weighted), $"{m.Name} weighted");
            m.Dispose();
        }
        Assert.AreEqual("logcosh", new LogCoshError().Name);
        using var cos = new CosineSimilarity(axis: 1);
        using (var scope = Ops.Scope()) cos.UpdateState(F([0, 1, 1, 1], 2, 2), F([1, 0, 1, 1], 2, 2));
        Assert.AreEqual(0.5, cos.ResultValue(), 1e-6);
        cos.ResetState();
        using (var scope = Ops.Scope()) cos.UpdateState(F([0, 1, 1, 1], 2, 2), F([1, 0, 1, 1], 2, 2), F([0.3, 0.7], 2));
        Assert.AreEqual(0.7, cos.ResultValue(), 1e-6);

        // The other loss metrics: the weighted mean of the loss function's per-sample values over uneven batches.
        var r = new Random(3);
        var t = Enumerable.Range(0, 60).Select(_ => Math.Round(r.NextDouble(), 2)).ToArray();
        var p = Enumerable.Range(0, 60).Select(_ => Math.Round(0.05 + r.NextDouble(), 2)).ToArray();
        var w = Enumerable.Range(0, 20).Select(_ => Math.Round(r.NextDouble(), 2)).ToArray();
        double Weighted(Func<double[], double[], double> perSample)
        {
            double total = 0;
            for (int i = 0; i < 20; i++) total += w[i] * perSample(t.Skip(3 * i).Take(3).ToArray(), p.Skip(3 * i).Take(3).ToArray());
            return total / w.Sum();
        }
        var metrics = new (Metric Metric, Func<double[], double[], double> PerSample)[]
        {
            (new KLDivergence(), (a, b) => a.Zip(b, (x, y) => Math.Max(x, 1e-7) * Math.Log(Math.Max(x, 1e-7) / Math.Clamp(y, 1e-7, 1))).Sum()),
            (new Poisson(), (a, b) => a.Zip(b, (x, y) => y - x * Math.Log(y + 1e-7)).Average()),
            (new Hinge(), (a, b) => a.Zip(b, (x, y) => Math.Max(1 - x * y, 0)).Average()),
            (new SquaredHinge(), (a, b) => a.Zip(b, (x, y) => Math.Pow(Math.Max(1 - x * y, 0), 2)).Average()),
            (new CategoricalHinge(), (a, b) => Math.Max(a.Zip(b, (x, y) => (1 - x) * y).Max() - a.Zip(b, (x, y) => x * y).Sum() + 1, 0)),
            (Metric.Get("binary_crossentropy"), (a, b) => a.Zip(b, (x, y) =>
            {
                double q = Math.Clamp(y, (float)1e-7, (float)(1 - 1e-7));
                return -(x * Math.Log(q) + (1 - x) * Math.Log(1 - q));
            }).Average()),
        };
        foreach (var (m, perSample) in metrics)
        {
            Feed(m, t, 3, p, 3, Uneven, w);
            Assert.AreEqual(Weighted(perSample), m.ResultValue(), 2e-5, m.Name);
            m.Dispose();
        }
    }

    [TestMethod]
    public void SumAddsWeightedValues()
    {
        using var sum = new Sum();
        using (var scope = Ops.Scope())
        {
            sum.Update(F([1, 3, 5, 7], 4));
            sum.Update(F([1, 3, 5, 7], 4), F([1, 1, 0, 0], 4));
            sum.Update(F([1, 2, 3, 4, 5, 6], 3, 2), F([1, 0, 2], 3));
        }
        Assert.AreEqual(16 + 4 + (1 + 2) + 2 * (5 + 6), sum.ResultValue(), 1e-6);
        sum.ResetState();
        Assert.AreEqual(0.0, sum.ResultValue());
    }

    [TestMethod]
    public void GetResolvesKerasMetricNames()
    {
        var expected = new (string[] Names, Type Type)[]
        {
            (["top_k_categorical_accuracy", "TopKCategoricalAccuracy"], typeof(TopKCategoricalAccuracy)),
            (["sparse_top_k_categorical_accuracy"], typeof(SparseTopKCategoricalAccuracy)),
            (["mape", "MAPE", "mean_absolute_percentage_error"], typeof(MeanAbsolutePercentageError)),
            (["msle", "MSLE", "mean_squared_logarithmic_error"], typeof(MeanSquaredLogarithmicError)),
            (["logcosh", "log_cosh", "log_cosh_error", "LogCoshError"], typeof(LogCoshError)),
            (["kl_divergence", "kld", "KLD", "KLDivergence"], typeof(KLDivergence)),
            (["poisson"], typeof(Poisson)),
            (["cosine_similarity"], typeof(CosineSimilarity)),
            (["hinge"], typeof(Hinge)), (["squared_hinge"], typeof(SquaredHinge)), (["categorical_hinge"], typeof(CategoricalHinge)),
            (["root_mean_squared_error", "RootMeanSquaredError"], typeof(RootMeanSquaredError)),
            (["r2_score", "R2Score"], typeof(R2Score)),
            (["auc", "AUC"], typeof(AUC)),
            (["precision"], typeof(Precision)), (["recall"], typeof(Recall)),
            (["true_positives"], typeof(TruePositives)), (["true_negatives"], typeof(TrueNegatives)),
            (["false_positives"], typeof(FalsePositives)), (["false_negatives"], typeof(FalseNegatives)),
            (["f1_score", "F1Score"], typeof(F1Score)), (["fbeta_score", "f_beta_score", "FBetaScore"], typeof(FBetaScore)),
            (["sum"], typeof(Sum)),
            (["binary_crossentropy", "bce"], typeof(MeanMetricWrapper)),
            (["categorical_crossentropy", "sparse_categorical_crossentropy"], typeof(MeanMetricWrapper)),
        };
        foreach (var (names, type) in expected)
        {
            foreach (var name in names)
            {
                using var m = Metric.Get(name);
                Assert.AreEqual(type, m.GetType(), name);
                Assert.AreEqual(name, m.Name, "Keras names a metric given by string after the string");
            }
        }
        var needsArgs = Assert.Throws<ArgumentException>(() => Metric.Get("mean_io_u"));
        StringAssert.Contains(needsArgs.Message, "arguments");
        Assert.ThrowsExactly<ArgumentException>(() => Metric.Get("f1"));
    }

    [TestMethod]
    public void CloneGivesAFreshMetricOfTheSameKindAndConfig()
    {
        Metric[] metrics =
        [
            new Accuracy(), new BinaryAccuracy(threshold: 0.3), new CategoricalAccuracy(), new SparseCategoricalAccuracy(),
            new TopKCategoricalAccuracy(3), new SparseTopKCategoricalAccuracy(2, fromSortedIds: true), new MeanAbsoluteError(), new MeanSquaredError(),
            new MeanAbsolutePercentageError(), new MeanSquaredLogarithmicError(), new LogCoshError(), new CosineSimilarity(axis: 0),
            new RootMeanSquaredError(), new R2Score(null, 2), new KLDivergence(), new Poisson(), new Hinge(), new SquaredHinge(), new CategoricalHinge(),
            new AUC(numThresholds: 30, curve: "PR", thresholds: [0.2, 0.8]), new Precision([0.2, 0.7], topK: 2, classId: 1), new Recall(0.4),
            new TruePositives([0.1, 0.9]), new TrueNegatives(), new FalsePositives(), new FalseNegatives(0.7),
            new PrecisionAtRecall(0.6, 50, 2), new RecallAtPrecision(0.9), new SensitivityAtSpecificity(0.5), new SpecificityAtSensitivity(0.4),
            new F1Score("macro", 0.4), new FBetaScore("weighted", 0.5), new MeanIoU(3, ignoreClass: 0), new IoU(4, [1, 3]), new BinaryIoU([1], 0.2),
            new OneHotIoU(3, [0]), new OneHotMeanIoU(2), new Sum(), new Mean(), Metric.Get("binary_crossentropy"),
        ];
        foreach (var m in metrics)
        {
            using var copy = m.Clone("out_" + m.Name);
            Assert.AreEqual(m.GetType(), copy.GetType(), m.Name);
            Assert.AreEqual("out_" + m.Name, copy.Name);
            var expected = m.GetConfig();
            expected["name"] = "out_" + m.Name;
            Assert.AreEqual(expected.ToJsonString(), copy.GetConfig().ToJsonString(), m.GetType().Name);
            m.Dispose();
        }
        // The copy has its own state.
        using var acc = new BinaryAccuracy();
        using var accCopy = acc.Clone("head_binary_accuracy");
        using (var scope = Ops.Scope()) acc.UpdateState(F([1, 0], 2), F([0.9, 0.8], 2));
        Assert.AreEqual(0.5, acc.ResultValue(), 1e-6);
        Assert.AreEqual(0.0, accCopy.ResultValue(), "the copy saw nothing");
        using var wrapper = new MeanMetricWrapper((t, p) => Ops.Abs(Ops.Subtract(p, t)), "l1");
        using var wrapperCopy = wrapper.Clone("b_l1");
        using (var scope = Ops.Scope()) wrapperCopy.UpdateState(F([1, 2], 2), F([2, 4], 2));
        Assert.AreEqual(1.5, wrapperCopy.ResultValue(), 1e-6, "a wrapper's copy keeps the function");
    }
}
