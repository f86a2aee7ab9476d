// Load driver for examples/Serving. Starts the example (or targets a running one on loopback), runs
// concurrent clients for a bounded number of requests and time, and reports throughput, latency,
// errors and whether every response equals single-threaded Model.Predict bit for bit. See README.md.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Keras.Backend;
using Keras.Examples.Serving;
using Keras.LoadGen;
using Keras.Models;

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

string? tempFolder = null;
ServerProcess? server = null;
try
{
    var modelPath = options.Model;
    if (modelPath is null)
    {
        tempFolder = Directory.CreateTempSubdirectory("keras-net-loadgen-").FullName;
        modelPath = Path.Combine(tempFolder, "demo.keras");
        Console.WriteLine($"No --model: training the Serving example's demo model into {modelPath}");
        DemoModel.CreateFile(modelPath);
    }

    Uri url;
    if (options.Url is { } given)
    {
        url = given;
    }
    else
    {
        var dll = options.Server ?? Path.Combine(AppContext.BaseDirectory, "Serving.dll");
        Console.WriteLine($"Starting {dll} on a free loopback port ...");
        server = ServerProcess.Start(dll, modelPath, options.Threads, TimeSpan.FromSeconds(120));
        url = server.Url;
    }
    LoadOptions.RequireLoopback(url);

    ThreadPool.SetMinThreads(Math.Max(options.Concurrency, Environment.ProcessorCount), Math.Max(options.Concurrency, Environment.ProcessorCount));
    using var http = new HttpClient(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = options.Concurrency,
        UseProxy = false,
        AllowAutoRedirect = false,
    })
    {
        BaseAddress = url,
        Timeout = TimeSpan.FromSeconds(60),
    };

    var health = await http.GetFromJsonAsync<HealthResponse>("healthz", new JsonSerializerOptions(JsonSerializerDefaults.Web))
        ?? throw new InvalidOperationException($"{url}healthz returned nothing.");
    Console.WriteLine($"Server {url}: status {health.Status}, model \"{health.Model.Name}\" ({health.Model.ClassName}), input {Dims(health.Model.Input.Shape)} {health.Model.Input.DType}, output {Dims(health.Model.Output.Shape)}, {health.Threads} intra-op thread(s)");

    // The reference runs with the server's thread count, in this process, one call at a time.
    KerasBackend.SetNumThreads(health.Threads);
    Payload[] payloads;
    using (var model = Model.Load(modelPath, compile: false))
    {
        if (model.Name != health.Model.Name)
            Console.WriteLine($"Note: {modelPath} holds model \"{model.Name}\" but the server reports \"{health.Model.Name}\".");
        payloads = Payloads.Create(model, options.Payloads, options.Batch, options.Seed);
    }
    Console.WriteLine($"{payloads.Length} distinct request bodies of {options.Batch} instance(s), {payloads.Average(p => p.Body.Length) / 1024:F1} KiB on average; expected predictions from single-threaded Model.Predict.");

    if (options.Warmup > 0)
    {
        var warm = await Drive(http, payloads, options.Warmup, TimeSpan.FromSeconds(Math.Min(60, options.DurationSeconds)), options.Concurrency);
        Console.WriteLine($"Warm-up: {warm.Latencies.Length} requests, {warm.Errors} error(s), {warm.Mismatches} mismatch(es).");
    }
    Console.WriteLine($"Measuring: {options.Concurrency} concurrent clients, at most {options.Requests} requests or {options.DurationSeconds} s.");
    var run = await Drive(http, payloads, options.Requests, TimeSpan.FromSeconds(options.DurationSeconds), options.Concurrency);

    var sorted = run.Latencies.Order().ToArray();
    double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    double rps = run.Completed / run.Elapsed.TotalSeconds;
    Console.WriteLine();
    Console.WriteLine($"requests     {run.Completed} in {run.Elapsed.TotalSeconds:F2} s ({options.Concurrency} clients, {options.Batch} instance(s) each)");
    Console.WriteLine($"throughput   {rps:F1} req/s ({rps * options.Batch:F1} instances/s)");
    Console.WriteLine($"latency      p50 {Percentile(0.50):F2} ms, p90 {Percentile(0.90):F2} ms, p99 {Percentile(0.99):F2} ms, max {Percentile(1.0):F2} ms");
    Console.WriteLine($"errors       {run.Errors}");
    Console.WriteLine($"mismatches   {run.Mismatches} (responses that differ from single-threaded Model.Predict in any bit)");
    foreach (var problem in run.Problems) Console.WriteLine($"  {problem}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"RESULT requests={run.Completed} seconds={run.Elapsed.TotalSeconds:F3} rps={rps:F1} p50_ms={Percentile(0.5):F3} p99_ms={Percentile(0.99):F3} errors={run.Errors} mismatches={run.Mismatches}"));
    bool ok = run.Completed > 0 && run.Errors == 0 && run.Mismatches == 0;
    if (!ok && server is not null) Console.WriteLine($"Server output:\n{server.Output}");
    return ok ? 0 : 1;
}
catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException or ArgumentException)
{
    Console.Error.WriteLine($"loadgen: {e.Message}");
    return 1;
}
finally
{
    server?.Dispose();
    if (tempFolder is not null) Directory.Delete(tempFolder, recursive: true);
}

static string Dims(int?[] shape) => PredictCodec.Format(shape.Select(d => d ?? Keras.Shape.Unknown).ToArray());

// Runs clients until `limit` requests were sent or `duration` passed; every response is checked.
static async Task<RunResult> Drive(HttpClient http, Payload[] payloads, int limit, TimeSpan duration, int concurrency)
{
    long issued = 0;
    int errors = 0, mismatches = 0;
    var problems = new System.Collections.Concurrent.ConcurrentQueue<string>();
    var latencies = new List<double>[concurrency];
    var clock = Stopwatch.StartNew();
    var json = new MediaTypeHeaderValue("application/json");

    async Task Client(int id)
    {
        var mine = latencies[id] = new List<double>(limit / concurrency + 16);
        while (clock.Elapsed < duration)
        {
            long k = Interlocked.Increment(ref issued) - 1;
            if (k >= limit) break;
            var payload = payloads[k % payloads.Length];
            using var content = new ByteArrayContent(payload.Body);
            content.Headers.ContentType = json;
            long start = Stopwatch.GetTimestamp();
            byte[] body;
            HttpStatusCode status;
            try
            {
                using var response = await http.PostAsync("predict", content);
                status = response.StatusCode;
                body = await response.Content.ReadAsByteArrayAsync();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref errors);
                if (problems.Count < 10) problems.Enqueue($"request {k}: {e.GetType().Name}: {e.Message}");
                continue;
            }
            mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (status != HttpStatusCode.OK)
            {
                Interlocked.Increment(ref errors);
                if (problems.Count < 10) problems.Enqueue($"request {k}: HTTP {(int)status}: {System.Text.Encoding.UTF8.GetString(body)}");
            }
            else if (Payloads.Compare(payload, body) is { } difference)
            {
                Interlocked.Increment(ref mismatches);
                if (problems.Count < 10) problems.Enqueue($"request {k} (payload {k % payloads.Length}): {difference}");
            }
        }
    }

    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(() => Client(i))));
    var elapsed = clock.Elapsed;
    var all = latencies.SelectMany(l => l).ToArray();
    return new RunResult(all.Length, elapsed, all, errors, mismatches, problems.ToArray());
}

internal sealed record RunResult(int Completed, TimeSpan Elapsed, double[] Latencies, int Errors, int Mismatches, string[] Problems);
