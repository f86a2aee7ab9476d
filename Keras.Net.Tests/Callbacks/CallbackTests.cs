using Keras.Callbacks;
using Keras.Layers;
using Keras.Models;

namespace Keras.Net.Tests.Callbacks;

[TestClass]
public class CallbackTests
{
    private static Sequential Model(double lr = 0.01)
    {
        Utils.SetRandomSeed(8);
        var model = new Sequential([new Dense(8, activation: "relu", inputShape: 4), new Dense(1)]);
        model.Compile(optimizer: new Keras.Optimizers.SGD(lr), loss: "mse");
        return model;
    }

    private static (float[,] X, float[] Y) Data()
    {
        var x = TestUtil.RandomMatrix(32, 4, 5);
        var y = new float[32];
        for (int i = 0; i < 32; i++) y[i] = x[i, 0] - x[i, 1];
        return (x, y);
    }

    /// <summary>Feeds a scripted sequence of values as the monitored metric.</summary>
    private sealed class ScriptedMetric(string key, params double[] values) : Callback
    {
        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            if (logs is IDictionary<string, double> w) w[key] = values[Math.Min(epoch, values.Length - 1)];
        }
    }

    [TestMethod]
    public void EarlyStoppingStopsAfterPatienceEpochsWithoutImprovement()
    {
        var (x, y) = Data();
        var model = Model();
        // Monitored values: best at epoch 1, then no improvement beyond minDelta.
        var early = new EarlyStopping(monitor: "score", patience: 2, minDelta: 0.05, mode: "min");
        var history = model.Fit(x, y, epochs: 20, verbose: 0, callbacks: [new ScriptedMetric("score", 1.0, 0.5, 0.48, 0.47, 0.1), early]);
        Assert.AreEqual(3, early.StoppedEpoch, "epochs 2 and 3 improved by less than 0.05");
        Assert.AreEqual(1, early.BestEpoch);
        Assert.AreEqual(4, history["loss"].Count);
    }

    [TestMethod]
    public void EarlyStoppingRestoresTheBestWeights()
    {
        var (x, y) = Data();
        var model = Model();
        float[]? weightsAtEpoch1 = null;
        var capture = new LambdaCallback(onEpochEnd: (epoch, _) =>
        {
            if (epoch == 1) weightsAtEpoch1 = model.Weights[0].ToHost().ToArray<float>();
        });
        var early = new EarlyStopping(monitor: "score", patience: 2, restoreBestWeights: true);
        model.Fit(x, y, epochs: 10, verbose: 0, callbacks: [capture, new ScriptedMetric("score", 3, 1, 2, 2, 2), early]);
        Assert.AreEqual(3, early.StoppedEpoch);
        CollectionAssert.AreEqual(weightsAtEpoch1, model.Weights[0].ToHost().ToArray<float>());
    }

    [TestMethod]
    public void EarlyStoppingBaselineMustBeBeaten()
    {
        var (x, y) = Data();
        var model = Model();
        var early = new EarlyStopping(monitor: "score", patience: 1, baseline: 0.5, mode: "min");
        model.Fit(x, y, epochs: 10, verbose: 0, callbacks: [new ScriptedMetric("score", 0.9, 0.8, 0.7, 0.6), early]);
        Assert.AreEqual(1, early.StoppedEpoch, "improving but never below the baseline");
        Assert.AreEqual("max", MonitorModeOf("val_accuracy"));
        Assert.AreEqual("min", MonitorModeOf("val_loss"));
    }

    private static string MonitorModeOf(string monitor) => MonitorMode.Maximize(monitor, "auto", "test") ? "max" : "min";

    [TestMethod]
    public void ReduceLROnPlateauReducesAfterPatienceThenCoolsDown()
    {
        var (x, y) = Data();
        var model = Model(lr: 0.1);
        var reduce = new ReduceLROnPlateau(monitor: "score", factor: 0.5, patience: 2, cooldown: 1, minLr: 0.02, mode: "min");
        var lrs = new List<double>();
        var record = new LambdaCallback(onEpochEnd: (_, _) => lrs.Add(model.Optimizer!.LearningRate));
        var history = model.Fit(x, y, epochs: 8, verbose: 0, callbacks: [new ScriptedMetric("score", 1.0), reduce, record]);
        // Keras's rule on a flat metric: epoch 0 sets the best; epochs 1, 2 wait → reduce at 2. The cooldown
        // epoch (3) counts down first and then already waits (wait 1), so the next reduction is at 4,
        // the one after at 6, floored at minLr 0.02.
        CollectionAssert.AreEqual(new[] { 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02 }, lrs.Select(v => Math.Round(v, 6)).ToArray());
        Assert.AreEqual(0.1, history["learning_rate"][0], 1e-12);
    }

    [TestMethod]
    public void LearningRateSchedulerSetsTheRateEachEpoch()
    {
        var (x, y) = Data();
        var model = Model(lr: 0.1);
        var seen = new List<double>();
        var history = model.Fit(x, y, epochs: 4, verbose: 0, callbacks:
        [
            new LearningRateScheduler((epoch, lr) => epoch < 2 ? lr : lr * 0.5),
            new LambdaCallback(onEpochEnd: (_, _) => seen.Add(model.Optimizer!.LearningRate)),
        ]);
        CollectionAssert.AreEqual(new[] { 0.1, 0.1, 0.05, 0.025 }, seen.Select(v => Math.Round(v, 6)).ToArray());
        CollectionAssert.AreEqual(new[] { 0.1, 0.1, 0.05, 0.025 }, history["learning_rate"].Select(v => Math.Round(v, 6)).ToArray());
    }

    [TestMethod]
    public void CsvLoggerWritesAHeaderAndOneRowPerEpochAndAppends()
    {
        var (x, y) = Data();
        var model = Model();
        var path = Path.Combine(Path.GetTempPath(), $"keras-net-{Guid.NewGuid():N}.csv");
        try
        {
            var history = model.Fit(x, y, epochs: 2, verbose: 0, validationSplit: 0.25, callbacks: [new CSVLogger(path)]);
            var lines = File.ReadAllLines(path);
            Assert.AreEqual("epoch,loss,val_loss", lines[0]);
            Assert.AreEqual(3, lines.Length);
            var row = lines[2].Split(',');
            Assert.AreEqual("1", row[0]);
            Assert.AreEqual(history["loss"][1], double.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture), 1e-12);

            model.Fit(x, y, epochs: 1, verbose: 0, validationSplit: 0.25, callbacks: [new CSVLogger(path, append: true)]);
            lines = File.ReadAllLines(path);
            Assert.AreEqual(4, lines.Length, "appended one row, no second header");
            Assert.AreEqual(1, lines.Count(l => l.StartsWith("epoch", StringComparison.Ordinal)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void TerminateOnNaNStopsAtTheFirstInvalidBatch()
    {
        var (x, y) = Data();
        var model = Model(lr: 1e6); // diverges to infinity within a few steps
        var terminate = new TerminateOnNaN();
        var output = new StringWriter();
        model.ProgressOutput = output;
        var batches = 0;
        model.Fit(x, y, epochs: 50, batchSize: 4, verbose: 0, callbacks: [terminate, new LambdaCallback(onTrainBatchEnd: (_, _) => batches++)]);
        Assert.IsNotNull(terminate.TerminatedAtBatch);
        Assert.IsTrue(batches < 50 * 8, $"stopped early after {batches} batches");
        StringAssert.Contains(output.ToString(), "Invalid loss, terminating training");
    }

    [TestMethod]
    public void LambdaCallbackSeesEveryHook()
    {
        var (x, y) = Data();
        var events = new List<string>();
        Model().Fit(x, y, epochs: 2, batchSize: 16, verbose: 0, callbacks:
        [
            new LambdaCallback(
                onTrainBegin: _ => events.Add("train_begin"),
                onEpochBegin: (e, _) => events.Add($"epoch_begin {e}"),
                onTrainBatchBegin: (b, _) => events.Add($"batch_begin {b}"),
                onTrainBatchEnd: (b, logs) => events.Add($"batch_end {b} {logs.ContainsKey("loss")}"),
                onEpochEnd: (e, _) => events.Add($"epoch_end {e}"),
                onTrainEnd: _ => events.Add("train_end")),
        ]);
        CollectionAssert.AreEqual(new[]
        {
            "train_begin",
            "epoch_begin 0", "batch_begin 0", "batch_end 0 True", "batch_begin 1", "batch_end 1 True", "epoch_end 0",
            "epoch_begin 1", "batch_begin 0", "batch_end 0 True", "batch_begin 1", "batch_end 1 True", "epoch_end 1",
            "train_end",
        }, events);
    }
}
