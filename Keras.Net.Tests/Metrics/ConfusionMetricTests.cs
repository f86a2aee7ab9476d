using Keras.Data;
using Keras.Metrics;

namespace Keras.Net.Tests.Metrics;

/// <summary>
/// Keras 3's confusion-matrix metrics (<c>keras/src/metrics/confusion_metrics.py</c>, <c>metrics_utils.py</c>):
/// AUC, Precision, Recall, TruePositives/TrueNegatives/FalsePositives/FalseNegatives, PrecisionAtRecall and
/// RecallAtPrecision fed in uneven batches, against the whole data set computed directly in double precision
/// in the test, and against the values in Keras's docstrings.
/// </summary>
[TestClass]
public class ConfusionMetricTests
{
    private static Tensor F(double[] data, params long[] shape) =>
        Ops.FromHost(HostArray.Create(data.Select(x => (float)x).ToArray(), shape));

    private static readonly int[] Uneven = [7, 1, 12, 5, 15];

    /// <summary>Feeds (n, cols) rows (cols 0: (n,) vectors) in consecutive batches.</summary>
    private static void Feed(Metric m, double[] yTrue, double[] yPred, int cols, int[] batches, double[]? weights = null)
    {
        int start = 0, c = Math.Max(cols, 1);
        foreach (var n in batches)
        {
            using var scope = Ops.Scope();
            long[] shape = cols == 0 ? [n] : [n, cols];
            var w = weights is null ? null : F(weights.Skip(start).Take(n).ToArray(), n);
            m.UpdateState(F(yTrue.Skip(start * c).Take(n * c).ToArray(), shape), F(yPred.Skip(start * c).Take(n * c).ToArray(), shape), w);
            start += n;
        }
        Assert.AreEqual(yTrue.Length, start * c, "all data fed");
    }

