using System.Text.Json.Nodes;

namespace Keras.Losses;

/// <summary>
/// Binary cross-entropy (Keras's <c>BinaryCrossentropy</c>) between 0/1 targets and probabilities
/// (or logits with <c>fromLogits</c>), averaged over the last axis. Label smoothing moves targets
/// towards 0.5.
/// </summary>
public sealed class BinaryCrossentropy : Loss
{
    /// <summary>Creates the loss.</summary>
    public BinaryCrossentropy(bool fromLogits = false, double labelSmoothing = 0.0, int axis = -1,
        string reduction = "sum_over_batch_size", string name = "binary_crossentropy")
        : base(name, reduction)
    {
        if (labelSmoothing is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "BinaryCrossentropy: label_smoothing must be in [0, 1].");
        FromLogits = fromLogits;
        LabelSmoothing = labelSmoothing;
        Axis = axis;
    }

    public bool FromLogits { get; }
    public double LabelSmoothing { get; }
    public int Axis { get; }

    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        // Keras's torch backend requires identical shapes once the ranks are aligned.
        var (t, p) = LossUtils.Align(yTrue, yPred, "BinaryCrossentropy", sameShape: true);
        if (LabelSmoothing > 0) t = Ops.Add(Ops.Multiply(t, 1.0 - LabelSmoothing), 0.5 * LabelSmoothing);
        Tensor bce;
        if (FromLogits)
        {
            // softplus(x) - x t = -(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))), computed stably; its
            // gradient sigmoid(x) - t is exact everywhere (the max/abs form has a wrong subgradient at x = 0).
            bce = Ops.Subtract(Ops.Softplus(p), Ops.Multiply(p, t));
        }
        else
        {
            var clipped = Ops.Clip(p, Epsilon, 1.0 - Epsilon);
            bce = Ops.Negative(Ops.Add(
                Ops.Multiply(t, Ops.Log(clipped)),
                Ops.Multiply(Ops.Add(Ops.Negative(t), 1.0), Ops.Log(Ops.Add(Ops.Negative(clipped), 1.0)))));
        }
        return Ops.Mean(bce, Axis);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["from_logits"] = FromLogits;
        c["label_smoothing"] = LabelSmoothing;
        c["axis"] = Axis;
        return c;
    }
}

/// <summary>
/// Categorical cross-entropy (Keras's <c>CategoricalCrossentropy</c>) between one-hot targets and
/// class probabilities (normalised to sum 1 and clipped, as Keras does) or logits.
/// </summary>
public sealed class CategoricalCrossentropy : Loss
{
    /// <summary>Creates the loss.</summary>
    public CategoricalCrossentropy(bool fromLogits = false, double labelSmoothing = 0.0, int axis = -1,
        string reduction = "sum_over_batch_size", string name = "categorical_crossentropy")
        : base(name, reduction)
    {
        if (labelSmoothing is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "CategoricalCrossentropy: label_smoothing must be in [0, 1].");
        FromLogits = fromLogits;
        LabelSmoothing = labelSmoothing;
        Axis = axis;
    }

    public bool FromLogits { get; }
    public double LabelSmoothing { get; }
    public int Axis { get; }

    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank < 1) throw new ArgumentException($"CategoricalCrossentropy: predictions must be at least rank 1; got shape {yPred.Shape}.");
        var (t, p) = LossUtils.SqueezeOrExpand(Ops.Cast(yTrue, yPred.DType), yPred);
        if (!t.Shape.Equals(p.Shape))
        {
            throw new ArgumentException(
                $"CategoricalCrossentropy: targets of shape {yTrue.Shape} do not match predictions of shape {yPred.Shape}. " +
                "Use one-hot targets, or SparseCategoricalCrossentropy for integer class labels.");
        }
        if (LabelSmoothing > 0)
        {
            // Keras smooths over the last axis's size (shape(y_true)[-1]) whatever the class axis.
            double classes = t.Shape[-1];
            t = Ops.Add(Ops.Multiply(t, 1.0 - LabelSmoothing), LabelSmoothing / classes);
        }
        return Ops.Negative(Ops.Sum(Ops.Multiply(t, LogProbabilities(p, FromLogits, Axis)), Axis));
    }

    internal static Tensor LogProbabilities(Tensor yPred, bool fromLogits, int axis)
    {
        if (fromLogits) return Ops.LogSoftmax(yPred, axis);
        var p = Ops.Divide(yPred, Ops.Sum(yPred, axis, keepDims: true));
        return Ops.Log(Ops.Clip(p, Epsilon, 1.0 - Epsilon));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["from_logits"] = FromLogits;
        c["label_smoothing"] = LabelSmoothing;
        c["axis"] = Axis;
        return c;
    }
}

