using System.Globalization;
using System.Runtime.CompilerServices;
using Keras.Callbacks;

namespace Keras.Bench;

/// <summary>
/// Peak and per-epoch resident memory of training, one fresh process per side so the figures are attributable:
/// Keras.Net <c>Fit</c> for N epochs vs the hand-written loop (vs PyTorch). Growth after the first epoch shows
/// whether memory stays flat.
/// </summary>
internal static class MemoryBench
{
    /// <summary>Steps per epoch: --memory-steps for the MLP, a third of it for the slower CNN and LSTM.</summary>
    public static int Steps(string name, Options o) => name == "mlp" ? o.MemorySteps : Math.Max(4, o.MemorySteps / 3);

    public static void Run(IReadOnlyList<string> workloads, Options o, PyTorchWorker? py, Report report, string exportRoot)
    {
        foreach (var name in workloads)
        {
            string? pyDir = null;
            if (py is { Alive: true })
            {
                // The PyTorch child reads the data and initial weights the suite exports.
                using var w = Workload.Create(name, o with { Samples = Math.Min(o.Samples, Steps(name, o) * o.Batch) });
                using var raw = w.NewRaw();
                pyDir = w.ExportForPyTorch(Path.Combine(exportRoot, "memory"), raw);
            }

            // Sides alternate (K R P K R P ...); each figure is the median over --memory-runs processes, since
            // glibc's heap makes one process's peak vary by up to ±20% from run to run.
            var runs = new Dictionary<char, List<Child>>();
            bool failed = false;
            for (int round = 0; round < o.MemoryRuns && !failed; round++)
            {
                foreach (char side in "KRP")
                {
                    if (side == 'P' && pyDir is null) continue;
                    var start = side == 'P'
                        ? PyTorchWorker.StartInfo(o, "--train-once", pyDir!, o.MemoryEpochs.ToString(CultureInfo.InvariantCulture), Steps(name, o).ToString(CultureInfo.InvariantCulture))
                        : ChildProcess.Self("train", [name, side == 'K' ? "keras" : "raw", .. o.SizeArguments()]);
                    var child = ChildProcess.Run(start, null, TimeSpan.FromMinutes(10));
                    report.Checkpoint();
                    if (child is null)
                    {
                        if (side != 'P') failed = true;
                        continue;
                    }
                    if (!runs.TryGetValue(side, out var list)) runs[side] = list = [];
                    list.Add(child);
                }
            }

            if (failed || !runs.ContainsKey('K') || !runs.ContainsKey('R'))
            {
                Console.WriteLine($"[memory {name}] a child failed; not reported");
                continue;
            }

            IReadOnlyList<Child>? Side(char side) => runs.GetValueOrDefault(side);
            double Peak(IReadOnlyList<Child>? c) => c is null ? double.NaN : Stats.Median(c.Select(run => run.Value("peak_rss_mib")));
            double Growth(IReadOnlyList<Child>? c) => c is null
                ? double.NaN
                : Stats.Median(c.Select(run => run.Value($"rss_epoch_{o.MemoryEpochs}_mib") - run.Value("rss_epoch_1_mib")));
            var k = Side('K');
            var r = Side('R');
            var p = Side('P');
            Console.WriteLine($"[memory {name}] median of {o.MemoryRuns}: peak RSS keras {Peak(k):F0} MiB, raw {Peak(r):F0} MiB" + (p is null ? "" : $", pytorch {Peak(p):F0} MiB") +
                $"; growth after epoch 1: keras {Growth(k):F1}, raw {Growth(r):F1}" + (p is null ? "" : $", pytorch {Growth(p):F1}") + " MiB" +
                $" (keras peaks {string.Join("/", k!.Select(c => c.Value("peak_rss_mib").ToString("F0", CultureInfo.InvariantCulture)))}," +
                $" raw {string.Join("/", r!.Select(c => c.Value("peak_rss_mib").ToString("F0", CultureInfo.InvariantCulture)))})");

            report.Main.Add(name, $"peak RSS, training {o.MemoryEpochs}x{Steps(name, o)} steps (MiB)", Stats.F(Peak(k), "F0"), Stats.F(Peak(r), "F0"), Stats.F(Peak(p), "F0"),
                Stats.F(Peak(k) / Peak(r), "F3"), Stats.F(Peak(k) / Peak(p), "F3"), "<= 1.1x raw");
            report.Main.Add(name, "RSS growth after epoch 1 (MiB)", Stats.F(Growth(k), "F1"), Stats.F(Growth(r), "F1"), Stats.F(Growth(p), "F1"), "", "", "flat");
            report.Value($"{name}_keras_peak_rss_mib", Peak(k), "F0");
            report.Value($"{name}_raw_peak_rss_mib", Peak(r), "F0");
            report.Value($"{name}_keras_over_raw_peak_rss", Peak(k) / Peak(r), "F3");
            report.Value($"{name}_keras_rss_growth_after_epoch1_mib", Growth(k), "F1");
            report.Value($"{name}_raw_rss_growth_after_epoch1_mib", Growth(r), "F1");
            if (p is not null)
            {
                report.Value($"{name}_pytorch_peak_rss_mib", Peak(p), "F0");
                report.Value($"{name}_pytorch_rss_growth_after_epoch1_mib", Growth(p), "F1");
            }
        }
    }

    /// <summary>Child: trains one side for --memory-epochs epochs of <see cref="Steps"/> steps and prints RSS per epoch.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Child(string name, string side, Options o)
    {
        Backend.KerasBackend.SetNumThreads(o.Threads);
        using var w = Workload.Create(name, o with { Samples = Math.Min(o.Samples, Steps(name, o) * o.Batch) });
        long n = Math.Min(w.N, (long)Steps(name, o) * o.Batch);
        Console.WriteLine($"rss_setup_mib={Machine.RssMiB():F1}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (side == "keras")
        {
            using var model = w.BuildKeras();
            using var x = w.KerasX.narrow(0, 0, n);
            using var y = w.Y.narrow(0, 0, n);
            model.Fit(x, y, batchSize: o.Batch, epochs: o.MemoryEpochs, verbose: 0, shuffle: true, callbacks: [new RssPerEpoch()]);
        }
        else
        {
            using var raw = new RawTrainer(w, w.NewRaw());
            for (int e = 0; e < o.MemoryEpochs; e++)
            {
                raw.Run(0, n);
                Console.WriteLine($"rss_epoch_{e + 1}_mib={Machine.RssMiB():F1}");
            }
        }

        Console.WriteLine($"seconds={clock.Elapsed.TotalSeconds:F3}");
        Console.WriteLine($"peak_rss_mib={Machine.PeakRssMiB():F1}");
        return 0;
    }

    private sealed class RssPerEpoch : Callback
    {
        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) =>
            Console.WriteLine($"rss_epoch_{epoch + 1}_mib={Machine.RssMiB():F1}");
    }
}
