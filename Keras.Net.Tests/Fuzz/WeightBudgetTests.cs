using System.IO.Compression;
using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Models;
using Keras.Net.Tests.Saving;

namespace Keras.Net.Tests.Fuzz;

/// <summary>
/// A config of a few bytes can ask for gigabytes of weights (<c>Dense(units=200000)</c>): loaders refuse it
/// while the model is rebuilt, before the weights are allocated, naming the layer and the weight.
/// </summary>
[TestClass]
public class WeightBudgetTests
{
    private static ScratchFolder _scratch = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext _) => _scratch = new("weight-budget");

    [ClassCleanup]
    public static void RemoveFolder() => _scratch.Dispose();

    /// <summary>A real .keras file of a small model whose Dense layer is then rewritten to <paramref name="units"/> units.</summary>
    private static string KerasFileAskingFor(int inputs, int units)
    {
        var path = Path.Combine(_scratch.Path, $"dense-{inputs}x{units}.keras");
        using (var model = new Sequential([new Dense(4, inputShape: 3, name: "wide")])) model.SaveModel(path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry("config.json")!;
        JsonNode config;
        using (var reader = new StreamReader(entry.Open())) config = JsonNode.Parse(reader.ReadToEnd())!;
        var layers = config["config"]!["layers"]!.AsArray();
        layers[0]!["config"]!["batch_shape"] = new JsonArray(null, inputs);
        layers[1]!["config"]!["units"] = units;
        entry.Delete();
        using var writer = new StreamWriter(zip.CreateEntry("config.json").Open());
        writer.Write(config.ToJsonString());
        return path;
    }

    [TestMethod]
    public void AKerasFileAskingForMoreWeightsThanItHoldsIsRefusedBeforeAllocating()
    {
        // 100,000 x 200,000 floats = 80 GB, from a file of a few kilobytes.
        var path = KerasFileAskingFor(100_000, 200_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.ThrowsExactly<KerasFileException>(() => Model.Load(path));
        Assert.AreEqual(path, e.FilePath);
        StringAssert.Contains(e.Part, "\"wide\"");
        StringAssert.Contains(e.Part, "kernel");
        StringAssert.Contains(e.Problem, "(100000, 200000)");
        Assert.IsLessThan(64L << 20, GC.GetAllocatedBytesForCurrentThread() - before, "refused before allocating");
    }

    [TestMethod]
    public void AnArchitectureAskingForMoreThanTheMachineHasIsRefused()
    {
        // A bare architecture has no weights to compare with: the bound is the machine's memory (1e12 floats = 4 TB).
        var json = """
            {"class_name": "Sequential", "config": {"name": "huge", "layers": [
              {"class_name": "InputLayer", "config": {"batch_shape": [null, 1000000], "name": "in"}},
              {"class_name": "Dense", "config": {"units": 1000000, "name": "enormous"}}]}}
            """;
        var e = Assert.ThrowsExactly<KerasFileException>(() => Model.FromJson(json));
        StringAssert.Contains(e.Part, "\"enormous\"");
        StringAssert.Contains(e.Problem, "memory of this machine");
    }

    [TestMethod]
    public void FilesWithinTheirBudgetLoadAsBefore()
    {
        var path = KerasFileAskingFor(3, 4);
        using var model = Model.Load(path);
        Assert.AreEqual(3 * 4 + 4, model.CountParams());
        // Outside a load there is no budget: building a model is not limited.
        using var big = new Sequential([new Dense(2048, inputShape: 2048)]);
        Assert.AreEqual(2048L * 2048 + 2048, big.CountParams());
    }
}
