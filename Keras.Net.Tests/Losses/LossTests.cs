using Keras.Backend;
using Keras.Data;
using Keras.Losses;

namespace Keras.Net.Tests.Losses;

/// <summary>
/// Keras 3's losses (<c>keras/src/losses/losses.py</c>, <c>loss.py</c>, and the torch backend's
/// <c>nn.py</c> cross-entropies): per-sample values, reductions, sample weights and masks against
/// closed forms in double precision, plus finite-difference gradients.
/// </summary>
[TestClass]
public class LossTests
{
    // Keras's epsilon (1e-7) as the float32 bounds the torch backend clips float32 predictions to.
    private static readonly double EpsF = (float)1e-7;
    private static readonly double OneMinusEpsF = (float)(1 - 1e-7);

    private static Tensor F(double[] data, params long[] shape) =>
        Ops.FromHost(HostArray.Create(data.Select(x => (float)x).ToArray(), shape));

    private static Tensor D(double[] data, params long[] shape) => Ops.FromHost(HostArray.Create(data, shape));

    private static Tensor L(long[] data, params long[] shape) => Ops.FromHost(HostArray.Create(data, shape));

    private static double[] Run(Loss loss, Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null, long[]? expectShape = null)
    {
        var r = loss.Compute(yTrue, yPred, sampleWeight);
        if (expectShape is not null) CollectionAssert.AreEqual(expectShape, r.Shape.ToLongArray(), $"{loss.Name}: result shape");
        return r.ToArray<double>();
    }

