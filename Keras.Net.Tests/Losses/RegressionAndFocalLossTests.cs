using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Losses;

namespace Keras.Net.Tests.Losses;

/// <summary>
/// Keras 3's MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh, KLDivergence, Poisson,
/// CosineSimilarity, Hinge, SquaredHinge, CategoricalHinge, BinaryFocalCrossentropy,
/// CategoricalFocalCrossentropy, Dice and Tversky (<c>keras/src/losses/losses.py</c>): values on small inputs
/// against the formulas in double precision and against the outputs printed in Keras's own docstrings, with
/// sample weights and every reduction.
/// </summary>
[TestClass]
public class RegressionAndFocalLossTests
{
    private static Tensor F(double[] data, params long[] shape) =>
        Ops.FromHost(HostArray.Create(data.Select(x => (float)x).ToArray(), shape));

    private static Tensor D(double[] data, params long[] shape) => Ops.FromHost(HostArray.Create(data, shape));

    private static double[] Run(Loss loss, Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
        loss.Compute(yTrue, yPred, sampleWeight).ToArray<double>();

    private static void AssertClose(double[] expected, double[] actual, string what, double tol = 1e-5)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], tol * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]");
    }

    // Two samples of three values.
    private static readonly double[] T = [0.5, 2.0, -1.0, 3.0, 0.0, 1.5];
    private static readonly double[] P = [0.25, 2.5, 1.0, 2.0, 0.3, -0.2];
    private static readonly double[] W = [0.7, 2.0];

    /// <summary>Per-sample means of f(t, p) over the 3 columns.</summary>
    private static double[] RowMean(Func<double, double, double> f) =>
        [(f(T[0], P[0]) + f(T[1], P[1]) + f(T[2], P[2])) / 3, (f(T[3], P[3]) + f(T[4], P[4]) + f(T[5], P[5])) / 3];

    /// <summary>Checks none, sum, sum_over_batch_size and a weighted mean_with_sample_weight against per-sample values.</summary>
    private static void CheckReductions(Func<string, Loss> make, double[] perSample, Tensor yTrue, Tensor yPred, double tol = 1e-5)
    {
        string name = make("none").GetType().Name;
        AssertClose(perSample, Run(make("none"), yTrue, yPred), $"{name} none", tol);
        AssertClose([perSample.Sum()], Run(make("sum"), yTrue, yPred), $"{name} sum", tol);
        AssertClose([perSample.Average()], Run(make("sum_over_batch_size"), yTrue, yPred), $"{name} sum_over_batch_size", tol);
        var weighted = perSample.Zip(W, (v, w) => v * w).ToArray();
        AssertClose([weighted.Sum() / 2], Run(make("sum_over_batch_size"), yTrue, yPred, F(W, 2)), $"{name} weighted", tol);
        AssertClose([weighted.Sum() / W.Sum()], Run(make("mean_with_sample_weight"), yTrue, yPred, F(W, 2)), $"{name} mean_with_sample_weight", tol);
        AssertClose(weighted, Run(make("none"), yTrue, yPred, F(W, 2)), $"{name} weighted none", tol);
    }

    [TestMethod]
    public void MeanAbsolutePercentageErrorDividesByTheTargetMagnitude()
    {
        var perSample = RowMean((t, p) => 100 * Math.Abs((t - p) / Math.Max(Math.Abs(t), 1e-7)));
        CheckReductions(r => new MeanAbsolutePercentageError(reduction: r), perSample, F(T, 2, 3), F(P, 2, 3), 2e-5);
        // Keras's docstring: targets [[0, 1], [0, 0]], predictions [[1, 1], [0, 0]] give 250000000 (zero targets divide by epsilon).
        using var scope = Ops.Scope();
        AssertClose([2.5e8], Run(new MeanAbsolutePercentageError(), F([0, 1, 0, 0], 2, 2), F([1, 1, 0, 0], 2, 2)), "docstring", 1e-6);
    }

    [TestMethod]
    public void MeanSquaredLogarithmicErrorClipsAtEpsilon()
    {
        static double L(double x) => Math.Log(Math.Max(x, 1e-7) + 1);
        var perSample = RowMean((t, p) => Math.Pow(L(p) - L(t), 2));
        CheckReductions(r => new MeanSquaredLogarithmicError(reduction: r), perSample, F(T, 2, 3), F(P, 2, 3));
    }

    [TestMethod]
    public void HuberIsQuadraticUpToDeltaThenLinear()
    {
        foreach (double delta in new[] { 1.0, 0.4 })
        {
            var perSample = RowMean((t, p) =>
            {
                double e = Math.Abs(p - t);
                return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta;
            });
            CheckReductions(r => new Huber(delta, r), perSample, F(T, 2, 3), F(P, 2, 3));
        }
        // Keras's docstring value.
        AssertClose([0.155], Run(new Huber(), F([0, 1, 0, 0], 2, 2), F([0.6, 0.4, 0.4, 0.6], 2, 2)), "docstring", 1e-3);
        Assert.AreEqual(0.4, new Huber(0.4).GetConfig()["delta"]!.GetValue<double>());
    }

    [TestMethod]
    public void LogCoshIsStableForLargeErrors()
    {
        var perSample = RowMean((t, p) => Math.Log(Math.Cosh(p - t)));
        CheckReductions(r => new LogCosh(r), perSample, F(T, 2, 3), F(P, 2, 3));
        // log(cosh(100)) = 100 - log 2 without overflow.
        AssertClose([100 - Math.Log(2)], Run(new LogCosh(), F([0], 1, 1), F([100], 1, 1)), "large error", 1e-6);
        AssertClose([0.108], Run(new LogCosh(), F([0, 1, 0, 0], 2, 2), F([1, 1, 0, 0], 2, 2)), "docstring", 1e-3);
    }

    private static readonly double[] ProbT = [0.2, 0.3, 0.5, 0.0, 1.0, 0.0];
    private static readonly double[] ProbP = [0.1, 0.6, 0.3, 0.25, 0.7, 0.05];

    [TestMethod]
    public void KLDivergenceAndPoisson()
    {
        static double Clip(double x) => Math.Clamp(x, 1e-7, 1);
        double[] kl = new double[2], poisson = new double[2];
        for (int r = 0; r < 2; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                double t = ProbT[3 * r + c], p = ProbP[3 * r + c];
                kl[r] += Clip(t) * Math.Log(Clip(t) / Clip(p));
                poisson[r] += (p - t * Math.Log(p + 1e-7)) / 3;
            }
        }
        CheckReductions(r => new KLDivergence(r), kl, F(ProbT, 2, 3), F(ProbP, 2, 3));
        CheckReductions(r => new Poisson(r), poisson, F(ProbT, 2, 3), F(ProbP, 2, 3));
    }

    [TestMethod]
    public void CosineSimilarityIsNegativeForAlignedVectors()
    {
        double[] Cos(double[] a, double[] b, int rows, int cols)
        {
            var r = new double[rows];
            for (int i = 0; i < rows; i++)
            {
                double dot = 0, na = 0, nb = 0;
                for (int j = 0; j < cols; j++)
                {
                    dot += a[i * cols + j] * b[i * cols + j];
                    na += a[i * cols + j] * a[i * cols + j];
                    nb += b[i * cols + j] * b[i * cols + j];
                }
                r[i] = -dot / (Math.Sqrt(na) * Math.Sqrt(nb));
            }
            return r;
        }
        CheckReductions(r => new CosineSimilarity(reduction: r), Cos(T, P, 2, 3), F(T, 2, 3), F(P, 2, 3));
        // Keras's docstring: [[0, 1], [1, 1], [1, 1]] vs [[1, 0], [1, 1], [-1, -1]] gives [-0, -1, 1]; a zero vector gives 0.
        AssertClose([0, -1, 1, 0], Run(new CosineSimilarity(reduction: "none"), F([0, 1, 1, 1, 1, 1, 0, 0], 4, 2), F([1, 0, 1, 1, -1, -1, 3, 4], 4, 2)), "docstring");
        // Along axis 0: columns are compared.
        double[] colT = [T[0], T[3], T[1], T[4], T[2], T[5]], colP = [P[0], P[3], P[1], P[4], P[2], P[5]];
        AssertClose(Cos(colT, colP, 3, 2), Run(new CosineSimilarity(axis: 0, reduction: "none"), F(T, 2, 3), F(P, 2, 3)), "axis 0");
    }

    [TestMethod]
    public void HingeLossesConvertBinaryTargets()
    {
        double[] t01 = [0, 1, 1, 1, 0, 0];
        double[] tpm = t01.Select(t => 2 * t - 1).ToArray();
        double[] pred = [0.3, -0.8, 1.6, 0.1, -2.0, 0.9];
        double[] hinge = new double[2], squared = new double[2];
        for (int r = 0; r < 2; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                double h = Math.Max(1 - tpm[3 * r + c] * pred[3 * r + c], 0);
                hinge[r] += h / 3;
                squared[r] += h * h / 3;
            }
        }
        // 0/1 targets and -1/1 targets give the same values.
        CheckReductions(r => new Hinge(r), hinge, F(t01, 2, 3), F(pred, 2, 3));
        CheckReductions(r => new Hinge(r), hinge, F(tpm, 2, 3), F(pred, 2, 3));
        CheckReductions(r => new SquaredHinge(r), squared, F(t01, 2, 3), F(pred, 2, 3));
        // Targets that are not all 0/1 are used as given.
        double[] other = [0.5, 1, 0, 2, 0, 1];
        var asGiven = Enumerable.Range(0, 2).Select(r => Enumerable.Range(0, 3).Average(c => Math.Max(1 - other[3 * r + c] * pred[3 * r + c], 0))).ToArray();
        AssertClose(asGiven, Run(new Hinge("none"), F(other, 2, 3), F(pred, 2, 3)), "non-binary targets");

        // Categorical hinge: max(max((1 - t) p) - sum(t p) + 1, 0) per row.
        double[] oneHot = [0, 1, 0, 0, 0, 1];
        double[] cat = new double[2];
        for (int r = 0; r < 2; r++)
        {
            double pos = 0, neg = double.NegativeInfinity;
            for (int c = 0; c < 3; c++)
            {
                pos += oneHot[3 * r + c] * pred[3 * r + c];
                neg = Math.Max(neg, (1 - oneHot[3 * r + c]) * pred[3 * r + c]);
            }
            cat[r] = Math.Max(neg - pos + 1, 0);
        }
        CheckReductions(r => new CategoricalHinge(r), cat, F(oneHot, 2, 3), F(pred, 2, 3));
    }

    // ---------------------------------------------------------------- focal cross-entropies

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static double[] BinaryFocal(double[] t, double[] p, int cols, bool balance, double alpha, double gamma, bool logits, double smoothing)
    {
        double eps = (float)1e-7, oneMinusEps = (float)(1 - 1e-7);
        var result = new double[t.Length / cols];
        for (int i = 0; i < t.Length; i++)
        {
            double y = t[i] * (1 - smoothing) + 0.5 * smoothing;
            double q = logits ? Sigmoid(p[i]) : p[i];
            double qc = Math.Clamp(q, eps, oneMinusEps);
            double bce = -(y * Math.Log(qc) + (1 - y) * Math.Log(1 - qc));
            double pt = y * q + (1 - y) * (1 - q);
            double v = Math.Pow(1 - pt, gamma) * bce;
            if (balance) v *= y * alpha + (1 - y) * (1 - alpha);
            result[i / cols] += v / cols;
        }
        return result;
    }

    [TestMethod]
    public void BinaryFocalCrossentropyMatchesTheFormulaAndKerasDocstring()
    {
        double[] t = [0, 1, 1, 0, 1, 0];
        double[] probs = [0.1, 0.8, 0.4, 0.7, 0.999, 0.0];
        double[] logits = [-2.0, 1.5, 0.0, 3.0, -0.5, 8.0];
        CheckReductions(r => new BinaryFocalCrossentropy(reduction: r), BinaryFocal(t, probs, 3, false, 0.25, 2.0, false, 0), F(t, 2, 3), F(probs, 2, 3));
        CheckReductions(r => new BinaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.4, gamma: 1.5, labelSmoothing: 0.1, reduction: r),
            BinaryFocal(t, probs, 3, true, 0.4, 1.5, false, 0.1), F(t, 2, 3), F(probs, 2, 3));
        CheckReductions(r => new BinaryFocalCrossentropy(gamma: 3, fromLogits: true, reduction: r),
            BinaryFocal(t, logits, 3, false, 0.25, 3, true, 0), F(t, 2, 3), F(logits, 2, 3));
        // gamma 0 without balancing is the binary cross-entropy.
        AssertClose(Run(new BinaryCrossentropy(reduction: "none"), F(t, 2, 3), F(probs, 2, 3)),
            Run(new BinaryFocalCrossentropy(gamma: 0, reduction: "none"), F(t, 2, 3), F(probs, 2, 3)), "gamma 0");

        // Keras's docstring examples (logits).
        var y1 = F([0, 1, 0, 0], 4);
        var p1 = F([-18.6, 0.51, 2.94, -12.8], 4);
        AssertClose([0.691], Run(new BinaryFocalCrossentropy(gamma: 2, fromLogits: true), y1, p1), "example 1", 2e-3);
        AssertClose([0.51], Run(new BinaryFocalCrossentropy(applyClassBalancing: true, gamma: 2, fromLogits: true), y1, p1), "example 1 balanced", 2e-3);
        var y2 = F([0, 1, 0, 0], 2, 2);
        var p2 = F([-18.6, 0.51, 2.94, -12.8], 2, 2);
        AssertClose([0.647], Run(new BinaryFocalCrossentropy(gamma: 3, fromLogits: true), y2, p2), "example 2", 2e-3);
        AssertClose([0.482], Run(new BinaryFocalCrossentropy(applyClassBalancing: true, gamma: 3, fromLogits: true), y2, p2), "example 2 balanced", 2e-3);
        AssertClose([0.133], Run(new BinaryFocalCrossentropy(gamma: 3, fromLogits: true), y2, p2, F([0.8, 0.2], 2)), "weighted", 2e-3);
        AssertClose([0.097], Run(new BinaryFocalCrossentropy(applyClassBalancing: true, gamma: 3, fromLogits: true), y2, p2, F([0.8, 0.2], 2)), "weighted balanced", 2e-3);
        AssertClose([1.222], Run(new BinaryFocalCrossentropy(gamma: 4, fromLogits: true, reduction: "sum"), y2, p2), "sum", 2e-3);
        AssertClose([0.914], Run(new BinaryFocalCrossentropy(applyClassBalancing: true, gamma: 4, fromLogits: true, reduction: "sum"), y2, p2), "sum balanced", 2e-3);
        AssertClose([0.0017, 1.1561], Run(new BinaryFocalCrossentropy(gamma: 5, fromLogits: true, reduction: "none"), y2, p2), "none", 2e-4);
        AssertClose([0.0004, 0.8670], Run(new BinaryFocalCrossentropy(applyClassBalancing: true, gamma: 5, fromLogits: true, reduction: "none"), y2, p2), "none balanced", 2e-4);
    }

    [TestMethod]
    public void CategoricalFocalCrossentropyMatchesTheFormulaAndKerasDocstring()
    {
        double[] t = [0, 1, 0, 0, 0, 1];
        double[] p = [0.05, 0.95, 0, 0.1, 0.8, 0.1];
        double[] Focal(double[] tt, double[] pp, double[] alpha, double gamma, bool logits, double smoothing)
        {
            double eps = (float)1e-7, oneMinusEps = (float)(1 - 1e-7);
            var r = new double[2];
            for (int row = 0; row < 2; row++)
            {
                var q = pp.Skip(3 * row).Take(3).ToArray();
                if (logits)
                {
                    double max = q.Max();
                    var e = q.Select(v => Math.Exp(v - max)).ToArray();
                    q = e.Select(v => v / e.Sum()).ToArray();
                }
                double s = q.Sum();
                for (int c = 0; c < 3; c++)
                {
                    double o = Math.Clamp(q[c] / s, eps, oneMinusEps);
                    double y = tt[3 * row + c] * (1 - smoothing) + smoothing / 3;
                    r[row] += alpha[alpha.Length == 1 ? 0 : c] * Math.Pow(1 - o, gamma) * -y * Math.Log(o);
                }
            }
            return r;
        }
        CheckReductions(r => new CategoricalFocalCrossentropy(reduction: r), Focal(t, p, [0.25], 2, false, 0), F(t, 2, 3), F(p, 2, 3));
        double[] logits = [1.0, -0.5, 2.0, 0.3, 0.3, -1.2];
        CheckReductions(r => new CategoricalFocalCrossentropy(alpha: 0.6, gamma: 1.0, fromLogits: true, labelSmoothing: 0.2, reduction: r),
            Focal(t, logits, [0.6], 1.0, true, 0.2), F(t, 2, 3), F(logits, 2, 3));
        CheckReductions(r => new CategoricalFocalCrossentropy([0.2, 0.5, 0.3], gamma: 2.5, reduction: r), Focal(t, p, [0.2, 0.5, 0.3], 2.5, false, 0), F(t, 2, 3), F(p, 2, 3));

        // Keras's docstring.
        AssertClose([0.23315276], Run(new CategoricalFocalCrossentropy(), F(t, 2, 3), F(p, 2, 3)), "docstring", 1e-4);
        AssertClose([0.1632], Run(new CategoricalFocalCrossentropy(), F(t, 2, 3), F(p, 2, 3), F([0.3, 0.7], 2)), "docstring weighted", 1e-3);
        AssertClose([0.46631], Run(new CategoricalFocalCrossentropy(reduction: "sum"), F(t, 2, 3), F(p, 2, 3)), "docstring sum", 1e-4);
        AssertClose([3.2058331e-05, 4.6627346e-01], Run(new CategoricalFocalCrossentropy(reduction: "none"), F(t, 2, 3), F(p, 2, 3)), "docstring none", 1e-4);
        var config = new CategoricalFocalCrossentropy([0.2, 0.8]).GetConfig();
        Assert.AreEqual("[0.2,0.8]", config["alpha"]!.ToJsonString());
    }

    // ---------------------------------------------------------------- segmentation losses

    // Keras's docstring: two (2, 2, 1) masks.
    private static readonly double[] SegT = [1, 1, 0, 0, 1, 1, 0, 0];
    private static readonly double[] SegP = [0, 1, 0, 1, 0.4, 0, 0, 0.9];

    [TestMethod]
    public void DiceOverAllAxesOrPerSample()
    {
        double DiceOf(IEnumerable<int> idx)
        {
            double inter = idx.Sum(i => SegT[i] * SegP[i]), st = idx.Sum(i => SegT[i]), sp = idx.Sum(i => SegP[i]);
            return 1 - 2 * inter / (st + sp + 1e-7);
        }
        var perSample = new[] { DiceOf(Enumerable.Range(0, 4)), DiceOf(Enumerable.Range(4, 4)) };
        AssertClose([0.5, 0.75757575], perSample, "hand values match Keras's docstring", 1e-6);
        AssertClose(perSample, Run(new Dice(reduction: "none", axis: [1, 2, 3]), F(SegT, 2, 2, 2, 1), F(SegP, 2, 2, 2, 1)), "axis (1, 2, 3)");
        AssertClose([perSample.Average()], Run(new Dice(axis: [1, 2, 3]), F(SegT, 2, 2, 2, 1), F(SegP, 2, 2, 2, 1)), "mean over the batch");
        // No axis: one value over everything (Keras's 0.6164384).
        AssertClose([DiceOf(Enumerable.Range(0, 8))], Run(new Dice(), F(SegT, 2, 2, 2, 1), F(SegP, 2, 2, 2, 1)), "all axes");
        AssertClose([0.6164384], Run(new Dice(), F(SegT, 2, 2, 2, 1), F(SegP, 2, 2, 2, 1)), "docstring", 1e-6);
        Assert.AreEqual("[1,2,3]", new Dice(axis: [1, 2, 3]).GetConfig()["axis"]!.ToJsonString());
    }

    [TestMethod]
    public void TverskyWeighsTheTwoErrorKinds()
    {
        double TverskyOf(IEnumerable<int> idx, double alpha, double beta)
        {
            double inter = idx.Sum(i => SegT[i] * SegP[i]);
            double fp = idx.Sum(i => (1 - SegP[i]) * SegT[i]);
            double fn = idx.Sum(i => SegP[i] * (1 - SegT[i]));
            return 1 - inter / (inter + alpha * fp + beta * fn + 1e-7);
        }
        var perSample = new[] { TverskyOf(Enumerable.Range(0, 4), 0.3, 0.7), TverskyOf(Enumerable.Range(4, 4), 0.3, 0.7) };
        AssertClose(perSample, Run(new Tversky(0.3, 0.7, "none", axis: [1, 2, 3]), F(SegT, 2, 2, 2, 1), F(SegP, 2, 2, 2, 1)), "per sample");
        AssertClose([TverskyOf(Enumerable.Range(0, 8), 0.3, 0.7)], Run(new Tversky(0.3, 0.7), F(SegT, 2, 2, 2, 1), F(SegP, 2, 2, 2, 1)), "all axes");
        // alpha = beta = 0.5 is the Dice loss.
        AssertClose(Run(new Dice(), F(SegT, 2, 2, 2, 1), F(SegP, 2, 2, 2, 1)), Run(new Tversky(), F(SegT, 2, 2, 2, 1), F(SegP, 2, 2, 2, 1)), "Dice");
    }

    // ---------------------------------------------------------------- gradients, names, configs

    [TestMethod]
    public void GradientsMatchFiniteDifferences()
    {
        using var scope = Ops.Scope();
        double[] t = [0.5, 2.0, 1.0, 3.0, 0.1, 1.5];
        double[] p = [0.25, 2.5, 1.3, 2.0, 0.3, 0.2];
        double[] t01 = [0, 1, 1, 0, 1, 0];
        double[] probs = [0.2, 0.7, 0.4, 0.35, 0.9, 0.15];
        var cases = new (Loss Loss, double[] T, double[] P)[]
        {
            (new MeanAbsolutePercentageError(), t, p), (new MeanSquaredLogarithmicError(), t, p), (new Huber(0.6), t, p), (new LogCosh(), t, p),
            (new KLDivergence(), probs, probs.Reverse().ToArray()), (new Poisson(), t, p), (new CosineSimilarity(), t, p),
            (new Hinge(), t01, p), (new SquaredHinge(), t01, p), (new CategoricalHinge(), [0, 1, 0, 0, 0, 1], [0.3, 0.9, 0.1, 0.2, 0.5, 0.4]),
            (new BinaryFocalCrossentropy(applyClassBalancing: true), t01, probs), (new BinaryFocalCrossentropy(fromLogits: true), t01, p),
            (new CategoricalFocalCrossentropy(), [0, 1, 0, 0, 0, 1], probs), (new CategoricalFocalCrossentropy(fromLogits: true), [0, 1, 0, 0, 0, 1], p),
            (new Dice(), t01, probs), (new Tversky(0.2, 0.8), t01, probs),
        };
        foreach (var (loss, yt, yp) in cases)
        {
            using var v = new Variable(D(yp, 2, 3), "pred");
            var analytic = Keras.Backend.KerasBackend.Current.Gradients(loss.Compute(D(yt, 2, 3), v), [v.Value])[0].ToArray<double>();
            const double h = 1e-6;
            for (int i = 0; i < yp.Length; i++)
            {
                var plus = (double[])yp.Clone();
                plus[i] += h;
                var minus = (double[])yp.Clone();
                minus[i] -= h;
                double numeric = (loss.Compute(D(yt, 2, 3), D(plus, 2, 3)).Item() - loss.Compute(D(yt, 2, 3), D(minus, 2, 3)).Item()) / (2 * h);
                Assert.AreEqual(numeric, analytic[i], 1e-6 + 1e-5 * Math.Abs(numeric), $"{loss.GetType().Name} d/dpred[{i}]");
            }
        }
    }

    [TestMethod]
    public void GetResolvesTheNewNamesAndAliases()
    {
        var expected = new (string[] Names, Type Type)[]
        {
            (["mape", "MAPE", "mean_absolute_percentage_error", "MeanAbsolutePercentageError"], typeof(MeanAbsolutePercentageError)),
            (["msle", "MSLE", "mean_squared_logarithmic_error", "MeanSquaredLogarithmicError"], typeof(MeanSquaredLogarithmicError)),
            (["huber", "huber_loss", "Huber"], typeof(Huber)),
            (["log_cosh", "logcosh", "LogCosh"], typeof(LogCosh)),
            (["kld", "KLD", "kl_divergence", "kullback_leibler_divergence", "KLDivergence"], typeof(KLDivergence)),
            (["poisson", "Poisson"], typeof(Poisson)),
            (["cosine_similarity", "CosineSimilarity"], typeof(CosineSimilarity)),
            (["hinge", "Hinge"], typeof(Hinge)),
            (["squared_hinge", "SquaredHinge"], typeof(SquaredHinge)),
            (["categorical_hinge", "CategoricalHinge"], typeof(CategoricalHinge)),
            (["binary_focal_crossentropy", "BinaryFocalCrossentropy"], typeof(BinaryFocalCrossentropy)),
            (["categorical_focal_crossentropy", "CategoricalFocalCrossentropy"], typeof(CategoricalFocalCrossentropy)),
            (["dice", "Dice"], typeof(Dice)),
            (["tversky", "Tversky"], typeof(Tversky)),
        };
        foreach (var (names, type) in expected)
        {
            foreach (var name in names)
            {
                var loss = Loss.Get(name);
                Assert.IsInstanceOfType(loss, type, name);
                Loss converted = name;
                Assert.IsInstanceOfType(converted, type, $"implicit conversion of '{name}'");
                // Every default name resolves back (CompileConfig writes loss names).
                Assert.IsInstanceOfType(Loss.Get(loss.Name), type, $"default name of {name}");
            }
        }
        Assert.AreEqual("huber_loss", new Huber().Name);
        Assert.AreEqual("log_cosh", new LogCosh().Name);
        Assert.AreEqual("kl_divergence", new KLDivergence().Name);
        Assert.ThrowsExactly<ArgumentException>(() => Loss.Get("focal"));
        Assert.Throws<ArgumentException>(() => new BinaryFocalCrossentropy(labelSmoothing: 2));
    }

    [TestMethod]
    public void FromConfigRebuildsEveryLossWithItsOptions()
    {
        Loss[] losses =
        [
            new Huber(0.3, "sum", "h"), new CosineSimilarity(0, "none"), new BinaryFocalCrossentropy(true, 0.4, 1.5, true, 0.1, -1, "sum"),
            new CategoricalFocalCrossentropy(0.5, 3.0, true, 0.2), new CategoricalFocalCrossentropy([0.1, 0.9]), new Dice(axis: [1, 2]),
            new Tversky(0.1, 0.9, axis: [1]), new MeanAbsolutePercentageError("sum"), new BinaryCrossentropy(true, 0.2),
            new SparseCategoricalCrossentropy(true, ignoreClass: 3),
        ];
        foreach (var loss in losses)
        {
            var config = loss.GetConfig();
            var back = Loss.FromConfig(loss.GetType().Name, (JsonObject)JsonNode.Parse(config.ToJsonString())!);
            Assert.AreEqual(loss.GetType(), back.GetType());
            Assert.AreEqual(config.ToJsonString(), back.GetConfig().ToJsonString(), loss.GetType().Name);
        }
        // Keras 2's "auto" reduction.
        Assert.AreEqual("sum_over_batch_size", Loss.FromConfig("Huber", new JsonObject { ["reduction"] = "auto" }).Reduction);
    }
}
