using System.Collections;
using System.Collections.Concurrent;

namespace Keras.Data;

/// <summary>One batch of a <see cref="Dataset"/>: inputs, targets (absent for prediction) and sample weights, on the host.</summary>
/// <param name="X">One array per model input, samples along the first axis.</param>
/// <param name="Y">One array per model output, or null.</param>
/// <param name="SampleWeight">Per-sample loss weights, or null.</param>
public sealed record DataBatch(IReadOnlyList<HostArray> X, IReadOnlyList<HostArray>? Y = null, HostArray? SampleWeight = null)
{
    /// <summary>Number of samples in the batch.</summary>
    public long Count => X[0].Dim(0);

    /// <summary>A batch from array-likes (NDArray, .NET arrays, HostArray; lists for several inputs).</summary>
    public static DataBatch From(object x, object? y = null, object? sampleWeight = null) =>
        new(Arrays(x, "x"), y is null ? null : Arrays(y, "y"), sampleWeight is null ? null : HostArray.From(sampleWeight, "sampleWeight"));

    internal static HostArray[] Arrays(object value, string argument) => value switch
    {
        HostArray h => [h],
        IEnumerable<HostArray> hs => hs.ToArray(),
        object[] list => list.Select((o, i) => HostArray.From(o, $"{argument}[{i}]")).ToArray(),
        IEnumerable<NumSharp.NDArray> nds => nds.Select((o, i) => HostArray.From(o, $"{argument}[{i}]")).ToArray(),
        _ => [HostArray.From(value, argument)],
    };
}

/// <summary>
/// A small input pipeline (Keras's <c>tf.data</c>-style feeding): from arrays or a generator of
/// batches, with seeded shuffling, batching, mapping and prefetching on a background thread, so
/// the runtime does not wait for data. Enumerating it yields <see cref="DataBatch"/>es; each
/// enumeration is a new pass (a new shuffle). Work on the host only, so it is safe to run on
/// another thread.
/// </summary>
public sealed class Dataset : IEnumerable<DataBatch>
{
    private readonly Func<int, IEnumerable<DataBatch>> _pass;
    private int _passes;

    private Dataset(Func<int, IEnumerable<DataBatch>> pass, long? cardinality)
    {
        _pass = pass;
        Cardinality = cardinality;
    }

    /// <summary>Number of elements (batches, or samples before <see cref="Batch"/>) per pass, when known.</summary>
    public long? Cardinality { get; }

    /// <summary>
    /// One element per sample of the arrays (Keras's <c>from_tensor_slices</c>): <paramref name="x"/> (and
    /// <paramref name="y"/>, <paramref name="sampleWeight"/>) are sliced along the first axis. Call <see cref="Batch"/> next.
    /// </summary>
    public static Dataset FromArrays(object x, object? y = null, object? sampleWeight = null)
    {
        var whole = DataBatch.From(x, y, sampleWeight);
        long n = whole.Count;
        foreach (var a in whole.X.Concat(whole.Y ?? []).Append(whole.SampleWeight).OfType<HostArray>())
        {
            if (a.Rank == 0 || a.Dim(0) != n)
                throw new ArgumentException($"Dataset.FromArrays: every array needs {n} samples along its first axis; got {a}.");
        }
        return new Dataset(_ => Enumerable.Range(0, checked((int)n)).Select(i => Rows(whole, [i])), n) { _whole = whole };
    }

    // Arrays kept whole (FromArrays, optionally shuffled) so that Batch gathers rows in one copy per batch.
    private DataBatch? _whole;
    private long? _shuffleSeed;

    /// <summary>A dataset of ready batches, e.g. a generator (Keras's <c>fit_generator</c> input); re-enumerated each pass.</summary>
    public static Dataset FromBatches(IEnumerable<DataBatch> batches, long? cardinality = null) =>
        new(_ => batches, cardinality ?? (batches is ICollection<DataBatch> c ? c.Count : null));

    /// <summary>A dataset of ready <c>(x, y)</c> batches given as array-likes.</summary>
    public static Dataset FromBatches(IEnumerable<(object X, object Y)> batches, long? cardinality = null) =>
        FromBatches(batches.Select(b => DataBatch.From(b.X, b.Y)), cardinality ?? (batches is ICollection<(object, object)> c ? c.Count : null));

    /// <summary>A dataset of batches from an asynchronous stream (consumed on a background thread).</summary>
    public static Dataset FromAsync(IAsyncEnumerable<DataBatch> batches, long? cardinality = null) =>
        new(_ => Blocking(batches), cardinality);

