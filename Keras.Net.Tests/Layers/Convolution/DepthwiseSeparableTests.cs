using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Saving;

namespace Keras.Net.Tests.Layers.Convolution;

/// <summary>DepthwiseConv1D/2D and SeparableConv1D/2D against the loop reference; weights with Keras's names and shapes.</summary>
[TestClass]
public class DepthwiseSeparableTests
{
    private static Arr MaybeFirst(Arr a, bool first) => first ? a.ToChannelsLast() : a;

    private static void Randomize(Variable? v, int seed)
    {
        if (v is not null) v.Assign(Ops.RandomNormal(v.Shape, 0, 1, seed));
    }

    [TestMethod]
    [DataRow(1, "valid", 3, 1, 1, 1, "channels_last")]
    [DataRow(1, "same", 4, 2, 1, 2, "channels_first")]
    [DataRow(1, "same", 3, 1, 2, 3, "channels_last")]
    [DataRow(2, "valid", 3, 1, 1, 2, "channels_last")]
    [DataRow(2, "same", 2, 2, 1, 1, "channels_last")]
    [DataRow(2, "same", 3, 1, 2, 2, "channels_first")]
    public void DepthwiseMatchesTheLoopReference(int rank, string padding, int kernel, int stride, int dilation, int multiplier, string dataFormat)
    {
        bool first = dataFormat == "channels_first";
        int[] shape = rank == 1 ? (first ? [2, 3, 9] : [2, 9, 3]) : (first ? [2, 3, 7, 6] : [2, 7, 6, 3]);
        BaseDepthwiseConv layer = rank == 1
            ? new DepthwiseConv1D(kernel, stride, padding, multiplier, dataFormat, dilation)
            : new DepthwiseConv2D(kernel, stride, padding, multiplier, dataFormat, dilation);
        layer.EnsureBuilt([new Shape(shape)]);
        Randomize(layer.Bias, 3);
        var x = Arr.Random(shape, 4);
        var y = Arr.Of(layer.Apply(x.ToTensor()));
        var expected = NaiveConv.Depthwise(MaybeFirst(x, first), Arr.Of(layer.Kernel!), Enumerable.Repeat(stride, rank).ToArray(),
            Enumerable.Repeat(dilation, rank).ToArray(), padding);
        var bias = Arr.Of(layer.Bias!);
        for (int i = 0; i < expected.Size; i++) expected.Data[i] += bias.Data[i % bias.Size];
        if (first) expected = expected.ToChannelsFirst();
        CollectionAssert.AreEqual(expected.Shape, y.Shape);
        TestUtil.AssertClose(expected.Data, y.Data, 1e-4, layer.Name);
        Assert.AreEqual(new Shape(y.Shape), layer.ComputeOutputShape(new Shape(shape)));
    }

