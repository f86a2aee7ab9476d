// Bootstraps the native runtime in a fresh process and reports what happened, one "key=value" per line,
// so a test (or a person diagnosing a host) can check it. Exit code 0 = working runtime, 1 = failure.
// Option --foreign-resolver: install a DllImportResolver on TorchSharp first (as another library might), to
// check the bootstrap copes with not being able to register its own.
// Option --gemm FILE: multiply seeded random matrices with libtorch and write inputs and products to FILE (checked
// by the MKL dispatch tests against a double-precision reference).
using System.Runtime.InteropServices;
using Keras.Native;
using TorchSharp;

try
{
    if (args.Contains("--foreign-resolver"))
    {
        NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (_, _, _) => IntPtr.Zero);
        Console.WriteLine("foreign-resolver=installed");
    }

    TorchRuntime.EnsureLoaded();

    // A computation independent of the bootstrap's own check: sum of squares of 1..10 = 385.
    using var x = torch.arange(1, 11, dtype: torch.float64);
    var sumOfSquares = (x * x).sum().item<double>();

    var info = TorchRuntime.Info;
    Console.WriteLine($"result={sumOfSquares}");
    Console.WriteLine($"libtorch={info.LibTorchVersion}");
    Console.WriteLine($"torchsharp={info.TorchSharpVersion}");
    Console.WriteLine($"shim={info.ShimPath}");
    Console.WriteLine($"patched={info.ShimPatched}");
    Console.WriteLine($"original={info.OriginalShimPath}");
    Console.WriteLine($"reused={info.PatchedShimReused}");
    Console.WriteLine($"weakened={string.Join(",", info.WeakenedVersions)}");
    Console.WriteLine($"libtorchdir={info.LibTorchDirectory}");
    Console.WriteLine($"cuda={info.CudaAvailable}");
    Console.WriteLine($"threads={info.NumThreads}");
    Console.WriteLine($"interop={info.NumInteropThreads}");
    Console.WriteLine($"mkl_vendor_dispatch={info.MklVendorDispatch}");
    Console.WriteLine($"mkl_note={info.MklDispatchNote}");
    if (NativeLibrary.TryLoad("libtorch_cpu.so", out var libTorchCpu) && NativeLibrary.TryGetExport(libTorchCpu, "mkl_serv_intel_cpu_true", out var vendorCheck))
    {
        // What MKL's own vendor check answers now (MKL has run: the bootstrap verifies itself with a matrix product).
        unsafe
        {
            Console.WriteLine($"mkl_intel_cpu_true={((delegate* unmanaged<int>)vendorCheck)()}");
        }
    }

    var gemmFile = Array.IndexOf(args, "--gemm") is var g and >= 0 && g + 1 < args.Length ? args[g + 1] : null;
    if (gemmFile is not null)
    {
        GemmCases.Write(gemmFile);
        Console.WriteLine($"gemm={gemmFile}");
    }
    foreach (var step in info.LoadTrace)
    {
        Console.WriteLine($"trace={step}");
    }

    return 0;
}
catch (NativeRuntimeException e)
{
    Console.WriteLine($"error={e.GetType().Name}");
    Console.Error.WriteLine(e);
    return 1;
}

/// <summary>Seeded GEMMs in the shapes a small MLP uses, plus odd and transposed ones.</summary>
internal static class GemmCases
{
    /// <summary>(m, k, n, transpose A, transpose B).</summary>
    private static readonly (int M, int K, int N, bool TransA, bool TransB)[] Cases =
    [
        (128, 784, 512, false, false), (128, 512, 256, false, true), (1, 784, 512, false, false),
        (257, 333, 129, true, false), (64, 1024, 96, true, true), (3, 5, 7, false, false),
    ];

    /// <summary>Writes the case count, then per case m, k, n and row-major A (m×k), B (k×n), C = A·B as float32.</summary>
    public static void Write(string path)
    {
        var random = new Random(20240605);
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(Cases.Length);
        foreach (var (m, k, n, transA, transB) in Cases)
        {
            var a = Enumerable.Range(0, m * k).Select(_ => random.NextSingle() * 2 - 1).ToArray();
            var b = Enumerable.Range(0, k * n).Select(_ => random.NextSingle() * 2 - 1).ToArray();
            using var scope = torch.NewDisposeScope();
            // Transposed operands are stored transposed and viewed back, so the GEMM gets a transposed layout.
            var ta = transA ? torch.tensor(a, [m, k]).t().contiguous().t() : torch.tensor(a, [m, k]);
            var tb = transB ? torch.tensor(b, [k, n]).t().contiguous().t() : torch.tensor(b, [k, n]);
            var c = ta.matmul(tb).contiguous().data<float>().ToArray();
            writer.Write(m);
            writer.Write(k);
            writer.Write(n);
            foreach (var values in new[] { a, b, c })
            {
                foreach (var v in values)
                {
                    writer.Write(v);
                }
            }
        }
    }
}
