namespace Keras.Engine;

/// <summary>
/// A bound on the weight memory a model being loaded from a file may create. Layers allocate their
/// weights while the configuration is rebuilt, before any weight is read, so without it a config of a
/// few bytes (<c>Dense(units=50000)</c> on a 50,000-wide input) could make the process allocate tens of
/// gigabytes. Loaders set a budget from the weight data the file actually holds (and never more than the
/// machine's memory); <see cref="Keras.Layers.Layer"/> charges every weight against it before creating it.
/// </summary>
internal static class WeightBudget
{
    private static readonly AsyncLocal<Budget?> Current = new();

    // Weights may be stored compressed (HDF5 deflate reaches about 1032:1), or in a narrower dtype.
    private const long CompressionAllowance = 1032;
    private const long Slack = 64L << 20;

    /// <summary>
    /// Limits weight creation until disposed: to what <paramref name="weightBytes"/> of stored weight data can
    /// hold (null when the source has no weights, e.g. a JSON architecture), and to the machine's memory.
    /// </summary>
    public static IDisposable Limit(string source, long? weightBytes)
    {
        long memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long limit = memory > 0 ? memory : long.MaxValue;
        string reason = "the memory of this machine";
        if (weightBytes is long stored)
        {
            long fromFile = stored > (long.MaxValue - Slack) / CompressionAllowance ? long.MaxValue : stored * CompressionAllowance + Slack;
            if (fromFile < limit)
            {
                limit = fromFile;
                reason = $"what the file's {stored} bytes of weight data can hold";
            }
        }
        var previous = Current.Value;
        Current.Value = new Budget(source, limit, reason);
        return new Restore(previous);
    }

    /// <summary>Charges one weight; throws when the model being loaded asks for more than its budget.</summary>
    public static void Charge(string layer, string weight, Shape shape, DType dtype)
    {
        if (Current.Value is not { } budget) return;
        long bytes = shape.Aggregate(1L, (n, d) => d > 0 && n <= long.MaxValue / d ? n * d : long.MaxValue);
        bytes = bytes > long.MaxValue / 8 ? long.MaxValue : bytes * dtype.ItemSize();
        long used = Interlocked.Add(ref budget.Used, Math.Min(bytes, long.MaxValue / 4));
        if (bytes > budget.Limit || used > budget.Limit)
        {
            throw new KerasFileException(budget.Source, $"layer \"{layer}\" weight '{weight}'",
                $"has shape {shape} ({bytes:N0} bytes), which takes the model's weights past {budget.Limit:N0} bytes, more than {budget.Reason}.");
        }
    }

    private sealed class Budget(string source, long limit, string reason)
    {
        public readonly string Source = source;
        public readonly long Limit = limit;
        public readonly string Reason = reason;
        public long Used;
    }

    private sealed class Restore(Budget? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
