using Keras.Data;
using Keras.Layers;
using Keras.Net.Tests.Layers.Reshaping;

namespace Keras.Net.Tests.Layers.Preprocessing;

// Keras.Layers.Normalization, even if a sibling test namespace named Normalization exists.
using Normalization = global::Keras.Layers.Normalization;

/// <summary>Normalization against Keras's documented examples and naive mean/variance loops.</summary>
[TestClass]
public class NormalizationTests
{
    [TestMethod]
    public void KerasDocstringExamples()
    {
        using var scope = Ops.Scope();
        var global = new Normalization(axis: null);
        global.Adapt(new float[] { 1, 2, 3, 4, 5 });
        TestUtil.AssertClose([-1.4142135f, -0.70710677f, 0f], global.Apply(Ops.Constant([1f, 2f, 3f], new Shape(3))).ToArray<float>(), 1e-6, "axis=None");

        var adaptData = new float[,] { { 0, 7, 4 }, { 2, 9, 6 }, { 0, 7, 4 }, { 2, 9, 6 } };
        var perFeature = new Normalization(-1);
        perFeature.Adapt(adaptData);
        TestUtil.AssertClose([-1f, -1f, -1f], perFeature.Apply(Ops.Constant([0f, 7f, 4f], new Shape(1, 3))).ToArray<float>(), 1e-6, "axis=-1");

        var given = new Normalization(mean: 3.0, variance: 2.0);
        TestUtil.AssertClose([-1.4142135f, -0.70710677f, 0f], given.Apply(Ops.Constant([1f, 2f, 3f], new Shape(3, 1))).ToArray<float>(), 1e-6, "given");

        var inverse = new Normalization(-1, invert: true);
        inverse.Adapt(adaptData);
        TestUtil.AssertClose([2f, 10f, 8f], inverse.Apply(Ops.Constant([1f, 2f, 3f], new Shape(1, 3))).ToArray<float>(), 1e-6, "invert");
    }

    [TestMethod]
    public void AdaptStoresTheDataMeanAndPopulationVariance()
    {
        using var scope = Ops.Scope();
        const int rows = 50, cols = 4;
        var data = TestUtil.RandomMatrix(rows, cols, 21);
        var (mean, variance) = Moments(rows, cols, (r, k) => data[r, k] * 3 + k);
        var shifted = new float[rows, cols];
        for (int r = 0; r < rows; r++) for (int k = 0; k < cols; k++) shifted[r, k] = data[r, k] * 3 + k;

        var layer = new Normalization();
        layer.Adapt(shifted);
        TestUtil.AssertClose(mean, layer.AdaptMean!.ToHost().ToArray<float>(), 1e-6, "mean");
        TestUtil.AssertClose(variance, layer.AdaptVariance!.ToHost().ToArray<float>(), 1e-6, "variance");
        CollectionAssert.AreEqual(new[] { "mean", "variance", "count" }, layer.Weights.Select(w => w.Name).ToArray());
        Assert.AreEqual(DType.Int32, layer.Count!.DType);
        Assert.AreEqual(0, layer.Count.ToHost().ToArray<int>()[0], "count is never updated, as in Keras");
        Assert.AreEqual(0, layer.TrainableWeights.Count);

        var x = TestUtil.RandomFloats(3 * cols, 5);
        var expected = x.Select((v, i) => (float)((v - mean[i % cols]) / Math.Sqrt(variance[i % cols]))).ToArray();
        TestUtil.AssertClose(expected, layer.Apply(Ops.Constant(x, new Shape(3, cols))).ToArray<float>(), 1e-5, "normalized");
    }

