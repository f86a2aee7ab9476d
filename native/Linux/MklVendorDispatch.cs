using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Keras.Native.Linux;

/// <summary>What <see cref="MklVendorDispatch.Apply"/> found and did.</summary>
/// <param name="Applied">True when MKL's CPU-vendor check reports an Intel CPU, so MKL picks its kernels by instruction set.</param>
/// <param name="Note">One line for runtime info: what was done, or why nothing was.</param>
internal sealed record MklDispatchOutcome(bool Applied, string Note);

/// <summary>
/// Lets the MKL inside libtorch choose its kernels by instruction set on AMD CPUs.
/// </summary>
/// <remarks>
/// <para>
/// libtorch's CPU build links Intel oneMKL statically into <c>libtorch_cpu.so</c> for its GEMMs. MKL asks
/// <c>mkl_serv_intel_cpu_true()</c> whether the CPU is a GenuineIntel one and, when it is not, uses its generic
/// code path whatever the CPU supports: on an AVX2/AVX-512 AMD CPU single-precision GEMM then runs at less than
/// half the speed the same kernels reach on an Intel CPU with the same instruction sets. The function caches its
/// answer in a static variable (-1 = not asked yet) and returns the cached value once it is set. Writing 1 there
/// before MKL's first call makes MKL select kernels from the CPUID feature flags as it does on Intel CPUs (the
/// well-known <c>LD_PRELOAD</c> replacement of the function does the same, from outside the process).
/// </para>
/// <para>
/// Nothing is guessed: the function's machine code must be exactly the cached-value prologue of the oneMKL 2024
/// build this was verified against (<c>mov eax,[rip+d]; test eax,eax; js; ret</c>), the variable it reads must lie
/// in a writable mapping of the same <c>libtorch_cpu.so</c>, and it must still hold -1. Any other build, a library
/// already initialised, or a CPU that is not an AMD one with AVX2 and FMA leaves the process untouched, and the
/// outcome's note says why. No code is modified: only that data word.
/// </para>
/// </remarks>
internal static unsafe class MklVendorDispatch
{
    /// <summary>The environment variable that turns this off (<c>0</c>) or on (<c>1</c>, the default).</summary>
    public const string VariableName = "KERAS_NET_MKL_VENDOR_DISPATCH";

    /// <summary>The library that contains libtorch's statically linked MKL.</summary>
    public const string LibraryFileName = "libtorch_cpu.so";

    /// <summary>MKL's CPU-vendor check.</summary>
    public const string VendorCheckSymbol = "mkl_serv_intel_cpu_true";

    // mov eax, dword [rip + disp32] ; test eax, eax ; js +1 ; ret   (then the uncached path: cpuid, compare, store)
    private const int PrologueLength = 11;
    private const int LoadInstructionLength = 6;

    private static ReadOnlySpan<byte> LoadOpcode => [0x8B, 0x05];

    private static ReadOnlySpan<byte> CachedReturn => [0x85, 0xC0, 0x78, 0x01, 0xC3];

    /// <summary>
    /// Applies the override when the CPU, the setting and the loaded libtorch allow it. Must run after
    /// <c>libtorch_cpu.so</c> is loaded and before its first GEMM. Never throws for a host or library it does not
    /// recognise (the outcome says so); throws only for an invalid <see cref="VariableName"/> value.
    /// </summary>
    /// <param name="trace">Receives one line describing the outcome.</param>
    /// <returns>What was done.</returns>
    /// <exception cref="NativeRuntimeException"><see cref="VariableName"/> has a value other than 0 or 1.</exception>
    public static MklDispatchOutcome Apply(List<string> trace)
    {
        var enabled = ReadSetting(Environment.GetEnvironmentVariable(VariableName));
        var outcome = Decide(enabled);
        trace.Add("MKL: " + outcome.Note);
        return outcome;
    }

    /// <summary>Parses the variable: unset or empty = on (the default); 1/true/on; 0/false/off.</summary>
    /// <exception cref="NativeRuntimeException">Any other value.</exception>
    public static bool ReadSetting(string? value)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
        {
            return true;
        }

