using System.Globalization;

namespace Keras.Callbacks;

/// <summary>
/// Multiplies the learning rate by <c>factor</c> when a metric has stopped improving for
/// <c>patience</c> epochs (Keras's <c>ReduceLROnPlateau</c>), then waits <c>cooldown</c> epochs.
/// </summary>
public sealed class ReduceLROnPlateau : Callback
{
    private readonly bool _maximize;
    private double _best;
    private int _wait;
    private int _cooldownCounter;

    /// <summary>Creates the callback (Keras's defaults).</summary>
    public ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, int verbose = 0, string mode = "auto",
        double minDelta = 1e-4, int cooldown = 0, double minLr = 0.0)
    {
        if (factor >= 1.0 || factor <= 0)
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "ReduceLROnPlateau does not support a factor >= 1.0 (or <= 0).");
        Monitor = monitor;
        Factor = factor;
        Patience = patience;
        Verbose = verbose;
        MinDelta = minDelta;
        Cooldown = cooldown;
        MinLr = minLr;
        _maximize = MonitorMode.Maximize(monitor, mode, nameof(ReduceLROnPlateau));
        Reset();
    }

    public string Monitor { get; }
    public double Factor { get; }
    public int Patience { get; }
    public int Verbose { get; }
    public double MinDelta { get; }
    public int Cooldown { get; }
    public double MinLr { get; }

    private void Reset()
    {
        _best = _maximize ? double.NegativeInfinity : double.PositiveInfinity;
        _wait = 0;
        _cooldownCounter = 0;
    }

    /// <inheritdoc />
    public override void OnTrainBegin(IReadOnlyDictionary<string, double> logs) => Reset();

    /// <inheritdoc />
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        var optimizer = Model?.Optimizer ?? throw new InvalidOperationException("ReduceLROnPlateau needs a compiled model.");
        if (logs is IDictionary<string, double> writable) writable["learning_rate"] = optimizer.LearningRate;
        if (!logs.TryGetValue(Monitor, out var current)) return;
        if (_cooldownCounter > 0)
        {
            _cooldownCounter--;
            _wait = 0;
        }
        bool improved = _maximize ? current > _best + MinDelta : current < _best - MinDelta;
        if (improved)
        {
            _best = current;
            _wait = 0;
        }
        else if (_cooldownCounter <= 0)
        {
            _wait++;
            if (_wait >= Patience)
            {
                var old = optimizer.LearningRate;
                if (old > MinLr)
                {
                    var lr = Math.Max(old * Factor, MinLr);
                    optimizer.LearningRate = lr;
                    if (Verbose > 0)
                        Model!.ProgressOutput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {lr}."));
                    _cooldownCounter = Cooldown;
                    _wait = 0;
                }
            }
        }
    }
}
