using Keras.Data;
using Keras.Layers;
using Keras.Models;
using Keras.Optimizers;

namespace Keras.Net.Tests.Training;

[TestClass]
public class DatasetTests
{
    private static (float[,] X, int[] Y) Data(int n = 40)
    {
        var x = TestUtil.RandomMatrix(n, 4, 31);
        var y = new int[n];
        for (int i = 0; i < n; i++) y[i] = x[i, 0] > x[i, 1] ? 1 : 0;
        return (x, y);
    }

    private static Sequential Model()
    {
        Utils.SetRandomSeed(17);
        var model = new Sequential([new Dense(8, activation: "relu", inputShape: 4), new Dense(2, activation: "softmax")]);
        model.Compile(optimizer: new SGD(0.1), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    [TestMethod]
    public void BatchingSlicesInOrderWithAShortLastBatch()
    {
        var (x, y) = Data(10);
        var batches = Dataset.FromArrays(x, y).Batch(4).ToList();
        CollectionAssert.AreEqual(new long[] { 4, 4, 2 }, batches.Select(b => b.Count).ToArray());
        CollectionAssert.AreEqual(y[4..8], batches[1].Y![0].ToArray<int>());
        Assert.AreEqual(2, Dataset.FromArrays(x, y).Batch(4, dropRemainder: true).Count());
        Assert.AreEqual(3L, Dataset.FromArrays(x, y).Batch(4).Cardinality);
    }

    [TestMethod]
    public void ShuffleIsAPermutationNewEachPassAndRepeatableWithASeed()
    {
        var labels = Enumerable.Range(0, 50).ToArray();
        var x = new float[50, 1];
        var data = Dataset.FromArrays(x, labels).Shuffle(seed: 3).Batch(50);
        var first = data.First().Y![0].ToArray<int>();
        var second = data.First().Y![0].ToArray<int>();
        CollectionAssert.AreEquivalent(labels, first, "a permutation");
        CollectionAssert.AreNotEqual(labels, first, "shuffled");
        CollectionAssert.AreNotEqual(first, second, "a new order each pass");
        var again = Dataset.FromArrays(x, labels).Shuffle(seed: 3).Batch(50).First().Y![0].ToArray<int>();
        CollectionAssert.AreEqual(first, again, "same seed, same first pass");
    }

    [TestMethod]
    public void MapAndPrefetchDeliverEveryBatchInOrder()
    {
        var (x, y) = Data(20);
        var producer = Environment.CurrentManagedThreadId;
        var threads = new HashSet<int>();
        var data = Dataset.FromArrays(x, y).Batch(5)
            .Map(b => { lock (threads) threads.Add(Environment.CurrentManagedThreadId); return b with { SampleWeight = HostArray.Create(Enumerable.Repeat(2f, (int)b.Count).ToArray(), b.Count) }; })
            .Prefetch(2);
        var batches = data.ToList();
        Assert.AreEqual(4, batches.Count);
        Assert.IsTrue(batches.All(b => b.SampleWeight!.ToArray<float>().All(w => w == 2f)));
        CollectionAssert.AreEqual(y, batches.SelectMany(b => b.Y![0].ToArray<int>()).ToArray());
        Assert.IsFalse(threads.Contains(producer), "mapping ran on the prefetch thread");
    }

    [TestMethod]
    public void PrefetchSurfacesProducerErrors()
    {
        var failing = Dataset.FromBatches(Throwing()).Prefetch();
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => failing.ToList());
        StringAssert.Contains(e.Message, "broken generator");
    }

    private static IEnumerable<DataBatch> Throwing()
    {
        yield return DataBatch.From(new float[2, 4], new[] { 0, 1 });
        throw new IOException("broken generator");
    }

    [TestMethod]
    public void FitOnADatasetEqualsFitOnTheSameArrays()
    {
        var (x, y) = Data();
        var fromArrays = Model();
        var h1 = fromArrays.Fit(x, y, batchSize: 8, epochs: 3, shuffle: false, verbose: 0);
        var fromDataset = Model();
        var h2 = fromDataset.Fit(Dataset.FromArrays(x, y).Batch(8).Prefetch(), epochs: 3, verbose: 0);
        for (int e = 0; e < 3; e++) Assert.AreEqual(h1["loss"][e], h2["loss"][e], 1e-6, $"epoch {e}");
        Assert.AreEqual(fromArrays.Evaluate(x, y)["loss"], fromDataset.Evaluate(Dataset.FromArrays(x, y).Batch(16))["loss"], 1e-6);
        CollectionAssert.AreEqual(TestUtil.Flat(fromDataset.Predict(x)), TestUtil.Flat(fromDataset.Predict(Dataset.FromArrays(x).Batch(7))));
    }

    private static IEnumerable<(object X, object Y)> Generator(float[,] x, int[] y, int batch)
    {
        // An endless generator, as with Keras's fit_generator.
        for (int start = 0; ; start = (start + batch) % 40)
        {
            var xb = new float[batch, 4];
            var yb = new int[batch];
            for (int i = 0; i < batch; i++)
            {
                for (int j = 0; j < 4; j++) xb[i, j] = x[(start + i) % 40, j];
                yb[i] = y[(start + i) % 40];
            }
            yield return (xb, yb);
        }
    }

    [TestMethod]
    public void FitGeneratorWithStepsPerEpochAndValidationSteps()
    {
        var (x, y) = Data();
        var model = Model();
        var batches = 0;
        var history = model.Fit(Generator(x, y, 10), epochs: 3, stepsPerEpoch: 4, verbose: 0,
            validationData: Generator(x, y, 20), validationSteps: 2,
            callbacks: [new Keras.Callbacks.LambdaCallback(onTrainBatchEnd: (_, _) => batches++)]);
        Assert.AreEqual(12, batches);
        Assert.AreEqual(3, history["val_loss"].Count);
        Assert.IsTrue(history["accuracy"][^1] >= history["accuracy"][0]);
    }

    [TestMethod]
    public void AFiniteGeneratorThatRunsOutStopsTrainingWithAMessage()
    {
        var (x, y) = Data();
        var model = Model();
        var output = new StringWriter();
        model.ProgressOutput = output;
        var history = model.Fit(Generator(x, y, 10).Take(5), epochs: 4, stepsPerEpoch: 2, verbose: 0);
        Assert.AreEqual(3, history["loss"].Count, "epochs 1 and 2 take 4 batches, epoch 3 gets one and the data ends");
        StringAssert.Contains(output.ToString(), "ran out of data");
    }

    [TestMethod]
    public void UnknownLengthProgressShowsACount()
    {
        var (x, y) = Data();
        var model = Model();
        var output = new StringWriter();
        model.ProgressOutput = output;
        model.Fit(Generator(x, y, 10).Take(3), epochs: 1, verbose: 1);
        StringAssert.Contains(output.ToString(), "3/Unknown");
    }

    [TestMethod]
    public async Task AsyncStreamsFeedFit()
    {
        var (x, y) = Data();
        async IAsyncEnumerable<DataBatch> Stream()
        {
            for (int start = 0; start < 40; start += 10)
            {
                await Task.Yield();
                yield return DataBatch.From(Slice(x, start, 10), y[start..(start + 10)]);
            }
        }
        var model = Model();
        var history = await Task.Run(() => model.Fit(Dataset.FromAsync(Stream()), epochs: 2, verbose: 0));
        Assert.AreEqual(2, history["loss"].Count);
    }

    private static float[,] Slice(float[,] x, int start, int count)
    {
        var r = new float[count, x.GetLength(1)];
        for (int i = 0; i < count; i++) for (int j = 0; j < x.GetLength(1); j++) r[i, j] = x[start + i, j];
        return r;
    }
}
