using Keras.Losses;

namespace Keras.Metrics;

/// <summary>
/// Keras's <c>metrics_utils.update_confusion_matrix_variables</c>: accumulates (weighted) true/false
/// positives/negatives at each threshold, where a prediction is positive at threshold <c>t</c> when
/// <c>p &gt; t</c> and a target is positive when non-zero.
/// </summary>
internal static class ConfusionMatrixUpdate
{
    /// <summary>Keras's <c>NEG_INF</c>, the threshold used with <c>top_k</c>.</summary>
    public const double NegInf = -1e10;

    /// <summary>The variables to update (any may be null); shape (thresholds) or (thresholds, labels) for multi-label.</summary>
    public sealed record Targets(Variable? TruePositives, Variable? FalsePositives, Variable? TrueNegatives, Variable? FalseNegatives);

    /// <summary>Keras's <c>is_evenly_distributed_thresholds</c>: 3 or more thresholds equal to <c>i / (n - 1)</c> (np.allclose, atol 1e-7).</summary>
    public static bool IsEvenlyDistributed(IReadOnlyList<double> thresholds)
    {
        int n = thresholds.Count;
        if (n < 3) return false;
        for (int i = 0; i < n; i++)
        {
            double even = (float)i / (float)(n - 1);
            if (!(Math.Abs(thresholds[i] - even) <= 1e-7 + 1e-5 * Math.Abs(even))) return false;
        }
        return true;
    }

    /// <summary>Keras's <c>parse_init_thresholds</c>: the given thresholds (each in [0, 1]) or the default.</summary>
    public static double[] ParseThresholds(IReadOnlyList<double>? thresholds, double defaultThreshold, string owner)
    {
        if (thresholds is null) return [defaultThreshold];
        if (thresholds.Count == 0) throw new ArgumentException($"{owner}: thresholds must not be empty.", nameof(thresholds));
        var bad = thresholds.Where(t => !(t >= 0 && t <= 1)).ToArray();
        if (bad.Length > 0)
            throw new ArgumentOutOfRangeException(nameof(thresholds), $"{owner}: threshold values must be in [0, 1]; got {string.Join(", ", bad)}.");
        return thresholds.ToArray();
    }

    /// <summary>Keras's <c>squeeze_or_expand_to_same_rank</c> with <c>expand_rank_1=False</c>: only squeezes a trailing 1.</summary>
    private static (Tensor, Tensor) SqueezeOnly(Tensor x1, Tensor x2)
    {
        if (x1.Rank == x2.Rank + 1 && x1.Shape[-1] == 1) x1 = Ops.Squeeze(x1, -1);
        else if (x2.Rank == x1.Rank + 1 && x2.Shape[-1] == 1) x2 = Ops.Squeeze(x2, -1);
        return (x1, x2);
    }

    /// <summary>Keras's <c>_filter_top_k</c>: keeps the k highest values of the last axis, the rest become <see cref="NegInf"/>.</summary>
    public static Tensor FilterTopK(Tensor x, int k)
    {
        int classes = x.Shape[-1];
        if (k > classes) throw new ArgumentException($"top_k={k} is larger than the last axis ({classes}) of predictions of shape {x.Shape}.");
        var (_, indices) = Ops.TopK(x, k);
        var mask = Ops.Sum(Ops.OneHot(indices, classes, x.DType), -2);
        return Ops.Add(Ops.Multiply(x, mask), Ops.Multiply(Ops.Add(Ops.Negative(mask), 1.0), NegInf));
    }

    private static Tensor OneMinus(Tensor x) => Ops.Add(Ops.Negative(x), 1.0);

