// Keras.Net training-throughput benchmark: the same MLP trained by Model.Fit and by a hand-written
// TorchSharp loop, in one process, on the same data, initial weights and thread count. See README.md.

using System.Diagnostics;
using System.Globalization;
using Keras;
using Keras.Backend;
using Keras.Callbacks;
using Keras.Layers;
using Keras.Models;
using Keras.Optimizers;
using NumSharp;
using TorchSharp;
using Linear = TorchSharp.Modules.Linear;
using Parameter = TorchSharp.Modules.Parameter;
using TT = TorchSharp.torch.Tensor;

namespace Keras.Bench;

internal static class Program
{
    private const int Features = 784;
    private const int Classes = 10;
    private const double LearningRate = 1e-3;
    private const int Seed = 1234;

    private static int Main(string[] args)
    {
        Options o;
        try
        {
            o = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Options.Usage);
            return 2;
        }
        if (o.Help)
        {
            Console.WriteLine(Options.Usage);
            return 0;
        }

        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
#if DEBUG
        Console.WriteLine("WARNING: Debug build; run with -c Release for meaningful numbers.");
#endif

        // Keras.Net's bootstrap makes libtorch loadable; it must run before any direct TorchSharp call.
        Native.TorchRuntime.EnsureLoaded();
        KerasBackend.SetNumThreads(o.Threads);
        torch.set_num_threads(o.Threads);
        Utils.SetRandomSeed(Seed);
        torch.manual_seed(Seed);

