using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keras.Bench;

/// <summary>
/// The optional PyTorch side: pytorch_worker.py in a long-lived child process that runs one training segment or
/// one block of predictions per request (a JSON line in, a JSON line out), so its segments interleave with the
/// .NET sides. Anything going wrong turns the PyTorch side off for the rest of the run; it never fails the suite.
/// </summary>
internal sealed class PyTorchWorker : IDisposable
{
    private readonly Process _process;

    private PyTorchWorker(Process process, string version, string blas)
    {
        _process = process;
        Version = version;
        Blas = blas;
    }

    public string Version { get; }

    /// <summary>The BLAS library PyTorch's process has mapped (e.g. libopenblasp-r0.3.21.so).</summary>
    public string Blas { get; }

    public bool Alive { get; private set; } = true;

    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "pytorch_worker.py");

    /// <summary>
    /// The environment for PyTorch commands: this machine's OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE settings make OpenBLAS
    /// pick slower kernels, so they are removed for these commands only; thread counts are set explicitly.
    /// </summary>
    public static ProcessStartInfo StartInfo(Options o, params string[] arguments)
    {
        var start = new ProcessStartInfo(o.Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-u");
        start.ArgumentList.Add(ScriptPath);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.ArgumentList.Add("--threads");
        start.ArgumentList.Add(o.Threads.ToString(CultureInfo.InvariantCulture));
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("OPENBLAS_L2_SIZE");
        start.Environment["OMP_NUM_THREADS"] = o.Threads.ToString(CultureInfo.InvariantCulture);
        start.Environment["OPENBLAS_NUM_THREADS"] = o.Threads.ToString(CultureInfo.InvariantCulture);
        return start;
    }

    /// <summary>Starts the worker, or returns null (and why) when Python or PyTorch is not usable.</summary>
    public static PyTorchWorker? TryStart(Options o, out string why)
    {
        if (!File.Exists(o.Python))
        {
            why = $"{o.Python} not found";
            return null;
        }

        if (!File.Exists(ScriptPath))
        {
            why = $"{ScriptPath} missing from the build output";
            return null;
        }

        Process? process = null;
        try
        {
            process = Process.Start(StartInfo(o, "--worker"))!;
            _ = process.StandardError.ReadToEndAsync(); // drain; shown only through the worker's own error replies
            var ready = ReadLine(process, TimeSpan.FromSeconds(90));
            var reply = ready is null ? null : JsonNode.Parse(ready)?.AsObject();
            if (reply?["ok"]?.GetValue<bool>() != true)
            {
                why = reply?["error"]?.GetValue<string>() ?? "the worker did not start (is python3-torch installed?)";
                Stop(process);
                return null;
            }

            why = string.Empty;
            ForeignCpu.Track(process.Id);
            return new PyTorchWorker(process, reply["torch"]!.GetValue<string>(), reply["blas"]?.GetValue<string>() ?? "unknown");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or JsonException or InvalidOperationException)
        {
            why = e.Message;
            if (process is not null) Stop(process);
            return null;
        }
    }

    public bool Load(string name, string dir) => Call(new JsonObject { ["cmd"] = "load", ["name"] = name, ["dir"] = dir }) is not null;

    public Segment? Train(string name, long offset, long count)
    {
        var r = Call(new JsonObject { ["cmd"] = "train", ["name"] = name, ["offset"] = offset, ["count"] = count });
        if (r is null) return null;
        double seconds = r["seconds"]!.GetValue<double>(), cpu = r["cpu"]!.GetValue<double>();
        return new Segment(count / seconds, count / cpu, count / seconds, r["loss"]!.GetValue<double>(), Counters.None);
    }

    /// <summary>Per-call latencies in microseconds of <paramref name="calls"/> predictions of <paramref name="batch"/> samples.</summary>
    public double[]? Predict(string name, int batch, int calls)
    {
        var r = Call(new JsonObject { ["cmd"] = "predict", ["name"] = name, ["batch"] = batch, ["calls"] = calls });
        return r?["us"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
    }

    /// <summary>The first output row of a batch-1 prediction (for agreement checks).</summary>
    public double[]? FirstOutput(string name)
    {
        var r = Call(new JsonObject { ["cmd"] = "output", ["name"] = name });
        return r?["values"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
    }

    /// <summary>Best GFLOP/s of a float32 m×k by k×n matmul.</summary>
    public double Gemm(long m, long k, long n)
    {
        var r = Call(new JsonObject { ["cmd"] = "gemm", ["m"] = m, ["k"] = k, ["n"] = n });
        return r?["gflops"]?.GetValue<double>() ?? double.NaN;
    }

    /// <summary>Saves the named model's state_dict (torch.save) for the PyTorch cold-start run.</summary>
    public bool Save(string name, string path) => Call(new JsonObject { ["cmd"] = "save", ["name"] = name, ["path"] = path }) is not null;

    private JsonObject? Call(JsonObject request)
    {
        if (!Alive) return null;
        try
        {
            _process.StandardInput.WriteLine(request.ToJsonString());
            _process.StandardInput.Flush();
            var line = ReadLine(_process, TimeSpan.FromMinutes(5));
            var reply = line is null ? null : JsonNode.Parse(line)?.AsObject();
            if (reply?["ok"]?.GetValue<bool>() == true) return reply;
            Console.WriteLine($"PyTorch side disabled: {reply?["error"]?.GetValue<string>() ?? "the worker stopped answering"}");
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException)
        {
            Console.WriteLine($"PyTorch side disabled: {e.Message}");
        }

        Alive = false;
        Stop(_process);
        return null;
    }

    private static string? ReadLine(Process process, TimeSpan timeout)
    {
        var read = process.StandardOutput.ReadLineAsync();
        return read.Wait(timeout) ? read.Result : null;
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public void Dispose()
    {
        ForeignCpu.Untrack(_process.Id);
        if (Alive)
        {
            try
            {
                _process.StandardInput.WriteLine("{\"cmd\":\"quit\"}");
                _process.StandardInput.Flush();
                if (!_process.WaitForExit(5000)) Stop(_process);
            }
            catch (IOException)
            {
                Stop(_process);
            }
        }

        _process.Dispose();
    }
}
