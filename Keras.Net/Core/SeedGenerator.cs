namespace Keras;

/// <summary>
/// Process-wide random state and the seeds drawn from it. Every random op in Keras.Net takes an
/// explicit seed (from a <see cref="SeedGenerator"/>), so <see cref="Utils.SetRandomSeed"/> makes a
/// whole run — weight initialisation, shuffling, dropout — repeatable.
/// </summary>
internal static class GlobalRandom
{
    private static readonly object Gate = new();
    private static Random _random = new();

    internal static void Reset(int seed)
    {
        lock (Gate) _random = new Random(seed);
    }

    internal static long NextSeed()
    {
        lock (Gate) return _random.NextInt64(0, long.MaxValue);
    }
}

/// <summary>
/// A stream of seeds for random ops (Keras's <c>keras.random.SeedGenerator</c>). Created with a
/// seed it yields the same stream every run; without one it starts from the global random state.
/// Thread-safe.
/// </summary>
public sealed class SeedGenerator
{
    private readonly long _initial;
    private long _counter;

    /// <summary>Creates a generator; <paramref name="seed"/> null draws the start from the global state.</summary>
    public SeedGenerator(int? seed = null)
    {
        Seed = seed;
        _initial = seed ?? GlobalRandom.NextSeed();
    }

    /// <summary>The seed given at construction (null if drawn from the global state).</summary>
    public int? Seed { get; }

    /// <summary>The next seed of the stream.</summary>
    public long Next()
    {
        var n = Interlocked.Increment(ref _counter);
        return Mix(_initial, n);
    }

    // SplitMix64 finaliser: decorrelates consecutive seeds of one stream.
    internal static long Mix(long seed, long n)
    {
        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL * (ulong)n);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (long)((z ^ (z >> 31)) & long.MaxValue);
    }
}

/// <summary>Utilities (Keras's <c>keras.utils</c>).</summary>
public static class Utils
{
    /// <summary>
    /// Seeds every source of randomness Keras.Net uses (weights, shuffling, dropout, validation
    /// splits), so that the same program gives the same results (Keras's <c>set_random_seed</c>).
    /// </summary>
    public static void SetRandomSeed(int seed) => GlobalRandom.Reset(seed);

    /// <summary>
    /// Resets the name counters so new layers are named <c>dense</c>, <c>dense_1</c>, … again
    /// (Keras's <c>clear_session</c>). Existing layers and models are unaffected.
    /// </summary>
    public static void ClearSession() => Engine.Naming.Reset();
}
