using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Models;
using Keras.Saving.SavedModel;

namespace Keras.Net.Tests.Saving;

/// <summary>
/// TensorFlow SavedModel folders written by tf.keras load through <see cref="Model.Load"/>: the Keras metadata
/// rebuilds the model, the tensor bundle gives the weights, and TF's own outputs (or float64 references over the
/// checkpoint values) are reproduced. Malformed folders fail with a <see cref="KerasFileException"/>.
/// </summary>
[TestClass]
public class SavedModelTests
{
    private static string _folder = "";

    [ClassInitialize]
    public static void CreateFolder(TestContext _) => _folder = SavingFiles.NewFolder("savedmodel");

    [ClassCleanup]
    public static void RemoveFolder()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static string Case(string name) => SavingFiles.Tf(name);

    [TestMethod]
    [DataRow("sm_infero_mimo_two_inputs")]
    [DataRow("sm_keras_rust_dense_single_input_tf2_3")]
    [DataRow("sm_keras_tfnet_mnist_dense_tf2_11")]
    public void KerasSavedModelsReproduceTheExpectedOutputs(string name)
    {
        var dir = Case(name);
        var c = SavingFiles.ReadJson(Path.Combine(dir, "case.json"));
        using var model = Model.Load(Path.Combine(dir, c["saved_model_dir"]!.ToString()));
        StringAssert.Contains(model.SummaryText(), "Total params");
        var inputs = c["inputs"]!.AsArray().Select(i => (object)Npy.Read(Path.Combine(dir, i!["file"]!.ToString())).ToNDArray()).ToList();
        var predictions = model.PredictOutputs(inputs);
        var expected = c["expected"]!.AsArray();
        Assert.HasCount(expected.Count, predictions);
        for (int k = 0; k < expected.Count; k++)
        {
            var tol = expected[k]!["suggested_tolerance"]!.AsObject();
            var why = SavingFiles.Compare(Npy.Read(Path.Combine(dir, expected[k]!["file"]!.ToString())), HostArray.From(predictions[k], "prediction"),
                tol["atol"]!.GetValue<double>(), tol["rtol"]!.GetValue<double>());
            Assert.IsNull(why, $"{name} output {k}: {why}");
        }
    }

    [TestMethod]
    public void TheWeightsAreTheCheckpointValues()
    {
        var dir = Case("sm_keras_tfnet_mnist_dense_tf2_11");
        using var model = Model.Load(Path.Combine(dir, "saved_model"));
        var bias = model.GetLayer("dense").Weights.Single(w => w.Name == "bias").ToHost();
        var kernel = model.GetLayer("dense_1").Weights.Single(w => w.Name == "kernel").ToHost();
        Assert.IsNull(SavingFiles.Compare(Npy.Read(Path.Combine(dir, "expected_weight_dense_bias.npy")), bias, 0, 0));
        Assert.IsNull(SavingFiles.Compare(Npy.Read(Path.Combine(dir, "expected_weight_dense_1_kernel.npy")), kernel, 0, 0));
    }

    [TestMethod]
    [DataRow("sm_serving_half_plus_two_tf1_14")]
    [DataRow("sm_serving_half_plus_two_tf2_14")]
    public void SavedModelsWithoutKerasMetadataAreRefusedClearly(string name)
    {
        var folder = Path.Combine(Case(name), "saved_model");
        var e = Assert.ThrowsExactly<KerasFileException>(() => Model.Load(folder));
        Assert.AreEqual(folder, e.FilePath);
        StringAssert.Contains(e.Problem, "without Keras metadata; running raw TF graphs is not supported");
    }

    [TestMethod]
    public void SnappyCompressedIndexesAreRead()
    {
        // TF 1.14's half_plus_two index has Snappy blocks; its variables are a = 0.5, b = 2 (y = a x + b), c = 3 (y2 = a x + c).
        var bundle = TensorBundle.Open(Path.Combine(Case("sm_serving_half_plus_two_tf1_14"), "saved_model", "variables", "variables"));
        CollectionAssert.IsSubsetOf(new[] { "a", "b", "c" }, bundle.Entries.Keys.ToArray());
        Assert.AreEqual(0.5f, bundle.Read(bundle.Entries["a"]).ToArray<float>().Single());
        Assert.AreEqual(2f, bundle.Read(bundle.Entries["b"]).ToArray<float>().Single());
        Assert.AreEqual(3f, bundle.Read(bundle.Entries["c"]).ToArray<float>().Single());
    }

