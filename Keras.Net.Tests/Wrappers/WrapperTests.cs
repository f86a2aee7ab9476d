using Keras.Layers;
using Keras.Models;
using Keras.Wrappers;

namespace Keras.Net.Tests.Wrappers;

[TestClass]
public class WrapperTests
{
    private static (float[,] X, int[] Y) Blobs(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n, 2];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i % 2;
            x[i, 0] = (float)(rng.NextDouble() * 0.6 + (y[i] == 1 ? 0.8 : -0.8));
            x[i, 1] = (float)(rng.NextDouble() - 0.5);
        }
        return (x, y);
    }

    private static Model BuildClassifier(IReadOnlyDictionary<string, object> p)
    {
        Utils.SetRandomSeed(5);
        var model = new Sequential([new Dense((int)p["units"], activation: "relu", inputShape: 2), new Dense(2, activation: "softmax")]);
        model.Compile(optimizer: new Keras.Optimizers.Adam((double)p.GetValueOrDefault("lr", 0.05)), loss: "sparse_categorical_crossentropy");
        return model;
    }

    [TestMethod]
    public void ClassifierFitsPredictsAndScores()
    {
        var (x, y) = Blobs(60, 1);
        var clf = new KerasClassifier(BuildClassifier, new Dictionary<string, object> { ["units"] = 8, ["epochs"] = 30, ["batch_size"] = 16 });
        clf.Fit(x, y);
        var proba = TestUtil.Flat(clf.PredictProba(x));
        for (int i = 0; i < 60; i++) Assert.AreEqual(1.0, proba[2 * i] + proba[2 * i + 1], 1e-5);
        var labels = clf.Predict(x);
        var accuracy = labels.Where((l, i) => l == y[i]).Count() / 60.0;
        Assert.AreEqual(accuracy, clf.Score(x, y), 1e-12);
        Assert.IsTrue(accuracy > 0.95, $"separable blobs: {accuracy}");
    }

    [TestMethod]
    public void RegressorScoreIsRSquared()
    {
        var x = TestUtil.RandomMatrix(40, 1, 3);
        var y = Enumerable.Range(0, 40).Select(i => 3 * x[i, 0] + 1).ToArray();
        var reg = new KerasRegressor(_ =>
        {
            Utils.SetRandomSeed(1);
            var m = new Sequential([new Dense(1, inputShape: 1)]);
            m.Compile(optimizer: new Keras.Optimizers.SGD(0.2), loss: "mse");
            return m;
        }, new Dictionary<string, object> { ["epochs"] = 60, ["batch_size"] = 8 });
        reg.Fit(x, y);
        var predicted = reg.Predict(x);
        double mean = y.Average(), ssRes = y.Select((t, i) => (t - predicted[i]) * (t - (double)predicted[i])).Sum(), ssTot = y.Sum(t => (t - mean) * (t - mean));
        Assert.AreEqual(1 - ssRes / ssTot, reg.Score(x, y), 1e-9);
        Assert.IsTrue(reg.Score(x, y) > 0.99);
    }

    [TestMethod]
    public void GridSearchCrossValidatesEveryCombinationAndRefitsTheBest()
    {
        var (x, y) = Blobs(45, 2);
        var search = new GridSearch(
            new KerasClassifier(BuildClassifier, new Dictionary<string, object> { ["batch_size"] = 15 }),
            new Dictionary<string, object[]> { ["units"] = [4, 8], ["epochs"] = [1, 20] },
            cv: 3);
        search.Fit(x, y);
        Assert.AreEqual(4, search.Results.Count);
        Assert.IsTrue(search.Results.All(r => r.FoldScores.Count == 3));
        Assert.AreEqual(20, search.BestParameters["epochs"], "more training separates the blobs better");
        Assert.AreEqual(search.Results.Max(r => r.MeanScore), search.BestScore);
        Assert.IsNotNull(search.BestEstimator?.Model);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GridSearch(new KerasClassifier(BuildClassifier), new Dictionary<string, object[]> { ["units"] = [4] }, cv: 1));
    }

    [TestMethod]
    public void TheBuildFunctionMustCompile()
    {
        var clf = new KerasClassifier(_ => new Sequential([new Dense(2, inputShape: 2)]));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => clf.Fit(new float[4, 2], new int[4]));
        StringAssert.Contains(e.Message, "compiled");
    }
}
