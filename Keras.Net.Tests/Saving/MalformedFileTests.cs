using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Models;
using Keras.Saving;
using PureHDF;

namespace Keras.Net.Tests.Saving;

/// <summary>Malformed and unsupported files fail with a <see cref="KerasFileException"/> naming the file, the part and the problem.</summary>
[TestClass]
public class MalformedFileTests
{
    private static ScratchFolder _scratch = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext _) => _scratch = new("malformed");

    [ClassCleanup]
    public static void RemoveFolder() => _scratch.Dispose();

    private static string Write(string name, byte[] bytes) => _scratch.Write(name, bytes);

    private static KerasFileException Fails(string path, Action load)
    {
        var e = Assert.ThrowsExactly<KerasFileException>(load);
        Assert.AreEqual(path, e.FilePath.Split('!')[0], "the exception names the file");
        Assert.IsFalse(string.IsNullOrWhiteSpace(e.Part));
        Assert.IsFalse(string.IsNullOrWhiteSpace(e.Problem));
        return e;
    }

    private static Sequential SmallModel() => new([new Dense(3, inputShape: 4, name: "d1"), new Dense(2, name: "d2")], name: "small");

    [TestMethod]
    public void WrongMagicBytesAreRefused()
    {
        var path = Write("garbage.keras", Encoding.ASCII.GetBytes("this is not a model at all, just text"));
        var e = Fails(path, () => Model.Load(path));
        Assert.AreEqual("header", e.Part);
        var empty = Write("empty.h5", []);
        StringAssert.Contains(Fails(empty, () => Model.Load(empty)).Problem, "empty");
        var missing = Path.Combine(_scratch.Path, "nope.keras");
        StringAssert.Contains(Fails(missing, () => Model.Load(missing)).Problem, "does not exist");
    }

    [TestMethod]
    public void TruncatedFilesAreRefused()
    {
        foreach (var (name, source) in new[] { ("cut.keras", SavingFiles.Keras3("mlp/model.keras")), ("cut.h5", SavingFiles.Keras3("mlp/model.h5")), ("cut.weights.h5", SavingFiles.Keras3("mlp/model.weights.h5")) })
        {
            var bytes = File.ReadAllBytes(source);
            foreach (var keep in new[] { bytes.Length / 2, 600, 9 })
            {
                var path = Write(name, bytes[..keep]);
                Fails(path, () =>
                {
                    if (name.EndsWith(".weights.h5", StringComparison.Ordinal)) SmallModel().LoadWeights(path);
                    else Model.Load(path);
                });
            }
        }
    }

    [TestMethod]
    public void MissingGroupsAreNamed()
    {
        // A full model whose model_weights group is gone.
        var config = new JsonObject { ["class_name"] = "Sequential", ["config"] = JsonNode.Parse(SmallModel().ToJson())!["config"]!.DeepClone() };
        var path = Path.Combine(_scratch.Path, "noweights.h5");
        new H5File { Attributes = new() { ["model_config"] = config.ToJsonString(), ["keras_version"] = "3.15.1" } }.Write(path);
        var e = Fails(path, () => Model.Load(path));
        StringAssert.Contains(e.Part, "model_weights");

        // layer_names lists a layer whose group is missing.
        var listed = Path.Combine(_scratch.Path, "listed.h5");
        new H5File { Attributes = new() { ["layer_names"] = new[] { "d1", "d2" } }, ["d1"] = new H5Group { Attributes = new() { ["weight_names"] = new[] { "d1/kernel" } } } }.Write(listed);
        e = Fails(listed, () => SmallModel().LoadWeights(listed));
        StringAssert.Contains(e.Message, "'d2'");

        // A Keras 3 weights file without the layer.
        var keras3 = Path.Combine(_scratch.Path, "partial.weights.h5");
        new H5File { ["layers"] = new H5Group { ["dense"] = new H5Group { ["vars"] = new H5Group { ["0"] = new H5Dataset(new float[12], fileDims: [4, 3]), ["1"] = new float[3] } } } }.Write(keras3);
        e = Fails(keras3, () => SmallModel().LoadWeights(keras3));
        StringAssert.Contains(e.Message, "d2");
        StringAssert.Contains(e.Problem, "missing");

        // A .keras archive without its config.
        var zipPath = Path.Combine(_scratch.Path, "noconfig.keras");
        using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create)) zip.CreateEntry("metadata.json").Open().Dispose();
        StringAssert.Contains(Fails(zipPath, () => Model.Load(zipPath)).Part, "config.json");
    }

    [TestMethod]
    public void AWeightOfTheWrongShapeNamesTheLayerAndBothShapes()
    {
        var model = SmallModel();
        var path = Path.Combine(_scratch.Path, "shape.weights.h5");
        model.SaveWeights(path);
        var bad = Path.Combine(_scratch.Path, "badshape.weights.h5");
        new H5File
        {
            ["layers"] = new H5Group
            {
                ["dense"] = new H5Group { ["vars"] = new H5Group { ["0"] = new H5Dataset(new float[15], fileDims: [5, 3]), ["1"] = new float[3] } },
                ["dense_1"] = new H5Group { ["vars"] = new H5Group { ["0"] = new H5Dataset(new float[6], fileDims: [3, 2]), ["1"] = new float[2] } },
            },
        }.Write(bad);
        var before = model.Weights.Select(w => w.ToHost().ToArray<float>()).ToArray();
        var e = Fails(bad, () => model.LoadWeights(bad));
        StringAssert.Contains(e.Part, "d1");
        StringAssert.Contains(e.Problem, "(5, 3)");
        StringAssert.Contains(e.Problem, "(4, 3)");
        for (int i = 0; i < before.Length; i++) CollectionAssert.AreEqual(before[i], model.Weights[i].ToHost().ToArray<float>(), "nothing was assigned");

        // The legacy layout too, through the file's own weight names.
        var legacy = Path.Combine(_scratch.Path, "badshape.h5");
        new H5File
        {
            Attributes = new() { ["layer_names"] = new[] { "d1", "d2" } },
            ["d1"] = new H5Group { Attributes = new() { ["weight_names"] = new[] { "d1/kernel:0", "d1/bias:0" } }, ["d1"] = new H5Group { ["kernel:0"] = new H5Dataset(new float[8], fileDims: [4, 2]), ["bias:0"] = new float[3] } },
            ["d2"] = new H5Group { Attributes = new() { ["weight_names"] = new[] { "d2/kernel:0", "d2/bias:0" } }, ["d2"] = new H5Group { ["kernel:0"] = new H5Dataset(new float[6], fileDims: [3, 2]), ["bias:0"] = new float[2] } },
        }.Write(legacy);
        e = Fails(legacy, () => model.LoadWeights(legacy));
        StringAssert.Contains(e.Message, "d1");
        StringAssert.Contains(e.Message, "(4, 2)");
    }

    [TestMethod]
    public void JsonNamingAnUnknownLayerNamesTheLayerAndTheClass()
    {
        var json = """{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "in"}}, {"class_name": "FancyWarpLayer", "config": {"name": "warp"}}]}}""";
        var path = Write("unknown.json", Encoding.UTF8.GetBytes(json));
        var e = Assert.ThrowsExactly<UnknownLayerClassException>(() => Model.Load(path));
        Assert.AreEqual(path, e.FilePath);
        Assert.AreEqual("FancyWarpLayer", e.ClassName);
        Assert.AreEqual("warp", e.LayerName);
        StringAssert.Contains(e.Message, "FancyWarpLayer");
        StringAssert.Contains(Assert.ThrowsExactly<UnknownLayerClassException>(() => Model.FromJson(json)).Message, "warp");
        var notJson = Write("broken.json", Encoding.UTF8.GetBytes("{\"class_name\": \"Sequential\", "));
        StringAssert.Contains(Fails(notJson, () => Model.Load(notJson)).Problem, "JSON");
    }

    [TestMethod]
    public void ZipEntriesThatEscapeTheFolderAreRefused()
    {
        var path = Path.Combine(_scratch.Path, "slip.keras");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (var w = new StreamWriter(zip.CreateEntry("config.json").Open())) w.Write(SmallModel().ToJson());
            using (var w = new StreamWriter(zip.CreateEntry("../../evil.sh").Open())) w.Write("rm -rf /");
        }
        var e = Fails(path, () => Model.Load(path));
        StringAssert.Contains(e.Part, "../../evil.sh");
        Assert.IsFalse(File.Exists(Path.Combine(_scratch.Path, "..", "..", "evil.sh")));
    }

    [TestMethod]
    public void LambdaLayersWithCodeLoadOnlyWithSafeModeOff()
    {
        var json = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "in"}},
              {"class_name": "Lambda", "config": {"name": "times_two", "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAA", "defaults": null, "closure": null}}, "arguments": {}}}]}}
            """;
        var path = Write("lambda.json", Encoding.UTF8.GetBytes(json));
        var refused = Fails(path, () => Model.Load(path));
        StringAssert.Contains(refused.Message, "times_two");
        StringAssert.Contains(refused.Message.ToLowerInvariant(), "safe");
        // With safe mode off and a C# equivalent registered under the layer's name, it loads (no Python code runs).
        Lambda.RegisterFunction("times_two", x => Ops.Multiply(x, 2.0));
        using var model = Model.Load(path, safeMode: false);
        var y = TestUtil.Flat(model.Predict(new float[,] { { 1, 2, 3 } }));
        CollectionAssert.AreEqual(new float[] { 2, 4, 6 }, y);
    }

    [TestMethod]
    public void SavedModelFoldersWithoutKerasMetadataGiveAClearError()
    {
        var folder = Path.Combine(_scratch.Path, "saved_model");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "saved_model.pb"), [8, 1, 18, 0]);
        var e = Fails(folder, () => Model.Load(folder));
        StringAssert.Contains(e.Problem, "without Keras metadata");
    }

    [TestMethod]
    public void AWeightsOnlyFileIsNotAModel()
    {
        var path = SavingFiles.Keras3("mlp/model.weights.h5");
        var e = Fails(path, () => Model.Load(path));
        StringAssert.Contains(e.Problem, "LoadWeights");
    }
}
