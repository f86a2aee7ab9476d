using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using TorchSharp;

namespace Keras.Bench;

/// <summary>
/// Cold start: a fresh process, from <c>Process.Start</c> to the first prediction of a saved model, timed by the
/// parent when the child prints its result. Keras.Net loads the MLP from a <c>.keras</c> file; the hand-written
/// side loads the same weights into its TorchSharp module (<c>Module.load</c>); PyTorch loads a state_dict.
/// Runs alternate between the sides; medians are reported, with each child's peak RSS.
/// </summary>
internal static class ColdStart
{
    public static void Run(Options o, PyTorchWorker? py, Report report, string exportRoot)
    {
        var dir = Path.Combine(exportRoot, "coldstart");
        Directory.CreateDirectory(dir);
        var kerasFile = Path.Combine(dir, "mlp.keras");
        var rawFile = Path.Combine(dir, "mlp.torchsharp");
        string? pyDir = null;
        using (var w = new MlpWorkload(o with { Samples = Math.Min(o.Samples, 256) }))
        using (var model = w.BuildKeras())
        using (var raw = w.BuildRaw(model.GetWeights()))
        {
            model.SaveModel(kerasFile);
            raw.save(rawFile);
            if (py is { Alive: true } && py.Load("mlp", w.ExportForPyTorch(exportRoot, raw)))
            {
                pyDir = Path.Combine(exportRoot, "mlp");
                if (!py.Save("mlp", Path.Combine(pyDir, "model.pt"))) pyDir = null;
            }
        }

        Console.WriteLine($"[coldstart] {kerasFile} ({new FileInfo(kerasFile).Length / 1024} KiB), {o.ColdStartRuns} run(s) per side, alternating");
        var runs = new Dictionary<char, List<Child>> { ['K'] = [], ['R'] = [], ['P'] = [] };
        for (int i = 0; i < o.ColdStartRuns; i++)
        {
            foreach (char side in i % 2 == 0 ? "KRP" : "PRK")
            {
                if (side == 'P' && pyDir is null) continue;
                var start = side switch
                {
                    'K' => ChildProcess.Self("coldstart-keras", kerasFile, "--threads", o.Threads.ToString(CultureInfo.InvariantCulture)),
                    'R' => ChildProcess.Self("coldstart-raw", rawFile, "--threads", o.Threads.ToString(CultureInfo.InvariantCulture)),
                    _ => PyTorchWorker.StartInfo(o, "--coldstart", pyDir!),
                };
                var child = ChildProcess.Run(start, "first_prediction", TimeSpan.FromMinutes(2));
                if (child is null)
                {
                    if (side == 'P')
                    {
                        pyDir = null;
                        continue;
                    }

                    Console.WriteLine($"[coldstart] the {side} child failed; cold start not measured");
                    return;
                }

                runs[side].Add(child);
            }

            Console.WriteLine($"[coldstart] run {i + 1}: keras {runs['K'][^1].Seconds:F3} s, raw {runs['R'][^1].Seconds:F3} s" +
                (pyDir is not null && runs['P'].Count == i + 1 ? $", pytorch {runs['P'][^1].Seconds:F3} s" : "") + $", {report.Checkpoint()}");
        }

        // Same weights, same input: the first outputs must agree.
        var outputs = runs.Where(r => r.Value.Count > 0).Select(r => (r.Key, r.Value[0].Marker)).ToArray();
        Console.WriteLine("[coldstart] first outputs: " + string.Join("; ", outputs.Select(x => $"{x.Key}: {x.Marker}")));

        bool hasPy = runs['P'].Count > 0;
        double Med(char s) => runs[s].Count == 0 ? double.NaN : Stats.Median(runs[s].Select(c => c.Seconds));
        double Rss(char s) => runs[s].Count == 0 ? double.NaN : Stats.Median(runs[s].Select(c => c.Value("peak_rss_mib")));
        double k = Med('K'), r = Med('R'), p = Med('P');
        report.Main.Add("coldstart", "process start -> first prediction (s, median)", Stats.F(k, "F3"), Stats.F(r, "F3"), Stats.F(p, "F3"),
            Stats.F(r / k, "F3"), Stats.F(p / k, "F3"), "Keras <= 0.4 s");
        report.Main.Add("coldstart", "peak RSS of the process (MiB)", Stats.F(Rss('K'), "F0"), Stats.F(Rss('R'), "F0"), Stats.F(Rss('P'), "F0"),
            "", "", "");
        var kc = runs['K'];
        report.Note($"cold start, Keras.Net phases (median, in-process from Main): runtime load {Stats.F(Stats.Median(kc.Select(c => c.Value("runtime_ms"))), "F0")} ms, " +
            $"Model.Load {Stats.F(Stats.Median(kc.Select(c => c.Value("load_ms"))), "F0")} ms, first Predict {Stats.F(Stats.Median(kc.Select(c => c.Value("predict_ms"))), "F0")} ms; " +
            "the rest of the total is process and .NET start-up. Keras/TorchSharp and Keras/PyTorch in this row are time ratios (other side / Keras).");
        report.Value("coldstart_keras_s", k, "F3");
        report.Value("coldstart_raw_s", r, "F3");
        report.Value("coldstart_keras_peak_rss_mib", Rss('K'), "F0");
        report.Value("coldstart_raw_peak_rss_mib", Rss('R'), "F0");
        if (hasPy)
        {
            report.Value("coldstart_pytorch_s", p, "F3");
            report.Value("coldstart_pytorch_peak_rss_mib", Rss('P'), "F0");
        }
    }

