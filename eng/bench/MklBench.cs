using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using TorchSharp;

namespace Keras.Bench;

/// <summary>
/// What the MKL vendor-dispatch override (KERAS_NET_MKL_VENDOR_DISPATCH, see README.md) changes. MKL picks its
/// code path once per process, so each setting lives in its own long-lived child processes — MKL's default, the
/// override, and the override kept to AVX2 kernels (MKL_ENABLE_INSTRUCTIONS=AVX2), two processes each, used in
/// turn — and the parent interleaves short measurements across them (A B C, then C B A, ...): GEMM GFLOP/s in the
/// MLP's shapes and a square one, and MLP and CNN training segments with Fit and with the hand-written loop.
/// Ratios are per round, then the median.
/// </summary>
internal static class MklBench
{
    private static readonly (long M, long K, long N)[] Shapes = [(128, 784, 512), (128, 512, 256), (1024, 1024, 1024)];

    private static readonly (string Key, string Label, string Dispatch, string? Instructions)[] Settings =
    [
        ("default", "MKL default", "0", null), ("override", "override", "1", null), ("avx2", "override, AVX2 only", "1", "AVX2"),
    ];

    private static readonly (string Model, string Side, string Label)[] Trainings =
        [("mlp", "keras", "Fit"), ("mlp", "raw", "TorchSharp loop"), ("cnn", "keras", "Fit"), ("cnn", "raw", "TorchSharp loop")];

    // Processes differ by several percent in speed on their own (memory placement): two per setting, used in turn.
    private const int ProcessesPerSetting = 2;

    public static void Run(Options o, PyTorchWorker? py, Report report)
    {
        var workers = new Worker[Settings.Length, ProcessesPerSetting];
        try
        {
            for (int copy = 0; copy < ProcessesPerSetting; copy++)
            {
                for (int i = 0; i < Settings.Length; i++)
                {
                    var s = Settings[i];
                    var start = ChildProcess.Self("mkl", o.SizeArguments().ToArray());
                    start.RedirectStandardInput = true;
                    start.Environment["KERAS_NET_MKL_VENDOR_DISPATCH"] = s.Dispatch;
                    if (s.Instructions is null) start.Environment.Remove("MKL_ENABLE_INSTRUCTIONS");
                    else start.Environment["MKL_ENABLE_INSTRUCTIONS"] = s.Instructions;
                    var w = Worker.Start(start);
                    if (w is null) return;
                    workers[i, copy] = w;
                    if (copy == 0) Console.WriteLine($"[mkl] {s.Label}: {w.Ready}");
                }
            }

            bool applied = workers[1, 0].Ready.StartsWith("dispatch=1", StringComparison.Ordinal);
            if (!applied)
                report.Note($"MKL vendor dispatch: not applicable on this machine ({workers[1, 0].Ready}); the MKL table measures one code path three times.");

            // Segment sizes from a default process, the same for all.
            var counts = new Dictionary<string, long>();
            foreach (var model in new[] { "mlp", "cnn" })
            {
                double sps = workers[0, 0].Measure($"probe {model}");
                counts[model] = (long)Math.Clamp(Math.Round(o.SegmentMs / 1000.0 * sps / o.Batch), 4, 100) * o.Batch;
            }

            var metrics = Shapes.Select(s => (Key: $"gemm_{Key(s)}_gflops", Command: $"gemm {s.M} {s.K} {s.N}"))
                .Concat(Trainings.Select(t => (Key: $"{t.Model}_{t.Side}_samples_per_s", Command: $"train {t.Model} {t.Side} {counts[t.Model]}")))
                .ToArray();
            // One untimed pass of everything in every process (see TrainingComparison: processes start slow).
            foreach (var w in workers)
            {
                foreach (var (_, command) in metrics)
                {
                    if (double.IsNaN(w.Measure(command))) return;
                }
            }

            var values = metrics.ToDictionary(m => m.Key, _ => Settings.Select(_ => new List<double>()).ToArray());
            for (int round = 0; round < Math.Max(o.Pairs, ProcessesPerSetting); round++)
            {
                int copy = round % ProcessesPerSetting;
                foreach (var (key, command) in metrics)
                {
                    var order = round % 2 == 0 ? new[] { 0, 1, 2 } : [2, 1, 0];
                    foreach (int i in order)
                    {
                        double v = workers[i, copy].Measure(command);
                        if (double.IsNaN(v)) return;
                        values[key][i].Add(v);
                    }
                }

                string G(string key) => $"{values[key][0][^1]:F0}/{values[key][1][^1]:F0}/{values[key][2][^1]:F0}";
                Console.WriteLine($"[mkl] round {round + 1}: " + string.Join(", ", Shapes.Select(s => $"{Key(s)} {G($"gemm_{Key(s)}_gflops")}")) +
                    $" GFLOP/s, mlp fit {G("mlp_keras_samples_per_s")}/s, cnn fit {G("cnn_keras_samples_per_s")}/s (default/override/avx2), {report.Checkpoint()}");
            }

            Summarize(report, py, values, applied);
        }
        finally
        {
            foreach (var w in workers) w?.Dispose();
        }
    }

