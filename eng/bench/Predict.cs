using System.Diagnostics;
using TorchSharp;

namespace Keras.Bench;

/// <summary>
/// <c>Model.Predict</c> latency at batch 1 (p50, p99) and throughput at batch 256, against the hand-written forward
/// pass (a float[] in, torch.tensor, no_grad forward, softmax, float[] out) and PyTorch (NumPy in and out), in
/// interleaved blocks of calls.
/// </summary>
internal static class PredictBench
{
    public static void Run(Options o, PyTorchWorker? py, Report report, string exportRoot)
    {
        foreach (var name in new[] { "mlp", "cnn" })
        {
            using var w = Workload.Create(name, o with { Samples = Math.Min(o.Samples, 1024) });
            using var model = w.BuildKeras();
            using var raw = w.BuildRaw(model.GetWeights());
            raw.eval();
            bool withPy = py is { Alive: true } && py.Load(name, w.ExportForPyTorch(exportRoot, raw));

            var one = Inputs(w, 1);
            var many = Inputs(w, 256);
            Check(w, model, raw, many, py is { Alive: true } && withPy ? py : null);

            int calls1 = o.PredictCalls;
            int calls256 = Math.Max(3, o.PredictCalls / 30);
            for (int i = 0; i < 2; i++)
            {
                Block(model, raw, one, calls1, 'K');
                Block(model, raw, one, calls1, 'R');
                Block(model, raw, many, calls256, 'K');
                Block(model, raw, many, calls256, 'R');
            }

            if (withPy) withPy = py!.Predict(name, 1, calls1) is not null && py.Predict(name, 256, calls256) is not null;

            var lat = new Dictionary<char, List<double>> { ['K'] = [], ['R'] = [], ['P'] = [] };
            var p50s = new Dictionary<char, List<double>> { ['K'] = [], ['R'] = [], ['P'] = [] };
            var thr = new Dictionary<char, List<double>> { ['K'] = [], ['R'] = [], ['P'] = [] };
            for (int round = 0; round < o.Pairs; round++)
            {
                foreach (char side in round % 2 == 0 ? "KRP" : "PRK")
                {
                    if (side == 'P' && !withPy) continue;
                    Machine.Quiesce();
                    double[]? us = side == 'P' ? py!.Predict(name, 1, calls1) : Block(model, raw, one, calls1, side);
                    double[]? us256 = side == 'P' ? py!.Predict(name, 256, calls256) : Block(model, raw, many, calls256, side);
                    if (us is null || us256 is null)
                    {
                        withPy = false;
                        continue;
                    }

                    lat[side].AddRange(us);
                    p50s[side].Add(Stats.Median(us));
                    thr[side].Add(256 * us256.Length / (us256.Sum() / 1e6));
                }

                Console.WriteLine($"[predict {name}] round {round + 1}: batch-1 p50 keras {p50s['K'][^1]:F1} us, raw {p50s['R'][^1]:F1} us" +
                    (withPy && p50s['P'].Count == p50s['K'].Count ? $", pytorch {p50s['P'][^1]:F1} us" : "") + $", {report.Checkpoint()}");
            }

            bool hasPy = withPy && p50s['P'].Count == p50s['K'].Count;
            Summarize(name, report, lat, p50s, thr, hasPy);
        }
    }

    private sealed record Input(Array Keras, float[] Flat, long[] RawShape);

    private static Input Inputs(Workload w, int batch)
    {
        using var x = w.KerasX.narrow(0, 0, batch).contiguous();
        var flat = x.data<float>().ToArray();
        Array keras = w.Name == "mlp" ? new float[batch, MlpWorkload.Features] : new float[batch, 28, 28, 1];
        Buffer.BlockCopy(flat, 0, keras, 0, flat.Length * sizeof(float));
        return new Input(keras, flat, w.RawX.shape.Select((d, i) => i == 0 ? batch : d).ToArray());
    }

    /// <summary>Times <paramref name="calls"/> predictions on one side; returns microseconds per call.</summary>
    private static double[] Block(Models.Sequential model, RawModel raw, Input input, int calls, char side)
    {
        var us = new double[calls];
        int batch = input.Keras.GetLength(0);
        for (int i = 0; i < calls; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            if (side == 'K')
            {
                model.Predict(input.Keras, batchSize: batch, verbose: 0).Dispose();
            }
            else
            {
                RawPredict(raw, input);
            }

            us[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }

        return us;
    }

    private static float[] RawPredict(RawModel raw, Input input)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.tensor(input.Flat, input.RawShape);
        return raw.Probabilities(raw.forward(x)).data<float>().ToArray();
    }

