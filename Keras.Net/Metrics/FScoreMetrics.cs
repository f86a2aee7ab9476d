using System.Text.Json.Nodes;

namespace Keras.Metrics;

/// <summary>
/// The F-beta score (Keras's <c>FBetaScore</c>) of 2-D <c>(samples, classes)</c> one-hot or multi-label targets:
/// <c>(1 + beta²) P R / (beta² P + R)</c> per class from accumulated true/false positives and false negatives.
/// Predictions above <c>threshold</c> count as 1; with no threshold the row maxima (if non-zero) do.
/// <c>average</c>: null (default; the result is a vector, one score per class), <c>"micro"</c> (global
/// counts), <c>"macro"</c> (mean of the class scores) or <c>"weighted"</c> (mean weighted by each class's support).
/// </summary>
public class FBetaScore : Metric
{
    private Variable? _tp, _fp, _fn, _weights;

    /// <summary>Creates the metric; <paramref name="beta"/> &gt; 0, <paramref name="threshold"/> in (0, 1] or null.</summary>
    public FBetaScore(string? average = null, double beta = 1.0, double? threshold = null, string name = "fbeta_score") : base(name)
    {
        if (average is not (null or "micro" or "macro" or "weighted"))
            throw new ArgumentException($"{GetType().Name}: invalid average '{average}'; expected one of null, 'micro', 'macro', 'weighted'.", nameof(average));
        if (!(beta > 0)) throw new ArgumentOutOfRangeException(nameof(beta), beta, $"{GetType().Name}: beta must be > 0.");
        if (threshold is double t && !(t > 0 && t <= 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"{GetType().Name}: threshold must verify 0 < threshold <= 1.");
        Average = average;
        Beta = beta;
        Threshold = threshold;
    }

    public string? Average { get; }
    public double Beta { get; }
    public double? Threshold { get; }

    /// <inheritdoc />
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        if (yTrue.Rank != 2 || yPred.Rank != 2)
        {
            throw new ArgumentException(
                $"{GetType().Name} expects 2D inputs with shape (batch_size, output_dim); got y_pred.shape={yPred.Shape} and y_true.shape={yTrue.Shape}.");
        }
        if (_tp is null)
        {
            var shape = Average == "micro" ? Shape.Scalar : new Shape(yPred.Shape[-1]);
            _tp = AddState("true_positives", shape);
            _fp = AddState("false_positives", shape);
            _fn = AddState("false_negatives", shape);
            _weights = AddState("intermediate_weights", shape);
        }
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        var t = Ops.Cast(yTrue, DType.Float32);
        var p = Ops.Cast(yPred, DType.Float32);
        Tensor predicted;
        if (Threshold is double thr)
        {
            predicted = Ops.Greater(p, Ops.Scalar(thr));
        }
        else
        {
            // The row maxima, but an all-zero row stays all zero.
            var isMax = Ops.Cast(Ops.GreaterEqual(p, Ops.Max(p, -1, keepDims: true)), DType.Float32);
            var nonZero = Ops.Cast(Ops.Greater(Ops.Abs(p), Ops.Scalar(1e-9)), DType.Float32);
            predicted = Ops.Multiply(isMax, nonZero);
        }
        p = Ops.Cast(predicted, DType.Float32);
        var w = sampleWeight is null ? null : Ops.ExpandDims(Ops.Cast(sampleWeight, DType.Float32), 1);
        Tensor WeightedSum(Tensor v)
        {
            if (w is not null) v = Ops.Multiply(v, w);
            return Average == "micro" ? Ops.Sum(v) : Ops.Sum(v, 0);
        }
        var notP = Ops.Add(Ops.Negative(p), 1.0);
        var notT = Ops.Add(Ops.Negative(t), 1.0);
        _tp.AssignAdd(WeightedSum(Ops.Multiply(p, t)));
        _fp!.AssignAdd(WeightedSum(Ops.Multiply(p, notT)));
        _fn!.AssignAdd(WeightedSum(Ops.Multiply(notP, t)));
        _weights!.AssignAdd(WeightedSum(t));
    }

    /// <inheritdoc />
    public override Tensor Result()
    {
        if (_tp is null) return Average is null ? Ops.Zeros(new Shape(0)) : Ops.Scalar(0.0);
        const double eps = 1e-7;
        var precision = Ops.Divide(_tp, Ops.Add(Ops.Add(_tp, _fp!), eps));
        var recall = Ops.Divide(_tp, Ops.Add(Ops.Add(_tp, _fn!), eps));
        double b2 = Beta * Beta;
        var mean = Ops.Divide(Ops.Multiply(precision, recall), Ops.Add(Ops.Add(Ops.Multiply(precision, b2), recall), eps));
        var f = Ops.Multiply(mean, 1 + b2);
        if (Average == "weighted")
        {
            var weights = Ops.Divide(_weights!, Ops.Add(Ops.Sum(_weights!), eps));
            return Ops.Sum(Ops.Multiply(f, weights));
        }
        return Average is null ? f : Ops.Mean(f);
    }

    /// <inheritdoc />
    public override Metric Clone(string name) => new FBetaScore(Average, Beta, Threshold, name);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["average"] = Average;
        c["beta"] = Beta;
        c["threshold"] = Threshold;
        return c;
    }
}

/// <summary>The F1 score, the harmonic mean of precision and recall (Keras's <c>F1Score</c>; <see cref="FBetaScore"/> with beta 1).</summary>
public sealed class F1Score(string? average = null, double? threshold = null, string name = "f1_score") : FBetaScore(average, 1.0, threshold, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new F1Score(Average, Threshold, name);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c.Remove("beta");
        return c;
    }
}