    private static void Summarize(Report report, PyTorchWorker? py, Dictionary<string, List<double>[]> values, bool applied)
    {
        var table = report.NewTable(
            "MKL inside libtorch: default dispatch vs KERAS_NET_MKL_VENDOR_DISPATCH=1 (two processes per setting, measurements interleaved)",
            ["part", "metric (median of rounds)", "MKL default", "override", "override/default", "override, AVX2 only", "PyTorch"]);
        foreach (var (key, v) in values)
        {
            double a = Stats.Median(v[0]), b = Stats.Median(v[1]), c = Stats.Median(v[2]);
            double ratio = Stats.Median(v[1].Zip(v[0], (x, y) => x / y));
            string part, label;
            double pt = double.NaN;
            if (key.StartsWith("gemm_", StringComparison.Ordinal))
            {
                var shape = Shapes.First(s => key == $"gemm_{Key(s)}_gflops");
                part = "gemm";
                label = $"{Key(shape)} float32 GFLOP/s";
                if (py is { Alive: true }) pt = py.Gemm(shape.M, shape.K, shape.N);
                if (!double.IsNaN(pt)) report.Value($"pytorch_{key}", pt, "F0");
            }
            else
            {
                var t = Trainings.First(t => key == $"{t.Model}_{t.Side}_samples_per_s");
                part = t.Model;
                label = $"train samples/s, {t.Label}";
            }

            table.Add(part, label, Stats.F(a, "F0"), Stats.F(b, "F0"), Stats.F(ratio, "F2"), Stats.F(c, "F0"), Stats.F(pt, "F0"));
            report.Value($"mkl_{key}_default", a, "F0");
            report.Value($"mkl_{key}_override", b, "F0");
            report.Value($"mkl_{key}_override_avx2", c, "F0");
            report.Value($"mkl_{key}_speedup", ratio);
        }

        report.Value("mkl_override_applied", applied ? "1" : "0");
        report.Value("mkl_gemm_speedup", Stats.Median(values[$"gemm_{Key(Shapes[0])}_gflops"][1].Zip(values[$"gemm_{Key(Shapes[0])}_gflops"][0], (x, y) => x / y)));
        report.Value("mkl_mlp_fit_speedup", Stats.Median(values["mlp_keras_samples_per_s"][1].Zip(values["mlp_keras_samples_per_s"][0], (x, y) => x / y)));
        report.Value("mkl_cnn_fit_speedup", Stats.Median(values["cnn_keras_samples_per_s"][1].Zip(values["cnn_keras_samples_per_s"][0], (x, y) => x / y)));
    }

    private static string Key((long M, long K, long N) s) => $"{s.M}x{s.K}x{s.N}";

    /// <summary>A child process in <c>--child mkl</c> mode: one request line in, one number back.</summary>
    private sealed class Worker : IDisposable
    {
        private readonly Process _process;

        private Worker(Process process, string ready)
        {
            _process = process;
            Ready = ready;
        }

        /// <summary>The child's first line: <c>dispatch=0|1</c> and MKL's note.</summary>
        public string Ready { get; }

        public static Worker? Start(ProcessStartInfo start)
        {
            var process = Process.Start(start)!;
            _ = process.StandardError.ReadToEndAsync();
            var ready = ReadLine(process, TimeSpan.FromMinutes(2));
            if (ready is null || !ready.StartsWith("dispatch=", StringComparison.Ordinal))
            {
                Console.WriteLine($"[mkl] a child failed to start ({ready ?? "no answer"}); MKL comparison skipped");
                process.Kill(entireProcessTree: true);
                process.Dispose();
                return null;
            }

            ForeignCpu.Track(process.Id);
            return new Worker(process, ready);
        }

