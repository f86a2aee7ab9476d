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
        var t = LossUtils.Match(yTrue, yPred);
        if (LabelSmoothing > 0) t = Ops.Add(Ops.Multiply(t, 1.0 - LabelSmoothing), 0.5 * LabelSmoothing);
        Tensor bce;
        if (FromLogits)
        {
            // max(x, 0) - x t + log(1 + exp(-|x|)): the stable form of the logits loss.
            bce = Ops.Add(Ops.Subtract(Ops.Relu(yPred), Ops.Multiply(yPred, t)), Ops.Log1p(Ops.Exp(Ops.Negative(Ops.Abs(yPred)))));
        }
        else
        {
            var p = Ops.Clip(yPred, Epsilon, 1.0 - Epsilon);
            bce = Ops.Negative(Ops.Add(Ops.Multiply(t, Ops.Log(p)), Ops.Multiply(Ops.Add(Ops.Negative(t), 1.0), Ops.Log(Ops.Add(Ops.Negative(p), 1.0)))));
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
        var t = Ops.Cast(yTrue, yPred.DType);
        if (!t.Shape.Equals(yPred.Shape))
        {
            throw new ArgumentException(
                $"CategoricalCrossentropy: targets of shape {yTrue.Shape} do not match predictions of shape {yPred.Shape}. " +
                "Use one-hot targets, or SparseCategoricalCrossentropy for integer class labels.");
        }
        if (LabelSmoothing > 0)
        {
            double classes = yPred.Shape[Axis];
            t = Ops.Add(Ops.Multiply(t, 1.0 - LabelSmoothing), LabelSmoothing / classes);
        }
        return Ops.Negative(Ops.Sum(Ops.Multiply(t, LogProbabilities(yPred, FromLogits, Axis)), Axis));
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
        var labels = yTrue;
        if (labels.Rank == yPred.Rank && labels.Shape[-1] == 1) labels = Ops.Squeeze(labels, -1);
        if (labels.Rank != yPred.Rank - 1)
        {
            throw new ArgumentException(
                $"SparseCategoricalCrossentropy: integer labels of shape {yTrue.Shape} do not fit predictions of shape {yPred.Shape}; " +
                "expected labels with the predictions' shape minus the class axis.");
        }
        labels = Ops.Cast(labels, DType.Int64);
        var classes = yPred.Shape[Axis];
        Tensor? valid = null;
        if (IgnoreClass is int ignore)
        {
            var ignored = Ops.Equal(labels, Ops.Full(Shape.Scalar, ignore, DType.Int64));
            valid = Ops.Add(Ops.Negative(Ops.Cast(ignored, yPred.DType)), 1.0);
            labels = Ops.Multiply(labels, Ops.Cast(valid, DType.Int64));
        }
        var oneHot = Ops.OneHot(labels, classes, yPred.DType);
        var loss = Ops.Negative(Ops.Sum(Ops.Multiply(oneHot, CategoricalCrossentropy.LogProbabilities(yPred, FromLogits, Axis)), Axis));
        return valid is null ? loss : Ops.Multiply(loss, valid);
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
