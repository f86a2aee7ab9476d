using Keras.Backend.Torch;

namespace Keras.Backend;

/// <summary>
/// The active compute backend and device (Keras's <c>keras.backend</c>). The default is the libtorch
/// backend on the device named by <c>KERAS_NET_DEVICE</c> (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>,
/// <c>auto</c>), else the CPU.
/// </summary>
public static class KerasBackend
{
    private static readonly object Gate = new();
    private static IBackend? _current;

    // The backend this thread has been prepared for (per-thread runtime settings such as denormal
    // flushing live in each thread's CPU state, so every thread that computes gets them once).
    [ThreadStatic] private static IBackend? t_prepared;

    /// <summary>The backend in use, created on first access.</summary>
    public static IBackend Current
    {
        get
        {
            var b = Volatile.Read(ref _current);
            if (b is null)
            {
                lock (Gate) b = _current ??= CreateDefault();
            }
            if (!ReferenceEquals(t_prepared, b))
            {
                b.PrepareThread();
                t_prepared = b;
            }
            return b;
        }
    }

    /// <summary>The backend a process starts with: libtorch on the device named by <c>KERAS_NET_DEVICE</c> (default CPU).</summary>
    internal static IBackend CreateDefault() => new TorchBackend(Environment.GetEnvironmentVariable("KERAS_NET_DEVICE") ?? "cpu");

    /// <summary>
    /// Chooses the device new tensors and models are created on: <c>"cpu"</c>, <c>"cuda"</c>,
    /// <c>"cuda:1"</c> or <c>"auto"</c> (CUDA when a CUDA runtime package is present and a GPU is available).
    /// Call it before building models; existing variables stay where they are.
    /// </summary>
    public static void SetDevice(string device)
    {
        lock (Gate)
        {
            Volatile.Write(ref _current, new TorchBackend(device));
        }
    }

    /// <summary>The backend's name (<c>"torch"</c>).</summary>
    public static string Name => Current.Name;

    /// <summary>The device in use (<c>"cpu"</c>, <c>"cuda:0"</c>).</summary>
    public static string Device => Current.Device;

    /// <summary>Details of the native runtime: versions, device, threads.</summary>
    public static RuntimeInfo Info => Current.GetInfo();

    /// <summary>Sets the number of threads the runtime uses for intra-op parallelism.</summary>
    public static void SetNumThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Current.SetNumThreads(threads);
    }
}