    /// <summary>40 samples: 0/1 labels, predictions on a 3-decimal grid (never on a 1/199 threshold) including exact 0 and 1, weights.</summary>
    private static (double[] Labels, double[] Preds, double[] Weights) Data(int count = 40, int cols = 1, int seed = 11)
    {
        var r = new Random(seed);
        var labels = new double[count * cols];
        var preds = new double[count * cols];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = r.NextDouble() < 0.45 ? 1 : 0;
            // Informative but noisy scores.
            preds[i] = Math.Round(Math.Clamp(0.3 * labels[i] + 0.7 * r.NextDouble(), 0, 1), 3);
        }
        preds[0] = 0.0;
        preds[1] = 1.0;
        preds[2] = 0.5;
        var weights = Enumerable.Range(0, count).Select(_ => Math.Round(r.NextDouble() * 2, 2)).ToArray();
        return (labels, preds, weights);
    }

    /// <summary>(tp, fp, tn, fn) at each threshold for "p &gt; t", computed directly.</summary>
    private static (double[] Tp, double[] Fp, double[] Tn, double[] Fn) Counts(double[] labels, double[] preds, double[] thresholds, double[]? weights = null, int cols = 1)
    {
        int n = thresholds.Length;
        double[] tp = new double[n], fp = new double[n], tn = new double[n], fn = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < preds.Length; j++)
            {
                double w = weights?[j / cols] ?? 1.0;
                bool positive = (float)preds[j] > (float)thresholds[i];
                bool truth = labels[j] != 0;
                if (truth && positive) tp[i] += w;
                else if (!truth && positive) fp[i] += w;
                else if (!truth) tn[i] += w;
                else fn[i] += w;
            }
        }
        return (tp, fp, tn, fn);
    }

    private static double DivNoNan(double a, double b) => b == 0 ? 0 : a / b;

    private static double[] AucThresholds(int n) =>
        [-1e-7, .. Enumerable.Range(1, n - 2).Select(i => i * 1.0 / (n - 1)), 1 + 1e-7];

    private static double RiemannAuc(double[] x, double[] y, string method)
    {
        double auc = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            double h = method switch
            {
                "interpolation" => (y[i] + y[i + 1]) / 2,
                "minoring" => Math.Min(y[i], y[i + 1]),
                _ => Math.Max(y[i], y[i + 1]),
            };
            auc += (x[i] - x[i + 1]) * h;
        }
        return auc;
    }

    private static double RocAuc((double[] Tp, double[] Fp, double[] Tn, double[] Fn) c, string method = "interpolation")
    {
        var recall = c.Tp.Select((t, i) => DivNoNan(t, t + c.Fn[i])).ToArray();
        var fpr = c.Fp.Select((f, i) => DivNoNan(f, f + c.Tn[i])).ToArray();
        return RiemannAuc(fpr, recall, method);
    }

    /// <summary>Davis and Goadrich's interpolation: TP and P = TP + FP linear within each interval.</summary>
    private static double PrAucInterpolated((double[] Tp, double[] Fp, double[] Tn, double[] Fn) c)
    {
        double auc = 0;
        for (int i = 0; i < c.Tp.Length - 1; i++)
        {
            double dtp = c.Tp[i] - c.Tp[i + 1];
            double pA = c.Tp[i] + c.Fp[i], pB = c.Tp[i + 1] + c.Fp[i + 1];
            double slope = DivNoNan(dtp, Math.Max(pA - pB, 0));
            double intercept = c.Tp[i + 1] - slope * pB;
            double ratio = pA > 0 && pB > 0 ? pA / pB : 1;
            auc += DivNoNan(slope * (dtp + intercept * Math.Log(ratio)), Math.Max(c.Tp[i + 1] + c.Fn[i + 1], 0));
        }
        return auc;
    }

    [TestMethod]
    public void RocAucOverUnevenBatchesEqualsTheTrapezoidsOfTheWholeSet()
    {
        var (labels, preds, weights) = Data();
        var thresholds = AucThresholds(200);
        using var auc = new AUC();
        Feed(auc, labels, preds, 0, Uneven);
        Assert.AreEqual(RocAuc(Counts(labels, preds, thresholds)), auc.ResultValue(), 1e-5, "unweighted");
        Assert.IsGreaterThan(0.6, auc.ResultValue(), "the scores are informative");

        using var weighted = new AUC();
        Feed(weighted, labels, preds, 1, Uneven, weights);
        Assert.AreEqual(RocAuc(Counts(labels, preds, thresholds, weights)), weighted.ResultValue(), 1e-5, "weighted, (n, 1) inputs");

        foreach (var method in new[] { "minoring", "majoring" })
        {
            using var m = new AUC(numThresholds: 17, summationMethod: method);
            Feed(m, labels, preds, 0, Uneven, weights);
            Assert.AreEqual(RocAuc(Counts(labels, preds, AucThresholds(17), weights), method), m.ResultValue(), 1e-5, method);
        }

        // Logits: the sigmoid is applied first.
        var logits = preds.Select(p => Math.Log((p + 0.01) / (1.01 - p))).ToArray();
        using var fromLogits = new AUC(fromLogits: true);
        Feed(fromLogits, labels, logits, 0, Uneven);
        var sig = logits.Select(x => (double)(float)(1 / (1 + Math.Exp(-(float)x)))).ToArray();
        Assert.AreEqual(RocAuc(Counts(labels, sig, thresholds)), fromLogits.ResultValue(), 1e-4, "from logits");
    }

    [TestMethod]
    public void PrAucInterpolatesTruePositivesAndPredictedPositives()
    {
        var (labels, preds, weights) = Data(seed: 5);
        using var pr = new AUC(curve: "PR");
        Feed(pr, labels, preds, 0, Uneven, weights);
        Assert.AreEqual(PrAucInterpolated(Counts(labels, preds, AucThresholds(200), weights)), pr.ResultValue(), 1e-5);

        // PR with Riemann sums: precision over recall.
        using var minor = new AUC(numThresholds: 25, curve: "PR", summationMethod: "minoring");
        Feed(minor, labels, preds, 0, Uneven);
        var c = Counts(labels, preds, AucThresholds(25));
        var recall = c.Tp.Select((t, i) => DivNoNan(t, t + c.Fn[i])).ToArray();
        var precision = c.Tp.Select((t, i) => DivNoNan(t, t + c.Fp[i])).ToArray();
        Assert.AreEqual(RiemannAuc(recall, precision, "minoring"), minor.ResultValue(), 1e-5);
    }

    [TestMethod]
    public void AucWithGivenThresholdsAndMultiLabel()
    {
        var (labels, preds, weights) = Data(seed: 3);
        // Uneven thresholds are compared directly (with the -eps and 1+eps end points added).
        double[] given = [0.7, 0.2, 0.45];
        using var auc = new AUC(thresholds: given);
        Feed(auc, labels, preds, 0, Uneven, weights);
        Assert.AreEqual(RocAuc(Counts(labels, preds, [-1e-7, 0.2, 0.45, 0.7, 1 + 1e-7], weights)), auc.ResultValue(), 1e-5);
        CollectionAssert.AreEqual(new[] { 0.2, 0.45, 0.7 }, auc.GetConfig()["thresholds"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray());

        // Multi-label: one curve per column, averaged (then weighted by label weights).
        var (l3, p3, w3) = Data(count: 40, cols: 3, seed: 8);
        double PerLabel(int label, string curve)
        {
            var lab = Enumerable.Range(0, 40).Select(i => l3[3 * i + label]).ToArray();
            var pre = Enumerable.Range(0, 40).Select(i => p3[3 * i + label]).ToArray();
            var counts = Counts(lab, pre, AucThresholds(50), w3);
            return curve == "ROC" ? RocAuc(counts) : PrAucInterpolated(counts);
        }
        using var multi = new AUC(numThresholds: 50, multiLabel: true);
        Feed(multi, l3, p3, 3, Uneven, w3);
        Assert.AreEqual(Enumerable.Range(0, 3).Average(l => PerLabel(l, "ROC")), multi.ResultValue(), 1e-5, "multi-label mean");
        using var multiPr = new AUC(numThresholds: 50, curve: "PR", multiLabel: true, labelWeights: [1, 0, 3]);
        Feed(multiPr, l3, p3, 3, Uneven, w3);
        Assert.AreEqual((PerLabel(0, "PR") + 3 * PerLabel(2, "PR")) / 4, multiPr.ResultValue(), 1e-5, "multi-label PR weighted");

        // Not multi-label: every entry pooled, label weights weigh the columns.
        using var pooled = new AUC(numThresholds: 50, labelWeights: [1, 0.5, 2]);
        Feed(pooled, l3, p3, 3, Uneven);
        var lw = Enumerable.Range(0, 120).Select(i => new[] { 1, 0.5, 2 }[i % 3]).ToArray();
        Assert.AreEqual(RocAuc(Counts(l3, p3, AucThresholds(50), lw, cols: 1)), pooled.ResultValue(), 1e-5, "pooled with label weights");
    }

    [TestMethod]
    public void AucKerasDocstringAndReset()
    {
        using var m = new AUC(numThresholds: 3);
        using (var scope = Ops.Scope()) m.UpdateState(F([0, 0, 1, 1], 4), F([0, 0.5, 0.3, 0.9], 4));
        Assert.AreEqual(0.75, m.ResultValue(), 1e-6);
        m.ResetState();
        Assert.AreEqual(0.0, m.ResultValue(), 1e-9, "empty");
        using (var scope = Ops.Scope()) m.UpdateState(F([0, 0, 1, 1], 4), F([0, 0.5, 0.3, 0.9], 4), F([1, 0, 0, 1], 4));
        Assert.AreEqual(1.0, m.ResultValue(), 1e-6);
        Assert.Throws<ArgumentException>(() => new AUC(curve: "PRGAIN2"));
        Assert.Throws<ArgumentException>(() => new AUC(numThresholds: 1));
        Assert.Throws<ArgumentException>(() => new AUC(numLabels: 3));
    }

    // ---------------------------------------------------------------- precision, recall, counts

    [TestMethod]
    public void PrecisionAndRecallAtOneOrSeveralThresholds()
    {
        var (labels, preds, weights) = Data(seed: 21);
        var c = Counts(labels, preds, [0.5], weights);
        using var precision = new Precision();
        Feed(precision, labels, preds, 0, Uneven, weights);
        Assert.AreEqual(c.Tp[0] / (c.Tp[0] + c.Fp[0]), precision.ResultValue(), 1e-5);
        using var recall = new Recall();
        Feed(recall, labels, preds, 1, Uneven, weights);
        Assert.AreEqual(c.Tp[0] / (c.Tp[0] + c.Fn[0]), recall.ResultValue(), 1e-5);

        // Several thresholds give vectors: uneven ones compared directly, even ones through buckets.
        foreach (var thresholds in new[] { new[] { 0.3, 0.6, 0.9 }, new[] { 0.0, 0.25, 0.5, 0.75, 1.0 } })
        {
            var cc = Counts(labels, preds, thresholds, weights);
            using var p = new Precision(thresholds);
            Feed(p, labels, preds, 0, Uneven, weights);
            CollectionAssert.AreEqual(cc.Tp.Select((t, i) => DivNoNan(t, t + cc.Fp[i])).Select(Round).ToArray(), p.ResultValues().Select(Round).ToArray(), $"precision at {string.Join(",", thresholds)}");
            using var r = new Recall(thresholds);
            Feed(r, labels, preds, 0, Uneven, weights);
            CollectionAssert.AreEqual(cc.Tp.Select((t, i) => DivNoNan(t, t + cc.Fn[i])).Select(Round).ToArray(), r.ResultValues().Select(Round).ToArray(), "recall");
            Assert.Throws<InvalidOperationException>(() => r.ResultValue());
        }
        // Keras's docstrings.
        using var doc = new Precision();
        using (var scope = Ops.Scope()) doc.UpdateState(F([0, 1, 1, 1], 4), F([1, 0, 1, 1], 4));
        Assert.AreEqual(2.0 / 3, doc.ResultValue(), 1e-6);
        Assert.Throws<ArgumentException>(() => new Precision([1.5]));
    }

    private static double Round(double x) => Math.Round(x, 5);

    [TestMethod]
    public void TopKAndClassIdRestrictTheCountedPredictions()
    {
        // 30 rows of 4 class scores with a multi-hot target.
        var (labels, preds, weights) = Data(count: 30, cols: 4, seed: 9);
        preds[8] = preds[9] = preds[10] = preds[11] = 0.25; // a row of ties: the lower indices win
        int[] batches = [4, 11, 2, 13];
        (double Tp, double Fp, double Fn) TopK(int k, double threshold, int? classId)
        {
            double tp = 0, fp = 0, fn = 0;
            for (int row = 0; row < 30; row++)
            {
                var scores = Enumerable.Range(0, 4).Select(j => (float)preds[4 * row + j]).ToArray();
                var order = Enumerable.Range(0, 4).OrderByDescending(j => scores[j]).ThenBy(j => j).Take(k).ToHashSet();
                for (int j = 0; j < 4; j++)
                {
                    if (classId is int cid && j != cid) continue;
                    bool positive = order.Contains(j) && scores[j] > (float)threshold;
                    bool truth = labels[4 * row + j] != 0;
                    double w = weights[row];
                    if (positive && truth) tp += w;
                    else if (positive) fp += w;
                    else if (truth) fn += w;
                }
            }
            return (tp, fp, fn);
        }
        var top2 = TopK(2, -1e10, null);
        using var p2 = new Precision(topK: 2);
        Feed(p2, labels, preds, 4, batches, weights);
        Assert.AreEqual(top2.Tp / (top2.Tp + top2.Fp), p2.ResultValue(), 1e-5, "precision top 2");
        using var r2 = new Recall(topK: 2);
        Feed(r2, labels, preds, 4, batches, weights);
        Assert.AreEqual(top2.Tp / (top2.Tp + top2.Fn), r2.ResultValue(), 1e-5, "recall top 2");

        var cls = TopK(4, 0.5, 2);
        using var pc = new Precision(classId: 2);
        Feed(pc, labels, preds, 4, batches, weights);
        Assert.AreEqual(cls.Tp / (cls.Tp + cls.Fp), pc.ResultValue(), 1e-5, "precision of class 2");
        var both = TopK(1, 0.4, 1);
        using var rc = new Recall(0.4, topK: 1, classId: 1);
        Feed(rc, labels, preds, 4, batches, weights);
        Assert.AreEqual(both.Tp / (both.Tp + both.Fn), rc.ResultValue(), 1e-5, "recall of class 1 in the top 1 above 0.4");

        // Keras's docstrings: with four equal scores top_k=2 picks the first two.
        using var doc2 = new Precision(topK: 2);
        using (var scope = Ops.Scope()) doc2.UpdateState(F([0, 0, 1, 1], 4), F([1, 1, 1, 1], 4));
        Assert.AreEqual(0.0, doc2.ResultValue(), 1e-9);
        using var doc4 = new Precision(topK: 4);
        using (var scope = Ops.Scope()) doc4.UpdateState(F([0, 0, 1, 1], 4), F([1, 1, 1, 1], 4));
        Assert.AreEqual(0.5, doc4.ResultValue(), 1e-9);
    }

    [TestMethod]
    public void ConditionCountsAreWeightedSums()
    {
        var (labels, preds, weights) = Data(seed: 2);
        double[] thresholds = [0.2, 0.5, 0.8];
        var c = Counts(labels, preds, thresholds, weights);
        var metrics = new (Metric Metric, double[] Expected)[]
        {
            (new TruePositives(thresholds), c.Tp), (new FalsePositives(thresholds), c.Fp),
            (new TrueNegatives(thresholds), c.Tn), (new FalseNegatives(thresholds), c.Fn),
        };
        foreach (var (m, expected) in metrics)
        {
            Feed(m, labels, preds, 0, Uneven, weights);
            var actual = m.ResultValues();
            for (int i = 0; i < 3; i++) Assert.AreEqual(expected[i], actual[i], 1e-4, $"{m.Name}[{i}]");
            var logs = m.ResultLogs("val_");
            Assert.AreEqual($"val_{m.Name}_2", logs[2].Key, "a vector result gives one log entry per element");
            m.Dispose();
        }
        // A single threshold gives a scalar; Keras's docstring values.
        using var fp = new FalsePositives();
        using (var scope = Ops.Scope()) fp.UpdateState(F([0, 1, 0, 0], 4), F([0, 0, 1, 1], 4));
        Assert.AreEqual(2.0, fp.ResultValue());
        Assert.AreEqual("false_positives", fp.ResultLogs().Single().Key);
        using var tn = new TrueNegatives();
        using (var scope = Ops.Scope()) tn.UpdateState(F([0, 1, 0, 0], 4), F([1, 1, 0, 0], 4), F([0, 0, 1, 0], 4));
        Assert.AreEqual(1.0, tn.ResultValue());
    }

    // ---------------------------------------------------------------- precision at recall, recall at precision

    [TestMethod]
    public void PrecisionAtRecallAndRecallAtPrecisionSearchTheThresholds()
    {
        var (labels, preds, weights) = Data(seed: 17);
        foreach (int n in new[] { 200, 13 })
        {
            double[] thresholds = [0.0, .. Enumerable.Range(1, n - 2).Select(i => i * 1.0 / (n - 1)), 1.0];
            var c = Counts(labels, preds, thresholds, weights);
            var recall = c.Tp.Select((t, i) => DivNoNan(t, t + c.Fn[i])).ToArray();
            var precision = c.Tp.Select((t, i) => DivNoNan(t, t + c.Fp[i])).ToArray();
            double Best(double[] constrained, double[] dependent, double value) =>
                Enumerable.Range(0, n).Where(i => constrained[i] >= value).Select(i => dependent[i]).DefaultIfEmpty(0).Max();
            foreach (double value in new[] { 0.3, 0.8, 0.95 })
            {
                using var par = new PrecisionAtRecall(value, numThresholds: n);
                Feed(par, labels, preds, 0, Uneven, weights);
                Assert.AreEqual(Best(recall, precision, value), par.ResultValue(), 1e-5, $"precision at recall {value}, {n} thresholds");
                using var rap = new RecallAtPrecision(value, numThresholds: n);
                Feed(rap, labels, preds, 0, Uneven, weights);
                Assert.AreEqual(Best(precision, recall, value), rap.ResultValue(), 1e-5, $"recall at precision {value}, {n} thresholds");
            }
        }
        // Keras's docstrings.
        using var a = new PrecisionAtRecall(0.5);
        using (var scope = Ops.Scope()) a.UpdateState(F([0, 0, 0, 1, 1], 5), F([0, 0.3, 0.8, 0.3, 0.8], 5));
        Assert.AreEqual(0.5, a.ResultValue(), 1e-6);
        a.ResetState();
        using (var scope = Ops.Scope()) a.UpdateState(F([0, 0, 0, 1, 1], 5), F([0, 0.3, 0.8, 0.3, 0.8], 5), F([2, 2, 2, 1, 1], 5));
        Assert.AreEqual(0.33333333, a.ResultValue(), 1e-6);
        using var b = new RecallAtPrecision(0.8);
        using (var scope = Ops.Scope()) b.UpdateState(F([0, 0, 1, 1], 4), F([0, 0.5, 0.3, 0.9], 4));
        Assert.AreEqual(0.5, b.ResultValue(), 1e-6);
        b.ResetState();
        using (var scope = Ops.Scope()) b.UpdateState(F([0, 0, 1, 1], 4), F([0, 0.5, 0.3, 0.9], 4), F([1, 0, 0, 1], 4));
        Assert.AreEqual(1.0, b.ResultValue(), 1e-6);
        Assert.Throws<ArgumentException>(() => new PrecisionAtRecall(1.5));
        Assert.Throws<ArgumentException>(() => new RecallAtPrecision(0.5, numThresholds: 0));
    }
}
