using System.IO.Compression;
using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Models;

namespace Keras.Fuzz;

/// <summary>How a file is laid out, which decides the structure-aware mutations that apply.</summary>
public enum FileFormat
{
    /// <summary>A Keras 3 <c>.keras</c> zip archive.</summary>
    KerasArchive,

    /// <summary>An HDF5 file (full model, Keras 3 weights or legacy weights).</summary>
    Hdf5,

    /// <summary>A JSON architecture.</summary>
    Json,

    /// <summary>A YAML architecture.</summary>
    Yaml,

    /// <summary>A NumPy <c>.npy</c> array.</summary>
    Npy,

    /// <summary>A TensorFlow SavedModel folder.</summary>
    SavedModel,
}

/// <summary>The public entry point a user would call on the file.</summary>
public enum LoaderKind
{
    /// <summary><c>Model.Load(path)</c>.</summary>
    ModelLoad,

    /// <summary><c>model.LoadWeights(path, byName, skipMismatch)</c> into a model built from the entry's config.</summary>
    LoadWeights,

    /// <summary><c>Model.FromJson(text)</c>.</summary>
    FromJson,

    /// <summary><c>Model.FromYaml(text)</c>.</summary>
    FromYaml,

    /// <summary><c>Npy.Read(path)</c>.</summary>
    NpyRead,
}

/// <summary>
/// One seed input: a file (or SavedModel folder), its format, the loader it goes to and, for
/// <see cref="LoaderKind.LoadWeights"/>, the JSON config of the model the weights are loaded into.
/// </summary>
/// <param name="Id">A stable name (<c>keras3/mlp/model.keras</c>, <c>generated/mlp.yaml</c>, …), printed with failures.</param>
/// <param name="Format">The file's layout.</param>
/// <param name="Loader">The public API that reads it.</param>
/// <param name="Path">The file, or the SavedModel folder.</param>
/// <param name="Extension">The file name ending the mutant keeps (the loaders decide formats by bytes, not names, except YAML).</param>
/// <param name="TargetConfig">For weights files: the model's JSON config.</param>
/// <param name="ExpectRejected">The seed itself is (rightly) refused, e.g. a SavedModel without Keras metadata.</param>
public sealed record CorpusEntry(string Id, FileFormat Format, LoaderKind Loader, string Path, string Extension, string? TargetConfig = null,
    bool ExpectRejected = false)
{
    /// <summary>The category mutants are balanced over (format and loader).</summary>
    public string Category => $"{Format}/{Loader}";

    /// <inheritdoc />
    public override string ToString() => $"{Id} ({Loader})";
}