    /// <summary>The sides compute the same function: outputs from the same weights must agree.</summary>
    private static void Check(Workload w, Models.Sequential model, RawModel raw, Input input, PyTorchWorker? py)
    {
        float[] keras;
        using (var predicted = model.Predict(input.Keras, batchSize: 256, verbose: 0)) keras = predicted.ToArray<float>();
        var rawOut = RawPredict(raw, input);
        double diff = keras.Zip(rawOut, (a, b) => Math.Abs(a - b)).Max();
        string line = $"[predict {w.Name}] max |keras - raw| over 256 samples: {diff:E2}";
        if (py?.FirstOutput(w.Name) is { } first)
            line += $"; max |keras - pytorch| (sample 0): {first.Zip(keras, (a, b) => Math.Abs(a - b)).Max():E2}";
        Console.WriteLine(line);
        if (diff > 1e-3)
            Console.WriteLine($"WARNING: Keras.Net and the hand-written {w.Name} disagree ({diff:E2}); the weight mapping is wrong.");
    }

    private static void Summarize(string name, Report report, Dictionary<char, List<double>> lat, Dictionary<char, List<double>> p50s,
        Dictionary<char, List<double>> thr, bool hasPy)
    {
        double P(char s, double q) => s == 'P' && !hasPy ? double.NaN : Stats.Percentile(lat[s], q);
        double T(char s) => s == 'P' && !hasPy ? double.NaN : Stats.Median(thr[s]);
        double overhead = Stats.Median(p50s['K'].Zip(p50s['R'], (k, r) => k - r));
        double overheadPy = hasPy ? Stats.Median(p50s['K'].Zip(p50s['P'], (k, p) => k - p)) : double.NaN;
        double thrRatio = Stats.Median(thr['K'].Zip(thr['R'], (k, r) => k / r));
        double thrRatioPy = hasPy ? Stats.Median(thr['K'].Zip(thr['P'], (k, p) => k / p)) : double.NaN;

        report.Main.Add($"predict {name}", "batch-1 latency p50 (us)", Stats.F(P('K', 50), "F1"), Stats.F(P('R', 50), "F1"), Stats.F(P('P', 50), "F1"),
            $"+{Stats.F(overhead, "F1")} us", hasPy ? $"{(overheadPy >= 0 ? "+" : "")}{Stats.F(overheadPy, "F1")} us" : "n/a",
            name == "mlp" ? "overhead <= 20 us" : "");
        report.Main.Add($"predict {name}", "batch-1 latency p99 (us)", Stats.F(P('K', 99), "F1"), Stats.F(P('R', 99), "F1"), Stats.F(P('P', 99), "F1"),
            "", "", "");
        report.Main.Add($"predict {name}", "batch-256 samples/s", Stats.F(T('K'), "F0"), Stats.F(T('R'), "F0"), Stats.F(T('P'), "F0"),
            Stats.F(thrRatio, "F3"), Stats.F(thrRatioPy, "F3"), "");

        string n = $"predict_{name}";
        report.Value($"{n}_b1_keras_p50_us", P('K', 50), "F1");
        report.Value($"{n}_b1_keras_p99_us", P('K', 99), "F1");
        report.Value($"{n}_b1_raw_p50_us", P('R', 50), "F1");
        report.Value($"{n}_b1_raw_p99_us", P('R', 99), "F1");
        report.Value($"{n}_b1_overhead_us_p50", overhead, "F1");
        report.Value($"{n}_b256_keras_samples_per_s", T('K'), "F0");
        report.Value($"{n}_b256_raw_samples_per_s", T('R'), "F0");
        report.Value($"{n}_b256_keras_over_raw", thrRatio, "F3");
        if (hasPy)
        {
            report.Value($"{n}_b1_pytorch_p50_us", P('P', 50), "F1");
            report.Value($"{n}_b1_pytorch_p99_us", P('P', 99), "F1");
            report.Value($"{n}_b1_keras_minus_pytorch_us_p50", overheadPy, "F1");
            report.Value($"{n}_b256_pytorch_samples_per_s", T('P'), "F0");
            report.Value($"{n}_b256_keras_over_pytorch", thrRatioPy, "F3");
        }

        if (name == "mlp") report.Value("predict_b1_overhead_us_p50", overhead, "F1");
    }
}