    /// <summary>Updates <paramref name="targets"/> from one batch (see the class summary).</summary>
    public static void Update(Targets targets, Tensor yTrue, Tensor yPred, IReadOnlyList<double> thresholds, bool evenlyDistributed,
        int? topK = null, int? classId = null, Tensor? sampleWeight = null, bool multiLabel = false, Tensor? labelWeights = null, string owner = "metric")
    {
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        var t = Ops.Cast(yTrue, DType.Float32);
        var p = Ops.Cast(yPred, DType.Float32);
        (p, t) = LossUtils.SqueezeOrExpand(p, t);
        if (!t.Shape.Equals(p.Shape))
            throw new ArgumentException($"{owner}: targets of shape {yTrue.Shape} do not match predictions of shape {yPred.Shape}.");
        Tensor? sw = null;
        if (sampleWeight is not null)
        {
            sw = Ops.ExpandDims(Ops.Cast(sampleWeight, DType.Float32), -1);
            (_, sw) = SqueezeOnly(t, sw);
        }
        if (topK is int k) p = FilterTopK(p, k);
        if (classId is int c)
        {
            if (p.Rank == 1)
                throw new ArgumentException($"{owner}: with class_id, predictions must be (num_samples, num_classes); got shape {yPred.Shape}.");
            if (c < 0 || c >= p.Shape[-1])
                throw new ArgumentOutOfRangeException(nameof(classId), c, $"{owner}: class_id must be in [0, {p.Shape[-1]}) for predictions of shape {yPred.Shape}.");
            t = Ops.Slice(t, -1, c, 1);
            p = Ops.Slice(p, -1, c, 1);
        }
        if (sw is not null)
        {
            if (!LossUtils.Broadcastable(p.Shape, sw.Shape) || sw.Rank > p.Rank)
                throw new ArgumentException($"{owner}: sample weights of shape {sampleWeight!.Shape} do not fit predictions of shape {yPred.Shape}.");
            sw = Ops.BroadcastTo(sw, p.Shape);
        }
        if (multiLabel && p.Rank != 2)
            throw new ArgumentException($"{owner}: with multi_label, predictions must have rank 2 (samples, labels); got shape {yPred.Shape}.");
        Tensor? lw = null;
        if (labelWeights is not null && !multiLabel) lw = Ops.BroadcastTo(Ops.ExpandDims(labelWeights, 0), p.Shape);

        int n = thresholds.Count;
        Tensor tp, fp, totalTrue, totalFalse;
        var isTrue = Ops.Cast(Ops.NotEqual(t, 0.0), DType.Float32);
        if (evenlyDistributed)
        {
            bool withEpsilon = thresholds[0] < 0.0 || thresholds[^1] > 1.0;
            Tensor? weights = sw is null ? lw : lw is null ? sw : Ops.Multiply(sw, lw);
            p = Ops.Clip(p, 0.0, 1.0);
            if (!multiLabel)
            {
                p = Ops.Reshape(p, -1);
                isTrue = Ops.Reshape(isTrue, -1);
                if (weights is not null) weights = Ops.Reshape(weights, -1);
            }
            var trueLabels = weights is null ? isTrue : Ops.Multiply(isTrue, weights);
            var falseLabels = weights is null ? OneMinus(isTrue) : Ops.Multiply(OneMinus(isTrue), weights);
            // The bucket of p is ceil(p (n - 1)) - 1: p counts as positive at threshold i when bucket >= i,
            // which is Keras's segment sum followed by a reversed cumulative sum.
            var bucket = Ops.Add(Ops.Negative(Ops.Floor(Ops.Multiply(p, -(double)(n - 1)))), -1.0);
            if (withEpsilon) bucket = Ops.Relu(bucket);
            var steps = Ops.Cast(Ops.Arange(n), DType.Float32);
            var positive = Ops.Cast(Ops.GreaterEqual(Ops.ExpandDims(bucket, -1), steps), DType.Float32); // (..., n)
            tp = Ops.Sum(Ops.Multiply(Ops.ExpandDims(trueLabels, -1), positive), 0);
            fp = Ops.Sum(Ops.Multiply(Ops.ExpandDims(falseLabels, -1), positive), 0);
            totalTrue = Ops.Sum(trueLabels, 0);
            totalFalse = Ops.Sum(falseLabels, 0);
            if (multiLabel)
            {
                tp = Ops.Transpose(tp); // (labels, n) -> (n, labels)
                fp = Ops.Transpose(fp);
            }
        }
        else
        {
            var thr = Ops.Constant(thresholds.Select(x => (float)x).ToArray(), new Shape(n));
            Tensor? weights = sw is null ? lw : lw is null ? sw : Ops.Multiply(sw, lw);
            if (!multiLabel)
            {
                p = Ops.Reshape(p, -1);
                isTrue = Ops.Reshape(isTrue, -1);
                if (weights is not null) weights = Ops.Reshape(weights, -1);
            }
            // (n, elements...) comparisons, summed over the samples.
            var thrShape = multiLabel ? new long[] { n, 1, 1 } : [n, 1];
            var positive = Ops.Cast(Ops.Greater(Ops.ExpandDims(p, 0), Ops.Reshape(thr, thrShape)), DType.Float32);
            var trueLabels = weights is null ? isTrue : Ops.Multiply(isTrue, weights);
            var falseLabels = weights is null ? OneMinus(isTrue) : Ops.Multiply(OneMinus(isTrue), weights);
            tp = Ops.Sum(Ops.Multiply(positive, Ops.ExpandDims(trueLabels, 0)), 1);
            fp = Ops.Sum(Ops.Multiply(positive, Ops.ExpandDims(falseLabels, 0)), 1);
            totalTrue = Ops.Sum(trueLabels, 0);
            totalFalse = Ops.Sum(falseLabels, 0);
        }
        targets.TruePositives?.AssignAdd(tp);
        targets.FalsePositives?.AssignAdd(fp);
        targets.TrueNegatives?.AssignAdd(Ops.Subtract(totalFalse, fp));
        targets.FalseNegatives?.AssignAdd(Ops.Subtract(totalTrue, tp));
    }
}