        public double Measure(string command)
        {
            _process.StandardInput.WriteLine(command);
            _process.StandardInput.Flush();
            var line = ReadLine(_process, TimeSpan.FromMinutes(2));
            if (line is not null && double.TryParse(line, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return v;
            Console.WriteLine($"[mkl] '{command}' failed: {line ?? "no answer"}; MKL comparison stopped");
            return double.NaN;
        }

        private static string? ReadLine(Process process, TimeSpan timeout)
        {
            var read = process.StandardOutput.ReadLineAsync();
            return read.Wait(timeout) ? read.Result : null;
        }

        public void Dispose()
        {
            ForeignCpu.Untrack(_process.Id);
            try
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Flush();
                if (!_process.WaitForExit(10000)) _process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // already gone
            }

            _process.Dispose();
        }
    }

    /// <summary>
    /// Child: serves measurements under whatever KERAS_NET_MKL_VENDOR_DISPATCH says. Requests: <c>gemm M K N</c>
    /// (GFLOP/s), <c>probe MODEL</c>, <c>train MODEL keras|raw COUNT</c> (samples/s), <c>quit</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Child(Options o)
    {
        Backend.KerasBackend.SetNumThreads(o.Threads);
        var info = Native.TorchRuntime.Info;
        using var mlp = Workload.Create("mlp", o with { Samples = Math.Min(o.Samples, 12800) });
        using var cnn = Workload.Create("cnn", o with { Samples = Math.Min(o.Samples, 12800) });
        var trainers = new Dictionary<string, (KerasTrainer Keras, RawTrainer Raw, Workload W)>();
        try
        {
            foreach (var w in new[] { mlp, cnn })
            {
                var keras = new KerasTrainer(w, w.BuildKeras());
                var raw = new RawTrainer(w, w.BuildRaw(keras.Model.GetWeights()));
                long warm = Math.Min(w.N, 4L * w.Batch);
                keras.Run(0, warm);
                keras.Run(0, warm);
                raw.Run(0, warm);
                trainers[w.Name] = (keras, raw, w);
            }

            foreach (var s in Shapes) Gemm(s.M, s.K, s.N, 0.05);
            Console.WriteLine($"dispatch={(info.MklVendorDispatch ? 1 : 0)} ({info.MklDispatchNote})");
            long offset = 0;
            for (string? line; (line = Console.ReadLine()) is not null && line != "quit";)
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                Machine.Quiesce();
                double result = f[0] switch
                {
                    "gemm" => Gemm(long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture), 0.15),
                    "probe" => Enumerable.Range(0, 3).Max(_ => trainers[f[1]].Raw.Run(0, Math.Min(trainers[f[1]].W.N, 8L * o.Batch)).SamplesPerSecond),
                    "train" => Train(trainers[f[1]], f[2], long.Parse(f[3], CultureInfo.InvariantCulture), ref offset),
                    _ => double.NaN,
                };
                Console.WriteLine(result.ToString("R", CultureInfo.InvariantCulture));
            }
        }
        finally
        {
            foreach (var t in trainers.Values)
            {
                t.Keras.Dispose();
                t.Raw.Dispose();
            }
        }

        return 0;
    }

    private static double Train((KerasTrainer Keras, RawTrainer Raw, Workload W) t, string side, long count, ref long offset)
    {
        count = Math.Min(count, t.W.N);
        long start = t.W.N > count ? offset % (t.W.N - count + 1) : 0;
        offset += count;
        return side == "keras" ? t.Keras.Run(start, count).SamplesPerSecond : t.Raw.Run(start, count).SamplesPerSecond;
    }

    /// <summary>GFLOP/s of repeated m×k by k×n float32 products over about <paramref name="seconds"/>.</summary>
    private static double Gemm(long m, long k, long n, double seconds)
    {
        using var a = torch.randn(m, k);
        using var b = torch.randn(k, n);
        for (int i = 0; i < 2; i++) a.matmul(b).Dispose();
        var sw = Stopwatch.StartNew();
        long reps = 0;
        while (sw.Elapsed.TotalSeconds < seconds || reps < 3)
        {
            a.matmul(b).Dispose();
            reps++;
        }

        return 2.0 * m * k * n * reps / sw.Elapsed.TotalSeconds / 1e9;
    }
}
