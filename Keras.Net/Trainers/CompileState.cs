using Keras.Losses;
using Keras.Metrics;

namespace Keras.Trainers;

/// <summary>
/// What <c>Compile</c> configured, resolved against a model's outputs: one loss (and weight) per
/// output, the metrics per output, and the trackers behind the logs (<c>loss</c>, <c>{output}_loss</c>,
/// <c>{output}_{metric}</c>).
/// </summary>
internal sealed class CompileState : IDisposable
{
    private readonly IReadOnlyList<Metric> _metricSpecs;
    private List<Metric>[]? _metrics;

    public CompileState(IReadOnlyList<Loss?> losses, IReadOnlyList<double> lossWeights, IReadOnlyList<Metric> metrics, IReadOnlyList<string> outputNames)
    {
        Losses = losses;
        LossWeights = lossWeights;
        _metricSpecs = metrics;
        OutputNames = outputNames;
        LossTracker = new Mean("loss");
        OutputLossTrackers = outputNames.Count > 1 ? outputNames.Select(n => new Mean($"{n}_loss")).ToArray() : [];
    }

    public IReadOnlyList<Loss?> Losses { get; }
    public IReadOnlyList<double> LossWeights { get; }
    public IReadOnlyList<string> OutputNames { get; }
    public Mean LossTracker { get; }
    public Mean[] OutputLossTrackers { get; }

    /// <summary>The total loss (and each output's loss) of one batch.</summary>
    public (Tensor Total, Tensor[] PerOutput) ComputeLoss(IReadOnlyList<Tensor> yTrue, Tensors yPred, Tensor? sampleWeight)
    {
        if (yTrue.Count != yPred.Count)
        {
            throw new ArgumentException(
                $"The model has {yPred.Count} output(s) ({string.Join(", ", OutputNames)}) but {yTrue.Count} target array(s) were given.");
        }
        Tensor? total = null;
        var per = new Tensor[yPred.Count];
        for (int i = 0; i < yPred.Count; i++)
        {
            var loss = Losses[i];
            if (loss is null) continue;
            Tensor value;
            try
            {
                value = loss.Compute(yTrue[i], yPred[i], sampleWeight);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Loss '{loss.Name}' of output \"{OutputNames[i]}\": {e.Message}", e);
            }
            per[i] = value;
            var weighted = LossWeights[i] == 1.0 ? value : Ops.Multiply(value, LossWeights[i]);
            total = total is null ? weighted : Ops.Add(total, weighted);
        }
        return (total ?? throw new InvalidOperationException("Compile was given no loss for any output."), per);
    }

    /// <summary>Accumulates the batch's losses and metrics.</summary>
    public void Update(IReadOnlyList<Tensor> yTrue, Tensors yPred, Tensor total, Tensor[] perOutput, long batchSize)
    {
        LossTracker.Update(total, batchSize);
        for (int i = 0; i < OutputLossTrackers.Length; i++)
            if (perOutput[i] is not null) OutputLossTrackers[i].Update(perOutput[i], batchSize);
        _metrics ??= ResolveMetrics(yTrue, yPred);
        for (int i = 0; i < _metrics.Length; i++)
            foreach (var m in _metrics[i]) m.UpdateState(yTrue[i], yPred[i]);
    }

    // Keras resolves "accuracy" from the shapes of the first batch and the loss.
    private List<Metric>[] ResolveMetrics(IReadOnlyList<Tensor> yTrue, Tensors yPred)
    {
        var result = new List<Metric>[yPred.Count];
        for (int i = 0; i < yPred.Count; i++)
        {
            result[i] = [];
            var prefix = yPred.Count > 1 ? OutputNames[i] + "_" : "";
            foreach (var spec in _metricSpecs)
            {
                Metric m = spec switch
                {
                    Accuracy a when a.Name is "accuracy" or "acc" => ResolveAccuracy(prefix + a.Name, yTrue[i], yPred[i], Losses[i]),
                    _ when yPred.Count > 1 => CloneFor(spec, prefix + spec.Name, yPred.Count),
                    _ => spec,
                };
                result[i].Add(m);
            }
        }
        return result;
    }

    // Every output gets its own metric instance (same type and settings, fresh state).
    private static Metric CloneFor(Metric spec, string name, int outputs)
    {
        try
        {
            return spec.Clone(name);
        }
        catch (NotSupportedException e)
        {
            throw new ArgumentException($"Metric '{spec.Name}' cannot be shared across {outputs} outputs: {e.Message} Pass metrics by name, or give each output its own.", e);
        }
    }

    private static Metric ResolveAccuracy(string name, Tensor yTrue, Tensor yPred, Loss? loss)
    {
        bool binary = yPred.Shape[-1] == 1 || loss is Losses.BinaryCrossentropy;
        bool sparse = yTrue.Rank != yPred.Rank || (yTrue.Shape[-1] == 1 && yPred.Shape[-1] > 1) || loss is Losses.SparseCategoricalCrossentropy;
        if (binary) return new BinaryAccuracy(name);
        return sparse ? new SparseCategoricalAccuracy(name) : new CategoricalAccuracy(name);
    }

    /// <summary>Every tracker in log order.</summary>
    public IEnumerable<Metric> AllMetrics =>
        new Metric[] { LossTracker }.Concat(OutputLossTrackers).Concat(_metrics?.SelectMany(m => m) ?? []);

    public void Reset()
    {
        foreach (var m in AllMetrics) m.ResetState();
    }

    /// <summary>The current values, keys sorted as Keras prints them.</summary>
    public SortedDictionary<string, double> Results(string prefix = "")
    {
        var logs = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var m in AllMetrics)
            foreach (var (key, value) in m.ResultLogs(prefix)) logs[key] = value;
        return logs;
    }

    public void Dispose()
    {
        foreach (var m in AllMetrics) m.Dispose();
    }
}
