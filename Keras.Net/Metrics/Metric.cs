using System.Text.Json.Nodes;

namespace Keras.Metrics;

/// <summary>
/// The base of metrics (Keras's <c>keras.metrics.Metric</c>): state kept in variables, updated
/// batch by batch (<see cref="UpdateState"/>), read with <see cref="Result"/>, cleared with
/// <see cref="ResetState"/>. Strings convert implicitly (<c>"accuracy"</c>, <c>"mae"</c>, <c>"auc"</c>, …;
/// see <see cref="Get"/>). A result is a scalar, or for some configurations (e.g. <see cref="F1Score"/> with
/// no averaging, several thresholds) a vector: read it with <see cref="ResultValues"/> or <see cref="ResultLogs"/>.
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

    /// <summary>The metric's value over everything accumulated since the last reset (a scalar or a vector).</summary>
    public abstract Tensor Result();

    /// <summary>The result as a number; throws <see cref="InvalidOperationException"/> when the result is a vector (use <see cref="ResultValues"/>).</summary>
    public double ResultValue()
    {
        using var scope = Ops.Scope();
        var r = Result();
        if (r.Shape.Size != 1)
        {
            throw new InvalidOperationException(
                $"Metric '{Name}' has a result of shape {r.Shape}, not a single number; read it with ResultValues() or ResultLogs().");
        }
        return r.Item();
    }

    /// <summary>The result's values, flattened (one value for a scalar result).</summary>
    public double[] ResultValues()
    {
        using var scope = Ops.Scope();
        return Ops.Cast(Result(), DType.Float64).ToArray<double>();
    }

    /// <summary>
    /// The result as log entries: <c>(prefix + Name, value)</c> for a scalar result; for a vector result one
    /// entry per element, <c>(prefix + Name + "_" + i, value_i)</c> (Keras keeps the whole array under the
    /// metric's name; its progress bar shows the mean).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, double>> ResultLogs(string prefix = "")
    {
        using var scope = Ops.Scope();
        var r = Result();
        var values = Ops.Cast(r, DType.Float64).ToArray<double>();
        if (r.Rank == 0) return [new(prefix + Name, values[0])];
        return values.Select((v, i) => new KeyValuePair<string, double>($"{prefix}{Name}_{i}", v)).ToArray();
    }

    /// <summary>Clears the state (every variable back to zero).</summary>
    public virtual void ResetState()
    {
        using var scope = Ops.Scope();
        foreach (var v in _variables) v.Assign(Ops.Zeros(v.Shape, v.DType));
    }

    /// <summary>Creates a zero scalar state variable.</summary>
    protected Variable AddScalarState(string name) => AddState(name, Shape.Scalar);

    /// <summary>Creates a zero state variable of the given shape (float32).</summary>
    protected Variable AddState(string name, Shape shape)
    {
        using var zero = Ops.Zeros(shape);
        var v = new Variable(zero, name, trainable: false, path: $"{Name}/{name}");
        _variables.Add(v);
        return v;
    }

    /// <summary>
    /// A new metric of the same kind and configuration, with empty state, named <paramref name="name"/>
    /// (e.g. one instance per model output: <c>metric.Clone($"{output}_{metric.Name}")</c>).
    /// Built-in metrics implement it; a custom metric overrides it to be usable on several outputs.
    /// </summary>
    public virtual Metric Clone(string name) =>
        throw new NotSupportedException($"Metric '{Name}' ({GetType().Name}) does not implement Clone(name); override it to copy the metric.");

    /// <summary>The constructor arguments, as Keras records them.</summary>
    public virtual JsonObject GetConfig() => new() { ["name"] = Name, ["dtype"] = "float32" };

    public static implicit operator Metric(string name) => Get(name);

    /// <summary>
    /// A metric by its Keras name, class name or alias (Keras's <c>metrics.get</c>, as <c>compile</c> uses it),
    /// named <paramref name="name"/>. <c>"accuracy"</c>/<c>"acc"</c> gives the generic <see cref="Accuracy"/>; inside
    /// <c>Compile</c> it is resolved to binary, categorical or sparse categorical accuracy from the shapes of
    /// targets and predictions and from the loss, as Keras does. Metrics that need arguments (MeanIoU,
    /// PrecisionAtRecall, …) must be constructed.
    /// </summary>
    public static Metric Get(string name) => MetricRegistry.Create(name);

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
            _count.AssignAdd(v.Shape.Size);
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
        _total.AssignAdd(value * weight);
        _count.AssignAdd(weight);
    }

    /// <summary>Accumulates a scalar tensor with a weight, without reading it back to the host.</summary>
    public void Update(Tensor scalar, double weight)
    {
        // One in-place kernel each: total += weight * scalar (no gradient is recorded into a variable update).
        _total.ScaleAdd(1.0, scalar.DType == DType.Float32 ? scalar : Ops.Cast(scalar, DType.Float32), weight);
        _count.AssignAdd(weight);
    }

    /// <inheritdoc />
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) => Update(yPred, sampleWeight);

    /// <inheritdoc />
    public override Tensor Result() => Ops.Divide(_total, Ops.Maximum(_count, Ops.Scalar(1e-12)));

    /// <inheritdoc />
    public override Metric Clone(string name) => GetType() == typeof(Mean) ? new Mean(name) : base.Clone(name);
}

/// <summary>The mean of a per-sample function of (yTrue, yPred) (Keras's <c>MeanMetricWrapper</c>).</summary>
public class MeanMetricWrapper : Mean
{
    private readonly Func<Tensor, Tensor, Tensor> _fn;

    /// <summary>Wraps <paramref name="fn"/>, which returns per-sample values.</summary>
    public MeanMetricWrapper(Func<Tensor, Tensor, Tensor> fn, string name) : base(name) => _fn = fn;

    /// <summary>The wrapped function.</summary>
    public Func<Tensor, Tensor, Tensor> Function => _fn;

    /// <inheritdoc />
    public override Metric Clone(string name) => GetType() == typeof(MeanMetricWrapper) ? new MeanMetricWrapper(_fn, name) : base.Clone(name);

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

/// <summary>The (weighted) sum of the values given (Keras's <c>Sum</c>).</summary>
public sealed class Sum : Metric
{
    private readonly Variable _total;

    /// <summary>Creates the metric.</summary>
    public Sum(string name = "sum") : base(name) => _total = AddScalarState("total");

    /// <summary>Adds <paramref name="values"/>, each multiplied by its sample weight if given.</summary>
    public void Update(Tensor values, Tensor? sampleWeight = null)
    {
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        var v = Ops.Cast(values, DType.Float32);
        if (sampleWeight is not null)
        {
            var (values2, w) = Losses.LossUtils.SqueezeOrExpand(v, Ops.Cast(sampleWeight, DType.Float32));
            v = values2;
            while (w.Rank < v.Rank) w = Ops.ExpandDims(w, -1);
            if (w.Rank > v.Rank || !Losses.LossUtils.Broadcastable(v.Shape, w.Shape))
                throw new ArgumentException($"{Name}: sample weights of shape {sampleWeight.Shape} do not fit values of shape {values.Shape}.", nameof(sampleWeight));
            v = Ops.Multiply(v, w);
        }
        _total.AssignAdd(Ops.Sum(v));
    }

    /// <inheritdoc />
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) => Update(yPred, sampleWeight);

    /// <inheritdoc />
    public override Tensor Result() => Ops.Multiply(_total, 1.0);

    /// <inheritdoc />
    public override Metric Clone(string name) => new Sum(name);
}
