// Keras.Net benchmark suite: Keras.Net against hand-written TorchSharp (and PyTorch when installed), measured side
// by side in one run — training (MLP, CNN, LSTM), Predict latency/throughput, cold start, memory and the MKL
// dispatch override. One command; prints tables and key=value lines. See README.md.

using System.Globalization;
using System.Runtime.CompilerServices;

namespace Keras.Bench;

internal static class Program
{
    private static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            // Child modes run in fresh processes started by the suite itself (cold start, memory, MKL).
            return args.Length >= 2 && args[0] == "--child" ? RunChild(args[1], args[2..]) : RunSuite(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Options.Usage);
            return 2;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int RunChild(string mode, string[] args)
    {
        // The cold-start children keep to the smallest path: a file name and a thread count.
        string Arg(int i) => i < args.Length ? args[i] : throw new ArgumentException($"child mode {mode}: missing argument {i + 1}.");
        int Threads() => args.Length >= 3 && args[1] == "--threads" ? int.Parse(args[2], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        return mode switch
        {
            "coldstart-keras" => ColdStart.KerasChild(Arg(0), Threads()),
            "coldstart-raw" => ColdStart.RawChild(Arg(0), Threads()),
            "train" => MemoryBench.Child(Arg(0), Arg(1), Options.Parse(args[2..])),
            "mkl" => MklBench.Child(Options.Parse(args)),
            _ => throw new ArgumentException($"Unknown child mode '{mode}'."),
        };
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int RunSuite(string[] args)
    {
        var o = Options.Parse(args);
        if (o.Help)
        {
            Console.WriteLine(Options.Usage);
            return 0;
        }

#if DEBUG
        Console.WriteLine("WARNING: Debug build; run with -c Release for meaningful numbers.");
#endif
        var report = new Report();
        Backend.KerasBackend.SetNumThreads(o.Threads);
        TorchSharp.torch.set_num_threads(o.Threads);
        Utils.SetRandomSeed(Workload.Seed);
        TorchSharp.torch.manual_seed(Workload.Seed);

        var runtime = Native.TorchRuntime.Info;
        Console.WriteLine($"runtime: {Backend.KerasBackend.Info}");
        Console.WriteLine($"CPU: {Machine.CpuModel()}, {Environment.ProcessorCount} logical CPUs; .NET {Environment.Version}; {o.Threads} thread(s) on every side; " +
            $"{report.Checkpoint()}");
        Console.WriteLine($"parts: {string.Join(",", Options.AllParts.Where(o.Has))}{(o.Quick ? " (quick sizes)" : "")}");
        report.Value("threads_all_sides", o.Threads.ToString(CultureInfo.InvariantCulture));
        report.Value("mkl_vendor_dispatch", runtime.MklVendorDispatch ? "1" : "0");

        var exportRoot = Directory.CreateTempSubdirectory("keras-net-bench-").FullName;
        PyTorchWorker? py = null;
        try
        {
            if (o.PyTorch)
            {
                py = PyTorchWorker.TryStart(o, out var why);
                Console.WriteLine(py is null
                    ? $"PyTorch side: off ({why})"
                    : $"PyTorch side: torch {py.Version}, BLAS {py.Blas}, {o.Threads} thread(s), OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for it");
                if (py is not null) report.Note($"PyTorch: torch {py.Version} with {py.Blas} (in a separate process, interleaved with the .NET sides).");
            }
            else
            {
                Console.WriteLine("PyTorch side: off (--no-pytorch)");
            }

            report.Note($"runtime: {runtime.LibTorchVersion} via TorchSharp {runtime.TorchSharpVersion}; MKL: {runtime.MklDispatchNote}");
            Console.WriteLine();

            foreach (var name in new[] { "mlp", "cnn", "lstm" }.Where(o.Has))
            {
                using var w = Workload.Create(name, o);
                TrainingComparison.Run(w, o, py, report, exportRoot);
                Machine.Quiesce();
                Console.WriteLine();
            }

            if (o.Has("predict"))
            {
                PredictBench.Run(o, py, report, exportRoot);
                Console.WriteLine();
            }

            if (o.Has("coldstart"))
            {
                ColdStart.Run(o, py, report, exportRoot);
                Console.WriteLine();
            }

            if (o.Has("memory"))
            {
                // Per model selected for training, or the MLP when only memory was asked for.
                var models = new[] { "mlp", "cnn", "lstm" }.Where(o.Has).DefaultIfEmpty("mlp").ToArray();
                MemoryBench.Run(models, o, py, report, exportRoot);
                Console.WriteLine();
            }

            if (o.Has("mkl"))
            {
                MklBench.Run(o, py, report);
                Console.WriteLine();
            }
        }
        finally
        {
            py?.Dispose();
            try
            {
                Directory.Delete(exportRoot, recursive: true);
            }
            catch (IOException)
            {
                // a leftover temp folder is harmless
            }
        }

        report.Value("suite_peak_rss_mib", Machine.PeakRssMiB(), "F0");
        report.Print(Console.Out);
        return 0;
    }
}
