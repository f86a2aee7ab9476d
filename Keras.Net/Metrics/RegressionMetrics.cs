using System.Text.Json.Nodes;
using Keras.Losses;

namespace Keras.Metrics;

/// <summary>Mean absolute error (Keras's <c>MeanAbsoluteError</c> metric).</summary>
public sealed class MeanAbsoluteError(string name = "mean_absolute_error")
    : MeanMetricWrapper((t, p) =>
    {
        var (target, pred) = LossUtils.Align(t, p, "MeanAbsoluteError");
        return Ops.Mean(Ops.Abs(Ops.Subtract(pred, target)), -1);
    }, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new MeanAbsoluteError(name);
}

/// <summary>Mean squared error (Keras's <c>MeanSquaredError</c> metric).</summary>
public sealed class MeanSquaredError(string name = "mean_squared_error")
    : MeanMetricWrapper((t, p) =>
    {
        var (target, pred) = LossUtils.Align(t, p, "MeanSquaredError");
        return Ops.Mean(Ops.Square(Ops.Subtract(pred, target)), -1);
    }, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new MeanSquaredError(name);
}

/// <summary>Mean absolute percentage error (Keras's <c>MeanAbsolutePercentageError</c> metric).</summary>
public sealed class MeanAbsolutePercentageError(string name = "mean_absolute_percentage_error")
    : MeanMetricWrapper(LossFunctions.MeanAbsolutePercentageError, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new MeanAbsolutePercentageError(name);
}

/// <summary>Mean squared logarithmic error (Keras's <c>MeanSquaredLogarithmicError</c> metric).</summary>
public sealed class MeanSquaredLogarithmicError(string name = "mean_squared_logarithmic_error")
    : MeanMetricWrapper(LossFunctions.MeanSquaredLogarithmicError, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new MeanSquaredLogarithmicError(name);
}

/// <summary>The mean of <c>log(cosh(p - t))</c> (Keras's <c>LogCoshError</c>, named <c>logcosh</c> by default).</summary>
public sealed class LogCoshError(string name = "logcosh") : MeanMetricWrapper(LossFunctions.LogCosh, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new LogCoshError(name);
}

/// <summary>
/// The mean cosine similarity of targets and predictions along <c>axis</c> (Keras's <c>CosineSimilarity</c>
/// metric; 1 for identical directions).
/// </summary>
public sealed class CosineSimilarity(string name = "cosine_similarity", int axis = -1)
    : MeanMetricWrapper((t, p) => LossFunctions.CosineSimilarity(t, p, axis), name)
{
    /// <summary>The axis the similarity is computed along.</summary>
    public int Axis { get; } = axis;

    /// <inheritdoc />
    public override Metric Clone(string name) => new CosineSimilarity(name, Axis);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = Axis;
        return c;
    }
}

/// <summary>
/// The root of the (weighted) mean of squared errors over every element (Keras's <c>RootMeanSquaredError</c>).
/// </summary>
public sealed class RootMeanSquaredError(string name = "root_mean_squared_error") : Mean(name)
{
    /// <inheritdoc />
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        var (t, p) = LossUtils.SqueezeOrExpand(Ops.Cast(yTrue, DType.Float32), Ops.Cast(yPred, DType.Float32));
        Update(Ops.Square(Ops.Subtract(p, t)), sampleWeight);
    }

    /// <inheritdoc />
    public override Tensor Result() => Ops.Sqrt(base.Result());

    /// <inheritdoc />
    public override Metric Clone(string name) => new RootMeanSquaredError(name);
}

/// <summary>
/// The coefficient of determination R² (Keras's <c>R2Score</c>) over 2-D <c>(samples, outputs)</c> data:
/// per output <c>1 - sum((t - p)²) / sum((t - mean t)²)</c> from running (weighted) sums, then
/// <c>classAggregation</c>: <c>"uniform_average"</c> (default), <c>"variance_weighted_average"</c> or null
/// (a vector, one score per output). With <c>numRegressors</c> &gt; 0 the adjusted R² is returned.
/// </summary>
public sealed class R2Score : Metric
{
    private readonly Variable _numSamples;
    private Variable? _squaredSum, _sum, _residual, _count;