/// <summary>
/// The seed files: every loader-facing file of every shared fixture (<c>fixtures/keras3/*</c>, <c>fixtures/tf/*</c>)
/// and files Keras.Net itself writes (archives, HDF5 models and weights in both layouts, JSON and YAML configs,
/// .npy arrays), generated into a scratch folder.
/// </summary>
public sealed class Corpus
{
    private Corpus(IReadOnlyList<CorpusEntry> entries)
    {
        Entries = entries;
        Categories = entries.GroupBy(e => e.Category).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (IReadOnlyList<CorpusEntry>)g.ToArray()).ToArray();
    }

    /// <summary>All entries.</summary>
    public IReadOnlyList<CorpusEntry> Entries { get; }

    /// <summary>The entries grouped by <see cref="CorpusEntry.Category"/> (in a fixed order).</summary>
    public IReadOnlyList<IReadOnlyList<CorpusEntry>> Categories { get; }

    /// <summary>
    /// Builds the corpus from <paramref name="fixtures"/> (the folder holding <c>keras3/</c> and <c>tf/</c>) and
    /// writes Keras.Net's own files into <paramref name="scratch"/>.
    /// </summary>
    /// <param name="fixtures">The shared fixtures folder.</param>
    /// <param name="scratch">An existing folder for generated files.</param>
    /// <param name="generatedFrom">Keras 3 fixture cases whose models are saved again by Keras.Net (null: a default set).</param>
    public static Corpus Build(string fixtures, string scratch, IReadOnlyList<string>? generatedFrom = null)
    {
        if (!Directory.Exists(Path.Combine(fixtures, "keras3")) || !Directory.Exists(Path.Combine(fixtures, "tf")))
            throw new DirectoryNotFoundException($"The shared fixtures (with keras3/ and tf/) are not at '{fixtures}'.");
        var entries = new List<CorpusEntry>();
        AddKeras3(fixtures, scratch, entries);
        AddTf(fixtures, entries);
        AddGenerated(fixtures, scratch, generatedFrom ?? ["mlp", "cnn_same", "masking_embedding", "functional_multi_io"], entries);
        return new Corpus(entries);
    }

    private static void AddKeras3(string fixtures, string scratch, List<CorpusEntry> entries)
    {
        foreach (var dir in CaseFolders(Path.Combine(fixtures, "keras3")))
        {
            var name = $"keras3/{Path.GetFileName(dir)}";
            var archive = Path.Combine(dir, "model.keras");
            string? config = null;
            if (File.Exists(archive))
            {
                using (var zip = ZipFile.OpenRead(archive))
                using (var reader = new StreamReader(zip.GetEntry("config.json")!.Open()))
                {
                    config = reader.ReadToEnd();
                }
                entries.Add(new($"{name}/model.keras", FileFormat.KerasArchive, LoaderKind.ModelLoad, archive, ".keras"));
                entries.Add(new($"{name}/model.keras", FileFormat.KerasArchive, LoaderKind.LoadWeights, archive, ".keras", config));
                // The archive's config.json as a stand-alone architecture file, for the JSON loaders.
                var configFile = Path.Combine(scratch, $"keras3-{Path.GetFileName(dir)}.config.json");
                File.WriteAllText(configFile, config);
                entries.Add(new($"{name}/model.keras!config.json", FileFormat.Json, LoaderKind.ModelLoad, configFile, ".json"));
                entries.Add(new($"{name}/model.keras!config.json", FileFormat.Json, LoaderKind.FromJson, configFile, ".json"));
            }
            if (File.Exists(Path.Combine(dir, "model.h5")))
                entries.Add(new($"{name}/model.h5", FileFormat.Hdf5, LoaderKind.ModelLoad, Path.Combine(dir, "model.h5"), ".h5"));
            if (File.Exists(Path.Combine(dir, "model.weights.h5")) && config is not null)
                entries.Add(new($"{name}/model.weights.h5", FileFormat.Hdf5, LoaderKind.LoadWeights, Path.Combine(dir, "model.weights.h5"), ".weights.h5", config));
            AddNpys(dir, name, entries);
        }
    }

    private static void AddTf(string fixtures, List<CorpusEntry> entries)
    {
        foreach (var dir in CaseFolders(Path.Combine(fixtures, "tf")))
        {
            var name = $"tf/{Path.GetFileName(dir)}";
            var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "case.json")))!.AsObject();
            switch (spec["format"]?.ToString())
            {
                case "h5-legacy":
                {
                    var file = spec["model_file"]!.ToString();
                    entries.Add(new($"{name}/{file}", FileFormat.Hdf5, LoaderKind.ModelLoad, Path.Combine(dir, file), ".h5"));
                    break;
                }
                case "keras-weights-h5":
                {
                    var configFile = spec["config_file"]!.ToString();
                    var weightsFile = spec["weights_file"]!.ToString();
                    var config = File.ReadAllText(Path.Combine(dir, configFile));
                    entries.Add(new($"{name}/{configFile}", FileFormat.Json, LoaderKind.ModelLoad, Path.Combine(dir, configFile), ".json"));
                    entries.Add(new($"{name}/{configFile}", FileFormat.Json, LoaderKind.FromJson, Path.Combine(dir, configFile), ".json"));
                    entries.Add(new($"{name}/{weightsFile}", FileFormat.Hdf5, LoaderKind.LoadWeights, Path.Combine(dir, weightsFile), ".h5", config));
                    break;
                }
                case "savedmodel":
                {
                    var folder = Path.Combine(dir, spec["saved_model_dir"]?.ToString() ?? "saved_model");
                    // Raw TensorFlow graphs (no Keras metadata) are refused by design; their mutants still exercise the protobuf readers.
                    bool keras = spec["savedmodel_details"]?["keras_version"] is not null;
                    entries.Add(new($"{name}/{Path.GetFileName(folder)}", FileFormat.SavedModel, LoaderKind.ModelLoad, folder, "", ExpectRejected: !keras));
                    break;
                }
            }
            AddNpys(dir, name, entries);
        }
    }

    private static void AddGenerated(string fixtures, string scratch, IReadOnlyList<string> cases, List<CorpusEntry> entries)
    {
        var folder = Path.Combine(scratch, "generated");
        Directory.CreateDirectory(folder);
        foreach (var c in cases)
        {
            var source = Path.Combine(fixtures, "keras3", c, "model.keras");
            if (!File.Exists(source)) continue;
            using var model = Model.Load(source);
            var config = model.ToJson();
            var id = $"generated/{c}";
            var keras = Path.Combine(folder, $"{c}.keras");
            model.SaveModel(keras);
            entries.Add(new($"{id}.keras", FileFormat.KerasArchive, LoaderKind.ModelLoad, keras, ".keras"));
            var h5 = Path.Combine(folder, $"{c}.h5");
            model.SaveModel(h5);
            entries.Add(new($"{id}.h5", FileFormat.Hdf5, LoaderKind.ModelLoad, h5, ".h5"));
            var weights = Path.Combine(folder, $"{c}.weights.h5");
            model.SaveWeights(weights);
            entries.Add(new($"{id}.weights.h5", FileFormat.Hdf5, LoaderKind.LoadWeights, weights, ".weights.h5", config));
            var legacyWeights = Path.Combine(folder, $"{c}.legacy-weights.h5");
            model.SaveWeights(legacyWeights);
            entries.Add(new($"{id}.legacy-weights.h5", FileFormat.Hdf5, LoaderKind.LoadWeights, legacyWeights, ".h5", config));
            var json = Path.Combine(folder, $"{c}.json");
            File.WriteAllText(json, config);
            entries.Add(new($"{id}.json", FileFormat.Json, LoaderKind.ModelLoad, json, ".json"));
            entries.Add(new($"{id}.json", FileFormat.Json, LoaderKind.FromJson, json, ".json"));
            var yaml = Path.Combine(folder, $"{c}.yaml");
            File.WriteAllText(yaml, model.ToYaml());
            entries.Add(new($"{id}.yaml", FileFormat.Yaml, LoaderKind.ModelLoad, yaml, ".yaml"));
            entries.Add(new($"{id}.yaml", FileFormat.Yaml, LoaderKind.FromYaml, yaml, ".yaml"));
        }

        // Arrays of every dtype and rank Npy writes.
        var arrays = new (string Name, HostArray Array)[]
        {
            ("f32-2d", HostArray.Create(Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray(), 3, 4)),
            ("f64-1d", HostArray.Create(new[] { 1.0, -2.5, 3.25 }, 3)),
            ("i64-3d", HostArray.Create(Enumerable.Range(0, 24).Select(i => (long)i).ToArray(), 2, 3, 4)),
            ("i32-scalar", HostArray.Create(new[] { 7 })),
            ("u8-1d", HostArray.Create(new byte[] { 0, 1, 255 }, 3)),
            ("bool-2d", HostArray.Create(new[] { true, false, true, true }, 2, 2)),
            ("f16-1d", HostArray.Create(new[] { (Half)1.5f, (Half)(-2f) }, 2)),
        };
        foreach (var (name, array) in arrays)
        {
            var path = Path.Combine(folder, $"{name}.npy");
            Npy.Write(path, array);
            entries.Add(new($"generated/{name}.npy", FileFormat.Npy, LoaderKind.NpyRead, path, ".npy"));
        }
    }

    private static void AddNpys(string dir, string name, List<CorpusEntry> entries)
    {
        foreach (var npy in Directory.EnumerateFiles(dir, "*.npy", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(dir, npy).Replace('\\', '/');
            entries.Add(new($"{name}/{relative}", FileFormat.Npy, LoaderKind.NpyRead, npy, ".npy"));
        }
    }

    private static IEnumerable<string> CaseFolders(string root) =>
        Directory.GetDirectories(root).Where(d => File.Exists(Path.Combine(d, "case.json"))).Order(StringComparer.Ordinal);
}
