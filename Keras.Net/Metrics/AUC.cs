using System.Text.Json.Nodes;
using Keras.Losses;

namespace Keras.Metrics;

/// <summary>
/// The area under the ROC or precision-recall curve (Keras's <c>AUC</c>), approximated from confusion
/// counts at <c>numThresholds</c> (default 200) evenly spaced thresholds (<c>-1e-7</c>, <c>1/(n-1)</c>, …,
/// <c>1 + 1e-7</c>) or at the given <c>thresholds</c> (plus those two end points). <c>summationMethod</c>:
/// <c>"interpolation"</c> (default: trapezoids for ROC; for PR Davis and Goadrich's interpolation of true and
/// false positives), <c>"minoring"</c> or <c>"majoring"</c>. With <c>multiLabel</c> each label (column) gets
/// its own curve and the AUCs are averaged (weighted by <c>labelWeights</c> if given); otherwise all
/// entries are pooled, weighted by <c>labelWeights</c> per column.
/// </summary>
public sealed class AUC : Metric
{
    private readonly double[] _thresholds;
    private readonly double[]? _initThresholds;
    private readonly bool _evenly;
    private readonly double[]? _labelWeights;
    private Variable? _tp, _fp, _tn, _fn;

    /// <summary>Creates the metric.</summary>
    public AUC(int numThresholds = 200, string curve = "ROC", string summationMethod = "interpolation", string name = "auc",
        double[]? thresholds = null, bool multiLabel = false, int? numLabels = null, double[]? labelWeights = null, bool fromLogits = false)
        : base(name)
    {
        Curve = curve switch
        {
            "ROC" or "roc" => "ROC",
            "PR" or "pr" => "PR",
            _ => throw new ArgumentException($"AUC: invalid curve '{curve}'; expected 'ROC' or 'PR'.", nameof(curve)),
        };
        SummationMethod = summationMethod switch
        {
            "interpolation" or "Interpolation" => "interpolation",
            "minoring" or "Minoring" => "minoring",
            "majoring" or "Majoring" => "majoring",
            _ => throw new ArgumentException($"AUC: invalid summation method '{summationMethod}'; expected 'interpolation', 'majoring' or 'minoring'.", nameof(summationMethod)),
        };
        double[] inner;
        if (thresholds is not null)
        {
            inner = thresholds.OrderBy(t => t).ToArray();
            _initThresholds = inner;
            NumThresholds = inner.Length + 2;
            _evenly = ConfusionMatrixUpdate.IsEvenlyDistributed([0.0, .. inner, 1.0]);
        }
        else
        {
            if (numThresholds <= 1) throw new ArgumentOutOfRangeException(nameof(numThresholds), numThresholds, "AUC: numThresholds must be an integer > 1.");
            NumThresholds = numThresholds;
            inner = new double[numThresholds - 2];
            for (int i = 0; i < inner.Length; i++) inner[i] = (i + 1) * 1.0 / (numThresholds - 1);
            _evenly = true;
        }
        // End points just outside [0, 1] so that predictions of exactly 0 or 1 are counted.
        _thresholds = [0.0 - 1e-7, .. inner, 1.0 + 1e-7];
        MultiLabel = multiLabel;
        NumLabels = numLabels;
        _labelWeights = labelWeights?.ToArray();
        FromLogits = fromLogits;
        if (!multiLabel && numLabels is not null)
            throw new ArgumentException("AUC: numLabels is needed only when multiLabel is true.", nameof(numLabels));
        if (numLabels is < 1) throw new ArgumentOutOfRangeException(nameof(numLabels), numLabels, "AUC: numLabels must be >= 1.");
        if (!multiLabel) Build(null);
        else if (numLabels is int n) Build(n);
    }

    public int NumThresholds { get; }
    public string Curve { get; }
    public string SummationMethod { get; }
    public bool MultiLabel { get; }
    public int? NumLabels { get; }
    public bool FromLogits { get; }

    /// <summary>The thresholds in use, end points included.</summary>
    public IReadOnlyList<double> Thresholds => _thresholds;

    private void Build(int? labels)
    {
        var shape = labels is int l ? new Shape(NumThresholds, l) : new Shape(NumThresholds);
        _tp = AddState("true_positives", shape);
        _fp = AddState("false_positives", shape);
        _tn = AddState("true_negatives", shape);
        _fn = AddState("false_negatives", shape);
    }

