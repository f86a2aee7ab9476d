using System.Text.Json.Nodes;

namespace Keras.Metrics;

/// <summary>
/// Intersection over union from an accumulated <c>(numClasses, numClasses)</c> confusion matrix (rows: true
/// class, columns: predicted class; Keras's <c>IoU</c>): per class <c>tp / (tp + fp + fn)</c>, averaged over
/// <c>targetClassIds</c> (classes never seen nor predicted are left out of the mean). Labels and predictions
/// are integer class ids unless <c>sparseYTrue</c>/<c>sparseYPred</c> is false (then the arg-max over
/// <c>axis</c>); <c>ignoreClass</c> drops the entries with that label.
/// </summary>
public class IoU : Metric
{
    private readonly Variable _totalCm;
    private readonly int[] _targets;

    /// <summary>Creates the metric.</summary>
    public IoU(int numClasses, int[] targetClassIds, string name = "io_u", int? ignoreClass = null, bool sparseYTrue = true,
        bool sparseYPred = true, int axis = -1) : base(name)
    {
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"{GetType().Name}: numClasses must be >= 1.");
        ArgumentNullException.ThrowIfNull(targetClassIds);
        if (targetClassIds.Length == 0) throw new ArgumentException($"{GetType().Name}: targetClassIds must not be empty.", nameof(targetClassIds));
        if (targetClassIds.Any(c => c < 0 || c >= numClasses))
            throw new ArgumentOutOfRangeException(nameof(targetClassIds), $"{GetType().Name}: target class id {targetClassIds.Max()} is out of range, which is [0, {numClasses}).");
        NumClasses = numClasses;
        _targets = targetClassIds.ToArray();
        IgnoreClass = ignoreClass;
        SparseYTrue = sparseYTrue;
        SparseYPred = sparseYPred;
        Axis = axis;
        _totalCm = AddState("total_confusion_matrix", new Shape(numClasses, numClasses));
    }

    public int NumClasses { get; }
    public IReadOnlyList<int> TargetClassIds => _targets;
    public int? IgnoreClass { get; }
    public bool SparseYTrue { get; }
    public bool SparseYPred { get; }
    public int Axis { get; }

    /// <summary>Turns predictions into class ids before they are counted (BinaryIoU thresholds them).</summary>
    private protected virtual Tensor PredictedClasses(Tensor yPred) => SparseYPred ? yPred : Ops.ArgMax(yPred, Axis);

    /// <inheritdoc />
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        var t = SparseYTrue ? yTrue : Ops.ArgMax(yTrue, Axis);
        var p = PredictedClasses(yPred);
        t = Ops.Reshape(Ops.Cast(t, DType.Float32), -1);
        p = Ops.Reshape(Ops.Cast(p, DType.Float32), -1);
        var w = sampleWeight is null ? Ops.Scalar(1.0) : Ops.Reshape(Ops.Cast(sampleWeight, DType.Float32), -1);
        if (t.Shape[0] != p.Shape[0])
            throw new ArgumentException($"{Name}: {t.Shape[0]} labels do not match {p.Shape[0]} predictions (shapes {yTrue.Shape} and {yPred.Shape}).");
        w = Ops.BroadcastTo(w, t.Shape);
        if (IgnoreClass is int ignore)
        {
            var valid = Ops.Cast(Ops.NotEqual(t, ignore), DType.Float32);
            t = Ops.Multiply(t, valid);
            p = Ops.Multiply(p, valid);
            w = Ops.Multiply(w, valid);
        }
        // Keras casts the (float) ids to integers, truncating toward zero.
        var ti = Ops.Cast(t, DType.Int64);
        var pi = Ops.Cast(p, DType.Int64);
        var trueOneHot = Ops.OneHot(ti, NumClasses);
        var predOneHot = Ops.Multiply(Ops.OneHot(pi, NumClasses), Ops.ExpandDims(w, -1));
        _totalCm.AssignAdd(Ops.MatMul(Ops.Transpose(trueOneHot), predOneHot));
    }

    /// <inheritdoc />
    public override Tensor Result()
    {
        var sumOverRow = Ops.Sum(_totalCm, 0);
        var sumOverCol = Ops.Sum(_totalCm, 1);
        var diagonal = Ops.Sum(Ops.Multiply(_totalCm, Ops.OneHot(Ops.Arange(NumClasses), NumClasses)), 1);
        var denominator = Ops.Subtract(Ops.Add(sumOverRow, sumOverCol), diagonal);
        var ids = Ops.FromHost(Data.HostArray.Create(_targets.Select(i => (long)i).ToArray(), _targets.Length));
        var tp = Ops.Take(diagonal, ids);
        var den = Ops.Take(denominator, ids);
        var valid = Ops.Sum(Ops.Cast(Ops.Greater(den, Ops.Scalar(1e-9)), DType.Float32));
        var iou = Ops.Divide(tp, Ops.Add(den, 1e-7));
        return Ops.Divide(Ops.Sum(iou), Ops.Add(valid, 1e-7));
    }

    /// <inheritdoc />
    public override Metric Clone(string name) => new IoU(NumClasses, _targets, name, IgnoreClass, SparseYTrue, SparseYPred, Axis);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["num_classes"] = NumClasses;
        c["target_class_ids"] = new JsonArray(_targets.Select(i => (JsonNode)i).ToArray());
        c["ignore_class"] = IgnoreClass;
        c["sparse_y_true"] = SparseYTrue;
        c["sparse_y_pred"] = SparseYPred;
        c["axis"] = Axis;
        return c;
    }
}

