namespace Keras.Fuzz;

/// <summary>
/// Makes mutant <c>i</c> of a seeded run: picks a category (format and loader) round-robin so every file type
/// gets its share, an entry of it at random, then a mutation operator suited to the format — generic byte
/// mutations (truncation, bit flips, interesting values, range duplication and removal) or structure-aware
/// ones (rewritten zip entries and headers, HDF5 metadata, in-place text of embedded configs, .npy headers,
/// JSON/YAML trees with wrong schema values, SavedModel files with valid checksums). Deterministic: the same
/// seed and index always give the same mutant.
/// </summary>
public sealed class Mutator
{
    private readonly Corpus _corpus;
    private readonly Dictionary<string, byte[]> _bytes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Creates a mutator over <paramref name="corpus"/> for the run with <paramref name="seed"/>.</summary>
    public Mutator(Corpus corpus, int seed)
    {
        _corpus = corpus;
        Seed = seed;
    }

    /// <summary>The run's seed.</summary>
    public int Seed { get; }

    /// <summary>Mutant <paramref name="index"/> of this run.</summary>
    public Mutant Create(long index)
    {
        var rng = new Random(MixSeed(Seed, index));
        var category = _corpus.Categories[(int)(index % _corpus.Categories.Count)];
        var entry = category[rng.Next(category.Count)];
        bool byName = entry.Loader == LoaderKind.LoadWeights && rng.Next(4) == 0;
        bool skipMismatch = entry.Loader == LoaderKind.LoadWeights && rng.Next(4) == 0;
        if (entry.Format == FileFormat.SavedModel)
        {
            var (op, detail, changes) = SavedModelMutations.Mutate(entry.Path, rng, ReadFile);
            return new Mutant(Seed, index, entry, op, detail, null, changes, byName, skipMismatch);
        }
        var original = ReadFile(entry.Path);
        var (name, what, bytes) = entry.Format switch
        {
            FileFormat.KerasArchive => ZipMutations.Mutate(original, rng),
            FileFormat.Hdf5 => Hdf5Mutations.Mutate(original, rng),
            FileFormat.Json => JsonMutations.MutateJsonFile(original, rng),
            FileFormat.Yaml => JsonMutations.MutateYamlFile(original, rng),
            FileFormat.Npy => NpyMutations.Mutate(original, rng),
            _ => throw new InvalidOperationException($"No mutations for {entry.Format}."),
        };
        return new Mutant(Seed, index, entry, name, what, bytes, null, byName, skipMismatch);
    }

    private byte[] ReadFile(string path)
    {
        lock (_lock)
        {
            if (!_bytes.TryGetValue(path, out var bytes)) _bytes[path] = bytes = File.ReadAllBytes(path);
            return bytes;
        }
    }

    /// <summary>A 32-bit seed for mutant <paramref name="index"/> (SplitMix64 of the run seed and the index).</summary>
    public static int MixSeed(int seed, long index)
    {
        ulong z = unchecked(((ulong)(uint)seed << 32) ^ (ulong)index) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return unchecked((int)z);
    }
}

/// <summary>Format-blind mutations of a byte array.</summary>
public static class ByteMutations
{
    /// <summary>Values that often sit on boundaries (sizes, counts, offsets, signs), little-endian.</summary>
    private static readonly byte[][] Interesting =
    [
        [0x00], [0xFF], [0x7F], [0x80], [0x01],
        [0xFF, 0xFF], [0x00, 0x80], [0xFF, 0x7F],
        [0xFF, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0x7F], [0x00, 0x00, 0x00, 0x80], [0x00, 0x00, 0x00, 0x00],
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
        [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80], [0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00],
    ];

    /// <summary>
    /// One generic mutation, with positions drawn from <paramref name="hot"/> (byte ranges holding structure:
    /// headers, object metadata) half of the time when given.
    /// </summary>
    public static (string Op, string Detail, byte[] Bytes) Mutate(byte[] data, Random rng, IReadOnlyList<(int Start, int Length)>? hot = null)
    {
        if (data.Length == 0) return ("append", "1 byte", [0x00]);
        switch (rng.Next(10))
        {
            case 0:
            case 1:
                return Truncate(data, rng);
            case 2:
            case 3:
            case 4:
                return FlipBits(data, rng, hot);
            case 5:
            case 6:
                return SetInteresting(data, rng, hot);
            case 7:
                return DuplicateRange(data, rng, hot);
            case 8:
                return RemoveRange(data, rng, hot);
            default:
                return RandomBytes(data, rng, hot);
        }
    }

