namespace Keras.Fuzz;

/// <summary>
/// One mutated input: the corpus entry it came from, the mutation applied (operator and details) and the
/// resulting bytes. Mutant <see cref="Index"/> under seed <see cref="Seed"/> is always the same input, so a
/// failure is replayed with <c>--seed Seed --replay Index</c>.
/// </summary>
public sealed class Mutant
{
    internal Mutant(int seed, long index, CorpusEntry source, string op, string detail, byte[]? bytes,
        IReadOnlyDictionary<string, byte[]?>? folderChanges, bool byName, bool skipMismatch)
    {
        Seed = seed;
        Index = index;
        Source = source;
        Operator = op;
        Detail = detail;
        Bytes = bytes;
        FolderChanges = folderChanges;
        ByName = byName;
        SkipMismatch = skipMismatch;
    }

    /// <summary>The run's seed.</summary>
    public int Seed { get; }

    /// <summary>The mutant's number within the run.</summary>
    public long Index { get; }

    /// <summary>The seed input.</summary>
    public CorpusEntry Source { get; }

    /// <summary>The mutation operator (e.g. <c>truncate</c>, <c>zip/config.json:json-tree</c>).</summary>
    public string Operator { get; }

    /// <summary>What exactly the operator changed.</summary>
    public string Detail { get; }

    /// <summary>The mutated file (null for SavedModel folders).</summary>
    public byte[]? Bytes { get; }

    /// <summary>For SavedModel folders: the files replaced (relative path → bytes) or removed (null).</summary>
    public IReadOnlyDictionary<string, byte[]?>? FolderChanges { get; }

    /// <summary>For <see cref="LoaderKind.LoadWeights"/>: the <c>byName</c> argument.</summary>
    public bool ByName { get; }

    /// <summary>For <see cref="LoaderKind.LoadWeights"/>: the <c>skipMismatch</c> argument.</summary>
    public bool SkipMismatch { get; }

    /// <summary>The command-line arguments that replay this mutant.</summary>
    public string Replay => $"--seed {Seed} --replay {Index}";

    /// <inheritdoc />
    public override string ToString()
    {
        var options = Source.Loader == LoaderKind.LoadWeights ? $" byName={ByName} skipMismatch={SkipMismatch}" : "";
        return $"mutant {Index} (seed {Seed}) of {Source}: {Operator}: {Detail}{options}";
    }
}
