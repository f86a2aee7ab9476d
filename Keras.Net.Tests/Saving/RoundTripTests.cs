using Keras.Data;
using Keras.Layers;
using Keras.Models;
using Keras.Saving.Hdf5;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Saving;

/// <summary>Models saved by Keras.Net in every format load back identical (predictions, optimizer state, config).</summary>
[TestClass]
public class RoundTripTests
{
    private static string _folder = "";

    [ClassInitialize]
    public static void CreateFolder(TestContext _) => _folder = SavingFiles.NewFolder("roundtrip");

    [ClassCleanup]
    public static void RemoveFolder()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    // A functional model with two inputs, a shared layer, a nested Sequential, BatchNormalization
    // (non-trainable weights) and two outputs.
    private static Model BuildFunctional()
    {
        Utils.SetRandomSeed(7);
        var a = Input(shape: 6, name: "a");
        var b = Input(shape: 6, name: "b");
        var shared = new Dense(5, activation: "tanh", name: "shared");
        var sa = shared.Apply(a);
        var sb = shared.Apply(b);
        var inner = new Sequential([new Dense(4, activation: "relu", inputShape: 10, name: "inner_dense"), new BatchNormalization(name: "inner_bn")], name: "inner");
        var merged = new Concatenate(name: "concat").Apply(new Tensors(sa, sb));
        var h = (KerasTensor)inner.Apply(merged);
        var y1 = new Dense(3, activation: "softmax", name: "probs").Apply(h);
        var y2 = new Dense(1, name: "value").Apply(h);
        return new Model(new Tensors(a, b), new Tensors(y1, y2), name: "two_heads");
    }

    private static Sequential BuildSequential()
    {
        Utils.SetRandomSeed(11);
        var model = new Sequential([
            new Dense(8, activation: "relu", inputShape: 5, name: "hidden"),
            new Dropout(0.3, name: "drop"),
            new Dense(3, activation: "softmax", name: "out"),
        ], name: "seq");
        model.Compile(optimizer: new Keras.Optimizers.Adam(learningRate: 0.01), loss: "categorical_crossentropy", metrics: ["accuracy"]);
        var x = TestUtil.RandomMatrix(8, 5, 3);
        var y = new float[8, 3];
        for (int i = 0; i < 8; i++) y[i, i % 3] = 1;
        model.TrainOnBatch(x, y);
        model.TrainOnBatch(x, y);
        return model;
    }

    private static float[][] Predict(Model model, params float[][,] inputs) =>
        model.PredictOutputs(inputs.Select(i => (object)i).ToList()).Select(TestUtil.Flat).ToArray();

    private static void AssertSamePredictions(float[][] expected, float[][] actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{what}: number of outputs");
        for (int i = 0; i < expected.Length; i++) CollectionAssert.AreEqual(expected[i], actual[i], $"{what}: output {i}");
    }

    [TestMethod]
    public void FunctionalModelRoundTripsThroughEveryFormat()
    {
        using var model = BuildFunctional();
        var xa = TestUtil.RandomMatrix(4, 6, 1);
        var xb = TestUtil.RandomMatrix(4, 6, 2);
        // Non-default BatchNormalization statistics, so the non-trainable weights matter.
        var bn = ((Sequential)model.GetLayer("inner")).GetLayer("inner_bn");
        bn.Weights[2].Assign(HostArray.Create([0.5f, -0.25f, 1f, 0.1f], 4));
        bn.Weights[3].Assign(HostArray.Create([2f, 0.5f, 1.5f, 3f], 4));
        var expected = Predict(model, xa, xb);

        var keras = Path.Combine(_folder, "functional.keras");
        var h5 = Path.Combine(_folder, "functional.h5");
        var weights = Path.Combine(_folder, "functional.weights.h5");
        var legacyWeights = Path.Combine(_folder, "functional_legacy.h5");
        model.SaveModel(keras);
        model.SaveModel(h5);
        model.SaveWeights(weights);
        model.SaveWeights(legacyWeights);

        foreach (var path in new[] { keras, h5 })
        {
            using var loaded = Model.Load(path);
            AssertSamePredictions(expected, Predict(loaded, xa, xb), Path.GetFileName(path));
            Assert.AreEqual(model.ToJson(), loaded.ToJson(), $"{Path.GetFileName(path)}: the architecture");
        }
        foreach (var path in new[] { weights, legacyWeights })
        {
            using var fresh = Model.FromJson(model.ToJson());
            CollectionAssert.AreNotEqual(expected[0], Predict(fresh, xa, xb)[0], "a fresh model differs before loading");
            fresh.LoadWeights(path);
            AssertSamePredictions(expected, Predict(fresh, xa, xb), Path.GetFileName(path));
        }
    }

    [TestMethod]
    public void CompiledStateAndOptimizerVariablesAreRestored()
    {
        using var model = BuildSequential();
        var x = TestUtil.RandomMatrix(6, 5, 9);
        var expected = Predict(model, x);
        foreach (var name in new[] { "seq.keras", "seq.h5" })
        {
            var path = Path.Combine(_folder, name);
            model.SaveModel(path);
            using var loaded = Model.Load(path);
            AssertSamePredictions(expected, Predict(loaded, x), name);
            Assert.IsTrue(loaded.IsCompiled, $"{name}: compiled");
            var opt = loaded.Optimizer as Keras.Optimizers.Adam;
            Assert.IsNotNull(opt, $"{name}: Adam restored");
            Assert.AreEqual(0.01, opt.LearningRate, 1e-9);
            Assert.AreEqual(2L, opt.Iterations, $"{name}: iterations");
            Assert.AreEqual(model.Optimizer!.Variables.Count, opt.Variables.Count, $"{name}: optimizer variables");
            for (int i = 0; i < opt.Variables.Count; i++)
                CollectionAssert.AreEqual(model.Optimizer.Variables[i].ToHost().ToArray<float>(), opt.Variables[i].ToHost().ToArray<float>(), $"{name}: {opt.Variables[i].Path}");
            var uncompiled = Model.Load(path, compile: false);
            Assert.IsFalse(uncompiled.IsCompiled, $"{name}: compile: false");
        }
    }

