using Keras.Data;

namespace Keras.Callbacks;

/// <summary>
/// Stops training when a monitored metric has stopped improving (Keras's <c>EarlyStopping</c>):
/// after <c>patience</c> epochs without an improvement larger than <c>minDelta</c>; optionally only
/// once <c>baseline</c> is beaten, and optionally restoring the weights of the best epoch.
/// </summary>
public sealed class EarlyStopping : Callback
{
    private readonly bool _maximize;
    private double? _best;
    private int _wait;
    private IReadOnlyList<HostArray>? _bestWeights;

    /// <summary>Creates the callback (Keras's defaults: monitor val_loss, patience 0).</summary>
    public EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, int verbose = 0, string mode = "auto",
        double? baseline = null, bool restoreBestWeights = false, int startFromEpoch = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        Monitor = monitor;
        MinDelta = Math.Abs(minDelta);
        Patience = patience;
        Verbose = verbose;
        Baseline = baseline;
        RestoreBestWeights = restoreBestWeights;
        StartFromEpoch = startFromEpoch;
        _maximize = MonitorMode.Maximize(monitor, mode, nameof(EarlyStopping));
    }

    public string Monitor { get; }
    public double MinDelta { get; }
    public int Patience { get; }
    public int Verbose { get; }
    public double? Baseline { get; }
    public bool RestoreBestWeights { get; }
    public int StartFromEpoch { get; }

    /// <summary>The epoch training was stopped at (0 when it was not stopped).</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>The epoch with the best monitored value.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The best monitored value seen.</summary>
    public double? Best => _best;

    /// <inheritdoc />
    public override void OnTrainBegin(IReadOnlyDictionary<string, double> logs)
    {
        _wait = 0;
        StoppedEpoch = 0;
        BestEpoch = 0;
        _best = null;
        _bestWeights = null;
    }

    private bool IsImprovement(double value, double? reference) =>
        reference is not double r || (_maximize ? value - MinDelta > r : value + MinDelta < r);

    /// <inheritdoc />
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (!logs.TryGetValue(Monitor, out var current) || epoch < StartFromEpoch)
        {
            if (epoch >= StartFromEpoch && Verbose > 0)
                Model?.ProgressOutput.WriteLine($"Early stopping conditioned on metric `{Monitor}` which is not available. Available metrics are: {string.Join(",", logs.Keys)}");
            return;
        }
        if (RestoreBestWeights && _bestWeights is null) _bestWeights = Snapshot();
        _wait++;
        if (IsImprovement(current, _best))
        {
            _best = current;
            BestEpoch = epoch;
            if (RestoreBestWeights) _bestWeights = Snapshot();
            if (Baseline is null || IsImprovement(current, Baseline))
            {
                _wait = 0;
                return;
            }
        }
        if (_wait >= Patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            Model!.StopTraining = true;
        }
    }

    /// <inheritdoc />
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        if (StoppedEpoch > 0 && Verbose > 0)
            Model?.ProgressOutput.WriteLine($"Epoch {StoppedEpoch + 1}: early stopping");
        if (RestoreBestWeights && _bestWeights is not null && StoppedEpoch > 0)
        {
            if (Verbose > 0) Model?.ProgressOutput.WriteLine($"Restoring model weights from the end of the best epoch: {BestEpoch + 1}.");
            Model!.SetWeights(_bestWeights);
        }
    }

    private IReadOnlyList<HostArray> Snapshot() => Model!.Weights.Select(w => w.ToHost()).ToArray();
}
