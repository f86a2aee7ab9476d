using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Keras.Layers;
using Keras.Models;
using Keras.Net.Tests.Saving;

namespace Keras.Net.Tests.Fuzz;

/// <summary>
/// The defects the mutation fuzzer found, each pinned by a hand-made file: alias bombs and deep nesting in YAML,
/// invalid UTF-8 and lying sizes in archives, recursion through model configs, HDF5 lengths that would make
/// the reader allocate gigabytes, and code-carrying Lambda layers in every format (refused unless the caller
/// opts in). Every refusal is a <see cref="KerasFileException"/> that names the file, the part and the problem.
/// </summary>
[TestClass]
public class UntrustedFileTests
{
    private static ScratchFolder _scratch = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext _) => _scratch = new("untrusted");

    [ClassCleanup]
    public static void RemoveFolder() => _scratch.Dispose();

    private static string Write(string name, byte[] bytes) => _scratch.Write(name, bytes);

    private static string Write(string name, string text) => _scratch.Write(name, text);

    private static KerasFileException Refused(string file, Action load)
    {
        var e = Assert.ThrowsExactly<KerasFileException>(load);
        // The file itself, an entry of it ("x.keras!model.weights.h5") or a file inside a SavedModel folder.
        Assert.IsTrue(e.FilePath == file || e.FilePath.StartsWith(file + "!", StringComparison.Ordinal)
            || e.FilePath.StartsWith(file + Path.DirectorySeparatorChar, StringComparison.Ordinal), $"the exception names {e.FilePath}, not {file}");
        Assert.IsFalse(string.IsNullOrWhiteSpace(e.Part), "the exception names the part");
        Assert.IsFalse(string.IsNullOrWhiteSpace(e.Problem), "the exception states the problem");
        return e;
    }

    // Managed bytes the action allocates on this thread (what a hostile size field would make a reader allocate).
    private static long Allocated(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private const long SmallAllocation = 64L << 20;

    // ------------------------------------------------------------------ YAML

    [TestMethod]
    public void AYamlAliasBombIsRefusedWithoutBeingExpanded()
    {
        var yaml = new StringBuilder("l0: &l0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
        for (int i = 1; i <= 9; i++) yaml.Append($"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        yaml.Append("class_name: Sequential\nconfig:\n  name: bomb\n  layers: *l9\n");
        var path = Write("bomb.yaml", yaml.ToString());
        KerasFileException? e = null;
        long bytes = Allocated(() => e = Refused(path, () => Model.Load(path)));
        StringAssert.Contains(e!.Problem, "nodes");
        Assert.IsTrue(bytes < SmallAllocation, $"refusing the bomb allocated {bytes >> 20} MiB");
        // The same text as a string.
        var s = Assert.ThrowsExactly<KerasFileException>(() => Model.FromYaml(yaml.ToString()));
        Assert.AreEqual("YAML string", s.FilePath);
    }

    [TestMethod]
    public void AnAliasThatIsExpandedOnceStillLoads()
    {
        // PyYAML writes anchors for repeated objects; a small document with one alias is fine.
        var yaml = """
            class_name: Sequential
            config:
              name: aliased
              layers:
              - class_name: InputLayer
                config: {batch_shape: &shape [null, 4], name: input}
              - class_name: Dense
                config: {name: d, units: 3, activation: relu}
            build_config: {input_shape: *shape}
            """;
        using var model = Model.FromYaml(yaml);
        Assert.AreEqual(new Shape(Shape.Unknown, 3), model.Outputs[0].Shape);
    }

    [TestMethod]
    public void DeeplyNestedYamlAndJsonAreRefused()
    {
        var yaml = Write("deep.yaml", $"class_name: Sequential\nconfig:\n  layers: {new string('[', 100_000)}{new string(']', 100_000)}\n");
        StringAssert.Contains(Refused(yaml, () => Model.Load(yaml)).Problem, "nested");
        var json = Write("deep.json", $"{{\"class_name\": \"Sequential\", \"config\": {{\"layers\": {new string('[', 100_000)}{new string(']', 100_000)}}}}}");
        StringAssert.Contains(Refused(json, () => Model.Load(json)).Problem, "JSON");
    }

    [TestMethod]
    public void YamlTagsThatNameCodeAreRefused()
    {
        var path = Write("tag.yaml", "class_name: !!python/object/apply:os.system [\"echo pwned\"]\nconfig: {layers: []}\n");
        var e = Refused(path, () => Model.Load(path));
        StringAssert.Contains(e.Problem, "python/object/apply:os.system");
        StringAssert.Contains(e.Part, "YAML line 1");
    }

    [TestMethod]
    public void YamlNumbersBeyondDoubleAreRefusedByTheLayerNotByTheWriter()
    {
        // 1e999999 is infinite as a double; the config reader must say so rather than fail formatting the message.
        var path = Write("inf.yaml", """
            class_name: Sequential
            config:
              name: s
              layers:
              - class_name: InputLayer
                config: {batch_shape: [null, 4], name: input}
              - class_name: Dense
                config: {name: d, units: 1e999999}
            """);
        var e = Refused(path, () => Model.Load(path));
        StringAssert.Contains(e.Message, "units");
    }

    [TestMethod]
    public void AYamlRoundTripKeepsWholeNumberFloats()
    {
        // mask_value 0.0 is written as "0", read back as an integer node, and must still read as a float.
        using var model = new Sequential([new Masking(maskValue: 0.0, inputShape: new Shape(5, 3), name: "mask"), new Dense(2, name: "d")], name: "masked");
        using var back = Model.FromYaml(model.ToYaml());
        Assert.AreEqual(0.0, ((Masking)back.GetLayer("mask")).MaskValue);
    }

    [TestMethod]
    public void DuplicateJsonKeysAreRefusedWhileParsing()
    {
        // System.Text.Json accepts them lazily and throws ArgumentException on the first enumeration.
        var json = """{"class_name": "Sequential", "class_name": "Functional", "config": {"name": "s", "layers": []}}""";
        var path = Write("duplicate.json", json);
        StringAssert.Contains(Refused(path, () => Model.Load(path)).Problem, "class_name");
        StringAssert.Contains(Assert.ThrowsExactly<KerasFileException>(() => Model.FromJson(json)).Problem, "Duplicate");
    }

    // ------------------------------------------------------------------ .keras archives

    private static byte[] Rezip(string source, Func<string, byte[], byte[]?> edit)
    {
        using var ms = new MemoryStream();
        using (var input = ZipFile.OpenRead(source))
        using (var output = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in input.Entries)
            {
                using var s = entry.Open();
                using var buffer = new MemoryStream();
                s.CopyTo(buffer);
                var bytes = edit(entry.FullName, buffer.ToArray());
                if (bytes is null) continue;
                using var w = output.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                w.Write(bytes);
            }
        }
        return ms.ToArray();
    }

    [TestMethod]
    public void AnArchiveWithInvalidUtf8InItsConfigIsRefused()
    {
        var bytes = Rezip(SavingFiles.Keras3("mlp/model.keras"), (name, data) =>
        {
            if (name != "config.json") return data;
            var text = Encoding.UTF8.GetString(data);
            int at = text.IndexOf("\"dense", StringComparison.Ordinal) + 1;
            var broken = (byte[])data.Clone();
            broken[Encoding.UTF8.GetByteCount(text[..at])] = 0xFF;
            return broken;
        });
        var path = Write("utf8.keras", bytes);
        var e = Refused(path, () => Model.Load(path));
        Assert.AreEqual("config.json", e.Part);
        StringAssert.Contains(e.Problem, "UTF-8");
    }

    [TestMethod]
    public void AnArchiveEntryThatLiesAboutItsSizeIsRefusedBeforeAllocating()
    {
        var bytes = File.ReadAllBytes(SavingFiles.Keras3("mlp/model.keras"));
        // The central directory record of model.weights.h5: uncompressed size at +24.
        int at = FindCentralRecord(bytes, "model.weights.h5");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 24), 0x7FFFFFFF);
        var path = Write("liar.keras", bytes);
        KerasFileException? e = null;
        long allocated = Allocated(() => e = Refused(path, () => Model.Load(path)));
        Assert.AreEqual("model.weights.h5", e!.Part);
        Assert.IsTrue(allocated < SmallAllocation, $"refusing the archive allocated {allocated >> 20} MiB");
    }

    private static int FindCentralRecord(byte[] zip, string name)
    {
        var needle = Encoding.ASCII.GetBytes(name);
        for (int i = 0; i + 46 < zip.Length; i++)
        {
            if (zip[i] == 0x50 && zip[i + 1] == 0x4B && zip[i + 2] == 1 && zip[i + 3] == 2
                && BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 28)) == needle.Length && zip.AsSpan(i + 46, needle.Length).SequenceEqual(needle))
                return i;
        }
        throw new AssertFailedException($"no central directory record for {name}");
    }

    // ------------------------------------------------------------------ configs

    [TestMethod]
    public void AFunctionalModelWithoutLayersIsRefusedNotRecursedInto()
    {
        // Used to recurse through KerasObjects until the stack overflowed (which kills the process).
        var path = Write("functional.json", """
            {"class_name": "Sequential", "config": {"name": "outer", "layers": [
              {"class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "input"}},
              {"class_name": "Functional", "config": {"name": "inner"}}]}}
            """);
        var e = Refused(path, () => Model.Load(path));
        StringAssert.Contains(e.Part, "inner");
        StringAssert.Contains(e.Problem, "layers");
    }

    [TestMethod]
    public void ModelsNestedTooDeeplyAreRefused()
    {
        JsonNode node = new JsonObject { ["class_name"] = "Dense", ["config"] = new JsonObject { ["name"] = "leaf", ["units"] = 2 } };
        for (int i = 0; i < 100; i++)
            node = new JsonObject { ["class_name"] = "Sequential", ["config"] = new JsonObject { ["name"] = $"level{i}", ["layers"] = new JsonArray(node) } };
        var path = Write("nested.json", node.ToJsonString());
        StringAssert.Contains(Refused(path, () => Model.Load(path)).Problem, "nested");
    }

    [TestMethod]
    public void ErrorsInModelsNestedThroughWrappersNameTheFile()
    {
        // "Model" without input_layers is rebuilt as a Sequential through the layer registry; its errors used to name "config".
        var path = Write("inner.json", """
            {"class_name": "Sequential", "config": {"name": "outer", "layers": [
              {"class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "input"}},
              {"class_name": "Model", "config": {"name": "inner"}}]}}
            """);
        StringAssert.Contains(Refused(path, () => Model.Load(path)).Part, "Sequential");
    }

    // ------------------------------------------------------------------ HDF5

    [TestMethod]
    public void AnHdf5HeapObjectClaimingGigabytesIsRefusedBeforeAllocating()
    {
        // Keras 3's model.h5 keeps model_config in a global heap collection (GCOL): object 1's size field follows
        // its index (2 bytes), reference count (2) and 4 reserved bytes, after the 16-byte collection header.
        var bytes = File.ReadAllBytes(SavingFiles.Keras3("mlp/model.h5"));
        int gcol = bytes.AsSpan().IndexOf("GCOL"u8);
        Assert.IsTrue(gcol > 0, "the fixture has a global heap");
        int firstObject = gcol + 16;
        Assert.AreEqual(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(firstObject)), "object 1 comes first");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(firstObject + 8), 0x7FFF_FFF0);
        var path = Write("heap.h5", bytes);
        KerasFileException? e = null;
        long allocated = Allocated(() => e = Refused(path, () => Model.Load(path)));
        StringAssert.Contains(e!.Part, $"global heap collection at byte {gcol}");
        Assert.IsTrue(allocated < SmallAllocation, $"refusing the file allocated {allocated >> 20} MiB");
    }

    [TestMethod]
    public void AnHdf5AttributeClaimingGigabytesIsRefusedBeforeAllocating()
    {
        // A version 1 attribute message: version, reserved, name/datatype/dataspace sizes (2 bytes each), the name,
        // datatype and dataspace padded to 8 bytes; a version 1 dataspace keeps its dimensions 8 bytes in.
        var bytes = File.ReadAllBytes(SavingFiles.Keras3("mlp/model.h5"));
        int name = bytes.AsSpan().IndexOf("layer_names\0"u8);
        int message = name - 8;
        Assert.AreEqual(1, bytes[message], "a version 1 attribute message");
        int nameSize = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(message + 2));
        int typeSize = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(message + 4));
        int space = name + ((nameSize + 7) & ~7) + ((typeSize + 7) & ~7);
        Assert.AreEqual(1, bytes[space + 1], "layer_names is one-dimensional");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(space + 8), 1UL << 30);
        var path = Write("attribute.h5", bytes);
        KerasFileException? e = null;
        long allocated = Allocated(() => e = Refused(path, () => Model.Load(path)));
        StringAssert.Contains(e!.Part, "attribute");
        Assert.IsTrue(allocated < SmallAllocation, $"refusing the file allocated {allocated >> 20} MiB");
    }

    [TestMethod]
    public void AnHdf5ObjectHeaderThatFailsItsChecksumIsRefused()
    {
        // Keras.Net writes version 2 object headers (OHDR), which carry a checksum.
        using var model = new Sequential([new Dense(3, inputShape: 4, name: "d")], name: "small");
        var weights = Path.Combine(_scratch.Path, "checksum.weights.h5");
        model.SaveWeights(weights);
        var bytes = File.ReadAllBytes(weights);
        int header = bytes.AsSpan().IndexOf("OHDR"u8);
        Assert.IsTrue(header > 0, "the file has version 2 object headers");
        // Past the prefix (signature, version, flags, optional times and attribute limits, chunk size): a message byte.
        int flags = bytes[header + 5];
        int prefix = 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0) + (1 << (flags & 3));
        bytes[header + prefix + 1] ^= 0x40;
        var path = Write("checksum-bad.weights.h5", bytes);
        var e = Refused(path, () => model.LoadWeights(path));
        Assert.AreEqual($"object header at byte {header}", e.Part);
        StringAssert.Contains(e.Problem, "checksum");
    }

    // ------------------------------------------------------------------ safe mode in every format

    private const string PythonCode = "4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMIAAAAdABkAYMBUwApAk7aBWxzIC1sKQHaAmlz";

    private static JsonObject LambdaModel(string lambdaName) => new()
    {
        ["class_name"] = "Sequential",
        ["config"] = new JsonObject
        {
            ["name"] = "with_lambda",
            ["layers"] = new JsonArray(
                new JsonObject { ["class_name"] = "InputLayer", ["config"] = new JsonObject { ["batch_shape"] = new JsonArray(null, 3), ["name"] = "input" } },
                new JsonObject
                {
                    ["class_name"] = "Lambda",
                    ["config"] = new JsonObject
                    {
                        ["name"] = lambdaName,
                        ["function"] = new JsonObject
                        {
                            ["class_name"] = "__lambda__",
                            ["config"] = new JsonObject { ["code"] = PythonCode, ["defaults"] = null, ["closure"] = null },
                        },
                    },
                }),
        },
    };

    [TestMethod]
    public void LambdaCodeIsRefusedInEveryFormatUnlessTheCallerOptsIn()
    {
        var lambdaName = $"fuzz_lambda_{Guid.NewGuid():N}";
        var config = LambdaModel(lambdaName);
        var json = config.ToJsonString();
        var yaml = global::Keras.Saving.Json.Yaml.Write(config);

        var files = new List<string>
        {
            Write("lambda.json", json),
            Write("lambda.yaml", yaml),
        };
        var keras = Path.Combine(_scratch.Path, "lambda.keras");
        using (var zip = ZipFile.Open(keras, ZipArchiveMode.Create))
        {
            using (var w = new StreamWriter(zip.CreateEntry("metadata.json").Open())) w.Write("""{"keras_version": "3.15.1"}""");
            using (var w = new StreamWriter(zip.CreateEntry("config.json").Open())) w.Write(json);
        }
        files.Add(keras);
        var h5 = Path.Combine(_scratch.Path, "lambda.h5");
        new PureHDF.H5File { Attributes = new() { ["model_config"] = json, ["keras_version"] = "3.15.1", ["backend"] = "tensorflow" } }.Write(h5);
        files.Add(h5);
        var savedModel = SavedModelWithLambda(lambdaName);
        files.Add(savedModel);

        foreach (var file in files)
        {
            var e = Refused(file, () => Model.Load(file));
            StringAssert.Contains(e.Message, lambdaName, file);
            StringAssert.Contains(e.Message, "safe mode", file);
        }
        foreach (var load in new Action[] { () => Model.FromJson(json), () => Model.FromYaml(yaml), () => Model.FromConfig(config) })
            StringAssert.Contains(Assert.ThrowsExactly<KerasFileException>(load).Message, "safe mode");

        // Opting in: safe mode off and a C# function registered under the layer's name; no Python runs.
        Lambda.RegisterFunction(lambdaName, x => Ops.Multiply(x, 2.0));
        foreach (var file in files.Take(4))
        {
            using var model = Model.Load(file, safeMode: false);
            CollectionAssert.AreEqual(new float[] { 2, 4, 6 }, TestUtil.Flat(model.Predict(new float[,] { { 1, 2, 3 } })), file);
        }
        using (var sm = Model.Load(savedModel, safeMode: false))
            Assert.IsTrue(sm.Layers.Any(l => l is Lambda && l.Name == lambdaName), "the SavedModel's Lambda layer loads with safe mode off");
        using (var fromJson = Model.FromJson(json, safeMode: false)) Assert.IsInstanceOfType<Lambda>(fromJson.GetLayer(lambdaName));
        using (var fromYaml = Model.FromYaml(yaml, safeMode: false)) Assert.IsInstanceOfType<Lambda>(fromYaml.GetLayer(lambdaName));
    }

    // A copy of a tf.keras SavedModel whose Keras metadata has its Softmax output layer swapped for a Lambda with Python code.
    private static string SavedModelWithLambda(string lambdaName)
    {
        var source = SavingFiles.Tf("sm_keras_tfnet_mnist_dense_tf2_11/saved_model");
        var target = Path.Combine(_scratch.Path, "lambda_saved_model");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to, overwrite: true);
        }
        var metadataPath = Path.Combine(target, "keras_metadata.pb");
        File.WriteAllBytes(metadataPath, EditRootMetadata(File.ReadAllBytes(metadataPath), json =>
        {
            var root = JsonNode.Parse(json)!.AsObject();
            var layers = root["model_config"]!["config"]!["layers"]!.AsArray();
            var softmax = layers.Single(l => l!["class_name"]!.GetValue<string>() == "Softmax")!.AsObject();
            var lambda = ((JsonObject)LambdaModel(lambdaName)["config"]!["layers"]![1]!).DeepClone().AsObject();
            lambda["name"] = lambdaName;
            lambda["inbound_nodes"] = softmax["inbound_nodes"]!.DeepClone();
            layers[layers.IndexOf(softmax)] = lambda;
            root["model_config"]!["config"]!["output_layers"] = new JsonArray(new JsonArray(lambdaName, 0, 0));
            return root.ToJsonString();
        }));
        return target;
    }

    // keras_metadata.pb is a SavedMetadata: nodes = 1, each with node_path = 3 and metadata = 5 (JSON).
    private static byte[] EditRootMetadata(byte[] pb, Func<string, string> edit)
    {
        var input = new CodedInputStream(pb);
        using var ms = new MemoryStream();
        var output = new CodedOutputStream(ms);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1)
            {
                var node = input.ReadBytes().ToByteArray();
                output.WriteTag(tag);
                output.WriteBytes(ByteString.CopyFrom(EditNode(node, edit)));
            }
            else
            {
                CopyField(input, output, tag);
            }
        }
        output.Flush();
        return ms.ToArray();
    }

    private static byte[] EditNode(byte[] node, Func<string, string> edit)
    {
        var fields = new List<(uint Tag, ByteString? Bytes, ulong Varint)>();
        var input = new CodedInputStream(node);
        uint tag;
        bool root = false;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                var bytes = input.ReadBytes();
                if (WireFormat.GetTagFieldNumber(tag) == 3 && bytes.ToStringUtf8() == "root") root = true;
                fields.Add((tag, bytes, 0));
            }
            else
            {
                fields.Add((tag, null, input.ReadUInt64()));
            }
        }
        using var ms = new MemoryStream();
        var output = new CodedOutputStream(ms);
        foreach (var (t, bytes, varint) in fields)
        {
            output.WriteTag(t);
            if (bytes is null) output.WriteUInt64(varint);
            else if (root && WireFormat.GetTagFieldNumber(t) == 5) output.WriteBytes(ByteString.CopyFromUtf8(edit(bytes.ToStringUtf8())));
            else output.WriteBytes(bytes);
        }
        output.Flush();
        return ms.ToArray();
    }

    private static void CopyField(CodedInputStream input, CodedOutputStream output, uint tag)
    {
        output.WriteTag(tag);
        switch (WireFormat.GetTagWireType(tag))
        {
            case WireFormat.WireType.Varint:
                output.WriteUInt64(input.ReadUInt64());
                break;
            case WireFormat.WireType.LengthDelimited:
                output.WriteBytes(input.ReadBytes());
                break;
            case WireFormat.WireType.Fixed32:
                output.WriteFixed32(input.ReadFixed32());
                break;
            default:
                output.WriteFixed64(input.ReadFixed64());
                break;
        }
    }
}
