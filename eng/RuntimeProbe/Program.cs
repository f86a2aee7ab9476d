// Bootstraps the native runtime in a fresh process and reports what happened, one "key=value" per line,
// so a test (or a person diagnosing a host) can check it. Exit code 0 = working runtime, 1 = failure.
// Option --foreign-resolver: install a DllImportResolver on TorchSharp first (as another library might), to
// check the bootstrap copes with not being able to register its own.
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
