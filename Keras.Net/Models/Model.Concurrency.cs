using Keras.Engine;

namespace Keras.Models;

// How a model is shared between threads.
//
// - Predict, PredictOutputs and PredictOnBatch may run on many threads (and from async code) at once:
//   they only read the weights, keep every temporary in a scope of the calling thread that ends before
//   they return (nothing is held across an await), and drop loss terms instead of storing them on layers.
// - A training step, LoadWeights, SetWeights and Dispose write the weights. They take the weights lock
//   exclusively, so a prediction running at the same time sees the weights entirely before or entirely
//   after a step, never half-updated ones.
// - Fit, Evaluate, TrainOnBatch and TestOnBatch share the compiled loss and metric state, so one of
//   them runs at a time per model; a second one started from another thread fails at once with an
//   InvalidOperationException (from the same thread, e.g. inside a callback, it is allowed).
// - Models with stateful RNN layers carry state from one batch to the next: their predictions are
//   serialised.
public partial class Model
{
    private readonly ReaderWriterLockSlim _weightsLock = new(LockRecursionPolicy.SupportsRecursion);
    private readonly object _trainerGate = new();
    private volatile bool _disposed;

    /// <summary>True once <c>Dispose()</c> has released the model's native memory.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Holds the weights lock for reading (shared with other readers).</summary>
    private protected WeightsLock ReadingWeights() => new(_weightsLock, write: false, this);

    /// <summary>Holds the weights lock for a prediction: shared, or exclusive when stateful layers will update their states.</summary>
    private protected WeightsLock PredictingWeights() => Stateful ? WritingWeights() : ReadingWeights();

    /// <summary>Holds the weights lock exclusively (training steps, weight loading, disposal).</summary>
    private protected WeightsLock WritingWeights() => new(_weightsLock, write: true, this);

    private protected readonly struct WeightsLock : IDisposable
    {
        private readonly ReaderWriterLockSlim _lock;
        private readonly bool _write;

        public WeightsLock(ReaderWriterLockSlim @lock, bool write, Model model)
        {
            _lock = @lock;
            _write = write;
            if (write) @lock.EnterWriteLock();
            else @lock.EnterReadLock();
            if (model._disposed)
            {
                Dispose();
                throw new ObjectDisposedException(model.Name, $"Model \"{model.Name}\" has been disposed; its weights are released.");
            }
        }

        public void Dispose()
        {
            if (_write) _lock.ExitWriteLock();
            else _lock.ExitReadLock();
        }
    }

    /// <summary>Marks the start of Fit/Evaluate/TrainOnBatch/TestOnBatch; only one runs per model at a time.</summary>
    private TrainerSession EnterTrainer(string method)
    {
        ThrowIfDisposed();
        if (!Monitor.TryEnter(_trainerGate))
        {
            throw new InvalidOperationException(
                $"{method}: model \"{Name}\" is already running Fit, Evaluate, TrainOnBatch or TestOnBatch on another thread. " +
                "Training and evaluation use the model's compiled metric state, so they run one at a time per model; " +
                "Predict may run on any number of threads meanwhile.");
        }
        return new TrainerSession(_trainerGate);
    }

    private readonly struct TrainerSession(object gate) : IDisposable
    {
        public void Dispose() => Monitor.Exit(gate);
    }

    private protected void ThrowIfDisposed()
    {
        if (_disposed) throw new ObjectDisposedException(Name, $"Model \"{Name}\" has been disposed; its weights are released.");
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing || _disposed) return;
        using (WritingWeights())
        {
            _optimizer?.Dispose();
            _compiled?.Dispose();
            base.Dispose(disposing);
            _disposed = true;
        }
    }
}
