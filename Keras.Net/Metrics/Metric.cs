using System.Text.Json.Nodes;

namespace Keras.Metrics;

/// <summary>
/// The base of metrics (Keras's <c>keras.metrics.Metric</c>): state kept in variables, updated
/// batch by batch (<see cref="UpdateState"/>), read with <see cref="Result"/>, cleared with
/// <see cref="ResetState"/>. Strings convert implicitly (<c>"accuracy"</c>, <c>"mae"</c>, <c>"mse"</c>, …).
/// </summary>
public abstract class Metric : IDisposable
{
    private readonly List<Variable> _variables = [];

    /// <summary>Sets the metric's name (used in logs).</summary>
    protected Metric(string name) => Name = name;

    /// <summary>The metric's name.</summary>
    public string Name { get; }

    /// <summary>The state variables.</summary>
    public IReadOnlyList<Variable> Variables => _variables;

    /// <summary>Accumulates one batch.</summary>
    public abstract void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null);

    /// <summary>The metric's value over everything accumulated since the last reset.</summary>
    public abstract Tensor Result();

    /// <summary>The result as a number.</summary>
    public double ResultValue()
    {
        using var scope = Ops.Scope();
        return Result().Item();
    }

    /// <summary>Clears the state.</summary>
    public virtual void ResetState()
    {
        using var zeros = Ops.Scalar(0);
        foreach (var v in _variables) v.Assign(zeros);
    }

    /// <summary>Creates a zero scalar state variable.</summary>
    protected Variable AddScalarState(string name)
    {
        using var zero = Ops.Scalar(0);
        var v = new Variable(zero, name, trainable: false, path: $"{Name}/{name}");
        _variables.Add(v);
        return v;
    }

    /// <summary>The constructor arguments, as Keras records them.</summary>
    public virtual JsonObject GetConfig() => new() { ["name"] = Name, ["dtype"] = "float32" };

    public static implicit operator Metric(string name) => Get(name);

    /// <summary>
    /// A metric by name. <c>"accuracy"</c>/<c>"acc"</c> gives the generic <see cref="Accuracy"/>; inside
    /// <c>Compile</c> it is resolved to binary, categorical or sparse categorical accuracy from the
    /// shapes of targets and predictions and from the loss, as Keras does.
    /// </summary>
    public static Metric Get(string name) => name switch
    {
        "accuracy" or "acc" => new Accuracy(name),
        "binary_accuracy" => new BinaryAccuracy(),
        "categorical_accuracy" => new CategoricalAccuracy(),
        "sparse_categorical_accuracy" => new SparseCategoricalAccuracy(),
        "mae" or "mean_absolute_error" => new MeanAbsoluteError(name),
        "mse" or "mean_squared_error" => new MeanSquaredError(name),
        _ => throw new ArgumentException(
            $"Unknown metric '{name}'. Known: accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, mae, mse.", nameof(name)),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var v in _variables) v.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The (weighted) mean of the values given (Keras's <c>Mean</c>).</summary>
public class Mean : Metric
{
    private readonly Variable _total;
    private readonly Variable _count;

    /// <summary>Creates the metric.</summary>
    public Mean(string name = "mean") : base(name)
    {
        _total = AddScalarState("total");
        _count = AddScalarState("count");
    }

    /// <summary>Accumulates <paramref name="values"/>, weighted by <paramref name="sampleWeight"/> if given.</summary>
    public void Update(Tensor values, Tensor? sampleWeight = null)
    {
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        var v = Ops.Cast(values, DType.Float32);
        if (sampleWeight is null)
        {
            _total.AssignAdd(Ops.Sum(v));
            _count.AssignAdd(Ops.Scalar(v.Shape.Size));
            return;
        }
        // Keras's reduce_to_samplewise_values: align ranks ((batch, 1) weights on (batch,) values and the
        // reverse), give per-sample weights trailing axes, and weigh every element.
        var (values2, w) = Losses.LossUtils.SqueezeOrExpand(v, Ops.Cast(sampleWeight, DType.Float32));
        v = values2;
        while (w.Rank < v.Rank) w = Ops.ExpandDims(w, -1);
        if (w.Rank > v.Rank || !Losses.LossUtils.Broadcastable(v.Shape, w.Shape))
            throw new ArgumentException($"{Name}: sample weights of shape {sampleWeight.Shape} do not fit values of shape {values.Shape}.", nameof(sampleWeight));
        var weighted = Ops.Multiply(v, w);
        _total.AssignAdd(Ops.Sum(weighted));
        _count.AssignAdd(Ops.Sum(Ops.BroadcastTo(w, weighted.Shape)));
    }

    /// <summary>Accumulates one value with a weight (e.g. a batch loss weighted by the batch size).</summary>
    public void Update(double value, double weight = 1.0)
    {
        using var scope = Ops.Scope();
        _total.AssignAdd(Ops.Scalar(value * weight));
        _count.AssignAdd(Ops.Scalar(weight));
    }

    /// <summary>Accumulates a scalar tensor with a weight, without reading it back to the host.</summary>
    public void Update(Tensor scalar, double weight)
    {
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        _total.AssignAdd(Ops.Multiply(Ops.Cast(Ops.StopGradient(scalar), DType.Float32), weight));
        _count.AssignAdd(Ops.Scalar(weight));
    }

    /// <inheritdoc />
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) => Update(yPred, sampleWeight);

    /// <inheritdoc />
    public override Tensor Result() => Ops.Divide(_total, Ops.Maximum(_count, Ops.Scalar(1e-12)));
}

/// <summary>The mean of a per-sample function of (yTrue, yPred) (Keras's <c>MeanMetricWrapper</c>).</summary>
public class MeanMetricWrapper : Mean
{
    private readonly Func<Tensor, Tensor, Tensor> _fn;

    /// <summary>Wraps <paramref name="fn"/>, which returns per-sample values.</summary>
    public MeanMetricWrapper(Func<Tensor, Tensor, Tensor> fn, string name) : base(name) => _fn = fn;

    /// <inheritdoc />
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        var values = _fn(yTrue, yPred);
        // Keras's MeanMetricWrapper: a mask on the predictions weighs the values (masked entries count 0).
        if (yPred.KerasMask is { } mask)
        {
            var m = Ops.Cast(mask, DType.Float32);
            if (sampleWeight is null)
            {
                sampleWeight = m;
            }
            else
            {
                var (m2, w) = Losses.LossUtils.SqueezeOrExpand(m, Ops.Cast(sampleWeight, DType.Float32));
                sampleWeight = Ops.Multiply(w, m2);
            }
        }
        Update(values, sampleWeight);
    }
}
