using Keras.Callbacks;
using Keras.Layers;
using Keras.Models;

namespace Keras.Net.Tests.Callbacks;

/// <summary>The files ModelCheckpoint and BackupAndRestore write and read: folders, damaged backups.</summary>
[TestClass]
public sealed class CheckpointFileTests
{
    private string _dir = "";

    [TestInitialize]
    public void Initialize() => _dir = Directory.CreateTempSubdirectory("keras-net-ckptfile").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private static Sequential Model()
    {
        Utils.SetRandomSeed(5);
        var model = new Sequential([new Dense(3, inputShape: 2), new Dense(1)]);
        model.Compile(optimizer: new Keras.Optimizers.SGD(0.1), loss: "mse");
        return model;
    }

    private static readonly float[,] X = { { 1, 2 }, { 3, 4 }, { 5, 6 } };
    private static readonly float[] Y = [1, 2, 3];

    [TestMethod]
    public void ModelCheckpoint_CreatesAMissingFolderLikeKeras()
    {
        using var model = Model();
        var path = Path.Combine(_dir, "runs", "7", "ckpt-{epoch}.keras");
        model.Fit(X, Y, epochs: 2, verbose: 0, callbacks: [new ModelCheckpoint(path)]);
        using var loaded = Keras.Models.Model.Load(Path.Combine(_dir, "runs", "7", "ckpt-2.keras"));
        for (int i = 0; i < model.Weights.Count; i++)
            CollectionAssert.AreEqual(model.Weights[i].ToHost().ToArray<float>(), loaded.Weights[i].ToHost().ToArray<float>());
        CollectionAssert.AreEquivalent(new[] { "ckpt-1.keras", "ckpt-2.keras" },
            Directory.GetFiles(Path.Combine(_dir, "runs", "7")).Select(Path.GetFileName).ToArray(), "no temporary files are left");
    }

    [TestMethod]
    [DataRow("{\"epoch\": 1", "training metadata")]
    [DataRow("[1, 2]", "training metadata")]
    [DataRow("{\"learning_rate\": 0.1}", "epoch")]
    [DataRow("{\"epoch\": \"3\"}", "epoch")]
    [DataRow("{\"epoch\": -1}", "epoch")]
    [DataRow("{\"epoch\": 1.5}", "epoch")]
    [DataRow("{\"epoch\": 1, \"learning_rate\": \"fast\"}", "learning_rate")]
    public void BackupAndRestore_DamagedMetadata_IsRefusedNamingTheFileAndPart(string metadata, string part)
    {
        using (var saved = Model()) saved.SaveWeights(Path.Combine(_dir, "latest.weights.h5"));
        var metadataPath = Path.Combine(_dir, "training_metadata.json");
        File.WriteAllText(metadataPath, metadata);
        using var model = Model();
        var before = model.Weights[0].ToHost().ToArray<float>();

        var e = Assert.ThrowsExactly<KerasFileException>(() => model.Fit(X, Y, epochs: 3, verbose: 0, callbacks: [new BackupAndRestore(_dir)]));

        StringAssert.Contains(e.Message, metadataPath);
        StringAssert.Contains(e.Message, part);
        CollectionAssert.AreEqual(before, model.Weights[0].ToHost().ToArray<float>(), "nothing is restored from a damaged backup");
    }

    [TestMethod]
    public void BackupAndRestore_WritesOnlyItsTwoFiles()
    {
        using var model = Model();
        model.Fit(X, Y, epochs: 2, verbose: 0, callbacks: [new BackupAndRestore(_dir, deleteCheckpoint: false)]);
        CollectionAssert.AreEquivalent(new[] { "latest.weights.h5", "training_metadata.json" },
            Directory.GetFiles(_dir).Select(Path.GetFileName).ToArray(), "no temporary files are left");
        StringAssert.Contains(File.ReadAllText(Path.Combine(_dir, "training_metadata.json")), "\"epoch\":1");
    }
}