/// <summary>
/// Cross-entropy between integer class labels and class probabilities or logits (Keras's
/// <c>SparseCategoricalCrossentropy</c>); <c>ignoreClass</c> excludes a label from the loss.
/// </summary>
public sealed class SparseCategoricalCrossentropy : Loss
{
    /// <summary>Creates the loss.</summary>
    public SparseCategoricalCrossentropy(bool fromLogits = false, int? ignoreClass = null, int axis = -1,
        string reduction = "sum_over_batch_size", string name = "sparse_categorical_crossentropy")
        : base(name, reduction)
    {
        FromLogits = fromLogits;
        IgnoreClass = ignoreClass;
        Axis = axis;
    }

    public bool FromLogits { get; }
    public int? IgnoreClass { get; }
    public int Axis { get; }

    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank < 1) throw new ArgumentException($"SparseCategoricalCrossentropy: predictions must be at least rank 1; got shape {yPred.Shape}.");
        int axis = Axis < 0 ? Axis + yPred.Rank : Axis;
        if (axis != yPred.Rank - 1)
            throw new ArgumentException($"SparseCategoricalCrossentropy: only the last axis (axis=-1) can be the class axis; got axis={Axis} for predictions of shape {yPred.Shape}.");
        var labels = yTrue;
        if (labels.Rank == yPred.Rank && labels.Shape[-1] == 1) labels = Ops.Squeeze(labels, -1);
        if (!labels.Shape.Equals(yPred.Shape.Slice(0, -1)))
        {
            throw new ArgumentException(
                $"SparseCategoricalCrossentropy: integer labels of shape {yTrue.Shape} do not fit predictions of shape {yPred.Shape}; " +
                "expected labels with the predictions' shape minus the class axis.");
        }
        labels = Ops.Cast(labels, DType.Int64);
        // The common case takes the fused kernel (labels past the last class raise there too).
        if (IgnoreClass is null) return Ops.SparseCategoricalCrossentropy(labels, yPred, FromLogits, Epsilon);
        var classes = yPred.Shape[-1];
        Tensor? valid = null;
        if (IgnoreClass is int ignore)
        {
            var ignored = Ops.Equal(labels, Ops.Full(Shape.Scalar, ignore, DType.Int64));
            valid = Ops.Equal(ignored, Ops.Full(Shape.Scalar, 0, DType.Bool));
            labels = Ops.Multiply(labels, Ops.Cast(valid, DType.Int64));
        }
        // A negative label selects no class (a zero loss), as Keras's one_hot does.
        var nonNegative = Ops.Cast(Ops.GreaterEqual(labels, Ops.Full(Shape.Scalar, 0, DType.Int64)), yPred.DType);
        var oneHot = Ops.Multiply(
            Ops.OneHot(Ops.Maximum(labels, Ops.Full(Shape.Scalar, 0, DType.Int64)), classes, yPred.DType),
            Ops.ExpandDims(nonNegative, -1));
        var loss = Ops.Negative(Ops.Sum(Ops.Multiply(oneHot, CategoricalCrossentropy.LogProbabilities(yPred, FromLogits, -1)), -1));
        if (valid is null) return loss;
        // Ignored entries give 0, and their mask makes the reduction average over the valid entries only.
        loss = Ops.Where(valid, loss, Ops.ZerosLike(loss));
        loss.KerasMask = valid;
        return loss;
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["from_logits"] = FromLogits;
        c["ignore_class"] = IgnoreClass;
        c["axis"] = Axis;
        return c;
    }
}
