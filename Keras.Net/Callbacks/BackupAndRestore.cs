using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keras.Callbacks;

/// <summary>
/// Makes training resumable after an interruption (Keras's <c>BackupAndRestore</c>): at the end of
/// every epoch the weights and the epoch reached are saved (atomically) in <c>backupDir</c>; a later
/// <c>Fit</c> with the same folder restores them and continues from the next epoch. The backup is
/// deleted when training completes (unless <c>deleteCheckpoint</c> is false).
/// </summary>
public sealed class BackupAndRestore : Callback
{
    /// <summary>Creates the callback.</summary>
    public BackupAndRestore(string backupDir, bool deleteCheckpoint = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(backupDir);
        BackupDir = backupDir;
        DeleteCheckpoint = deleteCheckpoint;
    }

    public string BackupDir { get; }
    public bool DeleteCheckpoint { get; }

    private string WeightsPath => Path.Combine(BackupDir, "latest.weights.h5");

    private string StatePath => Path.Combine(BackupDir, "training_metadata.json");

    /// <summary>The epoch training resumed from, when a backup was restored.</summary>
    public int? RestoredFromEpoch { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(IReadOnlyDictionary<string, double> logs)
    {
        RestoredFromEpoch = null;
        if (!File.Exists(WeightsPath) || !File.Exists(StatePath)) return;
        var state = JsonNode.Parse(File.ReadAllText(StatePath)) as JsonObject
            ?? throw new KerasFileException(StatePath, "training metadata", "is not a JSON object.");
        var epoch = state["epoch"]?.GetValue<int>() ?? throw new KerasFileException(StatePath, "epoch", "is missing.");
        Model!.LoadWeights(WeightsPath);
        if (state["learning_rate"] is JsonValue lr && Model.Optimizer is { } optimizer) optimizer.LearningRate = lr.GetValue<double>();
        RestoredFromEpoch = epoch + 1;
        Model.ResumeAtEpoch = epoch + 1;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        Directory.CreateDirectory(BackupDir);
        // Weights first, then the metadata that points at them: a crash between the two leaves the previous epoch's pair usable.
        Model!.SaveWeights(WeightsPath);
        var state = new JsonObject { ["epoch"] = epoch };
        if (Model.Optimizer is { } optimizer) state["learning_rate"] = optimizer.LearningRate;
        Saving.AtomicFile.Write(StatePath, s => JsonSerializer.Serialize(s, state));
    }

    /// <inheritdoc />
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        if (!DeleteCheckpoint) return;
        if (File.Exists(WeightsPath)) File.Delete(WeightsPath);
        if (File.Exists(StatePath)) File.Delete(StatePath);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"BackupAndRestore({BackupDir})");
}