        if (v is "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase) || v.Equals("on", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (v is "0" || v.Equals("false", StringComparison.OrdinalIgnoreCase) || v.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        throw new NativeRuntimeException(
            $"Environment variable {VariableName} is '{value}'; expected 1 (let MKL use the AVX2/AVX-512 kernels on AMD CPUs, the default) " +
            "or 0 (leave MKL's own CPU dispatch alone).");
    }

    /// <summary>The CPUID vendor string (e.g. <c>AuthenticAMD</c>, <c>GenuineIntel</c>), or null on non-x86 hardware.</summary>
    public static string? CpuVendor()
    {
        if (!X86Base.IsSupported)
        {
            return null;
        }

        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> vendor = stackalloc byte[12];
        MemoryMarshal.Write(vendor, ebx);
        MemoryMarshal.Write(vendor[4..], edx);
        MemoryMarshal.Write(vendor[8..], ecx);
        return Encoding.ASCII.GetString(vendor);
    }

    private static MklDispatchOutcome Decide(bool enabled)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return new(false, "default CPU dispatch (the AMD override applies to x86-64 Linux only)");
        }

        var vendor = CpuVendor();
        if (vendor != "AuthenticAMD")
        {
            return new(false, $"default CPU dispatch (CPU vendor {vendor}; the override is for AMD CPUs)");
        }

        // Avx2/Fma.IsSupported also require the OS to have enabled the AVX register state (XGETBV).
        if (!Avx2.IsSupported || !Fma.IsSupported)
        {
            return new(false, "default CPU dispatch (this AMD CPU lacks AVX2/FMA)");
        }

        if (!enabled)
        {
            return new(false, $"generic code path on this AMD CPU ({VariableName}=0)");
        }

        var regions = ProcessMemoryMap.Read();
        var paths = regions.Where(r => r.Path is not null && Path.GetFileName(r.Path) == LibraryFileName)
            .Select(r => r.Path!).Distinct(StringComparer.Ordinal).ToArray();
        if (paths.Length != 1)
        {
            return new(false, paths.Length == 0
                ? $"not changed: {LibraryFileName} is not mapped in this process (or /proc/self/maps is unreadable)"
                : $"not changed: {paths.Length} different {LibraryFileName} files are loaded ({string.Join(", ", paths)})");
        }

        var library = paths[0];
        IntPtr handle;
        try
        {
            // Already loaded: this returns the same object and only raises its reference count.
            handle = NativeLibrary.Load(library);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            return new(false, $"not changed: could not open the loaded {library}: {e.Message}");
        }

        try
        {
            return Override(handle, library, regions);
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    private static MklDispatchOutcome Override(IntPtr handle, string library, IReadOnlyList<MemoryRegion> regions)
    {
        if (!NativeLibrary.TryGetExport(handle, VendorCheckSymbol, out var export))
        {
            return new(false, $"not changed: {library} exports no {VendorCheckSymbol} (libtorch built without MKL)");
        }

        var entry = (ulong)export;
        if (!regions.Any(r => r.Path == library && r.IsExecutable && r.IsReadable && r.Contains(entry, PrologueLength)))
        {
            return new(false, $"not changed: {VendorCheckSymbol} resolved to 0x{entry:x}, outside {library}'s code");
        }

        var code = new ReadOnlySpan<byte>((void*)export, PrologueLength);
        if (!code[..2].SequenceEqual(LoadOpcode) || !code[LoadInstructionLength..].SequenceEqual(CachedReturn))
        {
            return new(false, $"not changed: {VendorCheckSymbol} in {library} is not the oneMKL 2024 code this override " +
                $"was verified against (starts {Convert.ToHexString(code)})");
        }

        var displacement = MemoryMarshal.Read<int>(code[2..]);
        var cached = entry + LoadInstructionLength + (ulong)(long)displacement;
        if (!regions.Any(r => r.Path == library && r.IsWritable && r.IsReadable && r.Contains(cached, sizeof(int))))
        {
            return new(false, $"not changed: the value {VendorCheckSymbol} caches (0x{cached:x}) is not in {library}'s writable data");
        }

        var previous = Interlocked.CompareExchange(ref *(int*)cached, 1, -1);
        return previous switch
        {
            -1 => new(true, "AVX2/AVX-512 kernels on this AMD CPU (MKL's vendor check answers Intel; " +
                $"{VariableName}=0 turns this off)"),
            1 => new(true, "AVX2/AVX-512 kernels on this AMD CPU (MKL's vendor check already answered Intel)"),
            0 => new(false, "not changed: MKL had already checked the CPU vendor before Keras.Net loaded the runtime " +
                "(TorchSharp was used before Keras.Native.TorchRuntime.EnsureLoaded)"),
            _ => new(false, $"not changed: {VendorCheckSymbol}'s cached value is {previous}, not the expected -1/0/1"),
        };
    }
}