    /// <summary>Cuts the data short.</summary>
    public static (string, string, byte[]) Truncate(byte[] data, Random rng)
    {
        int keep = rng.Next(4) switch
        {
            0 => rng.Next(Math.Min(data.Length, 1024)),
            1 => Math.Max(0, data.Length - rng.Next(1, 65)),
            _ => rng.Next(data.Length),
        };
        return ("truncate", $"kept {keep} of {data.Length} bytes", data[..keep]);
    }

    /// <summary>Flips 1–8 random bits.</summary>
    public static (string, string, byte[]) FlipBits(byte[] data, Random rng, IReadOnlyList<(int Start, int Length)>? hot)
    {
        var copy = (byte[])data.Clone();
        int n = 1 + rng.Next(rng.Next(2) == 0 ? 1 : 8);
        var positions = new List<string>();
        for (int i = 0; i < n; i++)
        {
            int pos = Position(data.Length, rng, hot);
            int bit = rng.Next(8);
            copy[pos] ^= (byte)(1 << bit);
            positions.Add($"{pos}.{bit}");
        }
        return (hot is null ? "bit-flip" : "bit-flip-structure", $"bits {string.Join(", ", positions)}", copy);
    }

    /// <summary>Overwrites 1–8 bytes with a boundary value (0, -1, int.MaxValue, …).</summary>
    public static (string, string, byte[]) SetInteresting(byte[] data, Random rng, IReadOnlyList<(int Start, int Length)>? hot)
    {
        var copy = (byte[])data.Clone();
        var value = Interesting[rng.Next(Interesting.Length)];
        int pos = Math.Min(Position(data.Length, rng, hot), Math.Max(0, data.Length - value.Length));
        int n = Math.Min(value.Length, data.Length - pos);
        value.AsSpan(0, n).CopyTo(copy.AsSpan(pos));
        return ("interesting-value", $"{Convert.ToHexString(value)} at {pos}", copy);
    }

    /// <summary>Overwrites a short run with random bytes.</summary>
    public static (string, string, byte[]) RandomBytes(byte[] data, Random rng, IReadOnlyList<(int Start, int Length)>? hot)
    {
        var copy = (byte[])data.Clone();
        int pos = Position(data.Length, rng, hot);
        int n = Math.Min(1 + rng.Next(16), data.Length - pos);
        rng.NextBytes(copy.AsSpan(pos, n));
        return ("random-bytes", $"{n} byte(s) at {pos}", copy);
    }

    /// <summary>Copies a range and inserts it elsewhere.</summary>
    public static (string, string, byte[]) DuplicateRange(byte[] data, Random rng, IReadOnlyList<(int Start, int Length)>? hot)
    {
        int start = Position(data.Length, rng, hot);
        int length = 1 + rng.Next(Math.Min(data.Length - start, rng.Next(2) == 0 ? 64 : 4096));
        int at = Position(data.Length, rng, hot);
        var result = new byte[data.Length + length];
        data.AsSpan(0, at).CopyTo(result);
        data.AsSpan(start, length).CopyTo(result.AsSpan(at));
        data.AsSpan(at).CopyTo(result.AsSpan(at + length));
        return ("duplicate-range", $"{length} byte(s) from {start} inserted at {at}", result);
    }

    /// <summary>Removes a range.</summary>
    public static (string, string, byte[]) RemoveRange(byte[] data, Random rng, IReadOnlyList<(int Start, int Length)>? hot)
    {
        int start = Position(data.Length, rng, hot);
        int length = 1 + rng.Next(Math.Min(data.Length - start, rng.Next(2) == 0 ? 64 : 4096));
        var result = new byte[data.Length - length];
        data.AsSpan(0, start).CopyTo(result);
        data.AsSpan(start + length).CopyTo(result.AsSpan(start));
        return ("remove-range", $"{length} byte(s) at {start}", result);
    }

    private static int Position(int length, Random rng, IReadOnlyList<(int Start, int Length)>? hot)
    {
        if (hot is { Count: > 0 } && rng.Next(2) == 0)
        {
            var (s, l) = hot[rng.Next(hot.Count)];
            int p = s + rng.Next(Math.Max(1, l));
            if (p >= 0 && p < length) return p;
        }
        return rng.Next(length);
    }

    /// <summary>Every occurrence of <paramref name="token"/> in <paramref name="data"/>, widened by a margin on each side.</summary>
    public static void AddAround(List<(int Start, int Length)> ranges, byte[] data, ReadOnlySpan<byte> token, int before, int after)
    {
        int from = 0;
        while (from < data.Length)
        {
            int i = data.AsSpan(from).IndexOf(token);
            if (i < 0) break;
            int at = from + i;
            int s = Math.Max(0, at - before);
            ranges.Add((s, Math.Min(data.Length, at + token.Length + after) - s));
            from = at + token.Length;
            if (ranges.Count > 4096) break;
        }
    }
}
