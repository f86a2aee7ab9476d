using Keras.Models;

namespace Keras.Callbacks;

/// <summary>
/// Hooks into <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c> (Keras's <c>keras.callbacks.Callback</c>).
/// Logs are metric names to values (<c>loss</c>, <c>accuracy</c>, <c>val_loss</c>, …).
/// </summary>
public abstract class Callback
{
    /// <summary>The model being trained (set by the training loop).</summary>
    public Model? Model { get; internal set; }

    /// <summary>The loop's parameters: <c>epochs</c>, <c>steps</c>, <c>verbose</c>.</summary>
    public IReadOnlyDictionary<string, int> Params { get; internal set; } = new Dictionary<string, int>();

    public virtual void OnTrainBegin(IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnTrainEnd(IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnTrainBatchBegin(int batch, IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnTestBegin(IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnTestEnd(IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnTestBatchBegin(int batch, IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnTestBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnPredictBegin(IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnPredictEnd(IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnPredictBatchBegin(int batch, IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnPredictBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) { }

    /// <summary>Whether this callback needs per-batch logs (reading them costs a device sync).</summary>
    protected internal virtual bool NeedsBatchLogs => false;
}

/// <summary>Runs a list of callbacks in order.</summary>
internal sealed class CallbackList(IReadOnlyList<Callback> callbacks)
{
    public IReadOnlyList<Callback> Items => callbacks;

    public bool NeedsBatchLogs => callbacks.Any(c => c.NeedsBatchLogs);

    public void Configure(Model model, IReadOnlyDictionary<string, int> parameters)
    {
        foreach (var c in callbacks)
        {
            c.Model = model;
            c.Params = parameters;
        }
    }

    public void Each(Action<Callback> action)
    {
        foreach (var c in callbacks) action(c);
    }
}

/// <summary>Records the logs of every epoch (Keras's <c>History</c>); returned by <c>Fit</c>.</summary>
public sealed class History : Callback
{
    private readonly Dictionary<string, List<double>> _history = new(StringComparer.Ordinal);
    private readonly List<int> _epochs = [];

    /// <summary>Per metric name, the value at the end of each epoch (Keras's <c>history.history</c>).</summary>
    public IReadOnlyDictionary<string, List<double>> HistoryData => _history;

    /// <summary>The epoch indices recorded.</summary>
    public IReadOnlyList<int> Epochs => _epochs;

    /// <summary>The values of one metric per epoch.</summary>
    public IReadOnlyList<double> this[string key] => _history.TryGetValue(key, out var v)
        ? v
        : throw new KeyNotFoundException($"History has no '{key}'. Recorded: {string.Join(", ", _history.Keys)}.");

    /// <inheritdoc />
    public override void OnTrainBegin(IReadOnlyDictionary<string, double> logs) { }

    /// <inheritdoc />
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        _epochs.Add(epoch);
        foreach (var (k, v) in logs)
        {
            if (!_history.TryGetValue(k, out var list)) _history[k] = list = [];
            list.Add(v);
        }
    }
}
