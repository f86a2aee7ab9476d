using Keras.Losses;

namespace Keras.Metrics;

/// <summary>How often predictions equal targets exactly (Keras's <c>Accuracy</c>).</summary>
public sealed class Accuracy(string name = "accuracy")
    : MeanMetricWrapper((t, p) =>
    {
        var (target, pred) = LossUtils.SqueezeOrExpand(Ops.Cast(t, p.DType), p);
        return Ops.Cast(Ops.Equal(target, pred), DType.Float32);
    }, name);

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
}

/// <summary>How often the arg-max of predictions equals the arg-max of one-hot targets (Keras's <c>CategoricalAccuracy</c>).</summary>
public sealed class CategoricalAccuracy(string name = "categorical_accuracy")
    : MeanMetricWrapper((t, p) => Ops.Cast(Ops.Equal(Ops.ArgMax(t, -1), Ops.ArgMax(p, -1)), DType.Float32), name);

/// <summary>How often the arg-max of predictions equals integer targets (Keras's <c>SparseCategoricalAccuracy</c>).</summary>
public sealed class SparseCategoricalAccuracy(string name = "sparse_categorical_accuracy")
    : MeanMetricWrapper((t, p) =>
    {
        var labels = t.Rank == p.Rank && t.Shape[-1] == 1 ? Ops.Squeeze(t, -1) : t;
        return Ops.Cast(Ops.Equal(Ops.Cast(labels, DType.Int64), Ops.ArgMax(p, -1)), DType.Float32);
    }, name);

/// <summary>Mean absolute error (Keras's <c>MeanAbsoluteError</c> metric).</summary>
public sealed class MeanAbsoluteError(string name = "mean_absolute_error")
    : MeanMetricWrapper((t, p) =>
    {
        var (target, pred) = LossUtils.Align(t, p, "MeanAbsoluteError");
        return Ops.Mean(Ops.Abs(Ops.Subtract(pred, target)), -1);
    }, name);

/// <summary>Mean squared error (Keras's <c>MeanSquaredError</c> metric).</summary>
public sealed class MeanSquaredError(string name = "mean_squared_error")
    : MeanMetricWrapper((t, p) =>
    {
        var (target, pred) = LossUtils.Align(t, p, "MeanSquaredError");
        return Ops.Mean(Ops.Square(Ops.Subtract(pred, target)), -1);
    }, name);