    [TestMethod]
    public void DepthwiseOutputChannelIsChannelTimesMultiplierPlusM()
    {
        // Kernel 1, two channels, multiplier 3: output channel c·3 + m = x[c] · kernel[0, c, m].
        var layer = new DepthwiseConv1D(1, depthMultiplier: 3, useBias: false);
        layer.EnsureBuilt([new Shape(1, 1, 2)]);
        layer.Kernel!.Assign(Ops.Constant([1, 2, 3, 10, 20, 30], new Shape(1, 2, 3)));
        var y = layer.Apply(Ops.Constant([1, 100], new Shape(1, 1, 2)));
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 1000, 2000, 3000 }, y.ToArray<float>());
        Assert.AreEqual("kernel", layer.Kernel.Name);
        Assert.AreEqual(new Shape(1, 2, 3), layer.Kernel.Shape);
    }

    [TestMethod]
    [DataRow(1, "valid", 3, 1, 1, 1, "channels_last")]
    [DataRow(1, "same", 2, 2, 1, 2, "channels_first")]
    [DataRow(2, "same", 3, 1, 2, 2, "channels_last")]
    [DataRow(2, "valid", 2, 2, 1, 3, "channels_first")]
    public void SeparableMatchesTheLoopReference(int rank, string padding, int kernel, int stride, int dilation, int multiplier, string dataFormat)
    {
        bool first = dataFormat == "channels_first";
        int[] shape = rank == 1 ? (first ? [2, 3, 8] : [2, 8, 3]) : (first ? [2, 3, 6, 7] : [2, 6, 7, 3]);
        BaseSeparableConv layer = rank == 1
            ? new SeparableConv1D(5, kernel, stride, padding, dataFormat, dilation, multiplier, activation: "relu")
            : new SeparableConv2D(5, kernel, stride, padding, dataFormat, dilation, multiplier, activation: "relu");
        layer.EnsureBuilt([new Shape(shape)]);
        Randomize(layer.Bias, 6);
        var x = Arr.Random(shape, 7);
        var y = Arr.Of(layer.Apply(x.ToTensor()));
        var ones = Enumerable.Repeat(1, rank).ToArray();
        var depthwise = NaiveConv.Depthwise(MaybeFirst(x, first), Arr.Of(layer.DepthwiseKernel!), Enumerable.Repeat(stride, rank).ToArray(),
            Enumerable.Repeat(dilation, rank).ToArray(), padding);
        var expected = NaiveConv.Conv(depthwise, Arr.Of(layer.PointwiseKernel!), ones, ones, "valid", Arr.Of(layer.Bias!));
        expected = expected with { Data = expected.Data.Select(v => Math.Max(v, 0f)).ToArray() };
        if (first) expected = expected.ToChannelsFirst();
        CollectionAssert.AreEqual(expected.Shape, y.Shape);
        TestUtil.AssertClose(expected.Data, y.Data, 1e-4, layer.Name);
    }

    [TestMethod]
    public void SeparableWeightsHaveKerasNamesShapesAndOrder()
    {
        var layer = new SeparableConv2D(8, (3, 2), depthMultiplier: 2);
        layer.EnsureBuilt([new Shape(-1, 10, 10, 3)]);
        CollectionAssert.AreEqual(new[] { "depthwise_kernel", "pointwise_kernel", "bias" }, layer.Weights.Select(w => w.Name).ToArray());
        CollectionAssert.AreEqual(new[] { new Shape(3, 2, 3, 2), new Shape(1, 1, 6, 8), new Shape(8) }, layer.Weights.Select(w => w.Shape).ToArray());
        var keys = string.Join(",", layer.GetConfig().Select(p => p.Key));
        Assert.AreEqual("name,trainable,dtype,depth_multiplier,filters,kernel_size,strides,padding,data_format,dilation_rate,activation,use_bias," +
            "depthwise_initializer,pointwise_initializer,bias_initializer,depthwise_regularizer,pointwise_regularizer,bias_regularizer," +
            "activity_regularizer,depthwise_constraint,pointwise_constraint,bias_constraint", keys);
        var depthwise = new DepthwiseConv2D(3, depthMultiplier: 4);
        depthwise.EnsureBuilt([new Shape(-1, 10, 10, 3)]);
        CollectionAssert.AreEqual(new[] { new Shape(3, 3, 3, 4), new Shape(12) }, depthwise.Weights.Select(w => w.Shape).ToArray());
        Assert.AreEqual(new Shape(-1, 8, 8, 12), depthwise.ComputeOutputShape(new Shape(-1, 10, 10, 3)));
    }

    [TestMethod]
    public void LoadsKeras2Configs()
    {
        var sep = (SeparableConv1D)KerasObjects.Layer(JsonNode.Parse("""
            {"class_name": "SeparableConvolution1D", "config": {"name": "s", "trainable": true, "dtype": "float32", "filters": 4,
             "kernel_size": [3], "strides": [1], "padding": "same", "data_format": "channels_last", "dilation_rate": [1],
             "depth_multiplier": 2, "activation": "linear", "use_bias": true,
             "depthwise_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
             "pointwise_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
             "bias_initializer": {"class_name": "Zeros", "config": {}}}}
            """)!.AsObject());
        Assert.AreEqual(2, sep.DepthMultiplier);
        Assert.AreEqual(4, sep.Filters);
        var dw = (DepthwiseConv2D)KerasObjects.Layer(JsonNode.Parse("""
            {"class_name": "DepthwiseConv2D", "config": {"name": "d", "kernel_size": [3, 3], "strides": [2, 2], "padding": "valid",
             "depth_multiplier": 1, "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "relu", "use_bias": false}}
            """)!.AsObject());
        CollectionAssert.AreEqual(new[] { 2, 2 }, dw.Strides.ToArray());
        Assert.IsFalse(dw.UseBias);
    }

    [TestMethod]
    public void DepthwiseConv1DHarness() => LayerHarness.Run(() => new DepthwiseConv1D(3, padding: "same", depthMultiplier: 2),
        new Shape(2, 5, 3), new Shape(2, 5, 6), new Shape(3, 3, 2), new Shape(6));

    [TestMethod]
    public void DepthwiseConv2DHarness() => LayerHarness.Run(() => new DepthwiseConv2D(2, strides: 2, dataFormat: "channels_first"),
        new Shape(2, 2, 5, 4), new Shape(2, 2, 2, 2), new Shape(2, 2, 2, 1), new Shape(2));

    [TestMethod]
    public void SeparableConv1DHarness() => LayerHarness.Run(() => new SeparableConv1D(4, 2, depthMultiplier: 2),
        new Shape(2, 5, 3), new Shape(2, 4, 4), new Shape(2, 3, 2), new Shape(1, 6, 4), new Shape(4));

    [TestMethod]
    public void SeparableConv2DHarness() => LayerHarness.Run(() => new SeparableConv2D(3, 3, padding: "same", activation: "tanh"),
        new Shape(2, 4, 4, 2), new Shape(2, 4, 4, 3), new Shape(3, 3, 2, 1), new Shape(1, 1, 2, 3), new Shape(3));
}
