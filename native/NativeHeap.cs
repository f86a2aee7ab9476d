using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Keras.Native;

/// <summary>
/// Returns free memory of the C heap to the operating system (glibc's <c>malloc_trim</c>).
/// </summary>
/// <remarks>
/// libtorch allocates tensors with the C allocator. glibc keeps freed blocks inside its heaps, and a training
/// loop whose blocks vary in size (oneDNN's RNN workspaces of 10+ MB, convolution buffers) leaves those heaps
/// far larger than what is in use — a small LSTM model measured 70 MB in use in a 2.3 GB heap, 900 MB resident.
/// <c>malloc_trim(0)</c> gives the free pages back without moving anything. It costs milliseconds to a
/// hundred milliseconds, so callers use it at coarse points (the end of a training epoch), and
/// <see cref="TrimIfDue"/> keeps it to at most one call per interval. Elsewhere than glibc it does nothing.
/// <c>KERAS_NET_MALLOC_TRIM=0</c> turns it off.
/// </remarks>
public static unsafe class NativeHeap
{
    /// <summary>Environment variable that turns trimming off when set to <c>0</c>.</summary>
    public const string TrimVariable = "KERAS_NET_MALLOC_TRIM";

    private static readonly delegate* unmanaged<nuint, int> s_mallocTrim = Resolve();
    private static readonly bool s_enabled = Environment.GetEnvironmentVariable(TrimVariable) != "0";
    private static long s_lastTrim = long.MinValue;

    /// <summary>Whether this process can trim (glibc) and trimming is not turned off.</summary>
    public static bool CanTrim => s_enabled && s_mallocTrim != null;

    /// <summary>Gives the C heap's free pages back to the operating system now; false where that is not possible.</summary>
    public static bool Trim()
    {
        if (!CanTrim) return false;
        s_mallocTrim(0);
        Interlocked.Exchange(ref s_lastTrim, Stopwatch.GetTimestamp());
        return true;
    }

    /// <summary>
    /// Trims unless the last trim of this process was less than <paramref name="minInterval"/> ago, so that
    /// frequent callers (many short epochs) pay for it rarely. Returns whether it trimmed.
    /// </summary>
    public static bool TrimIfDue(TimeSpan minInterval)
    {
        if (!CanTrim) return false;
        long last = Interlocked.Read(ref s_lastTrim);
        if (last != long.MinValue && Stopwatch.GetElapsedTime(last) < minInterval) return false;
        return Trim();
    }

    private static delegate* unmanaged<nuint, int> Resolve()
    {
        if (!OperatingSystem.IsLinux()) return null;
        // malloc_trim is glibc's; musl and other C libraries do not export it (and need no help here).
        if (!NativeLibrary.TryLoad("libc.so.6", out var libc) || !NativeLibrary.TryGetExport(libc, "malloc_trim", out var trim))
            return null;
        return (delegate* unmanaged<nuint, int>)trim;
    }
}
