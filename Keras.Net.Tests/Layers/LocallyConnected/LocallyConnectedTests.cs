using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Net.Tests.Layers.Convolution;
using Keras.Saving;

namespace Keras.Net.Tests.Layers.LocallyConnected;

/// <summary>LocallyConnected1D/2D with Keras 2's implementation=1 weights, against the loop reference.</summary>
[TestClass]
public class LocallyConnectedTests
{
    private static void Check(BaseLocallyConnected layer, int[] inputShape, int seed)
    {
        layer.EnsureBuilt([new Shape(inputShape)]);
        if (layer.Bias is { } b) b.Assign(Ops.RandomNormal(b.Shape, 0, 1, seed + 1));
        var x = Arr.Random(inputShape, seed);
        var y = Arr.Of(layer.Apply(x.ToTensor()));
        bool first = layer.DataFormat == "channels_first";
        var expected = NaiveConv.LocallyConnected(x, Arr.Of(layer.Kernel!), [.. layer.KernelSize], [.. layer.Strides], first);
        if (layer.Bias is not null)
        {
            // Keras 2's bias_add adds the bias in its flat order to each sample's flat output (a reshape, not a transpose).
            var bias = Arr.Of(layer.Bias);
            for (int i = 0; i < expected.Size; i++) expected.Data[i] += bias.Data[i % bias.Size];
        }
        if (layer.Activation.Name == "relu") expected = expected with { Data = expected.Data.Select(v => Math.Max(v, 0f)).ToArray() };
        CollectionAssert.AreEqual(expected.Shape, y.Shape, layer.Name);
        TestUtil.AssertClose(expected.Data, y.Data, 1e-4, layer.Name);
        Assert.AreEqual(new Shape(y.Shape), layer.ComputeOutputShape(new Shape(inputShape)));
    }

    [TestMethod]
    public void EachPositionHasItsOwnWeights()
    {
        var layer = new LocallyConnected1D(1, 2, useBias: false);
        layer.EnsureBuilt([new Shape(1, 3, 1)]);
        Assert.AreEqual(new Shape(2, 2, 1), layer.Kernel!.Shape);
        layer.Kernel.Assign(Ops.Constant([1, 2, 10, 20], new Shape(2, 2, 1)));
        var y = layer.Apply(Ops.Constant([1, 2, 3], new Shape(1, 3, 1)));
        // y0 = 1·x0 + 2·x1, y1 = 10·x1 + 20·x2.
        CollectionAssert.AreEqual(new float[] { 5, 80 }, y.ToArray<float>());
    }

    [TestMethod]
    [DataRow(3, 1, "channels_last")]
    [DataRow(2, 2, "channels_last")]
    [DataRow(3, 2, "channels_first")]
    [DataRow(1, 1, "channels_first")]
    public void LocallyConnected1DMatchesTheLoopReference(int kernel, int stride, string dataFormat)
    {
        int[] shape = dataFormat == "channels_last" ? [2, 8, 3] : [2, 3, 8];
        Check(new LocallyConnected1D(4, kernel, stride, dataFormat: dataFormat, activation: "relu"), shape, 1);
    }

    [TestMethod]
    [DataRow(2, 3, 1, 1, "channels_last")]
    [DataRow(3, 2, 2, 1, "channels_last")]
    [DataRow(2, 2, 2, 2, "channels_first")]
    [DataRow(3, 3, 1, 2, "channels_first")]
    public void LocallyConnected2DMatchesTheLoopReference(int kh, int kw, int sh, int sw, string dataFormat)
    {
        int[] shape = dataFormat == "channels_last" ? [2, 6, 7, 2] : [2, 2, 6, 7];
        Check(new LocallyConnected2D(3, (kh, kw), (sh, sw), dataFormat: dataFormat), shape, 2);
    }

    [TestMethod]
    public void WeightShapesAreKeras2Implementation1()
    {
        var l1 = new LocallyConnected1D(5, 3, strides: 2);
        l1.EnsureBuilt([new Shape(-1, 11, 4)]);
        CollectionAssert.AreEqual(new[] { new Shape(5, 12, 5), new Shape(5, 5) }, l1.Weights.Select(w => w.Shape).ToArray());
        var l2 = new LocallyConnected2D(6, (3, 2), dataFormat: "channels_first");
        l2.EnsureBuilt([new Shape(-1, 3, 5, 4)]);
        CollectionAssert.AreEqual(new[] { new Shape(9, 18, 6), new Shape(3, 3, 6) }, l2.Weights.Select(w => w.Shape).ToArray());
        Assert.AreEqual(new Shape(-1, 6, 3, 3), l2.ComputeOutputShape(new Shape(-1, 3, 5, 4)));
        StringAssert.StartsWith(l2.Name, "locally_connected2d");
        Assert.ThrowsExactly<ArgumentException>(() => new LocallyConnected2D(2, 3, padding: "same"));
        Assert.ThrowsExactly<NotSupportedException>(() => new LocallyConnected1D(2, 3, implementation: 2));
        Assert.ThrowsExactly<ArgumentException>(() => new LocallyConnected1D(2, 3).Apply(KerasApi.Input(shape: (-1, 3))));
    }

    [TestMethod]
    public void LoadsAKeras2Config()
    {
        var layer = (LocallyConnected2D)KerasObjects.Layer(JsonNode.Parse("""
            {"class_name": "LocallyConnected2D", "config": {"name": "locally_connected2d", "trainable": true,
             "batch_input_shape": [null, 8, 8, 1], "dtype": "float32", "filters": 2, "kernel_size": [3, 3], "strides": [1, 1],
             "padding": "valid", "data_format": "channels_last", "activation": "relu", "use_bias": true,
             "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
             "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null,
             "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "implementation": 1}}
            """)!.AsObject());
        Assert.AreEqual(new Shape(8, 8, 1), layer.DeclaredInputShape);
        var config = layer.GetConfig();
        Assert.AreEqual(1, config["implementation"]!.GetValue<int>());
        Assert.AreEqual("[3,3]", config["kernel_size"]!.ToJsonString());
    }

    [TestMethod]
    public void LocallyConnected1DHarness() => LayerHarness.Run(() => new LocallyConnected1D(3, 2, activation: "tanh"),
        new Shape(2, 5, 2), new Shape(2, 4, 3), new Shape(4, 4, 3), new Shape(4, 3));

    [TestMethod]
    public void LocallyConnected2DHarness() => LayerHarness.Run(() => new LocallyConnected2D(2, 2, strides: 2, dataFormat: "channels_first"),
        new Shape(2, 3, 4, 5), new Shape(2, 2, 2, 2), new Shape(4, 12, 2), new Shape(2, 2, 2));
}
