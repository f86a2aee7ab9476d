using System.Diagnostics;
using Keras.Callbacks;
using Keras.Models;
using NumSharp;
using TorchSharp;
using TT = TorchSharp.torch.Tensor;

namespace Keras.Bench;

/// <summary>One timed training segment of one side.</summary>
/// <param name="SamplesPerSecond">Wall-clock throughput (Keras: OnEpochBegin..OnEpochEnd, leaving out Fit's one-off setup).</param>
/// <param name="SamplesPerCpuSecond">Throughput per second of process CPU time (all threads).</param>
/// <param name="CallSamplesPerSecond">Throughput of the whole call (Keras: the Fit call, including turning x/y into tensors).</param>
/// <param name="Loss">Mean training loss of the segment.</param>
/// <param name="PerStep">Tensors created and managed bytes allocated per step (NaN for PyTorch).</param>
internal sealed record Segment(double SamplesPerSecond, double SamplesPerCpuSecond, double CallSamplesPerSecond, double Loss, Counters PerStep);

/// <summary>
/// Work on the training thread that does not depend on how busy the machine is: managed bytes allocated and
/// TorchSharp tensor handles created (each is at least one libtorch call).
/// </summary>
internal readonly record struct Counters(double ManagedBytes, double Tensors)
{
    public static readonly Counters None = new(double.NaN, double.NaN);

    public static Counters Now()
    {
        var t = DisposeScopeManager.Statistics.TensorStatistics;
        return new(GC.GetAllocatedBytesForCurrentThread(), t.CreatedInScopeCount + t.CreatedOutsideScopeCount);
    }

    public static Counters operator +(Counters a, Counters b) => new(a.ManagedBytes + b.ManagedBytes, a.Tensors + b.Tensors);

    public static Counters operator -(Counters a, Counters b) => new(a.ManagedBytes - b.ManagedBytes, a.Tensors - b.Tensors);

    public static Counters operator /(Counters a, double d) => new(a.ManagedBytes / d, a.Tensors / d);
}

/// <summary>Keras.Net's side: <c>Model.Fit</c> over a slice of the data, one epoch per segment.</summary>
internal sealed class KerasTrainer(Workload workload, Sequential model) : IDisposable
{
    public Sequential Model { get; } = model;

    public Segment Run(long offset, long count)
    {
        using var x = workload.KerasX.narrow(0, offset, count);
        using var y = workload.Y.narrow(0, offset, count);
        var timer = new EpochTimer();
        var sw = Stopwatch.StartNew();
        var history = Model.Fit(x, y, batchSize: workload.Batch, epochs: 1, verbose: 0, shuffle: true, callbacks: [timer]);
        sw.Stop();
        double steps = Math.Ceiling((double)count / workload.Batch);
        return new Segment(count / timer.Seconds, count / timer.CpuSeconds, count / sw.Elapsed.TotalSeconds, history["loss"][^1], timer.Work / steps);
    }

    public void Dispose() => Model.Dispose();

    /// <summary>Times the epoch inside Fit (OnEpochBegin to OnEpochEnd).</summary>
    private sealed class EpochTimer : Callback
    {
        private readonly Stopwatch _sw = new();
        private double _cpuStart;
        private Counters _start;

        public double Seconds { get; private set; }

        public double CpuSeconds { get; private set; }

        public Counters Work { get; private set; }

        public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            _start = Counters.Now();
            _cpuStart = Machine.CpuSeconds();
            _sw.Restart();
        }

        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            _sw.Stop();
            Seconds = _sw.Elapsed.TotalSeconds;
            CpuSeconds = Machine.CpuSeconds() - _cpuStart;
            Work = Counters.Now() - _start;
        }
    }
}

/// <summary>The hand-written TorchSharp loop: randperm, index_select, forward, loss, backward, Adam, one dispose scope per step.</summary>
internal sealed class RawTrainer : IDisposable
{
    private readonly Workload _workload;
    private readonly torch.optim.Optimizer _optimizer;
    private readonly torch.Generator _generator = new(Workload.Seed + 1, torch.CPU);

    public RawTrainer(Workload workload, RawModel model)
    {
        _workload = workload;
        Model = model;
        _optimizer = torch.optim.Adam(model.parameters(), lr: Workload.LearningRate, beta1: 0.9, beta2: 0.999, eps: Workload.AdamEpsilon);
    }

    public RawModel Model { get; }

