namespace Keras.Callbacks;

/// <summary>Stops training as soon as a batch's loss is NaN or infinite (Keras's <c>TerminateOnNaN</c>).</summary>
public sealed class TerminateOnNaN : Callback
{
    /// <summary>The batch at which training was stopped, if it was.</summary>
    public int? TerminatedAtBatch { get; private set; }

    /// <inheritdoc />
    protected internal override bool NeedsBatchLogs => true;

    /// <inheritdoc />
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs)
    {
        if (logs.TryGetValue("loss", out var loss) && (double.IsNaN(loss) || double.IsInfinity(loss)))
        {
            TerminatedAtBatch = batch;
            Model?.ProgressOutput.WriteLine($"Batch {batch}: Invalid loss, terminating training");
            Model!.StopTraining = true;
        }
    }
}
