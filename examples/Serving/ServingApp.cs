using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Keras.Backend;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Keras.Examples.Serving;

/// <summary>
/// Builds the serving app: loads the model (or makes the demo model), binds Kestrel to 127.0.0.1 only and
/// maps <c>POST /predict</c> and <c>GET /healthz</c>. <c>Program.cs</c> runs it; tests start it in-process.
/// </summary>
/// <remarks>
/// Settings (command line <c>--name value</c>, or any ASP.NET Core configuration source such as <c>appsettings.json</c>):
/// <c>Model</c> (a .keras/.h5 file; without one a demo model is trained and saved to a temporary file),
/// <c>Port</c> (default 5080; 0 picks a free port), <c>MaxInstances</c> (instances per request, default 1024),
/// <c>MaxBodyBytes</c> (default 16 MiB) and <c>Threads</c> (libtorch intra-op threads; default libtorch's).
/// </remarks>
public static class ServingApp
{
    /// <summary>The port used when none is configured.</summary>
    public const int DefaultPort = 5080;

    private static readonly JsonDocumentOptions BodyOptions = new() { MaxDepth = 32 };

    private static readonly JsonSerializerOptions ResponseOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Messages quote JSON; keep the quotes readable ("instances", not \u0022instances\u0022).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Builds the app (the model is loaded here, before it starts listening).</summary>
    /// <param name="args">Command-line arguments, e.g. <c>--model m.keras --port 5080</c>.</param>
    /// <param name="configure">Adjusts the builder before the app is built (tests use it to quiet logging).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Content root next to the binaries, not the working directory: appsettings.json is looked for
        // (and watched) there, so a test or a service started from a big folder does not watch that folder.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var config = builder.Configuration;
        int port = ReadInt(config, "Port", DefaultPort, min: 0, max: 65535);
        int maxInstances = ReadInt(config, "MaxInstances", 1024, min: 1, max: int.MaxValue);
        int maxBodyBytes = ReadInt(config, "MaxBodyBytes", 16 << 20, min: 1024, max: int.MaxValue);
        int threads = ReadInt(config, "Threads", 0, min: 0, max: 1024);

