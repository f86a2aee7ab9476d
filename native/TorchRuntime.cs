using System.Reflection;
using System.Runtime.CompilerServices;
using Keras.Native.Linux;
using TorchSharp;

namespace Keras.Native;

/// <summary>
/// Makes the native compute runtime (libtorch and TorchSharp's <c>LibTorchSharp</c> shim) usable in this process.
/// </summary>
/// <remarks>
/// <para>
/// Call <see cref="EnsureLoaded"/> before the first use of any TorchSharp API. TorchSharp loads its native
/// library from the static constructor of <c>torch</c>, and if that fails the type stays unusable for the rest
/// of the process, so the fix has to run first.
/// </para>
/// <para>
/// On Windows, macOS and Linux hosts whose C++ runtime is new enough, this simply loads and checks the runtime.
/// On Linux hosts with an older libstdc++ (e.g. Debian 12, Ubuntu 22.04), TorchSharp 0.107's shim declares a
/// requirement on <c>GLIBCXX_3.4.32</c> that the loader refuses although nothing uses it; then a copy with that
/// requirement marked weak is made once in a per-user cache folder (<c>$KERAS_NET_CACHE_DIR</c>, else
/// <c>$XDG_CACHE_HOME/keras-net</c> or <c>~/.cache/keras-net</c>) and loaded instead. No root access, compiler or
/// manual step is needed.
/// </para>
/// <para>
/// On x86-64 Linux with an AMD CPU that has AVX2 and FMA, loading also lets libtorch's MKL choose its kernels by
/// instruction set rather than by CPU vendor (see <see cref="TorchRuntimeInfo.MklVendorDispatch"/>); set
/// <c>KERAS_NET_MKL_VENDOR_DISPATCH=0</c> to keep MKL's default.
/// </para>
/// </remarks>
public static class TorchRuntime
{
    private static readonly Lock s_gate = new();
    private static volatile LoadedState? s_state;

    // Kept across failed attempts: once a shim is loaded into the process it cannot be unloaded, so a retry
    // after a later failure (e.g. in verification) must describe that load rather than start over.
    private static ShimLoadOutcome? s_outcome;
    private static MklDispatchOutcome? s_mkl;
    private static List<string>? s_trace;

    /// <summary>True once <see cref="EnsureLoaded"/> has completed successfully in this process.</summary>
    public static bool IsLoaded => s_state is not null;

    /// <summary>
    /// A snapshot of the loaded runtime: versions, the shim in use (and whether it was patched), CUDA availability
    /// and current thread counts. Loads the runtime first if needed; each access takes a fresh snapshot.
    /// </summary>
    /// <exception cref="NativeRuntimeException">The runtime cannot be loaded.</exception>
    public static TorchRuntimeInfo Info
    {
        get
        {
            EnsureLoaded();
            return TorchCalls.Snapshot(s_state!);
        }
    }

    /// <summary>
    /// Loads libtorch and TorchSharp's native shim, working around a too-old libstdc++ on Linux when that is
    /// possible, and checks the result with a small tensor computation. Idempotent and thread-safe; after the first
    /// successful call it returns immediately.
    /// </summary>
    /// <exception cref="NativeRuntimeException">
    /// The runtime cannot be loaded or does not compute correctly. The message names the file involved and what
    /// to do. A failed call may be retried (e.g. after changing <c>KERAS_NET_CACHE_DIR</c>).
    /// </exception>
    public static void EnsureLoaded()
    {
        if (s_state is not null)
        {
            return;
        }

        lock (s_gate)
        {
            if (s_state is not null)
            {
                return;
            }

            s_state = Load();
        }
    }