    private static IEnumerable<DataBatch> Blocking(IAsyncEnumerable<DataBatch> source)
    {
        var enumerator = source.GetAsyncEnumerator();
        try
        {
            while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult()) yield return enumerator.Current;
        }
        finally
        {
            enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Shuffles the elements anew on every pass; with a <paramref name="seed"/> the sequence of passes
    /// is repeatable, otherwise it follows <see cref="Utils.SetRandomSeed"/>.
    /// </summary>
    public Dataset Shuffle(int? seed = null)
    {
        long seedBase = seed ?? GlobalRandom.NextSeed();
        if (_whole is { } whole && Cardinality is long n)
        {
            return new Dataset(pass => Permutation((int)n, seedBase, pass).Select(i => Rows(whole, [i])), n)
            {
                _whole = whole,
                _shuffleSeed = seedBase,
            };
        }
        var source = this;
        return new Dataset(pass =>
        {
            var items = source._pass(pass).ToArray();
            new Random((int)(SeedGenerator.Mix(seedBase, pass + 1) & int.MaxValue)).Shuffle(items);
            return items;
        }, Cardinality);
    }

    private static int[] Permutation(int n, long seed, int pass)
    {
        var p = Enumerable.Range(0, n).ToArray();
        new Random((int)(SeedGenerator.Mix(seed, pass + 1) & int.MaxValue)).Shuffle(p);
        return p;
    }

    /// <summary>Groups consecutive elements into batches of <paramref name="batchSize"/> (the last may be smaller unless dropped).</summary>
    public Dataset Batch(int batchSize, bool dropRemainder = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        long? batches = Cardinality is long n ? (dropRemainder ? n / batchSize : (n + batchSize - 1) / batchSize) : null;
        if (_whole is { } whole && Cardinality is long count)
        {
            // Gather rows straight from the whole arrays: one copy per batch.
            long? seed = _shuffleSeed;
            return new Dataset(pass =>
            {
                var order = seed is long s ? Permutation((int)count, s, pass) : Enumerable.Range(0, (int)count).ToArray();
                return Chunks(order, batchSize, dropRemainder).Select(idx => Rows(whole, idx));
            }, batches);
        }
        var source = this;
        return new Dataset(pass => Chunks(source._pass(pass), batchSize, dropRemainder).Select(Concat), batches);
    }

    /// <summary>Applies <paramref name="fn"/> to every element (e.g. normalisation or augmentation on the host).</summary>
    public Dataset Map(Func<DataBatch, DataBatch> fn)
    {
        var source = this;
        return new Dataset(pass => source._pass(pass).Select(fn), Cardinality);
    }

    /// <summary>Only the first <paramref name="count"/> elements of each pass.</summary>
    public Dataset Take(int count)
    {
        var source = this;
        return new Dataset(pass => source._pass(pass).Take(count), Cardinality is long n ? Math.Min(n, count) : count);
    }

    /// <summary>
    /// Produces up to <paramref name="bufferSize"/> elements ahead on a background thread while the
    /// consumer works (exceptions of the producer surface in the consumer).
    /// </summary>
    public Dataset Prefetch(int bufferSize = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        var source = this;
        return new Dataset(pass => Prefetched(source._pass(pass), bufferSize), Cardinality);
    }

    private static IEnumerable<DataBatch> Prefetched(IEnumerable<DataBatch> source, int bufferSize)
    {
        using var buffer = new BlockingCollection<DataBatch>(bufferSize);
        using var cancel = new CancellationTokenSource();
        Exception? failure = null;
        var producer = Task.Run(() =>
        {
            try
            {
                foreach (var item in source)
                {
                    buffer.Add(item, cancel.Token);
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                buffer.CompleteAdding();
            }
        });
        try
        {
            foreach (var item in buffer.GetConsumingEnumerable()) yield return item;
            if (failure is not null) throw new InvalidOperationException($"The dataset's producer failed: {failure.Message}", failure);
        }
        finally
        {
            cancel.Cancel();
            try
            {
                producer.Wait();
            }
            catch (AggregateException)
            {
            }
        }
    }

    private static IEnumerable<T[]> Chunks<T>(IEnumerable<T> items, int size, bool dropRemainder)
    {
        var chunk = new List<T>(size);
        foreach (var item in items)
        {
            chunk.Add(item);
            if (chunk.Count == size)
            {
                yield return chunk.ToArray();
                chunk.Clear();
            }
        }
        if (chunk.Count > 0 && !dropRemainder) yield return chunk.ToArray();
    }

    private static DataBatch Rows(DataBatch whole, int[] indices)
    {
        var idx = Array.ConvertAll(indices, i => (long)i);
        return new DataBatch(whole.X.Select(a => a.Take(idx)).ToArray(), whole.Y?.Select(a => a.Take(idx)).ToArray(), whole.SampleWeight?.Take(idx));
    }

    private static DataBatch Concat(DataBatch[] parts)
    {
        static HostArray Join(IEnumerable<HostArray> arrays) => Trainers.BatchCollector.ConcatenateRows(arrays.ToArray());
        return new DataBatch(
            Enumerable.Range(0, parts[0].X.Count).Select(i => Join(parts.Select(p => p.X[i]))).ToArray(),
            parts[0].Y is null ? null : Enumerable.Range(0, parts[0].Y!.Count).Select(i => Join(parts.Select(p => p.Y![i]))).ToArray(),
            parts[0].SampleWeight is null ? null : Join(parts.Select(p => p.SampleWeight!)));
    }

    /// <inheritdoc />
    public IEnumerator<DataBatch> GetEnumerator() => _pass(Interlocked.Increment(ref _passes) - 1).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
