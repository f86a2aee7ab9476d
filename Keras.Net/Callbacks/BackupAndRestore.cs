using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keras.Callbacks;

/// <summary>
/// Makes training resumable after an interruption (Keras's <c>BackupAndRestore</c>): at the end of
/// every epoch the weights (<c>latest.weights.h5</c>) and the epoch reached (<c>training_metadata.json</c>)
/// are saved in <c>backupDir</c>; a later <c>Fit</c> with the same folder restores them and continues
/// from the next epoch. The backup is deleted when training completes (unless <c>deleteCheckpoint</c> is false).
/// </summary>
/// <remarks>
/// Both files are written atomically (a temporary file in <c>backupDir</c>, flushed, then renamed over the
/// old one), so a process killed at any point leaves each file either as it was or complete. A kill between
/// the two writes leaves the new weights with the previous epoch number: training resumes one epoch early
/// from the newer weights, and never from a damaged file.
/// </remarks>
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
        var (epoch, learningRate) = ReadState(StatePath);
        Model!.LoadWeights(WeightsPath);
        if (learningRate is double lr && Model.Optimizer is { } optimizer) optimizer.LearningRate = lr;
        RestoredFromEpoch = epoch + 1;
        Model.ResumeAtEpoch = epoch + 1;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        Directory.CreateDirectory(BackupDir);
        // Weights first, then the epoch: a kill between the two repeats an epoch rather than skipping one.
        Model!.SaveWeights(WeightsPath);
        var state = new JsonObject { ["epoch"] = epoch };
        if (Model.Optimizer is { } optimizer) state["learning_rate"] = optimizer.LearningRate;
        Saving.AtomicFile.Write(StatePath, s => JsonSerializer.Serialize(s, state));
    }

    // training_metadata.json: {"epoch": <last completed, 0-based>, "learning_rate": <optional number>}.
    private static (int Epoch, double? LearningRate) ReadState(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KerasFileException(path, "training metadata", $"cannot be read: {e.Message}", e);
        }
        var state = Saving.ModelFiles.ParseJson(text, path, "training metadata") as JsonObject
            ?? throw new KerasFileException(path, "training metadata", "is not a JSON object.");
        if (state["epoch"] is not JsonValue epochValue || !epochValue.TryGetValue<int>(out var epoch) || epoch < 0)
            throw new KerasFileException(path, "epoch", $"must be a non-negative integer; got {state["epoch"]?.ToJsonString() ?? "nothing"}.");
        double? learningRate = null;
        if (state["learning_rate"] is { } lrNode)
        {
            if (lrNode is not JsonValue lrValue || !lrValue.TryGetValue<double>(out var lr) || !double.IsFinite(lr))
                throw new KerasFileException(path, "learning_rate", $"must be a finite number; got {lrNode.ToJsonString()}.");
            learningRate = lr;
        }
        return (epoch, learningRate);
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