    private static LoadedState Load()
    {
        if (!Environment.Is64BitProcess)
        {
            throw new NativeRuntimeException("libtorch requires a 64-bit process; this one is 32-bit.");
        }

        // typeof() does not run torch's static constructor, so this is safe before the native library is ready.
        var torchAssembly = typeof(torch).Assembly;
        var trace = s_trace ??= [];
        if (s_outcome is null)
        {
            if (OperatingSystem.IsLinux())
            {
                s_outcome = new LinuxShimLoader(torchAssembly, trace).Load();
            }
            else
            {
                trace.Add("not Linux: TorchSharp loads its native libraries itself");
                s_outcome = new ShimLoadOutcome(null, false, null, false, [], null);
            }
        }

        // Before the first GEMM (the verification below is one): MKL decides its code path on its first call.
        s_mkl ??= MklVendorDispatch.Apply(trace);

        Verify(s_outcome);
        trace.Add("verified with a tensor computation");
        return new LoadedState(s_outcome, s_mkl, TorchSharpVersion(torchAssembly), trace.ToArray());
    }

    private static void Verify(ShimLoadOutcome outcome)
    {
        var where = outcome.ShimPath is null ? string.Empty : $" (shim {outcome.ShimPath})";
        try
        {
            RuntimeHelpers.RunClassConstructor(typeof(torch).TypeHandle);
        }
        catch (TypeInitializationException e)
        {
            throw new NativeRuntimeException(
                $"TorchSharp failed to initialise its native backend{where}: {(e.InnerException ?? e).Message}" + Environment.NewLine +
                "If TorchSharp was used before Keras.Native.TorchRuntime.EnsureLoaded(), its initialisation failed permanently " +
                "in this process; call EnsureLoaded() first.",
                outcome.ShimPath, e);
        }

        string? problem;
        try
        {
            problem = TorchCalls.CheckComputation();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new NativeRuntimeException($"The native runtime loaded{where} but a test computation failed: {e.Message}", outcome.ShimPath, e);
        }

        if (problem is not null)
        {
            throw new NativeRuntimeException($"The native runtime loaded{where} but computes wrong results: {problem}", outcome.ShimPath);
        }
    }

    private static string TorchSharpVersion(Assembly torchAssembly)
    {
        var informational = torchAssembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            var plus = informational.IndexOf('+'); // drop "+<commit>" build metadata
            return plus >= 0 ? informational[..plus] : informational;
        }

        return torchAssembly.GetName().Version?.ToString() ?? "unknown";
    }

    internal sealed record LoadedState(ShimLoadOutcome Outcome, MklDispatchOutcome Mkl, string TorchSharpVersion, IReadOnlyList<string> Trace);

    /// <summary>
    /// Every call into TorchSharp lives here, in methods that are only reached after loading, so that nothing
    /// JIT-compiled before <see cref="EnsureLoaded"/> can trigger <c>torch</c>'s static constructor early.
    /// </summary>
    private static class TorchCalls
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static string? CheckComputation()
        {
            using var scope = torch.NewDisposeScope();

            // [[1,2],[3,4]] squared is [[7,10],[15,22]]: exercises tensor creation, BLAS and read-back.
            var a = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
            var product = a.matmul(a).data<float>().ToArray();
            float[] expected = [7, 10, 15, 22];
            return product.SequenceEqual(expected)
                ? null
                : $"[[1,2],[3,4]] @ [[1,2],[3,4]] gave [{string.Join(", ", product)}], expected [{string.Join(", ", expected)}]";
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public static TorchRuntimeInfo Snapshot(LoadedState state) => new()
        {
            LibTorchVersion = torch.__version__,
            TorchSharpVersion = state.TorchSharpVersion,
            ShimPath = state.Outcome.ShimPath,
            ShimPatched = state.Outcome.Patched,
            OriginalShimPath = state.Outcome.OriginalShimPath,
            PatchedShimReused = state.Outcome.Reused,
            WeakenedVersions = state.Outcome.Weakened,
            LibTorchDirectory = state.Outcome.LibTorchDirectory,
            CudaAvailable = torch.cuda.is_available(),
            NumThreads = torch.get_num_threads(),
            NumInteropThreads = torch.get_num_interop_threads(),
            MklVendorDispatch = state.Mkl.Applied,
            MklDispatchNote = state.Mkl.Note,
            LoadTrace = state.Trace,
        };
    }
}
