using Keras.Layers;
using Keras.Losses;
using Keras.Models;
using Keras.Optimizers;

namespace Keras.Net.Tests.Training;

[TestClass]
public class CustomTrainingTests
{
    private static (float[,] X, float[] Y) Data()
    {
        var x = TestUtil.RandomMatrix(32, 3, 12);
        var y = new float[32];
        for (int i = 0; i < 32; i++) y[i] = 2 * x[i, 0] - x[i, 2] + 0.5f;
        return (x, y);
    }

    private static Sequential Model()
    {
        Utils.SetRandomSeed(21);
        return new Sequential([new Dense(6, activation: "tanh", inputShape: 3), new Dense(1)]);
    }

    [TestMethod]
    public void AGradientTapeLoopAndFitGiveIdenticalWeights()
    {
        var (x, y) = Data();
        var fitted = Model();
        fitted.Compile(optimizer: new SGD(0.05), loss: "mse");
        fitted.Fit(x, y, batchSize: 8, epochs: 3, shuffle: false, verbose: 0);

        var manual = Model();
        var optimizer = new SGD(0.05);
        var loss = new MeanSquaredError();
        var xs = Ops.ConvertToTensor(x);
        var ys = Ops.ConvertToTensor(y);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            for (int start = 0; start < 32; start += 8)
            {
                using var scope = Ops.Scope();
                var xb = Ops.Slice(xs, 0, start, 8);
                var yb = Ops.Slice(ys, 0, start, 8);
                var tape = new GradientTape();
                var value = loss.Compute(yb, manual.Apply(xb, training: true));
                var grads = tape.Gradient(value, manual.TrainableWeights);
                optimizer.ApplyGradients(grads, manual.TrainableWeights);
            }
        }
        for (int i = 0; i < fitted.Weights.Count; i++)
            CollectionAssert.AreEqual(fitted.Weights[i].ToHost().ToArray<float>(), manual.Weights[i].ToHost().ToArray<float>(), $"weight {i}");
    }

    [TestMethod]
    public void TapeWatchesInputsAndRefusesUnrecordedSources()
    {
        using var scope = Ops.Scope();
        var tape = new GradientTape(persistent: true);
        var x = tape.Watch(Ops.Constant([1f, 2f, 3f], new Shape(3)));
        var y = Ops.Sum(Ops.Square(x));
        CollectionAssert.AreEqual(new[] { 2f, 4f, 6f }, tape.Gradient(y, [x])[0].ToArray<float>(), "d(sum x^2)/dx = 2x");
        CollectionAssert.AreEqual(new[] { 2f, 4f, 6f }, tape.Gradient(y, [x])[0].ToArray<float>(), "a persistent tape answers twice");
        var once = new GradientTape();
        var z = once.Watch(Ops.Constant([1f], new Shape(1)));
        var target = Ops.Sum(Ops.Multiply(z, 3.0));
        once.Gradient(target, [z]);
        Assert.ThrowsExactly<InvalidOperationException>(() => once.Gradient(target, [z]));
        Assert.ThrowsExactly<ArgumentException>(() => new GradientTape().Gradient(target, [Ops.Constant([1f], new Shape(1))]));
        Assert.ThrowsExactly<ArgumentException>(() => new GradientTape().Gradient(Ops.Multiply(x, 2.0), [x]), "non-scalar target");
    }

    /// <summary>A model whose training step clips each gradient to ±0.01 before applying it.</summary>
    private sealed class ClippedModel : Model
    {
        private readonly Dense _dense = new(1, kernelInitializer: new Keras.Initializers.Zeros());

        public int Steps { get; private set; }

        protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) => _dense.Apply(inputs.Single);

        protected override void TrainStep(Tensors x, Tensors y, Tensor? sampleWeight)
        {
            Steps++;
            var tape = new GradientTape();
            var yPred = Apply(x, training: true);
            var loss = ComputeLoss(x, y, yPred, sampleWeight);
            var grads = tape.Gradient(loss, TrainableWeights).Select(g => Ops.Clip(g, -0.01, 0.01)).ToArray();
            Optimizer!.ApplyGradients(grads, TrainableWeights);
            ComputeMetrics(x, y, yPred, loss, sampleWeight);
        }
    }

    [TestMethod]
    public void AnOverriddenTrainStepKeepsFitCallbacksAndLogs()
    {
        var (x, y) = Data();
        var model = new ClippedModel();
        model.Compile(optimizer: new SGD(1.0), loss: "mse", metrics: ["mae"]);
        var history = model.Fit(x, y, batchSize: 16, epochs: 2, shuffle: false, verbose: 0);
        Assert.AreEqual(4, model.Steps);
        CollectionAssert.AreEquivalent(new[] { "loss", "mae" }, history.HistoryData.Keys.ToArray());
        // With SGD(1.0) and clipped gradients each weight moves at most 0.01 per step.
        foreach (var w in model.Weights)
            Assert.IsTrue(w.ToHost().ToArray<float>().All(v => Math.Abs(v) <= 0.04 + 1e-6), $"{w.Path} moved by at most 4 x 0.01");
    }

    [TestMethod]
    public void ClassWeightsScaleEachSamplesLoss()
    {
        Utils.SetRandomSeed(2);
        var x = TestUtil.RandomMatrix(8, 3, 3);
        int[] labels = [0, 1, 2, 0, 1, 2, 0, 1];
        var model = new Sequential([new Dense(3, activation: "softmax", inputShape: 3)]);
        model.Compile(optimizer: new SGD(0.1), loss: "sparse_categorical_crossentropy");
        var plain = model.Evaluate(x, labels)["loss"];
        // Doubling every class weight doubles the weighted loss of the first step.
        var start = model.GetWeights();
        var doubled = model.TrainOnBatch(x, labels); // reference step, then undo it
        model.SetWeights(start);
        var weighted = new Sequential([new Dense(3, activation: "softmax", inputShape: 3)]);
        weighted.SetWeights(start);
        weighted.Compile(optimizer: new SGD(0.1), loss: "sparse_categorical_crossentropy");
        var history = weighted.Fit(x, labels, batchSize: 8, epochs: 1, shuffle: false, verbose: 0,
            classWeight: new Dictionary<int, double> { [0] = 2, [1] = 2, [2] = 2 });
        Assert.AreEqual(2 * plain, history["loss"][0], 1e-5);
        Assert.AreEqual(plain, doubled["loss"], 1e-5);
        var e = Assert.ThrowsExactly<ArgumentException>(() => weighted.Fit(x, labels, verbose: 0, classWeight: new Dictionary<int, double> { [0] = 1 }));
        StringAssert.Contains(e.Message, "class 2");
    }
}