    public Segment Run(long offset, long count)
    {
        Model.train();
        int batch = _workload.Batch;
        var start = Counters.Now();
        double cpuStart = Machine.CpuSeconds();
        var sw = Stopwatch.StartNew();
        using var permutation = torch.randperm(count, torch.ScalarType.Int64, torch.CPU, generator: _generator);
        permutation.add_(offset);
        using var lossSum = torch.zeros(1, torch.ScalarType.Float32);
        for (long b = 0; b < count; b += batch)
        {
            long n = Math.Min(batch, count - b);
            using var scope = torch.NewDisposeScope();
            var idx = permutation.narrow(0, b, n);
            var xb = _workload.RawX.index_select(0, idx);
            var yb = _workload.Y.index_select(0, idx);
            var loss = Model.Loss(Model.forward(xb), yb);
            _optimizer.zero_grad();
            loss.backward();
            _optimizer.step();
            using (torch.no_grad()) lossSum.add_(loss.detach(), alpha: n);
        }

        double meanLoss = lossSum.item<float>() / count; // reading the value waits for the last step
        sw.Stop();
        double cpu = Machine.CpuSeconds() - cpuStart;
        double steps = Math.Ceiling((double)count / batch);
        double sps = count / sw.Elapsed.TotalSeconds;
        return new Segment(sps, count / cpu, sps, meanLoss, (Counters.Now() - start) / steps);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _generator.Dispose();
        Model.Dispose();
    }
}

/// <summary>
/// Keras.Net <c>Fit</c> vs the hand-written loop (vs PyTorch when available) for one workload, in interleaved
/// segments: round r runs Keras, TorchSharp, PyTorch when r is even and the reverse order when odd, so slow phases
/// of a noisy machine hit every side alike. Ratios are taken per round, then the median.
/// </summary>
internal static class TrainingComparison
{
    public static void Run(Workload w, Options o, PyTorchWorker? py, Report report, string exportRoot)
    {
        Console.WriteLine($"[{w.Name}] {w.Description}");
        Console.WriteLine($"[{w.Name}] data {w.DataSource}, {w.N} samples, batch {w.Batch}, {o.Threads} thread(s)");

        using var keras = new KerasTrainer(w, w.BuildKeras());
        IReadOnlyList<NDArray> initial = keras.Model.GetWeights();
        using var raw = new RawTrainer(w, w.BuildRaw(initial));
        bool withPy = py is { Alive: true } && py.Load(w.Name, w.ExportForPyTorch(exportRoot, raw.Model));

        // Warm-up (JIT, allocator, kernels), then size the segments from the hand-written loop's speed.
        long warm = Math.Min(w.N, 4L * w.Batch);
        keras.Run(0, warm);
        keras.Run(0, warm);
        raw.Run(0, warm);
        if (withPy) py!.Train(w.Name, 0, warm);
        // The fastest of three probes: a busy moment must not shrink every segment.
        long probe = Math.Min(w.N, 8L * w.Batch);
        double probeSpeed = Enumerable.Range(0, 3).Max(_ => raw.Run(0, probe).SamplesPerSecond);
        long batches = Math.Clamp((long)Math.Round(o.SegmentMs / 1000.0 * probeSpeed / w.Batch), 4, Math.Max(4, w.N / w.Batch));
        long count = Math.Min(w.N, batches * w.Batch);
        Console.WriteLine($"[{w.Name}] segments of {count} samples ({batches} steps); {o.Pairs} rounds; PyTorch {(withPy ? "on" : "off")}");

        // Two untimed full segments per side: the first few seconds of a process run slower (tiered JIT, allocator
        // and kernel caches settling), which would otherwise land in the first rounds.
        for (int i = 0; i < 2; i++)
        {
            keras.Run(0, count);
            raw.Run(0, count);
            if (withPy) withPy = py!.Train(w.Name, 0, count) is not null;
        }

        var k = new List<Segment>();
        var r = new List<Segment>();
        var p = new List<Segment>();
        for (int round = 0; round < o.Pairs; round++)
        {
            long offset = w.N > count ? round * count % (w.N - count + 1) : 0;
            var order = round % 2 == 0 ? "KRP" : "PRK";
            foreach (char side in order)
            {
                if (side == 'P' && !withPy) continue;
                Machine.Quiesce();
                switch (side)
                {
                    case 'K': k.Add(keras.Run(offset, count)); break;
                    case 'R': r.Add(raw.Run(offset, count)); break;
                    default:
                        var s = py!.Train(w.Name, offset, count);
                        if (s is null) withPy = false;
                        else p.Add(s);
                        break;
                }
            }

            var line = $"[{w.Name}] round {round + 1} ({(round % 2 == 0 ? "K,R,P" : "P,R,K")}): keras {k[^1].SamplesPerSecond,8:F0}/s, raw {r[^1].SamplesPerSecond,8:F0}/s, " +
                $"keras/raw {k[^1].SamplesPerSecond / r[^1].SamplesPerSecond:F3}";
            if (p.Count == k.Count) line += $", pytorch {p[^1].SamplesPerSecond,8:F0}/s, keras/pytorch {k[^1].SamplesPerSecond / p[^1].SamplesPerSecond:F3}";
            Console.WriteLine(line + $", {report.Checkpoint()}");
        }

        Summarize(w, o, report, k, r, withPy && p.Count == k.Count ? p : null, count);
    }