        Console.WriteLine($"runtime: {KerasBackend.Info}");
        Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} logical CPUs, server GC {System.Runtime.GCSettings.IsServerGC}, load average {LoadAverage()}");

        var data = Data.Load(o.Samples);
        Console.WriteLine($"data: {data.Source}, {data.N} samples x {Features} features, {Classes} classes");
        Console.WriteLine($"model: 784-512-256-10 MLP (relu, relu, softmax / logits), Adam lr {LearningRate}, batch {o.Batch}, sparse categorical cross-entropy");
        Console.WriteLine($"runs: {o.Repeats} repeat(s) x (1 untimed warm-up epoch + {o.Epochs} timed epoch(s)) per side, {o.Threads} thread(s), alternating order");
        Console.WriteLine();

        // The initial weights both sides start from (every repeat starts from them again).
        IReadOnlyList<NDArray> initial;
        using (var first = BuildKerasModel())
        {
            initial = first.GetWeights();
        }
        var initialHost = initial.Select(w => (Shape: w.shape.Select(d => (long)d).ToArray(), Data: w.ToArray<float>())).ToArray();

        using var xAll = torch.tensor(data.X, [data.N, Features]);
        using var yAll = torch.tensor(data.Y.Select(v => (long)v).ToArray(), [data.N]);

        var rows = new List<Row>();
        for (int r = 0; r < o.Repeats; r++)
        {
            bool kerasFirst = r % 2 == 0;
            Result? keras = null, raw = null;
            for (int side = 0; side < 2; side++)
            {
                bool runKeras = (side == 0) == kerasFirst;
                Quiesce();
                if (runKeras) keras = RunKeras(data, initial, o);
                else raw = RunRaw(xAll, yAll, initialHost, o, Seed + 1000 * (r + 1));
            }
            var row = new Row(r + 1, kerasFirst ? "keras,raw" : "raw,keras", keras!, raw!);
            rows.Add(row);
            Console.WriteLine(
                $"repeat {row.Repeat} ({row.Order}): keras {row.Keras.SamplesPerSecond,9:F0} samples/s (loss {row.Keras.Loss:F4}), " +
                $"raw {row.Raw.SamplesPerSecond,9:F0} samples/s (loss {row.Raw.Loss:F4}), ratio {row.Keras.SamplesPerSecond / row.Raw.SamplesPerSecond:F3} " +
                $"(cpu-time ratio {row.Keras.SamplesPerCpuSecond / row.Raw.SamplesPerCpuSecond:F3}), load {LoadAverage()}");
        }

        PrintSummary(rows, o, data);
        return 0;
    }

    /// <summary>The 1-minute load average (Linux), to spot runs disturbed by other processes.</summary>
    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    // ------------------------------------------------------------------ Keras.Net

    private static Sequential BuildKerasModel()
    {
        var model = new Sequential(
        [
            new Dense(512, activation: "relu", inputShape: Features),
            new Dense(256, activation: "relu"),
            new Dense(Classes, activation: "softmax"),
        ]);
        model.Compile(optimizer: new Adam(LearningRate), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    private static Result RunKeras(Data data, IReadOnlyList<NDArray> initial, Options o)
    {
        using var model = BuildKerasModel();
        model.SetWeights(initial);
        KerasBackend.SetNumThreads(o.Threads);

        // Warm-up: JIT, allocator, libtorch kernels, data conversion path.
        model.Fit(data.X2D, data.Y, batchSize: o.Batch, epochs: 1, verbose: 0, shuffle: true);

        Quiesce();
        var timer = new EpochTimer();
        var sw = Stopwatch.StartNew();
        var history = model.Fit(data.X2D, data.Y, batchSize: o.Batch, epochs: o.Epochs, verbose: 0, shuffle: true, callbacks: [timer]);
        sw.Stop();

        double epochSeconds = timer.Seconds.Sum();
        return new Result(
            SamplesPerSecond: (double)data.N * o.Epochs / epochSeconds,
            CallSamplesPerSecond: (double)data.N * o.Epochs / sw.Elapsed.TotalSeconds,
            SamplesPerCpuSecond: (double)data.N * o.Epochs / timer.CpuSeconds.Sum(),
            Seconds: epochSeconds,
            Loss: history["loss"][^1],
            Accuracy: history["accuracy"][^1],
            PerStep: timer.Work / Steps(data.N, o));
    }

    private static double Steps(long n, Options o) => Math.Ceiling((double)n / o.Batch) * o.Epochs;

    /// <summary>
    /// Work on the training thread that does not depend on how busy the machine is: managed bytes allocated and
    /// TorchSharp tensor handles created (each is at least one libtorch call).
    /// </summary>
    private readonly record struct Counters(double ManagedBytes, double Tensors)
    {
        public static Counters Now()
        {
            var t = DisposeScopeManager.Statistics.TensorStatistics;
            return new(GC.GetAllocatedBytesForCurrentThread(), t.CreatedInScopeCount + t.CreatedOutsideScopeCount);
        }

        public static Counters operator +(Counters a, Counters b) => new(a.ManagedBytes + b.ManagedBytes, a.Tensors + b.Tensors);

        public static Counters operator -(Counters a, Counters b) => new(a.ManagedBytes - b.ManagedBytes, a.Tensors - b.Tensors);

        public static Counters operator /(Counters a, double d) => new(a.ManagedBytes / d, a.Tensors / d);
    }

    /// <summary>Times each epoch inside Fit (from OnEpochBegin to OnEpochEnd), leaving out Fit's one-off data conversion.</summary>
    private sealed class EpochTimer : Callback
    {
        private readonly Stopwatch _sw = new();
        private TimeSpan _cpuStart;
        private Counters _start;

        public List<double> Seconds { get; } = [];

        public List<double> CpuSeconds { get; } = [];

        public Counters Work { get; private set; }

        public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            _start = Counters.Now();
            _cpuStart = Environment.CpuUsage.TotalTime;
            _sw.Restart();
        }

        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            _sw.Stop();
            Seconds.Add(_sw.Elapsed.TotalSeconds);
            CpuSeconds.Add((Environment.CpuUsage.TotalTime - _cpuStart).TotalSeconds);
            Work += Counters.Now() - _start;
        }
    }

    // ------------------------------------------------------------------ hand-written TorchSharp

    private sealed class Mlp : IDisposable
    {
        public Mlp((long[] Shape, float[] Data)[] kerasWeights)
        {
            Layers = [torch.nn.Linear(Features, 512), torch.nn.Linear(512, 256), torch.nn.Linear(256, Classes)];
            using var noGrad = torch.no_grad();
            for (int i = 0; i < Layers.Length; i++)
            {
                // Keras: kernel (in, out), bias (out,); torch Linear: weight (out, in), bias (out,).
                var (kShape, kData) = kerasWeights[2 * i];
                var (bShape, bData) = kerasWeights[2 * i + 1];
                using var kernel = torch.tensor(kData, kShape);
                using var bias = torch.tensor(bData, bShape);
                Layers[i].weight!.copy_(kernel.t());
                Layers[i].bias!.copy_(bias);
            }
        }

        public Linear[] Layers { get; }

        public IEnumerable<Parameter> Parameters() => Layers.SelectMany(l => l.parameters());

        // Returns logits; the loss applies log-softmax (cross_entropy).
        public TT Forward(TT x)
        {
            var h = torch.nn.functional.relu(Layers[0].forward(x));
            h = torch.nn.functional.relu(Layers[1].forward(h));
            return Layers[2].forward(h);
        }

        public void Dispose()
        {
            foreach (var l in Layers) l.Dispose();
        }
    }

    private static Result RunRaw(TT x, TT y, (long[] Shape, float[] Data)[] initial, Options o, int seed)
    {
        torch.set_num_threads(o.Threads);
        using var model = new Mlp(initial);
        // Keras's Adam defaults: beta1 0.9, beta2 0.999, epsilon 1e-7 (torch's default epsilon is 1e-8).
        using var optimizer = torch.optim.Adam(model.Parameters(), lr: LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-7);
        using var generator = new torch.Generator((ulong)seed, torch.CPU);
        long n = x.shape[0];

        RawEpoch(model, optimizer, x, y, n, o.Batch, generator);
        Quiesce();
        var start = Counters.Now();
        var cpuStart = Environment.CpuUsage.TotalTime;
        var sw = Stopwatch.StartNew();
        double loss = double.NaN;
        for (int e = 0; e < o.Epochs; e++) loss = RawEpoch(model, optimizer, x, y, n, o.Batch, generator);
        sw.Stop();
        double cpuSeconds = (Environment.CpuUsage.TotalTime - cpuStart).TotalSeconds;
        var work = (Counters.Now() - start) / Steps(n, o);

        double seconds = sw.Elapsed.TotalSeconds;
        double sps = (double)n * o.Epochs / seconds;
        return new Result(sps, sps, (double)n * o.Epochs / cpuSeconds, seconds, loss, double.NaN, work);
    }

    /// <summary>One epoch of a plain TorchSharp loop; returns the epoch's mean training loss (as Keras reports it).</summary>
    private static double RawEpoch(Mlp model, torch.optim.Optimizer optimizer, TT x, TT y, long n, int batchSize, torch.Generator generator)
    {
        using var permutation = torch.randperm(n, torch.ScalarType.Int64, torch.CPU, generator: generator);
        using var lossSum = torch.zeros(1, torch.ScalarType.Float32);
        for (long start = 0; start < n; start += batchSize)
        {
            long count = Math.Min(batchSize, n - start);
            using var scope = torch.NewDisposeScope();
            var idx = permutation.narrow(0, start, count);
            var xb = x.index_select(0, idx);
            var yb = y.index_select(0, idx);
            var loss = torch.nn.functional.cross_entropy(model.Forward(xb), yb);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            using (torch.no_grad()) lossSum.add_(loss.detach(), alpha: count);
        }
        return lossSum.item<float>() / n;
    }

    // ------------------------------------------------------------------ reporting

    private static void PrintSummary(List<Row> rows, Options o, Data data)
    {
        double kerasMedian = Median(rows.Select(r => r.Keras.SamplesPerSecond));
        double rawMedian = Median(rows.Select(r => r.Raw.SamplesPerSecond));
        double callMedian = Median(rows.Select(r => r.Keras.CallSamplesPerSecond));
        double ratio = kerasMedian / rawMedian;
        double kerasCpu = Median(rows.Select(r => r.Keras.SamplesPerCpuSecond));
        double rawCpu = Median(rows.Select(r => r.Raw.SamplesPerCpuSecond));
        double kerasBest = rows.Max(r => r.Keras.SamplesPerSecond);
        double rawBest = rows.Max(r => r.Raw.SamplesPerSecond);
        double pairedRatio = Median(rows.Select(r => r.Keras.SamplesPerSecond / r.Raw.SamplesPerSecond));
        var last = rows[^1];

        Console.WriteLine();
        Console.WriteLine($"{"(medians over repeats)",-34}{"samples/s",12}{"ms/step",10}{"samples/cpu-s",15}{"final loss",12}");
        Console.WriteLine($"{"Keras.Net Model.Fit (epochs)",-34}{kerasMedian,12:F0}{1000.0 * o.Batch / kerasMedian,10:F2}{kerasCpu,15:F0}{last.Keras.Loss,12:F4}");
        Console.WriteLine($"{"Keras.Net Model.Fit (whole call)",-34}{callMedian,12:F0}{1000.0 * o.Batch / callMedian,10:F2}{"",15}{"",12}");
        Console.WriteLine($"{"TorchSharp hand-written loop",-34}{rawMedian,12:F0}{1000.0 * o.Batch / rawMedian,10:F2}{rawCpu,15:F0}{last.Raw.Loss,12:F4}");
        Console.WriteLine($"keras/raw = {ratio:F3} (median of per-repeat ratios {pairedRatio:F3}; best-of {kerasBest / rawBest:F3}; by CPU time {kerasCpu / rawCpu:F3}); target >= 0.95");
        double load = double.TryParse(LoadAverage(), NumberStyles.Float, CultureInfo.InvariantCulture, out var l) ? l : 0;
        if (load > Environment.ProcessorCount)
            Console.WriteLine($"WARNING: load average {load:F2} exceeds the {Environment.ProcessorCount} CPUs: other processes competed for the cores; numbers are noisy (libtorch's OpenMP threads slow down badly when oversubscribed). Rerun on a quiet machine or with more --repeats.");
        Console.WriteLine($"final keras training accuracy {last.Keras.Accuracy:F4}; |loss difference| {Math.Abs(last.Keras.Loss - last.Raw.Loss):F4}");
        Console.WriteLine($"per step: keras {last.Keras.PerStep.Tensors:F0} tensors created, {last.Keras.PerStep.ManagedBytes / 1024:F1} KiB managed; " +
            $"raw {last.Raw.PerStep.Tensors:F0} tensors, {last.Raw.PerStep.ManagedBytes / 1024:F1} KiB");
        Console.WriteLine();
        Console.WriteLine($"data={data.SourceKey}");
        Console.WriteLine($"samples={data.N}");
        Console.WriteLine($"epochs={o.Epochs}");
        Console.WriteLine($"threads={o.Threads}");
        Console.WriteLine($"repeats={o.Repeats}");
        Console.WriteLine($"batch={o.Batch}");
        Console.WriteLine($"keras_samples_per_s={kerasMedian:F0}");
        Console.WriteLine($"keras_fit_call_samples_per_s={callMedian:F0}");
        Console.WriteLine($"raw_samples_per_s={rawMedian:F0}");
        Console.WriteLine($"keras_over_raw={ratio:F2}");
        Console.WriteLine($"keras_over_raw_cpu={kerasCpu / rawCpu:F2}");
        Console.WriteLine($"keras_best_samples_per_s={kerasBest:F0}");
        Console.WriteLine($"raw_best_samples_per_s={rawBest:F0}");
        Console.WriteLine($"keras_samples_per_cpu_s={kerasCpu:F0}");
        Console.WriteLine($"raw_samples_per_cpu_s={rawCpu:F0}");
        Console.WriteLine($"keras_tensors_per_step={last.Keras.PerStep.Tensors:F1}");
        Console.WriteLine($"raw_tensors_per_step={last.Raw.PerStep.Tensors:F1}");
        Console.WriteLine($"keras_managed_bytes_per_step={last.Keras.PerStep.ManagedBytes:F0}");
        Console.WriteLine($"raw_managed_bytes_per_step={last.Raw.PerStep.ManagedBytes:F0}");
        Console.WriteLine($"keras_final_loss={last.Keras.Loss:F4}");
        Console.WriteLine($"raw_final_loss={last.Raw.Loss:F4}");
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>Collects garbage (and runs TorchSharp finalizers) so one side's leftovers are not paid by the other.</summary>
    private static void Quiesce()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <param name="SamplesPerSecond">Wall-clock throughput of the timed epochs.</param>
    /// <param name="CallSamplesPerSecond">Wall-clock throughput of the whole timed Fit call (Keras: includes converting the data to tensors).</param>
    /// <param name="SamplesPerCpuSecond">Samples per second of process CPU time (all threads) during the timed epochs.</param>
    /// <param name="PerStep">Managed allocations and tensors created per training step.</param>
    private sealed record Result(double SamplesPerSecond, double CallSamplesPerSecond, double SamplesPerCpuSecond, double Seconds, double Loss, double Accuracy, Counters PerStep);

    private sealed record Row(int Repeat, string Order, Result Keras, Result Raw);

    // ------------------------------------------------------------------ data

    private sealed class Data
    {
        private Data(float[] x, int[] y, string source, string sourceKey)
        {
            X = x;
            Y = y;
            N = y.Length;
            Source = source;
            SourceKey = sourceKey;
            X2D = new float[N, Features];
            Buffer.BlockCopy(x, 0, X2D, 0, x.Length * sizeof(float));
        }

        /// <summary>Images scaled to [0, 1], row-major (N, 784).</summary>
        public float[] X { get; }

        /// <summary>The same images as a (N, 784) array, as passed to Fit.</summary>
        public float[,] X2D { get; }

        public int[] Y { get; }
        public int N { get; }
        public string Source { get; }
        public string SourceKey { get; }

        public static Data Load(int samples)
        {
            try
            {
                var ((xTrain, yTrain), _) = Datasets.FashionMnist.LoadData();
                long available = xTrain.shape[0];
                int n = (int)Math.Min(samples, available);
                byte[] pixels = xTrain.ToArray<byte>();
                byte[] labels = yTrain.ToArray<byte>();
                var x = new float[(long)n * Features];
                for (long i = 0; i < x.Length; i++) x[i] = pixels[i] / 255f;
                var y = new int[n];
                for (int i = 0; i < n; i++) y[i] = labels[i];
                string note = n < samples ? $" (only {available} available)" : "";
                return new Data(x, y, $"Fashion-MNIST train, first {n}{note}", "fashion_mnist");
            }
            catch (Exception e)
            {
                Console.WriteLine($"Fashion-MNIST not usable ({e.GetType().Name}: {FirstLine(e.Message)}); using synthetic data.");
                return Synthetic(samples);
            }
        }

        // Deterministic, learnable stand-in: 10 random class prototypes in [0, 1] plus noise, clipped to [0, 1].
        private static Data Synthetic(int n)
        {
            var rng = new Random(Seed);
            var prototypes = new float[Classes, Features];
            for (int c = 0; c < Classes; c++)
                for (int f = 0; f < Features; f++) prototypes[c, f] = rng.NextSingle();
            var x = new float[(long)n * Features];
            var y = new int[n];
            for (int i = 0; i < n; i++)
            {
                int c = rng.Next(Classes);
                y[i] = c;
                for (int f = 0; f < Features; f++)
                    x[(long)i * Features + f] = Math.Clamp(prototypes[c, f] + (rng.NextSingle() - 0.5f) * 1.5f, 0f, 1f);
            }
            return new Data(x, y, $"synthetic (deterministic, seed {Seed}), {n} samples", "synthetic");
        }

        private static string FirstLine(string s) => s.Split('\n')[0];
    }

    // ------------------------------------------------------------------ options

    private sealed record Options(int Epochs, int Samples, int Threads, int Repeats, int Batch, bool Help)
    {
        public const string Usage =
            "usage: dotnet run -c Release --project eng/bench -- [--epochs N] [--samples N] [--threads N] [--repeats N]\n" +
            "  --epochs N   timed epochs per run, after one untimed warm-up epoch (default 1)\n" +
            "  --samples N  training samples (default 60000, all of Fashion-MNIST's training set)\n" +
            "  --threads N  libtorch intra-op threads for both sides (default: logical CPU count)\n" +
            "  --repeats N  Keras/raw pairs, alternating which goes first; medians are reported (default 3)\n" +
            "  --batch N    batch size (default 128; small batches expose per-step overhead)";

        public static Options Parse(string[] args)
        {
            int epochs = 1, samples = 60000, threads = Environment.ProcessorCount, repeats = 3, batch = 128;
            bool help = false;
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                if (a is "-h" or "--help")
                {
                    help = true;
                    continue;
                }
                string? inline = null;
                int eq = a.IndexOf('=');
                if (eq > 0)
                {
                    inline = a[(eq + 1)..];
                    a = a[..eq];
                }
                int Value()
                {
                    string? s = inline ?? (i + 1 < args.Length ? args[++i] : null);
                    if (s is null || !int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 1)
                        throw new ArgumentException($"{a} needs a positive integer; got '{s}'.");
                    return v;
                }
                switch (a)
                {
                    case "--epochs": epochs = Value(); break;
                    case "--samples": samples = Value(); break;
                    case "--threads": threads = Value(); break;
                    case "--repeats": repeats = Value(); break;
                    case "--batch": batch = Value(); break;
                    default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }
            return new Options(epochs, samples, threads, repeats, batch, help);
        }
    }
}