    [TestMethod]
    public void KerasWeightsLayoutUsesClassNameKeysAndLayerNames()
    {
        using var model = BuildFunctional();
        var path = Path.Combine(_folder, "layout.weights.h5");
        model.SaveWeights(path);
        using var h5 = H5Archive.Open(path);
        // Keys: snake_case class names numbered in Keras's layer order; the layer name is an attribute.
        foreach (var key in new[] { "layers/dense/vars", "layers/dense_1/vars", "layers/dense_2/vars", "layers/sequential/layers/dense/vars", "layers/sequential/layers/batch_normalization/vars" })
            Assert.IsNotNull(h5.TryGroup(key), key);
        Assert.AreEqual("shared", h5.StringAttribute(h5.Group("layers/dense/vars"), "name", "t"));
        Assert.AreEqual(4, Keras3Weights.VarValues(h5, h5.Group("layers/sequential/layers/batch_normalization/vars"), "t").Count);
    }

    [TestMethod]
    public void JsonAndYamlArchitecturesRoundTrip()
    {
        using var model = BuildFunctional();
        var json = model.ToJson();
        using var fromJson = Model.FromJson(json);
        Assert.AreEqual(json, fromJson.ToJson());
        using var fromYaml = Model.FromYaml(model.ToYaml());
        Assert.AreEqual(json, fromYaml.ToJson());
        using var fromConfig = Model.FromConfig(model.GetConfig());
        Assert.AreEqual(json, fromConfig.ToJson());
        using var seq = BuildSequential();
        Assert.AreEqual(seq.ToJson(), Model.FromYaml(seq.ToYaml()).ToJson());
    }

    [TestMethod]
    public void LoadWeightsByNameAndSkipMismatch()
    {
        using var source = BuildSequential();
        var path = Path.Combine(_folder, "byname.h5");
        source.SaveWeights(path);
        // A model with the layers in another order and one extra layer: by name, the matching layers load.
        var other = new Sequential([
            new Dense(8, activation: "relu", inputShape: 5, name: "hidden"),
            new Dense(3, activation: "softmax", name: "out"),
            new Dense(2, name: "extra"),
        ]);
        var extraBefore = other.GetLayer("extra").Weights[0].ToHost().ToArray<float>();
        other.LoadWeights(path, byName: true);
        CollectionAssert.AreEqual(source.GetLayer("hidden").Weights[0].ToHost().ToArray<float>(), other.GetLayer("hidden").Weights[0].ToHost().ToArray<float>());
        CollectionAssert.AreEqual(source.GetLayer("out").Weights[1].ToHost().ToArray<float>(), other.GetLayer("out").Weights[1].ToHost().ToArray<float>());
        CollectionAssert.AreEqual(extraBefore, other.GetLayer("extra").Weights[0].ToHost().ToArray<float>());

        // A different width: an error naming the layer and both shapes, or skipped with skipMismatch.
        var wider = new Sequential([new Dense(9, activation: "relu", inputShape: 5, name: "hidden"), new Dense(3, name: "out")]);
        var e = Assert.ThrowsExactly<KerasFileException>(() => wider.LoadWeights(path));
        StringAssert.Contains(e.Message, "hidden");
        StringAssert.Contains(e.Message, "(5, 8)");
        StringAssert.Contains(e.Message, "(5, 9)");
        var before = wider.GetLayer("out").Weights[0].ToHost().ToArray<float>();
        CollectionAssert.AreEqual(before, wider.GetLayer("out").Weights[0].ToHost().ToArray<float>(), "a failed load changes nothing");
        var narrowOut = new Sequential([new Dense(9, activation: "relu", inputShape: 5, name: "hidden"), new Dense(3, name: "out")]);
        narrowOut.LoadWeights(path, byName: true, skipMismatch: true);
        CollectionAssert.AreEqual(source.GetLayer("out").Weights[1].ToHost().ToArray<float>(), narrowOut.GetLayer("out").Weights[1].ToHost().ToArray<float>());
    }

    [TestMethod]
    public void WritesAreAtomicAndReplaceExistingFiles()
    {
        using var model = BuildSequential();
        var folder = SavingFiles.NewFolder("atomic");
        try
        {
            var path = Path.Combine(folder, "m.keras");
            File.WriteAllText(path, "old content");
            model.SaveModel(path);
            Assert.AreEqual((byte)'P', File.ReadAllBytes(path)[0], "the old file was replaced");
            CollectionAssert.AreEqual(new[] { "m.keras" }, Directory.GetFiles(folder).Select(Path.GetFileName).ToArray(), "no temporary file is left");
            Assert.ThrowsExactly<ArgumentException>(() => model.SaveModel(Path.Combine(folder, "m.txt")));
            Assert.ThrowsExactly<DirectoryNotFoundException>(() => model.SaveWeights(Path.Combine(folder, "missing", "m.weights.h5")));
            CollectionAssert.AreEqual(new[] { "m.keras" }, Directory.GetFiles(folder).Select(Path.GetFileName).ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