        // Loopback only, whatever --urls or ASPNETCORE_URLS say: this example has no authentication.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            kestrel.Limits.MaxRequestBodySize = maxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.AddProblemDetails();
        // One log line a request is too much under load; the example logs its own start-up and refusals.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        configure?.Invoke(builder);

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Keras.Examples.Serving");
        if (threads > 0) KerasBackend.SetNumThreads(threads);
        ModelHost host;
        try
        {
            host = LoadModel(config["Model"], log);
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses) log.LogInformation("Serving model \"{Name}\": POST {Address}/predict, GET {Address}/healthz", host.Model.Name, address, address);
        });
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            host.Dispose();
            if (host.IsDemo) File.Delete(host.File);
        });

        // A 500 for a fault of ours, as problem details; bad input never reaches it (it gets a 400 below).
        app.UseExceptionHandler();
        app.MapGet("/healthz", () => Results.Json(Health(host), ResponseOptions));
        app.MapPost("/predict", (HttpRequest request, CancellationToken cancel) => PredictAsync(request, host, maxInstances, log, cancel));
        return app;
    }

    /// <summary>The base addresses the started app listens on (e.g. <c>http://127.0.0.1:5080</c>).</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
    }

    private static ModelHost LoadModel(string? path, ILogger log)
    {
        ModelHost host;
        if (string.IsNullOrWhiteSpace(path))
        {
            var demo = Path.Combine(Path.GetTempPath(), $"keras-net-serving-demo-{Environment.ProcessId}-{Guid.NewGuid():N}.keras");
            log.LogWarning("No --model given: training the demo Fashion-MNIST classifier and saving it to {Path} (deleted at shutdown).", demo);
            DemoModel.CreateFile(demo);
            host = ModelHost.Load(demo, isDemo: true);
        }
        else
        {
            host = ModelHost.Load(path);
        }
        log.LogInformation("Loaded model \"{Name}\" ({Class}) from {File}: input {InputShape} {InputDType} -> output {OutputShape} {OutputDType}; {Threads} intra-op thread(s).",
            host.Model.Name, host.Model.ClassName, host.File, host.InputShape.ToString(), host.InputDType.Name(), host.OutputShape.ToString(), host.OutputDType.Name(), ModelHost.Threads);
        return host;
    }

    private static async Task<IResult> PredictAsync(HttpRequest request, ModelHost host, int maxInstances, ILogger log, CancellationToken cancel)
    {
        JsonDocument body;
        try
        {
            // The only await: reading the body. Nothing of Keras.Net's is alive across it.
            body = await JsonDocument.ParseAsync(request.Body, BodyOptions, cancel);
        }
        catch (JsonException e)
        {
            return BadRequest($"The body is not valid JSON: {e.Message}");
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own refusals: a body over MaxBodyBytes (413), a truncated body (400).
            return Results.Json(new ErrorResponse(e.Message), ResponseOptions, statusCode: e.StatusCode);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return Results.Empty; // The client went away; there is no one to answer.
        }
        using (body)
        {
            return Predict(body.RootElement, host, maxInstances, log);
        }
    }

    // Synchronous from validation to the response bytes: Predict runs on this thread, start to end.
    private static IResult Predict(JsonElement root, ModelHost host, int maxInstances, ILogger log)
    {
        Keras.Data.HostArray batch;
        try
        {
            batch = PredictCodec.ReadInstances(root, host.InputShape, host.InputDType, maxInstances);
        }
        catch (InvalidRequestException e)
        {
            return BadRequest(e.Message, e.Expected, e.Actual);
        }
        Keras.Data.HostArray output;
        try
        {
            output = host.Predict(batch);
        }
        catch (ArgumentException e)
        {
            // The shapes were checked above; a model may still refuse values (e.g. an index out of an
            // Embedding's range). That is the caller's input, so it is a 400 too.
            log.LogInformation("Predict refused a request: {Message}", e.Message);
            return BadRequest($"The model refused the input: {e.Message}");
        }
        return Results.Bytes(PredictCodec.WritePredictions(output), "application/json");
    }

    private static IResult BadRequest(string message, string? expected = null, string? actual = null) =>
        Results.Json(new ErrorResponse(message, expected, actual), ResponseOptions, statusCode: StatusCodes.Status400BadRequest);

    private static HealthResponse Health(ModelHost host) => new(
        Status: "ok",
        Model: new ModelInfo(
            Name: host.Model.Name,
            ClassName: host.Model.ClassName,
            File: Path.GetFileName(host.File),
            Demo: host.IsDemo,
            Input: new TensorInfo(host.InputName, Dims(host.InputShape), host.InputDType.Name()),
            Output: new TensorInfo(host.Model.OutputNames[0], Dims(host.OutputShape), host.OutputDType.Name())),
        Threads: ModelHost.Threads);

    private static int?[] Dims(Shape shape) => shape.Select(d => d == Shape.Unknown ? (int?)null : d).ToArray();

    private static int ReadInt(IConfiguration config, string key, int fallback, int min, int max)
    {
        var text = config[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new ArgumentException($"Setting '{key}' must be an integer from {min} to {max}; got '{text}'.", key);
        return value;
    }
}

/// <summary>The body of a 400: what is wrong, and the expected and actual shapes where they apply.</summary>
public sealed record ErrorResponse(string Error, string? Expected = null, string? Actual = null);

/// <summary>The body of <c>GET /healthz</c>.</summary>
public sealed record HealthResponse(string Status, ModelInfo Model, int Threads);

/// <summary>The served model.</summary>
public sealed record ModelInfo(string Name, string ClassName, string File, bool Demo, TensorInfo Input, TensorInfo Output);

/// <summary>A model input or output: shape with <c>null</c> for unknown dimensions (the batch), and dtype.</summary>
public sealed record TensorInfo(string Name, int?[] Shape, [property: JsonPropertyName("dtype")] string DType);