    private static void AssertClose(double[] expected, double[] actual, string what, double rel = 1e-5, double abs = 1e-6)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], abs + rel * Math.Abs(expected[i]), $"{what}[{i}]");
    }

    private static void AssertClose(double expected, double[] actual, string what, double rel = 1e-5, double abs = 1e-6) =>
        AssertClose([expected], actual, what, rel, abs);

    /// <summary>Row means of a (rows, cols) array of per-element values.</summary>
    private static double[] RowMeans(double[] v, int cols) =>
        Enumerable.Range(0, v.Length / cols).Select(r => v.Skip(r * cols).Take(cols).Average()).ToArray();

    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    private static double[] LogSoftmax(double[] row)
    {
        double max = row.Max();
        double lse = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
        return row.Select(v => v - lse).ToArray();
    }

    // ---------------------------------------------------------------- regression losses and reductions

    private static readonly double[] T23 = [0, 1, 2, 3, -1, 0.5];
    private static readonly double[] P23 = [0.5, 1, 1, 2, 0, 0.75];

    private static double[] MsePerSample() => RowMeans(T23.Zip(P23, (t, p) => (p - t) * (p - t)).ToArray(), 3);

    private static double[] MaePerSample() => RowMeans(T23.Zip(P23, (t, p) => Math.Abs(p - t)).ToArray(), 3);

    [TestMethod]
    public void MeanSquaredAndAbsoluteErrorWithEveryReduction()
    {
        using var scope = Ops.Scope();
        var t = F(T23, 2, 3);
        var p = F(P23, 2, 3);
        foreach (var (make, per, name) in new (Func<string, Loss>, double[], string)[]
                 {
                     (r => new MeanSquaredError(reduction: r), MsePerSample(), "mse"),
                     (r => new MeanAbsoluteError(reduction: r), MaePerSample(), "mae"),
                 })
        {
            AssertClose(per, Run(make("none"), t, p, expectShape: [2]), $"{name} none");
            AssertClose(per.Average(), Run(make("sum_over_batch_size"), t, p, expectShape: []), $"{name} sum_over_batch_size");
            AssertClose(per.Average(), Run(make("mean"), t, p), $"{name} mean");
            AssertClose(per.Sum(), Run(make("sum"), t, p, expectShape: []), $"{name} sum");

            // Sample weights, as (2,) and as (2, 1).
            double[] w = [2.0, 0.5];
            double weightedSum = w[0] * per[0] + w[1] * per[1];
            foreach (var sw in new[] { F(w, 2), F(w, 2, 1) })
            {
                // Keras's squeeze_or_expand_to_same_rank gives (2,) values a trailing axis for (2, 1) weights.
                AssertClose(per.Zip(w, (l, x) => l * x).ToArray(), Run(make("none"), t, p, sw, sw.Shape.ToLongArray()), $"{name} weighted none");
                AssertClose(weightedSum / 2, Run(make("sum_over_batch_size"), t, p, sw), $"{name} weighted sum_over_batch_size");
                AssertClose(weightedSum, Run(make("sum"), t, p, sw), $"{name} weighted sum");
                AssertClose(weightedSum / w.Sum(), Run(make("mean_with_sample_weight"), t, p, sw), $"{name} mean_with_sample_weight");
            }
        }
    }

    [TestMethod]
    public void TargetsAndPredictionsDifferingByATrailingAxisAreAligned()
    {
        // Keras's squeeze_or_expand_to_same_rank: (4,) vs (4, 1) in either order gives per-sample values of shape (4,).
        using var scope = Ops.Scope();
        double[] t = [1, 2, 3, 4];
        double[] p = [1.5, 1, 3, 6];
        var expected = t.Zip(p, (a, b) => (b - a) * (b - a)).ToArray();
        var mse = new MeanSquaredError(reduction: "none");
        AssertClose(expected, Run(mse, F(t, 4), F(p, 4, 1), expectShape: [4]), "(4,) vs (4,1)");
        AssertClose(expected, Run(mse, F(t, 4, 1), F(p, 4), expectShape: [4]), "(4,1) vs (4,)");
        AssertClose(expected.Average(), Run(new MeanSquaredError(), F(t, 4, 1), F(p, 4)), "(4,1) vs (4,) reduced");

        // A custom loss function gets aligned inputs too (Keras's LossFunctionWrapper).
        var custom = new LossFunctionWrapper((a, b) => Ops.Mean(Ops.Abs(Ops.Subtract(b, a)), -1), reduction: "none");
        AssertClose(t.Zip(p, (a, b) => Math.Abs(b - a)).ToArray(), Run(custom, F(t, 4), F(p, 4, 1), expectShape: [4]), "custom");
    }

    [TestMethod]
    public void MismatchedTargetShapesRaiseAClearArgumentException()
    {
        using var scope = Ops.Scope();
        var t23 = Ops.Zeros(new Shape(2, 3));
        var p24 = Ops.Zeros(new Shape(2, 4));
        foreach (var loss in new Loss[] { new MeanSquaredError(), new MeanAbsoluteError(), new BinaryCrossentropy(), new CategoricalCrossentropy() })
        {
            var e = Assert.ThrowsExactly<ArgumentException>(() => loss.Compute(t23, p24), loss.Name);
            StringAssert.Contains(e.Message, "(2, 3)", loss.Name);
            StringAssert.Contains(e.Message, "(2, 4)", loss.Name);
        }
        // BinaryCrossentropy needs identical shapes (Keras's torch backend), even when they would broadcast.
        Assert.ThrowsExactly<ArgumentException>(() => new BinaryCrossentropy().Compute(Ops.Zeros(new Shape(2, 1)), Ops.Zeros(new Shape(2, 3))));
        var cce = Assert.ThrowsExactly<ArgumentException>(() => new CategoricalCrossentropy().Compute(L([0, 2], 2), Ops.Zeros(new Shape(2, 3))));
        StringAssert.Contains(cce.Message, "SparseCategoricalCrossentropy");
        var sparse = Assert.ThrowsExactly<ArgumentException>(() => new SparseCategoricalCrossentropy().Compute(L([0, 1, 2], 3), Ops.Zeros(new Shape(2, 4))));
        StringAssert.Contains(sparse.Message, "(3,)");
        StringAssert.Contains(sparse.Message, "(2, 4)");
        Assert.ThrowsExactly<ArgumentException>(() => new SparseCategoricalCrossentropy(axis: 0).Compute(L([0, 1, 2, 3], 4), Ops.Zeros(new Shape(2, 4))));
        Assert.ThrowsExactly<ArgumentException>(() => new MeanSquaredError().Compute(t23, Ops.Zeros(new Shape(2, 3)), Ops.Ones(new Shape(3))));
    }

    // ---------------------------------------------------------------- binary cross-entropy

    private static readonly double[] BT = [0, 1, 1, 0, 1, 0, 1, 0];
    // 0 and 1 exercise the clipping; the rest are ordinary probabilities.
    private static readonly double[] BP = [0.1, 0.8, 1.0, 0.0, 0.0, 0.3, 0.6, 1.0];

    private static double BceProb(double t, double p)
    {
        double pc = Math.Clamp((double)(float)p, EpsF, OneMinusEpsF);
        return -(t * Math.Log(pc) + (1 - t) * Math.Log(1 - pc));
    }

    [TestMethod]
    public void BinaryCrossentropyOnProbabilitiesClipsToKerasEpsilon()
    {
        using var scope = Ops.Scope();
        var expected = RowMeans(BT.Zip(BP, BceProb).ToArray(), 4);
        // p = 0 with t = 1 costs -log(1e-7) and p = 1 with t = 0 costs -log(1 - (1 - 1e-7)) in float32 (~15.94).
        Assert.IsGreaterThan(15.9, BceProb(1, 0));
        Assert.IsGreaterThan(15.9, BceProb(0, 1));
        AssertClose(expected, Run(new BinaryCrossentropy(reduction: "none"), F(BT, 2, 4), F(BP, 2, 4), expectShape: [2]), "bce");
        AssertClose(expected.Average(), Run(new BinaryCrossentropy(), F(BT, 2, 4), F(BP, 2, 4)), "bce mean");

        // Label smoothing moves targets to t (1 - s) + s / 2.
        const double s = 0.2;
        var smoothed = RowMeans(BT.Zip(BP, (t, p) => BceProb(t * (1 - s) + 0.5 * s, p)).ToArray(), 4);
        AssertClose(smoothed, Run(new BinaryCrossentropy(labelSmoothing: s, reduction: "none"), F(BT, 2, 4), F(BP, 2, 4)), "bce smoothed");

        // (batch,) targets on (batch, 1) predictions.
        AssertClose(BT.Zip(BP, BceProb).ToArray(), Run(new BinaryCrossentropy(reduction: "none"), F(BT, 8), F(BP, 8, 1), expectShape: [8]), "bce (8,) vs (8,1)");
    }

    [TestMethod]
    public void BinaryCrossentropyFromLogits()
    {
        using var scope = Ops.Scope();
        double[] x = [-3, 0, 2.5, 10, -10, 0.7, -0.2, 40];
        // -(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))) = softplus(x) - t x.
        var expected = RowMeans(BT.Zip(x, (t, v) => Softplus(v) - t * v).ToArray(), 4);
        AssertClose(expected, Run(new BinaryCrossentropy(fromLogits: true, reduction: "none"), F(BT, 2, 4), F(x, 2, 4)), "bce logits");
        const double s = 0.1;
        var smoothed = RowMeans(BT.Zip(x, (t, v) => Softplus(v) - (t * (1 - s) + 0.5 * s) * v).ToArray(), 4);
        AssertClose(smoothed, Run(new BinaryCrossentropy(fromLogits: true, labelSmoothing: s, reduction: "none"), F(BT, 2, 4), F(x, 2, 4)), "bce logits smoothed");
    }

    // ---------------------------------------------------------------- categorical cross-entropy

    private static readonly double[] CT = [0, 1, 0, /**/ 0, 0, 1, /**/ 1, 0, 0, /**/ 0.2, 0.3, 0.5];
    // Unnormalised probabilities; row 2's true class has probability 0 (clipped to 1e-7), row 1 normalises to exactly 1.
    private static readonly double[] CP = [1, 2, 1, /**/ 0, 0, 2, /**/ 0, 3, 1, /**/ 0.5, 0.25, 0.25];

    private static double[] CceProb(double[] t, double[] p, int classes, double smoothing = 0)
    {
        var result = new List<double>();
        for (int r = 0; r < t.Length / classes; r++)
        {
            var row = p.Skip(r * classes).Take(classes).Select(v => (double)(float)v).ToArray();
            double sum = row.Sum();
            double loss = 0;
            for (int j = 0; j < classes; j++)
            {
                double pc = Math.Clamp(row[j] / sum, EpsF, OneMinusEpsF);
                double tj = t[r * classes + j] * (1 - smoothing) + smoothing / classes;
                loss -= tj * Math.Log(pc);
            }
            result.Add(loss);
        }
        return result.ToArray();
    }

    private static double[] CceLogits(double[] t, double[] x, int classes, double smoothing = 0)
    {
        var result = new List<double>();
        for (int r = 0; r < t.Length / classes; r++)
        {
            var lp = LogSoftmax(x.Skip(r * classes).Take(classes).ToArray());
            result.Add(-Enumerable.Range(0, classes).Sum(j => (t[r * classes + j] * (1 - smoothing) + smoothing / classes) * lp[j]));
        }
        return result.ToArray();
    }

    [TestMethod]
    public void CategoricalCrossentropyRenormalisesAndClipsProbabilities()
    {
        using var scope = Ops.Scope();
        var expected = CceProb(CT, CP, 3);
        Assert.IsGreaterThan(16.0, expected[2], "a zero probability for the true class costs -log(1e-7)");
        AssertClose(expected, Run(new CategoricalCrossentropy(reduction: "none"), F(CT, 4, 3), F(CP, 4, 3), expectShape: [4]), "cce");
        AssertClose(expected.Average(), Run(new CategoricalCrossentropy(), F(CT, 4, 3), F(CP, 4, 3)), "cce mean");
        AssertClose(CceProb(CT, CP, 3, 0.1), Run(new CategoricalCrossentropy(labelSmoothing: 0.1, reduction: "none"), F(CT, 4, 3), F(CP, 4, 3)), "cce smoothed");
    }

    [TestMethod]
    public void CategoricalCrossentropyFromLogits()
    {
        using var scope = Ops.Scope();
        double[] x = [2, -1, 0.5, /**/ -20, 5, 30, /**/ 0, 0, 0, /**/ 1, 2, 3];
        AssertClose(CceLogits(CT, x, 3), Run(new CategoricalCrossentropy(fromLogits: true, reduction: "none"), F(CT, 4, 3), F(x, 4, 3)), "cce logits");
        AssertClose(CceLogits(CT, x, 3, 0.2), Run(new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.2, reduction: "none"), F(CT, 4, 3), F(x, 4, 3)), "cce logits smoothed");
    }

    // ---------------------------------------------------------------- sparse categorical cross-entropy

    [TestMethod]
    public void SparseCategoricalCrossentropyOnProbabilitiesAndLogits()
    {
        using var scope = Ops.Scope();
        long[] labels = [1, 2, 0, 2];
        var oneHot = labels.SelectMany(l => Enumerable.Range(0, 3).Select(j => j == l ? 1.0 : 0.0)).ToArray();
        var expectedProb = CceProb(oneHot, CP, 3);
        double[] x = [2, -1, 0.5, /**/ -20, 5, 30, /**/ 0, 0, 0, /**/ 1, 2, 3];
        var expectedLogits = CceLogits(oneHot, x, 3);

        var prob = new SparseCategoricalCrossentropy(reduction: "none");
        var logits = new SparseCategoricalCrossentropy(fromLogits: true, reduction: "none");
        // int64 labels, (4, 1) labels and float labels give the same values.
        foreach (var y in new[] { L(labels, 4), L(labels, 4, 1), F(labels.Select(l => (double)l).ToArray(), 4) })
        {
            AssertClose(expectedProb, Run(prob, y, F(CP, 4, 3), expectShape: [4]), $"scce probabilities, labels {y.Shape}");
            AssertClose(expectedLogits, Run(logits, y, F(x, 4, 3), expectShape: [4]), $"scce logits, labels {y.Shape}");
        }
        AssertClose(expectedLogits.Average(), Run(new SparseCategoricalCrossentropy(fromLogits: true), L(labels, 4), F(x, 4, 3)), "scce mean");

        // A negative label selects no class: zero loss (Keras's one_hot of a negative index is all zeros).
        AssertClose([0, expectedLogits[1]], Run(logits, L([-1, 2], 2), F(x.Take(6).ToArray(), 2, 3)), "negative label");
    }

    [TestMethod]
    public void SparseCategoricalCrossentropyIgnoreClassAveragesOverValidEntries()
    {
        using var scope = Ops.Scope();
        // Keras's own test case: labels [[-1, 2]], ignore_class=-1 -> [[0, 1.480129]].
        double[] x = [0.854, 0.698, 0.598, 0.088, 0.86, 0.018];
        double second = -LogSoftmax([0.088, 0.86, 0.018])[2];
        Assert.AreEqual(1.480129, second, 1e-6, "the closed form agrees with Keras's documented value");
        var none = new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1, reduction: "none");
        AssertClose([0, second], Run(none, L([-1, 2], 1, 2), F(x, 1, 2, 3), expectShape: [1, 2]), "ignore none");
        AssertClose([0, second], Run(none, L([-1, 2], 1, 2, 1), F(x, 1, 2, 3), expectShape: [1, 2]), "ignore none, (1, 2, 1) labels");
        // The mask makes sum_over_batch_size divide by the number of valid entries (1), not all entries (2).
        AssertClose(second, Run(new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1), L([-1, 2], 1, 2), F(x, 1, 2, 3)), "ignore mean");
        AssertClose(second, Run(new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: -1, reduction: "sum"), L([-1, 2], 1, 2), F(x, 1, 2, 3)), "ignore sum");

        // ignore_class = 0 on four samples, with sample weights.
        double[] logits = [2, -1, 0.5, /**/ -2, 5, 3, /**/ 0, 1, 0, /**/ 1, 2, 3];
        long[] labels = [0, 2, 1, 0];
        double[] w = [1, 2, 3, 4];
        var per = Enumerable.Range(0, 4).Select(r => labels[r] == 0 ? 0 : -LogSoftmax(logits.Skip(3 * r).Take(3).ToArray())[labels[r]]).ToArray();
        double valid = labels.Count(l => l != 0);
        double weighted = Enumerable.Range(0, 4).Sum(r => w[r] * per[r]);
        double validWeight = Enumerable.Range(0, 4).Where(r => labels[r] != 0).Sum(r => w[r]);
        var y = L(labels, 4);
        var p = F(logits, 4, 3);
        AssertClose(per.Sum() / valid, Run(new SparseCategoricalCrossentropy(true, 0), y, p), "ignore 0 mean");
        AssertClose(weighted / valid, Run(new SparseCategoricalCrossentropy(true, 0), y, p, F(w, 4)), "ignore 0 weighted mean");
        AssertClose(weighted, Run(new SparseCategoricalCrossentropy(true, 0, reduction: "sum"), y, p, F(w, 4)), "ignore 0 weighted sum");
        AssertClose(weighted / validWeight, Run(new SparseCategoricalCrossentropy(true, 0, reduction: "mean_with_sample_weight"), y, p, F(w, 4)), "ignore 0 mean_with_sample_weight");
    }

    [TestMethod]
    public void APredictionMaskRestrictsTheLossToUnmaskedEntries()
    {
        // A Keras mask on y_pred (e.g. from Embedding(mask_zero=True)) weighs the per-timestep losses.
        using var scope = Ops.Scope();
        double[] t = [1, 0, 2, 1, 0, 0, /**/ 1, 1, 3, 0, 2, 2];
        double[] p = [0, 0, 2, 2, 1, 1, /**/ 1, 0, 0, 0, 2, 1];
        bool[] mask = [true, true, false, true, false, false];
        var per = RowMeans(t.Zip(p, (a, b) => (b - a) * (b - a)).ToArray(), 2); // (2, 3) timesteps
        var pred = F(p, 2, 3, 2);
        pred.KerasMask = Ops.FromHost(HostArray.Create(mask, 2, 3));
        double maskedSum = per.Where((_, i) => mask[i]).Sum();
        AssertClose(maskedSum / mask.Count(m => m), Run(new MeanSquaredError(), F(t, 2, 3, 2), pred), "masked mean");
        AssertClose(maskedSum, Run(new MeanSquaredError(reduction: "sum"), F(t, 2, 3, 2), pred), "masked sum");
        AssertClose(per.Select((v, i) => mask[i] ? v : 0).ToArray(), Run(new MeanSquaredError(reduction: "none"), F(t, 2, 3, 2), pred, expectShape: [2, 3]), "masked none");
    }

    // ---------------------------------------------------------------- gradients

    private static void CheckGradient(Loss loss, Tensor yTrue, double[] pred, long[] shape, Tensor? sampleWeight = null)
    {
        using var scope = Ops.Scope();
        using var v = new Variable(D(pred, shape), "pred");
        var analytic = KerasBackend.Current.Gradients(loss.Compute(yTrue, v, sampleWeight), [v.Value])[0].ToArray<double>();
        const double h = 1e-6;
        for (int i = 0; i < pred.Length; i++)
        {
            var plus = (double[])pred.Clone();
            plus[i] += h;
            var minus = (double[])pred.Clone();
            minus[i] -= h;
            double numeric = (loss.Compute(yTrue, D(plus, shape), sampleWeight).Item() - loss.Compute(yTrue, D(minus, shape), sampleWeight).Item()) / (2 * h);
            Assert.AreEqual(numeric, analytic[i], 1e-6 + 1e-5 * Math.Abs(numeric), $"{loss.GetType().Name} d/dpred[{i}]");
        }
    }

    [TestMethod]
    public void GradientsWithRespectToPredictionsMatchFiniteDifferences()
    {
        using var scope = Ops.Scope();
        // Float64 predictions keep the central differences accurate.
        var t23 = D(T23, 2, 3);
        CheckGradient(new MeanSquaredError(), t23, P23, [2, 3]);
        CheckGradient(new MeanSquaredError(reduction: "sum"), t23, P23, [2, 3], D([2.0, 0.5], 2));
        CheckGradient(new MeanAbsoluteError(), t23, [0.5, 1.2, 1, 2, 0.1, 0.75], [2, 3]); // away from the kinks

        var bt = D(BT, 2, 4);
        double[] probs = [0.1, 0.8, 0.95, 0.05, 0.3, 0.3, 0.6, 0.9];
        CheckGradient(new BinaryCrossentropy(), bt, probs, [2, 4]);
        CheckGradient(new BinaryCrossentropy(labelSmoothing: 0.2), bt, probs, [2, 4]);
        // Logits including exactly 0, where the loss is smooth and its gradient is sigmoid(0) - t.
        CheckGradient(new BinaryCrossentropy(fromLogits: true), bt, [-3, 0, 2.5, 0, -1, 0.7, -0.2, 4], [2, 4]);

        var ct = D(CT, 4, 3);
        CheckGradient(new CategoricalCrossentropy(), ct, [1, 2, 1, 0.5, 0.2, 2, 0.3, 3, 1, 0.5, 0.25, 0.25], [4, 3]);
        CheckGradient(new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1), ct, [2, -1, 0.5, -2, 5, 3, 0, 0, 0, 1, 2, 3], [4, 3]);

        var labels = L([1, 2, 0, 2], 4);
        CheckGradient(new SparseCategoricalCrossentropy(), labels, [1, 2, 1, 0.5, 0.2, 2, 0.3, 3, 1, 0.5, 0.25, 0.25], [4, 3]);
        CheckGradient(new SparseCategoricalCrossentropy(fromLogits: true), labels, [2, -1, 0.5, -2, 5, 3, 0, 0, 0, 1, 2, 3], [4, 3]);
        CheckGradient(new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 0), labels, [2, -1, 0.5, -2, 5, 3, 0, 0, 0, 1, 2, 3], [4, 3]);
    }

    // ---------------------------------------------------------------- names and arguments

    [TestMethod]
    public void GetResolvesKerasNamesAndAliases()
    {
        var expected = new (string[] Names, Type Type)[]
        {
            (["mse", "MSE", "mean_squared_error", "MeanSquaredError"], typeof(MeanSquaredError)),
            (["mae", "MAE", "mean_absolute_error", "MeanAbsoluteError"], typeof(MeanAbsoluteError)),
            (["bce", "BCE", "binary_crossentropy", "BinaryCrossentropy"], typeof(BinaryCrossentropy)),
            (["categorical_crossentropy", "CategoricalCrossentropy"], typeof(CategoricalCrossentropy)),
            (["sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"], typeof(SparseCategoricalCrossentropy)),
        };
        foreach (var (names, type) in expected)
        {
            foreach (var name in names)
            {
                var loss = Loss.Get(name);
                Assert.IsInstanceOfType(loss, type, name);
                Assert.AreEqual("sum_over_batch_size", loss.Reduction, name);
                Loss converted = name;
                Assert.IsInstanceOfType(converted, type, $"implicit conversion of '{name}'");
            }
        }
        var e = Assert.ThrowsExactly<ArgumentException>(() => Loss.Get("hinge2"));
        StringAssert.Contains(e.Message, "hinge2");
        Assert.Throws<ArgumentException>(() => new MeanSquaredError(reduction: "average"));
        Assert.Throws<ArgumentException>(() => new BinaryCrossentropy(labelSmoothing: 1.5));
        Assert.Throws<ArgumentException>(() => new CategoricalCrossentropy(labelSmoothing: -0.1));
    }
}
