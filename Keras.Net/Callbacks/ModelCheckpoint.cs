using System.Globalization;
using System.Text.RegularExpressions;

namespace Keras.Callbacks;

/// <summary>
/// Saves the model or its weights during training (Keras's <c>ModelCheckpoint</c>): every epoch, or
/// only when the monitored metric improves (<c>saveBestOnly</c>). The file name may hold Python-style
/// fields filled from the epoch and the logs, e.g. <c>"ckpt-{epoch:02d}-{val_loss:.2f}.keras"</c>.
/// Files are written atomically — to a temporary file in the same folder, flushed to disk, then renamed
/// over the target — so a save interrupted by an exception or a killed process leaves the previous
/// checkpoint complete and loadable, never a partial one.
/// </summary>
public sealed partial class ModelCheckpoint : Callback
{
    private readonly bool _maximize;
    private double? _best;

    /// <summary>Creates the callback.</summary>
    /// <param name="filepath">Where to save: <c>.keras</c>/<c>.h5</c> for whole models, <c>.weights.h5</c> with <paramref name="saveWeightsOnly"/>.</param>
    /// <param name="monitor">The log entry compared by <paramref name="saveBestOnly"/>.</param>
    /// <param name="verbose">1 prints a line when saving.</param>
    /// <param name="saveBestOnly">Save only when the monitored value improves on the best so far.</param>
    /// <param name="saveWeightsOnly">Save only the weights.</param>
    /// <param name="mode"><c>auto</c>, <c>min</c> or <c>max</c>.</param>
    /// <param name="initialValueThreshold">A value the monitored metric must beat before the first save.</param>
    public ModelCheckpoint(string filepath, string monitor = "val_loss", int verbose = 0, bool saveBestOnly = false,
        bool saveWeightsOnly = false, string mode = "auto", double? initialValueThreshold = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(filepath);
        var lower = filepath.ToLowerInvariant();
        if (saveWeightsOnly && !lower.EndsWith(".weights.h5", StringComparison.Ordinal))
            throw new ArgumentException($"ModelCheckpoint: with saveWeightsOnly the file path must end in .weights.h5; got '{filepath}'.", nameof(filepath));
        if (!saveWeightsOnly && !(lower.EndsWith(".keras", StringComparison.Ordinal) || (lower.EndsWith(".h5", StringComparison.Ordinal) && !lower.EndsWith(".weights.h5", StringComparison.Ordinal))))
            throw new ArgumentException($"ModelCheckpoint: the file path must end in .keras (or .h5) to save the model; got '{filepath}'.", nameof(filepath));
        Filepath = filepath;
        Monitor = monitor;
        Verbose = verbose;
        SaveBestOnly = saveBestOnly;
        SaveWeightsOnly = saveWeightsOnly;
        _maximize = MonitorMode.Maximize(monitor, mode, nameof(ModelCheckpoint));
        _best = initialValueThreshold;
    }

    public string Filepath { get; }
    public string Monitor { get; }
    public int Verbose { get; }
    public bool SaveBestOnly { get; }
    public bool SaveWeightsOnly { get; }

    /// <summary>The best monitored value saved so far.</summary>
    public double? Best => _best;

    /// <summary>The files written, in order.</summary>
    public List<string> SavedFiles { get; } = [];

    /// <inheritdoc />
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        var path = FormatPath(Filepath, epoch, logs);
        if (SaveBestOnly)
        {
            if (!logs.TryGetValue(Monitor, out var current))
            {
                Model?.ProgressOutput.WriteLine($"Can save best model only with {Monitor} available, skipping.");
                return;
            }
            bool improved = _best is not double b || (_maximize ? current > b : current < b);
            if (!improved)
            {
                if (Verbose > 0) Model?.ProgressOutput.WriteLine(Invariant($"Epoch {epoch + 1}: {Monitor} did not improve from {_best:F5}"));
                return;
            }
            if (Verbose > 0)
                Model?.ProgressOutput.WriteLine(Invariant($"Epoch {epoch + 1}: {Monitor} improved from {(_best is double p ? p.ToString("F5", CultureInfo.InvariantCulture) : _maximize ? "-inf" : "inf")} to {current:F5}, saving model to {path}"));
            _best = current;
        }
        else if (Verbose > 0)
        {
            Model?.ProgressOutput.WriteLine($"Epoch {epoch + 1}: saving model to {path}");
        }
        // Like Keras, create the checkpoint's folder when it is missing.
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
        if (SaveWeightsOnly) Model!.SaveWeights(path);
        else Model!.SaveModel(path);
        SavedFiles.Add(path);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Fills Python format fields: <c>{epoch}</c> (1-based), <c>{epoch:02d}</c>, <c>{val_loss:.2f}</c>, <c>{loss:.3e}</c>.</summary>
    internal static string FormatPath(string pattern, int epoch, IReadOnlyDictionary<string, double> logs) =>
        Field().Replace(pattern, m =>
        {
            var key = m.Groups["key"].Value;
            var spec = m.Groups["spec"].Success ? m.Groups["spec"].Value : "";
            double value;
            if (key == "epoch") value = epoch + 1;
            else if (!logs.TryGetValue(key, out value))
                throw new KeyError($"ModelCheckpoint: the file path names '{{{key}}}', which is not in the logs ({string.Join(", ", logs.Keys)}).");
            return FormatValue(value, spec);
        });

    private static string FormatValue(double value, string spec)
    {
        var m = Spec().Match(spec);
        if (spec.Length == 0 || !m.Success) return key(value);
        var zero = m.Groups["zero"].Success;
        var width = m.Groups["width"].Success ? int.Parse(m.Groups["width"].Value, CultureInfo.InvariantCulture) : 0;
        var precision = m.Groups["precision"].Success ? int.Parse(m.Groups["precision"].Value, CultureInfo.InvariantCulture) : 6;
        string text = m.Groups["type"].Value switch
        {
            "d" => ((long)value).ToString(CultureInfo.InvariantCulture),
            "f" => value.ToString("F" + precision, CultureInfo.InvariantCulture),
            "e" => value.ToString((precision == 0 ? "0" : "0." + new string('0', precision)) + "e+00", CultureInfo.InvariantCulture),
            _ => key(value),
        };
        return zero ? text.PadLeft(width, '0') : text.PadLeft(width);

        static string key(double v) => v == Math.Floor(v) && Math.Abs(v) < 1e15 ? ((long)v).ToString(CultureInfo.InvariantCulture) : v.ToString("R", CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"\{(?<key>[A-Za-z_][A-Za-z0-9_]*)(?::(?<spec>[^}]*))?\}")]
    private static partial Regex Field();

    [GeneratedRegex(@"^(?<zero>0)?(?<width>[1-9][0-9]*)?(?:\.(?<precision>[0-9]+))?(?<type>[dfe])$")]
    private static partial Regex Spec();

    /// <summary>A file-path field that names a missing log entry.</summary>
    public sealed class KeyError(string message) : KeyNotFoundException(message);
}