    [TestMethod]
    public void SnappyAndCrc32CFollowTheirSpecifications()
    {
        // Literal "abcd" (tag (4-1)<<2), then a 1-byte-offset copy of 8 bytes from 4 back (tag (8-4)<<2 | 1).
        byte[] stream = [12, 0x0C, (byte)'a', (byte)'b', (byte)'c', (byte)'d', 0x11, 4];
        var text = System.Text.Encoding.ASCII.GetString(Snappy.Decompress(stream, p => new InvalidDataException(p)));
        Assert.AreEqual("abcdabcdabcd", text);
        byte[] badOffset = [12, 0x0C, (byte)'a', (byte)'b', (byte)'c', (byte)'d', 0x11, 9];
        Assert.ThrowsExactly<InvalidDataException>(() => Snappy.Decompress(badOffset, p => new InvalidDataException(p)));
        byte[] huge = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00];
        Assert.ThrowsExactly<InvalidDataException>(() => Snappy.Decompress(huge, p => new InvalidDataException(p)));
        Assert.AreEqual(0xE3069283u, Crc32C.Compute("123456789"u8)); // the CRC-32C check value
    }

    private string CopyCase(string name)
    {
        var source = Path.Combine(Case(name), "saved_model");
        var target = Path.Combine(_folder, $"{name}-{Guid.NewGuid():N}");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
            File.SetAttributes(dest, FileAttributes.Normal);
        }
        return target;
    }

    private static void Flip(string path, long offset)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[offset] ^= 0x40;
        File.WriteAllBytes(path, bytes);
    }

    [TestMethod]
    public void AFlippedByteInTheDataFileIsRefused()
    {
        var dir = CopyCase("sm_keras_rust_dense_single_input_tf2_3");
        var prefix = Path.Combine(dir, "variables", "variables");
        var entry = TensorBundle.Open(prefix).Entries["layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"];
        var data = prefix + ".data-00000-of-00001";
        Flip(data, entry.Offset + entry.Size / 2);
        var e = Assert.ThrowsExactly<KerasFileException>(() => Model.Load(dir));
        Assert.AreEqual(data, e.FilePath);
        StringAssert.Contains(e.Part, "layer_with_weights-0/kernel");
        StringAssert.Contains(e.Problem, "CRC-32C");
    }

    [TestMethod]
    public void AFlippedByteInTheIndexIsRefused()
    {
        var dir = CopyCase("sm_keras_rust_dense_single_input_tf2_3");
        var index = Path.Combine(dir, "variables", "variables.index");
        Flip(index, 10);
        var e = Assert.ThrowsExactly<KerasFileException>(() => Model.Load(dir));
        Assert.AreEqual(index, e.FilePath);
        StringAssert.Contains(e.Problem, "CRC-32C");
    }

    [TestMethod]
    public void ATruncatedSavedModelPbIsRefused()
    {
        var dir = CopyCase("sm_keras_tfnet_mnist_dense_tf2_11");
        var pb = Path.Combine(dir, "saved_model.pb");
        var bytes = File.ReadAllBytes(pb);
        File.WriteAllBytes(pb, bytes[..(bytes.Length / 2)]);
        var e = Assert.ThrowsExactly<KerasFileException>(() => Model.Load(dir));
        Assert.AreEqual(pb, e.FilePath);
        StringAssert.Contains(e.Problem, "truncated");
    }

    [TestMethod]
    public void TruncatedOrMissingVariablesAreRefused()
    {
        var dir = CopyCase("sm_infero_mimo_two_inputs");
        var data = Path.Combine(dir, "variables", "variables.data-00000-of-00001");
        var bytes = File.ReadAllBytes(data);
        File.WriteAllBytes(data, bytes[..(bytes.Length / 3)]);
        var e = Assert.ThrowsExactly<KerasFileException>(() => Model.Load(dir));
        Assert.AreEqual(data, e.FilePath);
        StringAssert.Contains(e.Problem, "truncated");

        var index = Path.Combine(dir, "variables", "variables.index");
        File.Delete(index);
        e = Assert.ThrowsExactly<KerasFileException>(() => Model.Load(dir));
        Assert.AreEqual(index, e.FilePath);
        StringAssert.Contains(e.Problem, "missing");

        var shortIndex = Path.Combine(CopyCase("sm_infero_mimo_two_inputs"), "variables", "variables.index");
        File.WriteAllBytes(shortIndex, File.ReadAllBytes(shortIndex)[..20]);
        e = Assert.ThrowsExactly<KerasFileException>(() => Model.Load(Path.GetDirectoryName(Path.GetDirectoryName(shortIndex))!));
        Assert.AreEqual(shortIndex, e.FilePath);
        Assert.AreEqual("footer", e.Part);
    }
}