    [TestMethod]
    public void AdaptOnSeveralAxesFromAnNDArrayAndATensor()
    {
        using var scope = Ops.Scope();
        const int n = 6, a = 2, b = 3;
        var flat = TestUtil.RandomFloats(n * a * b, 8);
        // Keep axes 1 and 2: one statistic per (i, j), reduced over the batch.
        var mean = new float[a * b];
        var variance = new float[a * b];
        for (int s = 0; s < a * b; s++)
        {
            double m = Enumerable.Range(0, n).Average(r => (double)flat[r * a * b + s]);
            mean[s] = (float)m;
            variance[s] = (float)Enumerable.Range(0, n).Average(r => Math.Pow(flat[r * a * b + s] - m, 2));
        }
        var fromNd = new Normalization([1, 2]);
        fromNd.Adapt(HostArray.Create(flat, n, a, b).ToNDArray());
        TestUtil.AssertClose(mean, fromNd.AdaptMean!.ToHost().ToArray<float>(), 1e-6, "NDArray mean");
        TestUtil.AssertClose(variance, fromNd.AdaptVariance!.ToHost().ToArray<float>(), 1e-6, "NDArray variance");
        Assert.AreEqual(new Shape(a, b), fromNd.AdaptMean.Shape);

        var fromTensor = new Normalization([-2, -1]);
        fromTensor.Adapt(Ops.Constant(flat, new Shape(n, a, b)));
        TestUtil.AssertClose(mean, fromTensor.AdaptMean!.ToHost().ToArray<float>(), 1e-6, "tensor mean");

        // axis=None: one scalar over everything.
        var global = new Normalization(axis: null);
        global.Adapt(Ops.Constant(flat, new Shape(n, a, b)));
        double gm = flat.Average(v => (double)v);
        Assert.AreEqual(Shape.Scalar, global.AdaptMean!.Shape);
        Assert.AreEqual(gm, global.AdaptMean.ToHost().ToArray<float>()[0], 1e-6);
        Assert.AreEqual(flat.Average(v => Math.Pow(v - gm, 2)), global.AdaptVariance!.ToHost().ToArray<float>()[0], 1e-6);
    }

    [TestMethod]
    public void AdaptOnBatchesEqualsAdaptOnAllData()
    {
        using var scope = Ops.Scope();
        const int rows = 23, cols = 3;
        var data = TestUtil.RandomFloats(rows * cols, 9).Select((v, i) => v * (i % cols + 1) + i % cols).ToArray();
        var (mean, variance) = Moments(rows, cols, (r, k) => data[r * cols + k]);
        // Unequal batches, the last given as an (x, y) pair as a dataset would yield it.
        var batches = new List<object>
        {
            HostArray.Create(data[..(10 * cols)], 10, cols),
            Ops.Constant(data[(10 * cols)..(18 * cols)], new Shape(8, cols)),
            (HostArray.Create(data[(18 * cols)..], 5, cols), new float[5]),
        };
        var layer = new Normalization();
        layer.Adapt(batches);
        TestUtil.AssertClose(mean, layer.AdaptMean!.ToHost().ToArray<float>(), 1e-6, "batched mean");
        TestUtil.AssertClose(variance, layer.AdaptVariance!.ToHost().ToArray<float>(), 1e-6, "batched variance");
        Assert.ThrowsExactly<ArgumentException>(() => new Normalization().Adapt(new List<float[,]>()));
    }

    [TestMethod]
    public void GivenStatisticsBroadcastFromTheRightOfTheKeptAxes()
    {
        using var scope = Ops.Scope();
        // Kept axes (1, 2) of a (2, 2, 3) input; a (3,) mean aligns with axis 2.
        var layer = new Normalization([1, 2], mean: new[] { 1.0, 2.0, 3.0 }, variance: new[] { 1.0, 4.0, 16.0 });
        var x = ImageReference.Iota(12);
        var y = layer.Apply(Ops.Constant(x, new Shape(2, 2, 3))).ToArray<float>();
        double[] m = [1, 2, 3], s = [1, 2, 4];
        TestUtil.AssertClose(x.Select((v, i) => (float)((v - m[i % 3]) / s[i % 3])).ToArray(), y, 1e-6, "broadcast statistics");
        Assert.AreEqual(0, layer.Weights.Count);

        var bad = new Normalization(mean: new[] { 1.0, 2.0 }, variance: new[] { 1.0, 1.0 });
        Assert.ThrowsExactly<ArgumentException>(() => bad.Apply(Ops.Zeros(new Shape(2, 3))));
    }

