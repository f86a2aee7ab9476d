using System.Net;
using System.Text;
using System.Text.Json;
using Keras.Data;
using Keras.Examples.Serving;
using Keras.Layers;
using Keras.Models;
using Keras.Net.Tests.Saving;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Keras.Net.Tests.Serving;

/// <summary>
/// Starts examples/Serving in-process on a free loopback port (Kestrel's port 0) with a small model saved to a
/// temp folder, and checks /healthz, /predict against Model.Predict bit for bit, 400s for bad requests, and a
/// concurrent burst with no errors and exact results.
/// </summary>
[TestClass]
public class ServingTests
{
    private const int Features = 6;
    private const int Classes = 3;
    private static string _folder = "";
    private static string _modelPath = "";
    private static WebApplication? _app;
    private static HttpClient? _http;

    private static HttpClient Http => _http ?? throw new InvalidOperationException("The server did not start.");

    [ClassInitialize]
    public static async Task StartServer(TestContext _)
    {
        _folder = SavingFiles.NewFolder("serving");
        _modelPath = Path.Combine(_folder, "mlp.keras");
        using (var model = new Sequential([
            new InputLayer(new Shape(Features)),
            new Dense(5, activation: "tanh"),
            new Dense(Classes, activation: "softmax"),
        ], name: "serving_test_mlp"))
        {
            model.SaveModel(_modelPath);
        }
        _app = ServingApp.Build(["--model", _modelPath, "--port", "0"], builder => builder.Logging.ClearProviders());
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(ServingApp.Addresses(_app).Single() + "/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    [ClassCleanup]
    public static async Task StopServer()
    {
        _http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [TestMethod]
    public void ListensOnLoopbackOnly()
    {
        var addresses = ServingApp.Addresses(_app!);
        Assert.HasCount(1, addresses);
        StringAssert.StartsWith(addresses[0], "http://127.0.0.1:");
    }

    [TestMethod]
    public async Task HealthzReportsTheModelAndItsShapes()
    {
        using var response = await Http.GetAsync("healthz");
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;
        Assert.AreEqual("ok", root.GetProperty("status").GetString());
        var model = root.GetProperty("model");
        Assert.AreEqual("serving_test_mlp", model.GetProperty("name").GetString());
        Assert.AreEqual("mlp.keras", model.GetProperty("file").GetString());
        Assert.IsFalse(model.GetProperty("demo").GetBoolean());
        Assert.AreEqual("[null,6]", model.GetProperty("input").GetProperty("shape").GetRawText());
        Assert.AreEqual("float32", model.GetProperty("input").GetProperty("dtype").GetString());
        Assert.AreEqual("[null,3]", model.GetProperty("output").GetProperty("shape").GetRawText());
        Assert.IsGreaterThanOrEqualTo(1, root.GetProperty("threads").GetInt32());
    }

    [TestMethod]
    public async Task PredictEqualsModelPredictBitForBit()
    {
        var instances = Instances(rows: 4, seed: 11);
        var expected = Reference([instances])[0];
        using var response = await Post(Body(instances));
        var text = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, text);
        AssertBitwiseEqual(expected, Predictions(text), "POST /predict");
    }

    [TestMethod]
    [DataRow("{\"instances\": [[1, 2, 3, 4, 5]]}", "instances[0] has shape (5,) but the model expects instances of shape (6,)", "(1, 6)", "(1, 5)")]
    [DataRow("{\"instances\": [[1, 2, 3, 4, 5, 6], [1, 2, 3]]}", "instances[1] has shape (3,) but the model expects instances of shape (6,)", "(2, 6)", "(2, 3)")]
    [DataRow("{\"instances\": [[[1, 2, 3, 4, 5, 6]]]}", "instances[0] has shape (1, 6) but the model expects instances of shape (6,)", "(1, 6)", "(1, 1, 6)")]
    [DataRow("{\"instances\": [1, 2]}", "instances[0] has shape () but the model expects instances of shape (6,)", "(2, 6)", "(2,)")]
    [DataRow("{\"instances\": [[1, 2, \"three\", 4, 5, 6]]}", "instances[0][2] is a string; the model expects a number (float32)", null, null)]
    [DataRow("{\"instances\": [[1, 2, 3, 4, 5, 1e400]]}", "instances[0][5] = 1e400 is not a finite float32 value", null, null)]
    [DataRow("{\"instances\": []}", "\"instances\" is empty", null, null)]
    [DataRow("{\"inputs\": [[1, 2, 3, 4, 5, 6]]}", "no \"instances\" member", null, null)]
    [DataRow("[[1, 2, 3, 4, 5, 6]]", "must be a JSON object", null, null)]
    [DataRow("{\"instances\": [[1, 2, 3", "not valid JSON", null, null)]
    public async Task BadRequestsGet400WithAClearMessage(string body, string message, string? expectedShape, string? sentShape)
    {
        using var response = await Post(body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode, text);
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        StringAssert.Contains(root.GetProperty("error").GetString(), message);
        Assert.AreEqual(expectedShape, root.TryGetProperty("expected", out var e) ? e.GetString() : null, text);
        Assert.AreEqual(sentShape, root.TryGetProperty("actual", out var a) ? a.GetString() : null, text);
    }

    [TestMethod]
    public async Task ConcurrentBurstHasNoErrorsAndExactResults()
    {
        const int clients = 16, requestsEach = 20;
        // Batches of 1-4 rows, each with its expected output from single-threaded Predict, computed first.
        var batches = Enumerable.Range(0, 32).Select(i => Instances(rows: 1 + i % 4, seed: 100 + i)).ToArray();
        var expected = Reference(batches);
        var bodies = batches.Select(Body).ToArray();

        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        int ok = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (int r = 0; r < requestsEach; r++)
            {
                int k = (client * requestsEach + r) % batches.Length;
                using var response = await Post(bodies[k]);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Enqueue($"client {client} request {r}: HTTP {(int)response.StatusCode} {text}");
                    continue;
                }
                var got = Predictions(text);
                if (!BitwiseEqual(expected[k], got)) failures.Enqueue($"client {client} request {r} (batch {k}): predictions differ from Model.Predict: {text}");
                else Interlocked.Increment(ref ok);
            }
        })));
        Assert.IsEmpty(failures, string.Join("\n", failures.Take(5)));
        Assert.AreEqual(clients * requestsEach, ok);
    }

    private static Task<HttpResponseMessage> Post(string body) =>
        Http.PostAsync("predict", new StringContent(body, Encoding.UTF8, "application/json"));

    private static float[][] Instances(int rows, int seed)
    {
        var flat = TestUtil.RandomFloats(rows * Features, seed);
        return Enumerable.Range(0, rows).Select(r => flat[(r * Features)..((r + 1) * Features)]).ToArray();
    }

    // System.Text.Json writes floats in their shortest round-trip form, as a client would.
    private static string Body(float[][] instances) => JsonSerializer.Serialize(new { instances });

    private static float[][] Predictions(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("predictions").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
    }

    // Model.Predict on a separately loaded copy of the served file, one batch at a time on this thread.
    private static float[][][] Reference(float[][][] batches)
    {
        using var model = Model.Load(_modelPath, compile: false);
        return batches.Select(batch =>
        {
            using var y = model.Predict(HostArray.Create(batch.SelectMany(r => r).ToArray(), batch.Length, Features));
            var flat = HostArray.From(y, "y").ToArray<float>();
            return Enumerable.Range(0, batch.Length).Select(r => flat[(r * Classes)..((r + 1) * Classes)]).ToArray();
        }).ToArray();
    }

    private static bool BitwiseEqual(float[][] expected, float[][] actual) =>
        expected.Length == actual.Length && expected.Zip(actual).All(p => p.First.Length == p.Second.Length
            && p.First.Zip(p.Second).All(v => BitConverter.SingleToInt32Bits(v.First) == BitConverter.SingleToInt32Bits(v.Second)));

    private static void AssertBitwiseEqual(float[][] expected, float[][] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, $"{what}: rows");
        for (int r = 0; r < expected.Length; r++)
        {
            Assert.HasCount(expected[r].Length, actual[r], $"{what}: row {r}");
            for (int c = 0; c < expected[r].Length; c++)
            {
                Assert.AreEqual(BitConverter.SingleToInt32Bits(expected[r][c]), BitConverter.SingleToInt32Bits(actual[r][c]),
                    $"{what}: [{r}][{c}] = {actual[r][c]:R}, Model.Predict gave {expected[r][c]:R}");
            }
        }
    }
}
