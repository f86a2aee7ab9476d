using Keras.Callbacks;
using Keras.Data;
using Keras.Layers;
using Keras.Models;

namespace Keras.SaveChild;

/// <summary>
/// The model, weight versions and writers shared by the save child and the kill test that checks its files.
/// Version <c>k</c> sets element <c>j</c> of weight <c>t</c> to <c>(k + 1) + ((131·t + j) mod 4093) / 4096</c>:
/// exact in float32, different in every version (the integer part) and position-dependent (a shifted,
/// zero-filled or mixed file cannot match any version).
/// </summary>
public static class SaveWorkload
{
    /// <summary>How many weight versions the child cycles through.</summary>
    public const int VersionCount = 3;

    /// <summary>Input width of the model.</summary>
    public const int Inputs = 512;

    /// <summary>Output width of the model.</summary>
    public const int Outputs = 16;

    /// <summary>Hidden width: 512·1024 + 1024·1024 + 1024·16 weights ≈ 1.6 M floats, about 6.4 MB per save.</summary>
    public const int Hidden = 1024;

    /// <summary>The writers the kill test exercises, each with the target file name it saves to.</summary>
    public static IReadOnlyDictionary<string, string> Modes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["keras"] = "model.keras",                     // SaveModel, Keras 3 archive
        ["h5"] = "model.h5",                           // SaveModel, legacy HDF5
        ["weights"] = "model.weights.h5",              // SaveWeights, Keras 3 layout
        ["legacy-weights"] = "legacy.h5",              // SaveWeights, legacy layout
        ["checkpoint"] = "checkpoint.keras",           // ModelCheckpoint during Fit
        ["checkpoint-weights"] = "checkpoint.weights.h5", // ModelCheckpoint(saveWeightsOnly) during Fit
        ["backup"] = "backup",                         // BackupAndRestore during Fit (a folder)
    };

    /// <summary>The file a mode's saves replace: the target itself, or the backup's weights file.</summary>
    public static string WeightsFile(string mode, string target) =>
        mode == "backup" ? Path.Combine(target, "latest.weights.h5") : target;

    /// <summary>A fresh compiled model (SGD without momentum, so the optimizer adds no per-weight slots).</summary>
    public static Sequential Build()
    {
        var model = new Sequential(
        [
            new Dense(Hidden, activation: "relu", inputShape: Inputs, name: "first"),
            new Dense(Hidden, activation: "relu", name: "second"),
            new Dense(Outputs, name: "out"),
        ]);
        model.Compile(optimizer: new Keras.Optimizers.SGD(0.01), loss: "mse");
        return model;
    }

    /// <summary>The value version <paramref name="version"/> gives element <paramref name="element"/> of weight <paramref name="weight"/>.</summary>
    public static float Value(int version, int weight, long element) =>
        (version + 1) + (float)((131L * weight + element) % 4093) / 4096f;

    /// <summary>The host arrays of every version, in <see cref="Layer.Weights"/> order (built once: a save loop reuses them).</summary>
    public static HostArray[][] Versions(Model model) =>
        Enumerable.Range(0, VersionCount).Select(k => model.Weights.Select((w, t) =>
        {
            var shape = w.Shape.Select(d => (long)d).ToArray();
            var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
            for (long j = 0; j < data.Length; j++) data[j] = Value(k, t, j);
            return HostArray.Create(data, shape);
        }).ToArray()).ToArray();

    /// <summary>
    /// The version <paramref name="model"/>'s weights hold, or null with <paramref name="problem"/> saying
    /// which element matches no complete version.
    /// </summary>
    public static int? Match(Model model, out string problem)
    {
        problem = "";
        var weights = model.Weights;
        if (weights.Count == 0) { problem = "the model has no weights"; return null; }
        int? version = null;
        for (int t = 0; t < weights.Count; t++)
        {
            var values = weights[t].ToHost().ToArray<float>();
            version ??= (int)MathF.Floor(values[0]) - 1;
            for (long j = 0; j < values.Length; j++)
            {
                if (version is < 0 or >= VersionCount || values[j] != Value(version.Value, t, j))
                {
                    problem = $"weight {t} ('{weights[t].Path}') element {j} is {values[j]}, which is not version {version}'s {Value(Math.Clamp(version.Value, 0, VersionCount - 1), t, j)}";
                    return null;
                }
            }
        }
        return version;
    }

    /// <summary>
    /// Saves <paramref name="maxSaves"/> times through <paramref name="mode"/>'s writer, setting the weights to
    /// versions <paramref name="firstVersion"/>, +1, … (mod <see cref="VersionCount"/>) before each save and
    /// calling <paramref name="saved"/> with the version once its save returned. Stops early, between saves, when
    /// <paramref name="stop"/> is cancelled.
    /// </summary>
    public static void Run(Sequential model, HostArray[][] versions, string mode, string target, int firstVersion, int maxSaves, Action<int> saved,
        CancellationToken stop = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSaves, 1);
        int VersionAt(int i) => (firstVersion + i) % VersionCount;
        void Set(int i)
        {
            var vars = model.Weights;
            for (int t = 0; t < vars.Count; t++) vars[t].Assign(versions[VersionAt(i)][t]);
        }

        Action<string>? direct = mode switch
        {
            "keras" or "h5" => model.SaveModel,
            "weights" or "legacy-weights" => model.SaveWeights,
            _ => null,
        };
        if (direct is not null)
        {
            for (int i = 0; i < maxSaves && !stop.IsCancellationRequested; i++)
            {
                Set(i);
                direct(target);
                saved(VersionAt(i));
            }
            return;
        }

        Callback writer = mode switch
        {
            "checkpoint" => new ModelCheckpoint(target),
            "checkpoint-weights" => new ModelCheckpoint(target, saveWeightsOnly: true),
            "backup" => new BackupAndRestore(target, deleteCheckpoint: false),
            _ => throw new ArgumentException($"Unknown mode '{mode}'; expected one of {string.Join(", ", Modes.Keys)}.", nameof(mode)),
        };
        // Fit's own update is overwritten by the version before the writer runs (callbacks run in list order). Training
        // stops after maxSaves epochs, counted from wherever BackupAndRestore resumes.
        int epochsRun = 0;
        var x = new float[1, Inputs];
        var y = new float[1, Outputs];
        model.Fit(x, y, batchSize: 1, epochs: int.MaxValue, verbose: 0, shuffle: false, callbacks:
        [
            new LambdaCallback(onEpochEnd: (_, _) => Set(epochsRun)),
            writer,
            new LambdaCallback(onEpochEnd: (_, _) =>
            {
                saved(VersionAt(epochsRun++));
                if (epochsRun == maxSaves || stop.IsCancellationRequested) model.StopTraining = true;
            }),
        ]);
    }
}
