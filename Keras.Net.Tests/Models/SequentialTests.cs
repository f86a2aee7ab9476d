using Keras.Layers;
using Keras.Models;

namespace Keras.Net.Tests.Models;

[TestClass]
public class SequentialTests
{
    [TestMethod]
    public void SeedExampleOneTrainsAndPredictsProbabilities()
    {
        Utils.SetRandomSeed(1);
        var model = new Sequential();
        model.Add(new Dense(64, activation: "relu", inputShape: 100));
        model.Add(new Dense(10, activation: "softmax"));
        model.Compile(optimizer: "sgd", loss: "categorical_crossentropy", metrics: ["accuracy"]);

        var x = TestUtil.RandomMatrix(256, 100, 3);
        var y = new float[256, 10];
        for (int i = 0; i < 256; i++) y[i, i % 10] = 1;
        var history = model.Fit(x, y, epochs: 2, batchSize: 32, verbose: 0);
        Assert.AreEqual(2, history["loss"].Count);
        var scores = model.Evaluate(x, y, batchSize: 128);
        Assert.IsTrue(scores.ContainsKey("loss") && scores.ContainsKey("accuracy"));
        var p = model.Predict(x, batchSize: 128);
        CollectionAssert.AreEqual(new long[] { 256, 10 }, p.shape.Select(d => (long)d).ToArray());
        var flat = TestUtil.Flat(p);
        for (int i = 0; i < 256; i++)
        {
            var rowSum = flat.Skip(i * 10).Take(10).Sum();
            Assert.AreEqual(1.0, rowSum, 1e-4, $"row {i} of softmax output sums to {rowSum}");
        }
    }
}
