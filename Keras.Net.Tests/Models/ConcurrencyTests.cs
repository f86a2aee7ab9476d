using Keras.Callbacks;
using Keras.Layers;
using Keras.Models;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Models;

/// <summary>
/// One model shared by many threads, as in a web service: concurrent and async predictions give
/// exactly the single-threaded results, training alongside predictions leaves the same weights as
/// training alone, and uses that cannot share the model fail with a clear exception.
/// </summary>
[TestClass]
public class ConcurrencyTests
{
    private static Model Classifier(int seed = 3)
    {
        Utils.SetRandomSeed(seed);
        var inputs = Input(shape: 20);
        var x = new Dense(64, activation: "relu").Apply(inputs);
        x = new BatchNormalization().Apply(x);
        x = new Dropout(0.3).Apply(x);
        var outputs = new Dense(5, activation: "softmax").Apply(x);
        var model = new Model(inputs, outputs);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    private static float[][,] Inputs(int count, int rows) =>
        Enumerable.Range(0, count).Select(i => TestUtil.RandomMatrix(rows, 20, 100 + i)).ToArray();

    [TestMethod]
    public void PredictFromManyThreadsEqualsSingleThreadedResults()
    {
        using var model = Classifier();
        var inputs = Inputs(16, 8);
        var expected = inputs.Select(x => TestUtil.Flat(model.Predict(x))).ToArray();

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            for (int round = 0; round < 25; round++)
            {
                int i = (t * 7 + round) % inputs.Length;
                var got = TestUtil.Flat(round % 2 == 0 ? model.Predict(inputs[i]) : model.PredictOnBatch(inputs[i]));
                if (!got.SequenceEqual(expected[i])) failures.Add($"thread {t} round {round} input {i}");
            }
        })).ToList();
        threads.ForEach(th => th.Start());
        threads.ForEach(th => th.Join());
        Assert.IsEmpty(failures, "predictions that differ from the single-threaded ones: " + string.Join("; ", failures.Take(5)));
    }

    [TestMethod]
    public async Task PredictFromAsyncCodeEqualsSingleThreadedResults()
    {
        using var model = Classifier();
        var inputs = Inputs(8, 4);
        var expected = inputs.Select(x => TestUtil.Flat(model.Predict(x))).ToArray();

        // Continuations resume on arbitrary pool threads between predictions: nothing may depend on
        // the thread a request started on.
        async Task<int> Client(int c)
        {
            int mismatches = 0;
            for (int round = 0; round < 20; round++)
            {
                await Task.Yield();
                int i = (c + round) % inputs.Length;
                var got = await Task.Run(() => TestUtil.Flat(model.Predict(inputs[i])));
                if (!got.SequenceEqual(expected[i])) mismatches++;
                await Task.Delay(round % 3);
            }
            return mismatches;
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(Client));
        Assert.AreEqual(0, results.Sum(), "async predictions that differ from the single-threaded ones");
    }

    [TestMethod]
    public void TrainingWhilePredictingGivesTheSameWeightsAsTrainingAlone()
    {
        var x = TestUtil.RandomMatrix(256, 20, 7);
        var y = Enumerable.Range(0, 256).Select(i => i % 5).ToArray();
        var probe = TestUtil.RandomMatrix(16, 20, 8);

        List<float[]> TrainedWeights(bool withPredictions)
        {
            using var model = Classifier(seed: 11);
            using var stop = new CancellationTokenSource();
            int predictions = 0;
            var readers = withPredictions
                ? Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        var p = TestUtil.Flat(model.Predict(probe));
                        // Every prediction is a proper distribution: weights are never seen half-updated into NaNs.
                        for (int r = 0; r < 16; r++)
                        {
                            double sum = 0;
                            for (int k = 0; k < 5; k++) sum += p[r * 5 + k];
                            if (Math.Abs(sum - 1) > 1e-4) throw new InvalidOperationException($"row {r} sums to {sum}");
                        }
                        Interlocked.Increment(ref predictions);
                    }
                })).ToArray()
                : [];
            Utils.SetRandomSeed(21); // same shuffles in both runs
            model.Fit(x, y, batchSize: 16, epochs: 3, verbose: 0);
            stop.Cancel();
            Task.WaitAll(readers);
            if (withPredictions) Assert.IsGreaterThan(0, predictions, "the predicting threads ran");
            return model.GetWeights().Select(TestUtil.Flat).ToList();
        }

        var alone = TrainedWeights(withPredictions: false);
        var shared = TrainedWeights(withPredictions: true);
        Assert.HasCount(alone.Count, shared);
        for (int i = 0; i < alone.Count; i++)
            CollectionAssert.AreEqual(alone[i], shared[i], $"weight {i} differs when predictions ran during training");
    }

    [TestMethod]
    public void SecondFitFromAnotherThreadFailsClearly()
    {
        using var model = Classifier();
        var x = TestUtil.RandomMatrix(64, 20, 9);
        var y = Enumerable.Range(0, 64).Select(i => i % 5).ToArray();
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var first = Task.Run(() => model.Fit(x, y, batchSize: 16, epochs: 1, verbose: 0, callbacks:
        [
            new LambdaCallback(onTrainBatchBegin: (_, _) =>
            {
                inside.Set();
                release.Wait();
            }),
        ]));
        Assert.IsTrue(inside.Wait(TimeSpan.FromSeconds(30)), "the first Fit started");
        try
        {
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => model.Fit(x, y, verbose: 0));
            StringAssert.Contains(e.Message, model.Name);
            StringAssert.Contains(e.Message, "another thread");
            Assert.ThrowsExactly<InvalidOperationException>(() => model.Evaluate(x, y));
            // Predictions are still allowed while it trains.
            Assert.AreEqual(64 * 5, TestUtil.Flat(model.Predict(x)).Length);
        }
        finally
        {
            release.Set();
        }
        first.Wait();
        // Once the first Fit is done the model trains again.
        Assert.IsTrue(model.Evaluate(x, y).ContainsKey("loss"));
    }

    [TestMethod]
    public void StatefulModelPredictionsAreSerialised()
    {
        Utils.SetRandomSeed(5);
        var input = Input(shape: new Shape(4, 3), batchSize: 2);
        var model = new Model(input, new LSTM(6, stateful: true).Apply(input));
        Assert.IsTrue(model.Stateful);
        var x = Enumerable.Range(0, 8).Select(i => TestUtil.RandomFloats(2 * 4 * 3, i)).ToArray();
        var tasks = x.Select(v => Task.Run(() =>
        {
            var arr = new float[2, 4, 3];
            Buffer.BlockCopy(v, 0, arr, 0, v.Length * sizeof(float));
            for (int k = 0; k < 10; k++) model.Predict(arr, batchSize: 2);
        })).ToArray();
        Task.WaitAll(tasks);
        // 80 serialised steps from a zero state: the state is a valid LSTM state (|h| < 1), not garbage.
        var h = TestUtil.Flat(model.Predict(new float[2, 4, 3], batchSize: 2));
        Assert.IsTrue(h.All(v => float.IsFinite(v) && Math.Abs(v) < 1));
        model.Dispose();
    }

    [TestMethod]
    public void DisposedModelRefusesWorkWithAClearMessage()
    {
        var model = Classifier();
        var x = TestUtil.RandomMatrix(4, 20, 1);
        model.Predict(x);
        model.Dispose();
        Assert.IsTrue(model.IsDisposed);
        var e = Assert.ThrowsExactly<ObjectDisposedException>(() => model.Predict(x));
        StringAssert.Contains(e.Message, model.Name);
        Assert.ThrowsExactly<ObjectDisposedException>(() => model.Fit(x, new[] { 0, 1, 2, 3 }, verbose: 0));
        model.Dispose(); // twice is fine
    }
}
