using System.Text.Json.Nodes;
using Keras.Losses;

namespace Keras.Metrics;

/// <summary>How often predictions equal targets exactly (Keras's <c>Accuracy</c>).</summary>
public sealed class Accuracy(string name = "accuracy")
    : MeanMetricWrapper((t, p) =>
    {
        var (target, pred) = LossUtils.SqueezeOrExpand(Ops.Cast(t, p.DType), p);
        return Ops.Cast(Ops.Equal(target, pred), DType.Float32);
    }, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new Accuracy(name);
}

/// <summary>
/// How often <c>yPred &gt; threshold</c> matches 0/1 targets (Keras's <c>BinaryAccuracy</c>): one value
/// per element, averaged per sample by <see cref="Mean"/>.
/// </summary>
public sealed class BinaryAccuracy(string name = "binary_accuracy", double threshold = 0.5)
    : MeanMetricWrapper((t, p) =>
    {
        var (target, pred) = LossUtils.SqueezeOrExpand(Ops.Cast(t, DType.Float32), p);
        var predicted = Ops.Cast(Ops.Greater(pred, Ops.Scalar(threshold, pred.DType)), DType.Float32);
        return Ops.Cast(Ops.Equal(target, predicted), DType.Float32);
    }, name)
{
    /// <summary>The decision threshold.</summary>
    public double Threshold { get; } = threshold;

    /// <inheritdoc />
    public override Metric Clone(string name) => new BinaryAccuracy(name, Threshold);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["threshold"] = Threshold;
        return c;
    }
}

/// <summary>How often the arg-max of predictions equals the arg-max of one-hot targets (Keras's <c>CategoricalAccuracy</c>).</summary>
public sealed class CategoricalAccuracy(string name = "categorical_accuracy")
    : MeanMetricWrapper((t, p) => Ops.Cast(Ops.Equal(Ops.ArgMax(t, -1), Ops.ArgMax(p, -1)), DType.Float32), name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new CategoricalAccuracy(name);
}

/// <summary>How often the arg-max of predictions equals integer targets (Keras's <c>SparseCategoricalAccuracy</c>).</summary>
public sealed class SparseCategoricalAccuracy(string name = "sparse_categorical_accuracy")
    : MeanMetricWrapper((t, p) =>
    {
        var labels = t.Rank == p.Rank && t.Shape[-1] == 1 ? Ops.Squeeze(t, -1) : t;
        return Ops.Cast(Ops.Equal(Ops.Cast(labels, DType.Int64), Ops.ArgMax(p, -1)), DType.Float32);
    }, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new SparseCategoricalAccuracy(name);
}

/// <summary>
/// How often the one-hot target's class is among the <c>k</c> highest predictions (Keras's
/// <c>TopKCategoricalAccuracy</c>, default k 5). As in Keras, a target whose score ties the k-th highest counts.
/// </summary>
public sealed class TopKCategoricalAccuracy(int k = 5, string name = "top_k_categorical_accuracy")
    : MeanMetricWrapper((t, p) => TopK.Matches(Ops.ArgMax(t, -1), p, CheckK(k), "TopKCategoricalAccuracy"), name)
{
    /// <summary>How many of the highest predictions count.</summary>
    public int K { get; } = k;

    internal static int CheckK(int k) => k >= 1 ? k : throw new ArgumentOutOfRangeException(nameof(k), k, "k must be >= 1.");

    /// <inheritdoc />
    public override Metric Clone(string name) => new TopKCategoricalAccuracy(K, name);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["k"] = K;
        return c;
    }
}

/// <summary>
/// How often the integer target is among the <c>k</c> highest predictions (Keras's
/// <c>SparseTopKCategoricalAccuracy</c>, default k 5). With <c>fromSortedIds</c> the predictions are
/// already class ids sorted from the highest score, and a match is the target among the first <c>k</c>.
/// </summary>
public sealed class SparseTopKCategoricalAccuracy(int k = 5, string name = "sparse_top_k_categorical_accuracy", bool fromSortedIds = false)
    : MeanMetricWrapper((t, p) =>
    {
        var labels = t.Rank == p.Rank && t.Rank > 1 && t.Shape[-1] == 1 ? Ops.Squeeze(t, -1) : t;
        int kk = TopKCategoricalAccuracy.CheckK(k);
        return fromSortedIds ? TopK.MatchesSortedIds(labels, p, kk) : TopK.Matches(labels, p, kk, "SparseTopKCategoricalAccuracy");
    }, name)
{
    /// <summary>How many of the highest predictions count.</summary>
    public int K { get; } = k;

    /// <summary>Whether predictions are class ids sorted by score rather than scores.</summary>
    public bool FromSortedIds { get; } = fromSortedIds;

    /// <inheritdoc />
    public override Metric Clone(string name) => new SparseTopKCategoricalAccuracy(K, name, FromSortedIds);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["k"] = K;
        c["from_sorted_ids"] = FromSortedIds;
        return c;
    }
}

/// <summary>Keras's <c>in_top_k</c> as its torch backend computes it.</summary>
internal static class TopK
{
    /// <summary>
    /// 1 where the score of class <c>labels[i]</c> is at least the k-th highest score of row i (ties with the
    /// k-th count as matches), else 0; predictions of rank &gt; 2 are flattened to rows, and the result has the labels' shape.
    /// </summary>
    public static Tensor Matches(Tensor labels, Tensor yPred, int k, string what)
    {
        if (yPred.Rank < 1) throw new ArgumentException($"{what}: predictions must have a class axis; got shape {yPred.Shape}.");
        int classes = yPred.Shape[-1];
        if (k > classes)
            throw new ArgumentException($"{what}: k={k} is larger than the number of classes ({classes}) in predictions of shape {yPred.Shape}.");
        var shape = labels.Shape;
        var rows = Ops.Reshape(yPred, -1, classes);
        var flat = Ops.Cast(Ops.Reshape(labels, -1), DType.Int64);
        if (flat.Shape[0] != rows.Shape[0])
            throw new ArgumentException($"{what}: targets of shape {labels.Shape} do not fit predictions of shape {yPred.Shape}.");
        var (values, _) = Ops.TopK(rows, k);
        var kth = Ops.Slice(values, -1, k - 1, 1);
        var target = Ops.Sum(Ops.Multiply(Ops.OneHot(flat, classes, rows.DType), rows), -1, keepDims: true);
        var hit = Ops.Cast(Ops.GreaterEqual(target, kth), DType.Float32);
        return Ops.Reshape(hit, shape.ToLongArray());
    }

    /// <summary>1 where <c>labels[i]</c> is among the first <paramref name="k"/> ids of row i of <paramref name="sortedIds"/>.</summary>
    public static Tensor MatchesSortedIds(Tensor labels, Tensor sortedIds, int k)
    {
        if (sortedIds.Rank < 1 || sortedIds.Shape[-1] < k)
            throw new ArgumentException($"SparseTopKCategoricalAccuracy: sorted ids of shape {sortedIds.Shape} have fewer than k={k} entries per row.");
        var shape = labels.Shape;
        var ids = Ops.Cast(Ops.Slice(Ops.Reshape(sortedIds, -1, sortedIds.Shape[-1]), -1, 0, k), DType.Int64);
        var flat = Ops.Cast(Ops.Reshape(labels, -1, 1), DType.Int64);
        var hit = Ops.Cast(Ops.Any(Ops.Equal(ids, flat), -1), DType.Float32);
        return Ops.Reshape(hit, shape.ToLongArray());
    }
}
