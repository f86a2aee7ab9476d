using Keras.Backend;
using Keras.Data;

namespace Keras.Trainers;

/// <summary>One batch as runtime tensors.</summary>
internal readonly record struct TensorBatch(Tensor[] X, Tensor[]? Y, Tensor? SampleWeight, long Count);

/// <summary>
/// Where the training and evaluation loops get their batches (Keras's epoch iterator). Batch
/// tensors are created inside <c>MoveNext</c>, so the loop's per-batch scope frees them.
/// </summary>
internal abstract class BatchSource
{
    /// <summary>Steps per epoch, or null to run until the data is exhausted.</summary>
    public abstract int? Steps { get; }

    /// <summary>The batches of one epoch.</summary>
    public abstract IEnumerator<TensorBatch> Epoch(int epoch);

    /// <summary>True once a source with a fixed number of steps ran out of data.</summary>
    public bool RanOut { get; protected set; }
}

/// <summary>Arrays already in runtime memory, sliced (or gathered through a per-epoch permutation) into batches.</summary>
internal sealed class ArrayBatches(Tensor[] x, Tensor[]? y, Tensor? sampleWeight, long count, int batchSize, bool shuffle) : BatchSource
{
    public override int? Steps { get; } = (int)((count + batchSize - 1) / batchSize);

    public long Count => count;

    public override IEnumerator<TensorBatch> Epoch(int epoch)
    {
        // Created here, outside the per-batch scopes, and disposed when the epoch's enumeration ends.
        var permutation = shuffle ? KerasBackend.Current.RandomPermutation(count, GlobalRandom.NextSeed()) : null;
        return Batches(permutation);
    }

    private IEnumerator<TensorBatch> Batches(Tensor? permutation)
    {
        try
        {
            for (long start = 0; start < count; start += batchSize)
            {
                long n = Math.Min(batchSize, count - start);
                Tensor[] Take(Tensor[] data) => data.Select(t => permutation is null
                    ? Ops.Slice(t, 0, start, n)
                    : Ops.Take(t, Ops.Slice(permutation, 0, start, n))).ToArray();
                yield return new TensorBatch(Take(x), y is null ? null : Take(y), sampleWeight is null ? null : Take([sampleWeight])[0], n);
            }
        }
        finally
        {
            permutation?.Dispose();
        }
    }
}

/// <summary>
/// Batches from a <see cref="Dataset"/> (or a generator), moved to the runtime one at a time. With
/// a fixed number of steps per epoch the same pass continues across epochs, as Keras does for
/// generators; a pass that ends early sets <see cref="BatchSource.RanOut"/>.
/// </summary>
internal sealed class DatasetBatches(Dataset dataset, int? stepsPerEpoch) : BatchSource
{
    private IEnumerator<DataBatch>? _continuing;

    public override int? Steps => stepsPerEpoch;

    public long? Cardinality => dataset.Cardinality;

    public override IEnumerator<TensorBatch> Epoch(int epoch)
    {
        if (stepsPerEpoch is null) return Convert(dataset.GetEnumerator(), dispose: true);
        _continuing ??= dataset.GetEnumerator();
        return Convert(_continuing, dispose: false);
    }

    private IEnumerator<TensorBatch> Convert(IEnumerator<DataBatch> source, bool dispose)
    {
        try
        {
            int taken = 0;
            while (stepsPerEpoch is null || taken < stepsPerEpoch)
            {
                if (!source.MoveNext())
                {
                    if (stepsPerEpoch is not null) RanOut = true;
                    yield break;
                }
                taken++;
                var b = source.Current;
                var backend = KerasBackend.Current;
                yield return new TensorBatch(
                    b.X.Select(a => backend.FromHost(a)).ToArray(),
                    b.Y?.Select(a => backend.FromHost(a)).ToArray(),
                    b.SampleWeight is null ? null : backend.FromHost(b.SampleWeight),
                    b.Count);
            }
        }
        finally
        {
            if (dispose) source.Dispose();
        }
    }
}