    // ------------------------------------------------------------------ children (fresh processes)

    /// <summary>Keras.Net: load the runtime, load the .keras file, predict one sample.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int KerasChild(string file, int threads)
    {
        var clock = Stopwatch.StartNew();
        Backend.KerasBackend.SetNumThreads(threads);
        double runtime = clock.Elapsed.TotalMilliseconds;
        using var model = Models.Model.Load(file, compile: false);
        double load = clock.Elapsed.TotalMilliseconds;
        var x = new float[1, MlpWorkload.Features];
        for (int i = 0; i < MlpWorkload.Features; i++) x[0, i] = 0.5f;
        float[] y;
        using (var predicted = model.Predict(x, verbose: 0)) y = predicted.ToArray<float>();
        double predict = clock.Elapsed.TotalMilliseconds;
        Console.WriteLine("first_prediction " + string.Join(" ", y.Take(3).Select(v => v.ToString("F6", CultureInfo.InvariantCulture))));
        Console.WriteLine($"runtime_ms={runtime:F1}");
        Console.WriteLine($"load_ms={load - runtime:F1}");
        Console.WriteLine($"predict_ms={predict - load:F1}");
        Console.WriteLine($"peak_rss_mib={Machine.PeakRssMiB():F1}");
        return 0;
    }

    /// <summary>Hand-written TorchSharp: the native bootstrap (needed on this host), load the module's weights, predict.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int RawChild(string file, int threads)
    {
        Native.TorchRuntime.EnsureLoaded();
        torch.set_num_threads(threads);
        using var model = new RawMlp();
        model.load(file);
        model.eval();
        using var noGrad = torch.no_grad();
        using var x = torch.full(1, MlpWorkload.Features, 0.5f);
        using var logits = model.forward(x);
        using var p = model.Probabilities(logits);
        var y = p.data<float>().ToArray();
        Console.WriteLine("first_prediction " + string.Join(" ", y.Take(3).Select(v => v.ToString("F6", CultureInfo.InvariantCulture))));
        Console.WriteLine($"peak_rss_mib={Machine.PeakRssMiB():F1}");
        return 0;
    }
}

/// <summary>A finished child process: its wall time to the marker line, the marker line and its key=value output.</summary>
internal sealed class Child
{
    private readonly Dictionary<string, string> _values;

    public Child(double seconds, string marker, Dictionary<string, string> values)
    {
        Seconds = seconds;
        Marker = marker;
        _values = values;
    }

    /// <summary>Seconds from just before Process.Start to the marker line (or to exit when there is none).</summary>
    public double Seconds { get; }

    public string Marker { get; }

    public double Value(string key) =>
        _values.TryGetValue(key, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN;

    public string? Text(string key) => _values.GetValueOrDefault(key);
}

internal static class ChildProcess
{
    /// <summary>This benchmark in child mode: its apphost when there is one, else <c>dotnet Keras.Net.Bench.dll</c>.</summary>
    public static ProcessStartInfo Self(string mode, params string[] arguments)
    {
        var apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Keras.Net.Bench.exe" : "Keras.Net.Bench");
        ProcessStartInfo start;
        if (File.Exists(apphost))
        {
            start = new ProcessStartInfo(apphost);
        }
        else
        {
            start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet");
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Keras.Net.Bench.dll"));
        }

        start.ArgumentList.Add("--child");
        start.ArgumentList.Add(mode);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        return start;
    }

    /// <summary>Runs a child to completion; null (after printing why) when it fails or times out.</summary>
    public static Child? Run(ProcessStartInfo start, string? marker, TimeSpan timeout)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string markerLine = string.Empty;
        double markerSeconds = double.NaN;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var read = process.StandardOutput.ReadLineAsync();
            if (!read.Wait(deadline - DateTime.UtcNow))
            {
                process.Kill(entireProcessTree: true);
                Console.WriteLine($"child {start.FileName} {string.Join(' ', start.ArgumentList)} timed out after {timeout.TotalSeconds:F0} s");
                return null;
            }

            var line = read.Result;
            if (line is null) break;
            if (marker is not null && line.StartsWith(marker, StringComparison.Ordinal) && double.IsNaN(markerSeconds))
            {
                markerSeconds = clock.Elapsed.TotalSeconds;
                markerLine = line[marker.Length..].Trim();
                continue;
            }

            int eq = line.IndexOf('=');
            if (eq > 0) values[line[..eq]] = line[(eq + 1)..];
        }

        process.WaitForExit();
        if (process.ExitCode != 0 || (marker is not null && double.IsNaN(markerSeconds)))
        {
            Console.WriteLine($"child {Path.GetFileName(start.FileName)} {string.Join(' ', start.ArgumentList)} failed (exit {process.ExitCode}): " +
                stderr.Result.Split('\n').FirstOrDefault(l => l.Trim().Length > 0));
            return null;
        }

        return new Child(double.IsNaN(markerSeconds) ? clock.Elapsed.TotalSeconds : markerSeconds, markerLine, values);
    }
}