    /// <inheritdoc />
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        if (_tp is null)
        {
            if (yPred.Rank != 2)
                throw new ArgumentException($"AUC: with multiLabel, predictions must have rank 2 (samples, labels); got shape {yPred.Shape}.");
            Build(yPred.Shape[1]);
        }
        using var scope = Ops.Scope();
        var p = FromLogits ? Ops.Sigmoid(Ops.Cast(yPred, DType.Float32)) : yPred;
        Tensor? lw = _labelWeights is null || MultiLabel ? null : Ops.Constant(_labelWeights.Select(x => (float)x).ToArray(), new Shape(_labelWeights.Length));
        ConfusionMatrixUpdate.Update(new(_tp, _fp!, _tn!, _fn!), yTrue, p, _thresholds, _evenly, sampleWeight: sampleWeight,
            multiLabel: MultiLabel, labelWeights: lw, owner: Name);
    }

    private Tensor Head(Tensor x) => Ops.Slice(x, 0, 0, NumThresholds - 1);

    private Tensor Tail(Tensor x) => Ops.Slice(x, 0, 1, NumThresholds - 1);

    private static Tensor Ratio(Tensor a, Tensor b) => LossUtils.DivideNoNan(a, Ops.Add(a, b));

    // Keras's interpolate_pr_auc (Davis and Goadrich 2006): within each interval TP and P = TP + FP vary linearly.
    private Tensor InterpolatePrAuc()
    {
        var tp = (Tensor)_tp!;
        var dtp = Ops.Subtract(Head(tp), Tail(tp));
        var p = Ops.Add(tp, _fp!);
        var dp = Ops.Subtract(Head(p), Tail(p));
        var zero = Ops.Scalar(0.0);
        var slope = LossUtils.DivideNoNan(dtp, Ops.Maximum(dp, zero));
        var intercept = Ops.Subtract(Tail(tp), Ops.Multiply(slope, Tail(p)));
        var bothPositive = Ops.Multiply(Ops.Cast(Ops.Greater(Head(p), zero), DType.Float32), Ops.Cast(Ops.Greater(Tail(p), zero), DType.Float32));
        var safeRatio = Ops.Where(Ops.Greater(bothPositive, zero), LossUtils.DivideNoNan(Head(p), Ops.Maximum(Tail(p), zero)), Ops.OnesLike(Tail(p)));
        var increment = LossUtils.DivideNoNan(
            Ops.Multiply(slope, Ops.Add(dtp, Ops.Multiply(intercept, Ops.Log(safeRatio)))),
            Ops.Maximum(Ops.Add(Tail(tp), Tail(_fn!)), zero));
        return Aggregate(increment);
    }

    private Tensor Aggregate(Tensor terms)
    {
        if (!MultiLabel) return Ops.Sum(terms);
        var byLabel = Ops.Sum(terms, 0);
        if (_labelWeights is null) return Ops.Mean(byLabel);
        var w = Ops.Constant(_labelWeights.Select(x => (float)x).ToArray(), new Shape(_labelWeights.Length));
        return LossUtils.DivideNoNan(Ops.Sum(Ops.Multiply(byLabel, w)), Ops.Sum(w));
    }

    /// <inheritdoc />
    public override Tensor Result()
    {
        if (_tp is null) return Ops.Scalar(0.0);
        if (Curve == "PR" && SummationMethod == "interpolation") return InterpolatePrAuc();
        var recall = Ratio(_tp, _fn!);
        Tensor x, y;
        if (Curve == "ROC")
        {
            x = Ratio(_fp!, _tn!);
            y = recall;
        }
        else
        {
            x = recall;
            y = Ratio(_tp, _fp!);
        }
        var heights = SummationMethod switch
        {
            "interpolation" => Ops.Multiply(Ops.Add(Head(y), Tail(y)), 0.5),
            "minoring" => Ops.Minimum(Head(y), Tail(y)),
            _ => Ops.Maximum(Head(y), Tail(y)),
        };
        return Aggregate(Ops.Multiply(Ops.Subtract(Head(x), Tail(x)), heights));
    }

    /// <inheritdoc />
    public override void ResetState()
    {
        if (_tp is not null) base.ResetState();
    }

    /// <inheritdoc />
    public override Metric Clone(string name) =>
        new AUC(NumThresholds, Curve, SummationMethod, name, _initThresholds, MultiLabel, NumLabels, _labelWeights, FromLogits);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["num_thresholds"] = NumThresholds;
        c["curve"] = Curve;
        c["summation_method"] = SummationMethod;
        c["multi_label"] = MultiLabel;
        c["num_labels"] = NumLabels;
        c["label_weights"] = _labelWeights is null ? null : new JsonArray(_labelWeights.Select(w => (JsonNode)w).ToArray());
        c["from_logits"] = FromLogits;
        if (_initThresholds is not null) c["thresholds"] = new JsonArray(_initThresholds.Select(t => (JsonNode)t).ToArray());
        return c;
    }
}
