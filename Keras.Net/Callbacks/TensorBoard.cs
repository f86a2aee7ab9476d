namespace Keras.Callbacks;

/// <summary>
/// Writes logs that TensorBoard reads (Keras's <c>TensorBoard</c> callback): per-epoch scalars
/// (<c>epoch_loss</c>, <c>epoch_accuracy</c>, …) under <c>logDir/train</c> and, for validation
/// metrics, under <c>logDir/validation</c>; per-batch scalars (<c>batch_loss</c>, …) when
/// <c>updateFreq</c> is <c>"batch"</c> or a number of batches; weight histograms every
/// <c>histogramFreq</c> epochs.
/// </summary>
public sealed class TensorBoard : Callback
{
    private readonly int _batchEvery;
    private TensorBoardEventWriter? _train;
    private TensorBoardEventWriter? _validation;
    private long _globalStep;

    /// <summary>Creates the callback.</summary>
    /// <param name="logDir">Folder of the event files.</param>
    /// <param name="histogramFreq">Write weight histograms every this many epochs (0: never).</param>
    /// <param name="updateFreq"><c>"epoch"</c>, <c>"batch"</c>, or a number of batches as a string (e.g. <c>"100"</c>).</param>
    public TensorBoard(string logDir = "logs", int histogramFreq = 0, string updateFreq = "epoch")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(histogramFreq);
        LogDir = logDir;
        HistogramFreq = histogramFreq;
        _batchEvery = updateFreq switch
        {
            "epoch" => 0,
            "batch" => 1,
            _ when int.TryParse(updateFreq, out var n) && n > 0 => n,
            _ => throw new ArgumentException($"TensorBoard: updateFreq must be 'epoch', 'batch' or a positive number of batches; got '{updateFreq}'.", nameof(updateFreq)),
        };
    }

    public string LogDir { get; }
    public int HistogramFreq { get; }

    /// <summary>The event files written so far (train first).</summary>
    public IReadOnlyList<string> EventFiles => new[] { _train?.Path, _validation?.Path }.OfType<string>().ToArray();

    /// <inheritdoc />
    protected internal override bool NeedsBatchLogs => _batchEvery > 0;

    /// <inheritdoc />
    public override void OnTrainBegin(IReadOnlyDictionary<string, double> logs)
    {
        _train = new TensorBoardEventWriter(Path.Combine(LogDir, "train"));
        _globalStep = 0;
    }

    /// <inheritdoc />
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        _globalStep++;
        if (_batchEvery == 0 || _train is null || _globalStep % _batchEvery != 0) return;
        foreach (var (k, v) in logs) _train.Scalar("batch_" + k, v, _globalStep);
        _train.Flush();
    }

    /// <inheritdoc />
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (_train is null) return;
        foreach (var (k, v) in logs)
        {
            if (k.StartsWith("val_", StringComparison.Ordinal))
            {
                _validation ??= new TensorBoardEventWriter(Path.Combine(LogDir, "validation"));
                _validation.Scalar("epoch_" + k[4..], v, epoch);
            }
            else
            {
                _train.Scalar("epoch_" + k, v, epoch);
            }
        }
        if (HistogramFreq > 0 && epoch % HistogramFreq == 0 && Model is not null)
        {
            foreach (var w in Model.Weights) _train.Histogram(w.Path + "/histogram", w.ToHost().ToArray<float>(), epoch);
        }
        _train.Flush();
        _validation?.Flush();
    }

    /// <inheritdoc />
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        _train?.Dispose();
        _validation?.Dispose();
    }
}
