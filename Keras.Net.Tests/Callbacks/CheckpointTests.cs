using Keras.Callbacks;
using Keras.Layers;
using Keras.Models;

namespace Keras.Net.Tests.Callbacks;

[TestClass]
public class CheckpointTests
{
    private static Sequential Model()
    {
        Utils.SetRandomSeed(13);
        var model = new Sequential([new Dense(4, activation: "relu", inputShape: 3), new Dense(1)]);
        model.Compile(optimizer: new Keras.Optimizers.SGD(0.05), loss: "mse");
        return model;
    }

    private static (float[,] X, float[] Y) Data()
    {
        var x = TestUtil.RandomMatrix(24, 3, 8);
        var y = Enumerable.Range(0, 24).Select(i => x[i, 0] + 2 * x[i, 1]).ToArray();
        return (x, y);
    }

    private static string TempDir() => Directory.CreateTempSubdirectory("keras-net-ckpt").FullName;

    /// <summary>Feeds a scripted sequence of values as the monitored metric.</summary>
    private sealed class Scripted(string key, params double[] values) : Callback
    {
        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            if (logs is IDictionary<string, double> w) w[key] = values[epoch];
        }
    }

    [TestMethod]
    public void FileNamePatternsAreFilledFromEpochAndLogs()
    {
        var logs = new Dictionary<string, double> { ["val_loss"] = 0.12345, ["loss"] = 1234.56 };
        Assert.AreEqual("ckpt-03-0.12.keras", ModelCheckpoint.FormatPath("ckpt-{epoch:02d}-{val_loss:.2f}.keras", 2, logs));
        Assert.AreEqual("m3-1.235e+03.keras", ModelCheckpoint.FormatPath("m{epoch}-{loss:.3e}.keras", 2, logs));
        Assert.ThrowsExactly<ModelCheckpoint.KeyError>(() => ModelCheckpoint.FormatPath("{acc}.keras", 0, logs));
        Assert.ThrowsExactly<ArgumentException>(() => new ModelCheckpoint("weights.keras", saveWeightsOnly: true));
    }

    [TestMethod]
    public void SaveBestOnlyWritesOnlyImprovementsAndTheFilesLoad()
    {
        var dir = TempDir();
        try
        {
            var (x, y) = Data();
            var model = Model();
            var checkpoint = new ModelCheckpoint(Path.Combine(dir, "best-{epoch:02d}.keras"), monitor: "score", saveBestOnly: true, mode: "min");
            float[]? kernelAtEpoch3 = null;
            model.Fit(x, y, epochs: 5, verbose: 0, callbacks:
            [
                new Scripted("score", 3, 2, 2.5, 1, 1.5),
                checkpoint,
                new LambdaCallback(onEpochEnd: (e, _) => { if (e == 3) kernelAtEpoch3 = model.Weights[0].ToHost().ToArray<float>(); }),
            ]);
            CollectionAssert.AreEqual(new[] { "best-01.keras", "best-02.keras", "best-04.keras" }, checkpoint.SavedFiles.Select(Path.GetFileName).ToArray());
            Assert.AreEqual(1.0, checkpoint.Best);
            var restored = Keras.Models.Model.Load(Path.Combine(dir, "best-04.keras"));
            CollectionAssert.AreEqual(kernelAtEpoch3, restored.Weights[0].ToHost().ToArray<float>());
            Assert.AreEqual(0, Directory.GetFiles(dir, "*.tmp").Length, "no temporary files left");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void WeightsOnlyCheckpointsLoadIntoTheSameArchitecture()
    {
        var dir = TempDir();
        try
        {
            var (x, y) = Data();
            var model = Model();
            var path = Path.Combine(dir, "last.weights.h5");
            model.Fit(x, y, epochs: 2, verbose: 0, callbacks: [new ModelCheckpoint(path, saveWeightsOnly: true)]);
            var other = Model();
            other.LoadWeights(path);
            for (int i = 0; i < model.Weights.Count; i++)
                CollectionAssert.AreEqual(model.Weights[i].ToHost().ToArray<float>(), other.Weights[i].ToHost().ToArray<float>());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private sealed class CrashAt(int epoch) : Callback
    {
        public override void OnEpochEnd(int e, IReadOnlyDictionary<string, double> logs)
        {
            if (e == epoch) throw new IOException("simulated crash");
        }
    }

    [TestMethod]
    public void BackupAndRestoreResumesAnInterruptedRun()
    {
        var dir = TempDir();
        try
        {
            var (x, y) = Data();
            // Reference: 5 uninterrupted epochs without shuffling.
            var reference = Model();
            reference.Fit(x, y, epochs: 5, shuffle: false, verbose: 0);

            var model = Model();
            var backup = new BackupAndRestore(dir);
            // The crash happens after epoch 2's backup was written (the backup runs first).
            Assert.ThrowsExactly<IOException>(() => model.Fit(x, y, epochs: 5, shuffle: false, verbose: 0, callbacks: [backup, new CrashAt(2)]));
            Assert.IsTrue(File.Exists(Path.Combine(dir, "latest.weights.h5")));

            var resumed = Model();
            var history = resumed.Fit(x, y, epochs: 5, shuffle: false, verbose: 0, callbacks: [new BackupAndRestore(dir)]);
            CollectionAssert.AreEqual(new[] { 3, 4 }, history.Epochs.ToArray(), "continues after the last saved epoch");
            for (int i = 0; i < reference.Weights.Count; i++)
                TestUtil.AssertClose(reference.Weights[i].ToHost().ToArray<float>(), resumed.Weights[i].ToHost().ToArray<float>(), 1e-5, $"weight {i}");
            Assert.IsFalse(File.Exists(Path.Combine(dir, "latest.weights.h5")), "the backup is deleted after a completed run");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