    private static void Summarize(Workload w, Options o, Report report, List<Segment> k, List<Segment> r, List<Segment>? p, long count)
    {
        string n = w.Name;
        double kMed = Stats.Median(k.Select(s => s.SamplesPerSecond)), rMed = Stats.Median(r.Select(s => s.SamplesPerSecond));
        double kBest = k.Max(s => s.SamplesPerSecond), rBest = r.Max(s => s.SamplesPerSecond);
        double kr = Stats.Median(k.Zip(r, (a, b) => a.SamplesPerSecond / b.SamplesPerSecond));
        double krCpu = Stats.Median(k.Zip(r, (a, b) => a.SamplesPerCpuSecond / b.SamplesPerCpuSecond));
        double pMed = double.NaN, pBest = double.NaN, kp = double.NaN, rp = double.NaN;
        if (p is not null)
        {
            pMed = Stats.Median(p.Select(s => s.SamplesPerSecond));
            pBest = p.Max(s => s.SamplesPerSecond);
            kp = Stats.Median(k.Zip(p, (a, b) => a.SamplesPerSecond / b.SamplesPerSecond));
            rp = Stats.Median(r.Zip(p, (a, b) => a.SamplesPerSecond / b.SamplesPerSecond));
        }

        string target = n == "mlp" ? ">= 0.95 (>= 1.0 vs PyTorch)" : ">= 0.95";
        report.Main.Add(n, "train samples/s (median)", Stats.F(kMed, "F0"), Stats.F(rMed, "F0"), Stats.F(pMed, "F0"), Stats.F(kr, "F3"), Stats.F(kp, "F3"), target);
        report.Main.Add(n, "train samples/s (best)", Stats.F(kBest, "F0"), Stats.F(rBest, "F0"), Stats.F(pBest, "F0"),
            Stats.F(kBest / rBest, "F3"), Stats.F(kBest / pBest, "F3"), "");
        var kStep = k[^1].PerStep;
        var rStep = r[^1].PerStep;
        report.Main.Add(n, "tensors created per step", Stats.F(kStep.Tensors, "F0"), Stats.F(rStep.Tensors, "F0"), "", "", "", "");

        report.Value($"{n}_data", w.DataSource);
        report.Value($"{n}_segment_samples", count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        report.Value($"{n}_keras_samples_per_s", kMed, "F0");
        report.Value($"{n}_raw_samples_per_s", rMed, "F0");
        report.Value($"{n}_keras_over_raw", kr, "F3");
        report.Value($"{n}_keras_over_raw_best", kBest / rBest, "F3");
        report.Value($"{n}_keras_over_raw_cpu", krCpu, "F3");
        if (p is not null)
        {
            report.Value($"{n}_pytorch_samples_per_s", pMed, "F0");
            report.Value($"{n}_keras_over_pytorch", kp, "F3");
            report.Value($"{n}_keras_over_pytorch_best", kBest / pBest, "F3");
            report.Value($"{n}_raw_over_pytorch", rp, "F3");
            report.Value($"{n}_pytorch_final_loss", p[^1].Loss, "F4");
        }

        report.Value($"{n}_keras_tensors_per_step", kStep.Tensors, "F1");
        report.Value($"{n}_raw_tensors_per_step", rStep.Tensors, "F1");
        report.Value($"{n}_keras_managed_bytes_per_step", kStep.ManagedBytes, "F0");
        report.Value($"{n}_raw_managed_bytes_per_step", rStep.ManagedBytes, "F0");
        report.Value($"{n}_keras_final_loss", k[^1].Loss, "F4");
        report.Value($"{n}_raw_final_loss", r[^1].Loss, "F4");

        if (n == "mlp")
        {
            // The lines issue 2's benchmark defined, kept for scripts that read them.
            report.Value("data", w.DataSource);
            report.Value("samples", w.N.ToString(System.Globalization.CultureInfo.InvariantCulture));
            report.Value("threads", o.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
            report.Value("batch", o.Batch.ToString(System.Globalization.CultureInfo.InvariantCulture));
            report.Value("keras_samples_per_s", kMed, "F0");
            report.Value("keras_fit_call_samples_per_s", Stats.Median(k.Select(s => s.CallSamplesPerSecond)), "F0");
            report.Value("raw_samples_per_s", rMed, "F0");
            report.Value("keras_over_raw", kr);
            report.Value("keras_over_raw_cpu", krCpu);
            report.Value("keras_tensors_per_step", kStep.Tensors, "F1");
            report.Value("raw_tensors_per_step", rStep.Tensors, "F1");
            report.Value("keras_managed_bytes_per_step", kStep.ManagedBytes, "F0");
            report.Value("raw_managed_bytes_per_step", rStep.ManagedBytes, "F0");
            report.Value("keras_final_loss", k[^1].Loss, "F4");
            report.Value("raw_final_loss", r[^1].Loss, "F4");
        }
    }
}
