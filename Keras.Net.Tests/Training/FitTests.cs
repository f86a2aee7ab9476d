using Keras.Callbacks;
using Keras.Layers;
using Keras.Models;
using NumSharp;

namespace Keras.Net.Tests.Training;

[TestClass]
public class FitTests
{
    // A learnable task: the class is the index of the largest of the first three features.
    private static (float[,] X, int[] Y) Task(int n, int seed)
    {
        var x = TestUtil.RandomMatrix(n, 8, seed);
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int j = 1; j < 3; j++) if (x[i, j] > x[i, best]) best = j;
            y[i] = best;
        }
        return (x, y);
    }

    private static Sequential Classifier() => new([
        new Dense(32, activation: "relu", inputShape: 8),
        new Dropout(0.1),
        new Dense(3, activation: "softmax"),
    ]);

    [TestMethod]
    public void FitDrivesTheLossDownAndLearns()
    {
        Utils.SetRandomSeed(42);
        var (x, y) = Task(512, 1);
        var model = Classifier();
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var history = model.Fit(x, y, batchSize: 32, epochs: 15, verbose: 0);
        var loss = history["loss"];
        Assert.IsTrue(loss[^1] < loss[0] * 0.5, $"loss fell from {loss[0]} to {loss[^1]}");
        Assert.IsTrue(history["accuracy"][^1] > 0.85, $"accuracy {history["accuracy"][^1]}");
        var (xt, yt) = Task(256, 2);
        Assert.IsTrue(model.Evaluate(xt, yt)["accuracy"] > 0.8);
    }

    [TestMethod]
    public void TheGlobalSeedMakesARunRepeatable()
    {
        var (x, y) = Task(128, 3);
        double[] Run()
        {
            Utils.SetRandomSeed(123);
            var model = Classifier();
            model.Compile(optimizer: "sgd", loss: "sparse_categorical_crossentropy");
            return model.Fit(x, y, batchSize: 16, epochs: 3, verbose: 0)["loss"].ToArray();
        }
        CollectionAssert.AreEqual(Run(), Run());
    }

    [TestMethod]
    public void HistoryHasValidationKeys()
    {
        Utils.SetRandomSeed(1);
        var (x, y) = Task(200, 4);
        var model = Classifier();
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var split = model.Fit(x, y, epochs: 2, validationSplit: 0.25, verbose: 0);
        CollectionAssert.AreEquivalent(new[] { "accuracy", "loss", "val_accuracy", "val_loss" }, split.HistoryData.Keys.ToArray());
        var (xv, yv) = Task(50, 5);
        var explicitData = model.Fit(x, y, epochs: 1, validationData: (xv, yv), verbose: 0);
        Assert.AreEqual(1, explicitData["val_loss"].Count);
        // Validation with explicit data equals Evaluate on that data.
        Assert.AreEqual(model.Evaluate(xv, yv)["loss"], explicitData["val_loss"][0], 1e-5);
    }

    [TestMethod]
    public void DeferredSequentialBuildsAtFirstFit()
    {
        Utils.SetRandomSeed(9);
        var model = new Sequential([new Dense(32), new Activation("relu"), new Dense(3), new Activation("softmax")]);
        Assert.IsFalse(model.Built);
        model.Compile(optimizer: "rmsprop", loss: "categorical_crossentropy", metrics: ["accuracy"]);
        var (x, labels) = Task(64, 6);
        var oneHot = new float[64, 3];
        for (int i = 0; i < 64; i++) oneHot[i, labels[i]] = 1;
        model.Fit(x, oneHot, epochs: 1, verbose: 0);
        Assert.IsTrue(model.Built);
        Assert.AreEqual(new Keras.Shape(-1, 8), model.Inputs[0].Shape);
        Assert.AreEqual(8 * 32 + 32 + 32 * 3 + 3, model.CountParams());
    }

    [TestMethod]
    public void PopRemovesTheLastLayer()
    {
        var model = new Sequential([new Dense(4, inputShape: 2), new Dense(3), new Dense(1)]);
        var popped = model.Pop();
        Assert.AreEqual(2, model.Layers.Count);
        Assert.AreEqual(new Keras.Shape(-1, 3), model.Outputs[0].Shape);
        Assert.IsInstanceOfType<Dense>(popped);
    }

    [TestMethod]
    public void BadShapesNameTheLayerAndBothShapes()
    {
        var model = new Sequential([new Dense(64, activation: "relu", inputShape: 100, name: "first"), new Dense(10, activation: "softmax")]);
        model.Compile(optimizer: "sgd", loss: "categorical_crossentropy");
        var wrong = TestUtil.RandomMatrix(32, 50, 1);
        var predict = Assert.ThrowsExactly<ArgumentException>(() => model.Predict(wrong));
        StringAssert.Contains(predict.Message, "(None, 100)");
        StringAssert.Contains(predict.Message, "(32, 50)");
        var fit = Assert.ThrowsExactly<ArgumentException>(() => model.Fit(wrong, new float[32, 10], verbose: 0));
        StringAssert.Contains(fit.Message, "(32, 50)");

        // A deferred model has no input shape to check: the layer that cannot take the data names itself.
        var deferred = new Sequential([new Dense(4, name: "deferred_dense")]);
        deferred.Predict(TestUtil.RandomMatrix(2, 3, 1));
        var e = Assert.ThrowsExactly<ArgumentException>(() => deferred.Predict(TestUtil.RandomMatrix(2, 5, 1)));
        StringAssert.Contains(e.Message, "(None, 3)");
        StringAssert.Contains(e.Message, "(2, 5)");

        var targets = Assert.ThrowsExactly<ArgumentException>(() => model.Fit(TestUtil.RandomMatrix(32, 100, 1), new float[32, 7], verbose: 0));
        StringAssert.Contains(targets.Message, "(32, 7)");
        StringAssert.Contains(targets.Message, "(32, 10)");

        var count = Assert.ThrowsExactly<ArgumentException>(() => model.Fit(TestUtil.RandomMatrix(32, 100, 1), new float[31, 10], verbose: 0));
        StringAssert.Contains(count.Message, "32");
        StringAssert.Contains(count.Message, "31");
    }

    [TestMethod]
    public void BatchMethodsTrainEvaluateAndPredict()
    {
        Utils.SetRandomSeed(4);
        var (x, y) = Task(32, 7);
        var model = Classifier();
        model.Compile(optimizer: new Keras.Optimizers.SGD(0.1), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var before = model.TestOnBatch(x, y)["loss"];
        for (int i = 0; i < 20; i++) model.TrainOnBatch(x, y);
        var after = model.TestOnBatch(x, y)["loss"];
        Assert.IsTrue(after < before, $"{after} < {before}");
        Assert.AreEqual(model.Evaluate(x, y, batchSize: 32)["loss"], after, 1e-5);
        CollectionAssert.AreEqual(new[] { 32, 3 }, TestUtil.Dims(model.PredictOnBatch(x)));
    }

    [TestMethod]
    public void ProgressOutputFollowsKerasFormat()
    {
        Utils.SetRandomSeed(1);
        var (x, y) = Task(64, 8);
        var model = Classifier();
        var output = new StringWriter();
        model.ProgressOutput = output;
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        model.Fit(x, y, batchSize: 16, epochs: 2, verbose: 1);
        var text = output.ToString();
        StringAssert.Contains(text, "Epoch 1/2");
        StringAssert.Contains(text, "Epoch 2/2");
        StringAssert.Contains(text, "4/4 ━━━━━━━━━━━━━━━━━━━━");
        StringAssert.Matches(text, new System.Text.RegularExpressions.Regex(@"- accuracy: \d\.\d{4} - loss: \d\.\d{4}"));

        var perEpoch = new StringWriter();
        model.ProgressOutput = perEpoch;
        model.Fit(x, y, batchSize: 16, epochs: 2, verbose: 2);
        var lines = perEpoch.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(4, lines.Length, perEpoch.ToString());
        StringAssert.StartsWith(lines[1], "4/4 - ");

        var silent = new StringWriter();
        model.ProgressOutput = silent;
        model.Fit(x, y, epochs: 1, verbose: 0);
        Assert.AreEqual("", silent.ToString());
    }

    [TestMethod]
    public void CallbacksSeeEpochsAndCanStopTraining()
    {
        var (x, y) = Task(64, 9);
        var model = Classifier();
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
        var seen = new List<int>();
        var stopper = new StopAfter(2, seen);
        var history = model.Fit(x, y, epochs: 10, verbose: 0, callbacks: [stopper]);
        CollectionAssert.AreEqual(new[] { 0, 1 }, seen);
        Assert.AreEqual(2, history["loss"].Count);
    }

    private sealed class StopAfter(int epochs, List<int> seen) : Callback
    {
        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            seen.Add(epoch);
            if (seen.Count >= epochs) Model!.StopTraining = true;
        }
    }

    [TestMethod]
    public void InitialEpochResumesCounting()
    {
        var (x, y) = Task(32, 10);
        var model = Classifier();
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy");
        var history = model.Fit(x, y, epochs: 5, initialEpoch: 3, verbose: 0);
        CollectionAssert.AreEqual(new[] { 3, 4 }, history.Epochs.ToArray());
    }

    [TestMethod]
    public void FitWithoutCompileIsAClearError()
    {
        var model = Classifier();
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => model.Fit(new float[4, 8], new int[4], verbose: 0));
        StringAssert.Contains(e.Message, "Compile");
    }
}