/// <summary>The mean IoU over all <c>numClasses</c> classes (Keras's <c>MeanIoU</c>).</summary>
public sealed class MeanIoU(int numClasses, string name = "mean_io_u", int? ignoreClass = null, bool sparseYTrue = true, bool sparseYPred = true,
    int axis = -1)
    : IoU(numClasses, Enumerable.Range(0, Math.Max(numClasses, 1)).ToArray(), name, ignoreClass, sparseYTrue, sparseYPred, axis)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new MeanIoU(NumClasses, name, IgnoreClass, SparseYTrue, SparseYPred, Axis);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c.Remove("target_class_ids");
        return c;
    }
}

/// <summary>
/// IoU for binary predictions (Keras's <c>BinaryIoU</c>): predictions <c>&gt;= threshold</c> are class 1, the
/// rest class 0; the mean over <c>targetClassIds</c> (default both).
/// </summary>
public sealed class BinaryIoU(int[]? targetClassIds = null, double threshold = 0.5, string name = "binary_io_u")
    : IoU(2, targetClassIds ?? [0, 1], name)
{
    /// <summary>The decision threshold.</summary>
    public double Threshold { get; } = threshold;

    private protected override Tensor PredictedClasses(Tensor yPred) =>
        Ops.Cast(Ops.GreaterEqual(Ops.Cast(yPred, DType.Float32), Ops.Scalar(Threshold)), DType.Float32);

    /// <inheritdoc />
    public override Metric Clone(string name) => new BinaryIoU(TargetClassIds.ToArray(), Threshold, name);

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["target_class_ids"] = new JsonArray(TargetClassIds.Select(i => (JsonNode)i).ToArray()),
        ["threshold"] = Threshold,
        ["name"] = Name,
        ["dtype"] = "float32",
    };
}

/// <summary>IoU for one-hot targets and class-score predictions, both turned into ids by arg-max (Keras's <c>OneHotIoU</c>).</summary>
public sealed class OneHotIoU(int numClasses, int[] targetClassIds, string name = "one_hot_io_u", int? ignoreClass = null, bool sparseYPred = false,
    int axis = -1)
    : IoU(numClasses, targetClassIds, name, ignoreClass, sparseYTrue: false, sparseYPred, axis)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new OneHotIoU(NumClasses, TargetClassIds.ToArray(), name, IgnoreClass, SparseYPred, Axis);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c.Remove("sparse_y_true");
        return c;
    }
}

/// <summary>The mean IoU over all classes for one-hot targets (Keras's <c>OneHotMeanIoU</c>).</summary>
public sealed class OneHotMeanIoU(int numClasses, string name = "one_hot_mean_io_u", int? ignoreClass = null, bool sparseYPred = false, int axis = -1)
    : IoU(numClasses, Enumerable.Range(0, Math.Max(numClasses, 1)).ToArray(), name, ignoreClass, sparseYTrue: false, sparseYPred, axis)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new OneHotMeanIoU(NumClasses, name, IgnoreClass, SparseYPred, Axis);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c.Remove("target_class_ids");
        c.Remove("sparse_y_true");
        return c;
    }
}
