using System.Globalization;

namespace Keras.Callbacks;

/// <summary>Sets the learning rate at the start of each epoch from <c>schedule(epoch, lr)</c> (Keras's <c>LearningRateScheduler</c>).</summary>
public sealed class LearningRateScheduler(Func<int, double, double> schedule, int verbose = 0) : Callback
{
    /// <inheritdoc />
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        var optimizer = Model?.Optimizer ?? throw new InvalidOperationException("LearningRateScheduler needs a compiled model.");
        var lr = schedule(epoch, optimizer.LearningRate);
        if (double.IsNaN(lr) || double.IsInfinity(lr) || lr < 0)
            throw new InvalidOperationException($"LearningRateScheduler: the schedule returned {lr} for epoch {epoch}; it must be a finite non-negative number.");
        optimizer.LearningRate = lr;
        if (verbose > 0)
            Model.ProgressOutput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}."));
    }

    /// <inheritdoc />
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (logs is IDictionary<string, double> writable && Model?.Optimizer is { } optimizer) writable["learning_rate"] = optimizer.LearningRate;
    }
}