    [TestMethod]
    public void ZeroVarianceDividesByEpsilon()
    {
        using var scope = Ops.Scope();
        var layer = new Normalization();
        layer.Adapt(new float[,] { { 2f }, { 2f }, { 2f } });
        var y = layer.Apply(Ops.Constant([2.5f], new Shape(1, 1))).ToArray<float>()[0];
        Assert.AreEqual(0.5 / 1e-7, y, 0.5 / 1e-7 * 1e-5);
    }

    [TestMethod]
    public void InvalidArgumentsAreRejected()
    {
        using var scope = Ops.Scope();
        Assert.ThrowsExactly<ArgumentException>(() => new Normalization(mean: 1.0));
        Assert.ThrowsExactly<ArgumentException>(() => new Normalization(mean: new[] { 1.0, 2.0 }, variance: new[] { 1.0 }));
        Assert.ThrowsExactly<ArgumentException>(() => new Normalization(axis: null, mean: new[] { 1.0 }, variance: new[] { 1.0 }));
        Assert.ThrowsExactly<InvalidOperationException>(() => new Normalization(mean: 0.0, variance: 1.0).Adapt(new float[,] { { 1f } }));
        var layer = new Normalization();
        layer.Adapt(new float[,] { { 1f, 2f }, { 3f, 4f } });
        Assert.ThrowsExactly<ArgumentException>(() => layer.Adapt(new float[,] { { 1f, 2f, 3f } }));
        Assert.ThrowsExactly<ArgumentException>(() => layer.Apply(Ops.Zeros(new Shape(2, 3))));
        Assert.ThrowsExactly<ArgumentException>(() => new Normalization(3).Apply(Ops.Zeros(new Shape(2, 3))));
    }

    [TestMethod]
    public void ConfigHasKerasKeysAndRoundTripsGivenStatistics()
    {
        var config = new Normalization(mean: new[,] { { 1.0, 2.0 } }, variance: new[,] { { 3.0, 4.5 } }, axis: [1, 2]).GetConfig();
        Assert.AreEqual("[1,2]", config["axis"]!.ToJsonString());
        Assert.AreEqual("[[1,2]]", config["mean"]!.ToJsonString());
        Assert.AreEqual("[[3,4.5]]", config["variance"]!.ToJsonString());
        Assert.IsFalse((bool)config["invert"]!);
        var adaptable = new Normalization().GetConfig();
        Assert.AreEqual("[-1]", adaptable["axis"]!.ToJsonString());
        Assert.IsNull(adaptable["mean"]);
        Assert.IsNull(adaptable["variance"]);

        // A Keras 3 config: axis as a tuple, a scalar mean.
        var revived = (Normalization)Keras.Saving.KerasObjects.Layer("Normalization", System.Text.Json.Nodes.JsonNode.Parse(
            """{"name": "n", "axis": {"__tuple__": true, "items": [-1]}, "invert": false, "mean": 3.0, "variance": 2.0}""")!.AsObject());
        using var scope = Ops.Scope();
        TestUtil.AssertClose([-1.4142135f], revived.Apply(Ops.Constant([1f], new Shape(1, 1))).ToArray<float>(), 1e-6, "revived");
    }

    private static (float[] Mean, float[] Variance) Moments(int rows, int cols, Func<int, int, double> value)
    {
        var mean = new float[cols];
        var variance = new float[cols];
        for (int k = 0; k < cols; k++)
        {
            double m = 0;
            for (int r = 0; r < rows; r++) m += value(r, k);
            m /= rows;
            double v = 0;
            for (int r = 0; r < rows; r++) v += Math.Pow(value(r, k) - m, 2);
            mean[k] = (float)m;
            variance[k] = (float)(v / rows);
        }
        return (mean, variance);
    }
}