    /// <summary>Creates the metric.</summary>
    public R2Score(string? classAggregation = "uniform_average", int numRegressors = 0, string name = "r2_score") : base(name)
    {
        if (classAggregation is not (null or "uniform_average" or "variance_weighted_average"))
            throw new ArgumentException($"R2Score: classAggregation must be null, 'uniform_average' or 'variance_weighted_average'; got '{classAggregation}'.", nameof(classAggregation));
        if (numRegressors < 0) throw new ArgumentOutOfRangeException(nameof(numRegressors), numRegressors, "R2Score: numRegressors must be >= 0.");
        ClassAggregation = classAggregation;
        NumRegressors = numRegressors;
        _numSamples = AddScalarState("num_samples");
    }

    public string? ClassAggregation { get; }
    public int NumRegressors { get; }

    /// <inheritdoc />
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        var (t, p) = LossUtils.SqueezeOrExpand(Ops.Cast(yTrue, DType.Float32), Ops.Cast(yPred, DType.Float32));
        if (t.Rank != 2 || p.Rank != 2)
            throw new ArgumentException($"R2Score expects 2D inputs with shape (batch_size, output_dim); got y_true {yTrue.Shape} and y_pred {yPred.Shape}.");
        if (_sum is null)
        {
            int outputs = p.Shape[-1];
            _squaredSum = AddState("squared_sum", new Shape(outputs));
            _sum = AddState("sum", new Shape(outputs));
            _residual = AddState("residual", new Shape(outputs));
            _count = AddState("count", new Shape(outputs));
        }
        var w = sampleWeight is null ? Ops.Scalar(1.0) : Ops.Cast(sampleWeight, DType.Float32);
        if (w.Rank == 1) w = Ops.ExpandDims(w, 1);
        w = Ops.BroadcastTo(w, t.Shape);
        var weighted = Ops.Multiply(t, w);
        _sum.AssignAdd(Ops.Sum(weighted, 0));
        _squaredSum!.AssignAdd(Ops.Sum(Ops.Multiply(t, weighted), 0));
        _residual!.AssignAdd(Ops.Sum(Ops.Multiply(Ops.Square(Ops.Subtract(t, p)), w), 0));
        _count!.AssignAdd(Ops.Sum(w, 0));
        _numSamples.AssignAdd(Ops.Scalar(t.Shape.Size));
    }

    /// <inheritdoc />
    public override Tensor Result()
    {
        if (_sum is null) return ClassAggregation is null ? Ops.Zeros(new Shape(0)) : Ops.Scalar(0.0);
        var mean = Ops.Divide(_sum, _count!);
        var total = Ops.Subtract(_squaredSum!, Ops.Multiply(_sum, mean));
        var raw = Ops.Add(Ops.Negative(Ops.Divide(_residual!, total)), 1.0);
        // Keras replaces infinite scores (a constant output) by 0.
        var isInf = Ops.Equal(Ops.Abs(raw), Ops.Scalar(double.PositiveInfinity));
        raw = Ops.Where(isInf, Ops.ZerosLike(raw), raw);
        Tensor score = ClassAggregation switch
        {
            "uniform_average" => Ops.Mean(raw),
            "variance_weighted_average" => Ops.Divide(Ops.Sum(Ops.Multiply(total, raw)), Ops.Sum(total)),
            _ => raw,
        };
        if (NumRegressors != 0)
        {
            double n = _numSamples.Value.Item();
            // Keras falls back to the plain score (with a warning) when n - 1 <= numRegressors.
            if (NumRegressors < n - 1)
                score = Ops.Add(Ops.Negative(Ops.Multiply(Ops.Add(Ops.Negative(score), 1.0), (n - 1) / (n - NumRegressors - 1))), 1.0);
        }
        return score;
    }

    /// <inheritdoc />
    public override Metric Clone(string name) => new R2Score(ClassAggregation, NumRegressors, name);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["class_aggregation"] = ClassAggregation;
        c["num_regressors"] = NumRegressors;
        return c;
    }
}
