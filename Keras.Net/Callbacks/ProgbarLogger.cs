using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Keras.Callbacks;

/// <summary>
/// Prints training progress in Keras's format (Keras's <c>ProgbarLogger</c>). Verbose 1: a progress
/// bar per epoch with ETA and running metrics, redrawn in place; verbose 2: one line per epoch.
/// Writes to the model's <c>ProgressOutput</c> (the console by default).
/// </summary>
public sealed class ProgbarLogger : Callback
{
    private readonly TextWriter _out;
    private readonly int _verbose;
    private Progbar? _bar;
    private int _epochs;
    private int _steps;
    private string _mode = "train";
    private int _seen;

    /// <summary>Creates the logger.</summary>
    public ProgbarLogger(TextWriter output, int verbose)
    {
        _out = output;
        _verbose = verbose;
    }

    /// <inheritdoc />
    protected internal override bool NeedsBatchLogs => _verbose == 1;

    /// <inheritdoc />
    public override void OnTrainBegin(IReadOnlyDictionary<string, double> logs)
    {
        _epochs = Params.GetValueOrDefault("epochs", 1);
        _steps = Params.GetValueOrDefault("steps", 0);
        _mode = "train";
    }

    /// <inheritdoc />
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (_epochs > 1 || _verbose == 1) _out.WriteLine($"Epoch {epoch + 1}/{_epochs}");
        _bar = new Progbar(_steps, _out, _verbose);
    }

    /// <inheritdoc />
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        _seen = batch + 1;
        _bar?.Update(batch + 1, logs, finalize: false);
    }

    /// <inheritdoc />
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => _bar?.Update(_steps > 0 ? _steps : _seen, logs, finalize: true);

    /// <inheritdoc />
    public override void OnTestBegin(IReadOnlyDictionary<string, double> logs)
    {
        if (Params.GetValueOrDefault("evaluating", 0) == 0) return;
        _mode = "test";
        _bar = new Progbar(Params.GetValueOrDefault("steps", 0), _out, _verbose);
    }

    /// <inheritdoc />
    public override void OnTestBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        if (_mode == "test") _bar?.Update(batch + 1, logs, finalize: false);
    }

    /// <inheritdoc />
    public override void OnTestEnd(IReadOnlyDictionary<string, double> logs)
    {
        if (_mode == "test") _bar?.Update(Params.GetValueOrDefault("steps", 0), logs, finalize: true);
    }

    /// <inheritdoc />
    public override void OnPredictBegin(IReadOnlyDictionary<string, double> logs)
    {
        _mode = "predict";
        _bar = new Progbar(Params.GetValueOrDefault("steps", 0), _out, _verbose);
    }

    /// <inheritdoc />
    public override void OnPredictBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => _bar?.Update(batch + 1, logs, finalize: false);

    /// <inheritdoc />
    public override void OnPredictEnd(IReadOnlyDictionary<string, double> logs) => _bar?.Update(Params.GetValueOrDefault("steps", 0), logs, finalize: true);
}

/// <summary>Keras's progress bar: <c>  12/1875 ━━━━━━━━━━━━━━━━━━━━ 5s 3ms/step - accuracy: 0.5312 - loss: 1.2345</c>.</summary>
internal sealed class Progbar(int target, TextWriter output, int verbose, int width = 20)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _lastRender;
    private int _previousLength;

    // Redrawing in place needs a terminal; elsewhere (files, pipes, test writers) Keras prints each bar once, when it completes.
    private readonly bool _dynamic = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    public void Update(int current, IReadOnlyDictionary<string, double> values, bool finalize)
    {
        var elapsed = _clock.Elapsed;
        if (verbose == 2)
        {
            if (!finalize) return;
            output.WriteLine($"{current}/{(target > 0 ? target.ToString(CultureInfo.InvariantCulture) : "Unknown")} - {FormatSeconds(elapsed.TotalSeconds)} - {FormatPerStep(elapsed.TotalSeconds, current)}{Metrics(values)}");
            return;
        }
        if (verbose != 1) return;
        // Redraw at most every 50 ms, as Keras does, so printing never slows training; the last step is drawn by finalize.
        if (!finalize && (!_dynamic || (target > 0 && current >= target) || (_lastRender is { } last && (elapsed - last).TotalMilliseconds < 50))) return;
        _lastRender = elapsed;
        var sb = new StringBuilder();
        if (target > 0)
        {
            var digits = (int)Math.Floor(Math.Log10(target)) + 1;
            sb.Append(current.ToString(CultureInfo.InvariantCulture).PadLeft(digits)).Append('/').Append(target).Append(' ');
            var progress = Math.Min(1.0, (double)current / target);
            var filled = (int)(width * progress);
            sb.Append('━', filled).Append(' ', width - filled).Append(' ');
            var perStep = current > 0 ? elapsed.TotalSeconds / current : 0;
            sb.Append(FormatSeconds(current < target ? perStep * (target - current) : elapsed.TotalSeconds)).Append(' ');
        }
        else
        {
            // Unknown length (a generator): Keras prints the count so far and the elapsed time.
            sb.Append(current.ToString(CultureInfo.InvariantCulture)).Append("/Unknown ").Append(FormatSeconds(elapsed.TotalSeconds)).Append(' ');
        }
        sb.Append(FormatPerStep(elapsed.TotalSeconds, current));
        sb.Append(Metrics(values));
        var line = sb.ToString();
        var pad = _previousLength > line.Length ? new string(' ', _previousLength - line.Length) : "";
        _previousLength = line.Length;
        output.Write(_dynamic ? '\r' + line + pad : line);
        if (finalize) output.WriteLine();
        output.Flush();
    }

    private static string Metrics(IReadOnlyDictionary<string, double> values)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in values)
        {
            sb.Append(" - ").Append(k).Append(": ");
            sb.Append(Math.Abs(v) > 1e-3 || v == 0
                ? v.ToString("0.0000", CultureInfo.InvariantCulture)
                : v.ToString("0.0000e+00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static string FormatSeconds(double s) => s >= 3600
        ? $"{(int)(s / 3600)}:{(int)(s % 3600 / 60):00}:{(int)(s % 60):00}"
        : s >= 60 ? $"{(int)(s / 60)}:{(int)(s % 60):00}" : $"{(int)Math.Round(s)}s";

    private static string FormatPerStep(double totalSeconds, int steps)
    {
        var perStep = steps > 0 ? totalSeconds / steps : 0;
        return perStep >= 1 ? FormattableString.Invariant($"{perStep:0}s/step")
            : perStep >= 1e-3 ? FormattableString.Invariant($"{perStep * 1e3:0}ms/step")
            : FormattableString.Invariant($"{perStep * 1e6:0}us/step");
    }
}
