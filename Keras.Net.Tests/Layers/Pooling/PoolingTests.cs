using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Net.Tests.Layers.Convolution;
using Keras.Saving;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Layers.Pooling;

/// <summary>Max/average pooling against the loop reference, TensorFlow's 'same' semantics, global pooling and masks.</summary>
[TestClass]
public class PoolingTests
{
    private static void CheckAgainstReference(BasePooling layer, int[] inputShape, int seed = 2)
    {
        var x = Arr.Random(inputShape, seed);
        var y = Arr.Of(layer.Apply(x.ToTensor()));
        bool first = layer.DataFormat == "channels_first";
        bool max = layer.GetType().Name.StartsWith("Max", StringComparison.Ordinal);
        var expected = NaiveConv.Pool(first ? x.ToChannelsLast() : x, [.. layer.PoolSize], [.. layer.Strides], layer.Padding, max);
        if (first) expected = expected.ToChannelsFirst();
        CollectionAssert.AreEqual(expected.Shape, y.Shape, $"{layer.Name}: output shape");
        TestUtil.AssertClose(expected.Data, y.Data, 1e-6, layer.Name);
        Assert.AreEqual(new Shape(y.Shape), layer.ComputeOutputShape(new Shape(inputShape)), $"{layer.Name}: ComputeOutputShape");
    }

    [TestMethod]
    public void AverageSameAveragesValidElementsOnly()
    {
        // Pool 2, stride 1 over [1, 2, 3]: TensorFlow pads one position at the end and leaves it out of the count.
        var y = new AveragePooling1D(2, strides: 1, padding: "same").Apply(Ops.Constant([1, 2, 3], new Shape(1, 3, 1)));
        CollectionAssert.AreEqual(new float[] { 1.5f, 2.5f, 3f }, y.ToArray<float>());
        // Pool 3 over [1, 2, 3, 4]: one position each side.
        y = new AveragePooling1D(3, strides: 1, padding: "same").Apply(Ops.Constant([1, 2, 3, 4], new Shape(1, 4, 1)));
        CollectionAssert.AreEqual(new float[] { 1.5f, 2f, 3f, 3.5f }, y.ToArray<float>());
        // 2-D, 3×3 input, pool 2 stride 2: the last row and column see the edge only.
        var x = Ops.Constant([1, 2, 3, 4, 5, 6, 7, 8, 9], new Shape(1, 3, 3, 1));
        y = new AveragePooling2D(2, padding: "same").Apply(x);
        CollectionAssert.AreEqual(new float[] { 3f, 4.5f, 7.5f, 9f }, y.ToArray<float>());
        y = new MaxPooling2D(2, padding: "same").Apply(Ops.Negative(x));
        CollectionAssert.AreEqual(new float[] { -1f, -3f, -7f, -9f }, y.ToArray<float>());
    }

    [TestMethod]
    [DataRow(2, 0, "valid", "channels_last")]
    [DataRow(2, 1, "same", "channels_last")]
    [DataRow(3, 2, "same", "channels_first")]
    [DataRow(3, 1, "valid", "channels_first")]
    [DataRow(2, 3, "same", "channels_last")]
    [DataRow(4, 1, "same", "channels_last")]
    public void Pooling1DMatchesTheLoopReference(int pool, int stride, string padding, string dataFormat)
    {
        Shape? strides = stride == 0 ? null : stride;
        int[] shape = dataFormat == "channels_last" ? [2, 9, 3] : [2, 3, 9];
        CheckAgainstReference(new MaxPooling1D(pool, strides, padding, dataFormat), shape);
        CheckAgainstReference(new AveragePooling1D(pool, strides, padding, dataFormat), shape);
    }

    [TestMethod]
    [DataRow(2, 2, 0, 0, "valid", "channels_last")]
    [DataRow(2, 3, 2, 2, "same", "channels_last")]
    [DataRow(3, 3, 1, 1, "same", "channels_first")]
    [DataRow(2, 2, 1, 2, "same", "channels_first")]
    [DataRow(3, 2, 2, 1, "valid", "channels_last")]
    public void Pooling2DMatchesTheLoopReference(int ph, int pw, int sh, int sw, string padding, string dataFormat)
    {
        Shape? strides = sh == 0 ? null : (sh, sw);
        int[] shape = dataFormat == "channels_last" ? [2, 7, 6, 3] : [2, 3, 7, 6];
        CheckAgainstReference(new MaxPooling2D((ph, pw), strides, padding, dataFormat), shape);
        CheckAgainstReference(new AveragePooling2D((ph, pw), strides, padding, dataFormat), shape);
    }

    [TestMethod]
    [DataRow("valid", "channels_last")]
    [DataRow("same", "channels_last")]
    [DataRow("same", "channels_first")]
    public void Pooling3DMatchesTheLoopReference(string padding, string dataFormat)
    {
        int[] shape = dataFormat == "channels_last" ? [2, 5, 4, 3, 2] : [2, 2, 5, 4, 3];
        CheckAgainstReference(new MaxPooling3D((2, 3, 2), (2, 1, 2), padding, dataFormat), shape);
        CheckAgainstReference(new AveragePooling3D((2, 3, 2), (2, 1, 2), padding, dataFormat), shape);
        CheckAgainstReference(new AveragePooling3D(dataFormat: dataFormat, padding: padding), shape);
    }

    [TestMethod]
    public void PoolingDefaultsAndConfigMatchKeras()
    {
        var layer = new MaxPooling2D();
        CollectionAssert.AreEqual(new[] { 2, 2 }, layer.PoolSize.ToArray());
        CollectionAssert.AreEqual(new[] { 2, 2 }, layer.Strides.ToArray());
        var config = layer.GetConfig();
        Assert.AreEqual("name,trainable,dtype,pool_size,padding,strides,data_format", string.Join(",", config.Select(p => p.Key)));
        Assert.AreEqual("[2,2]", config["strides"]!.ToJsonString());
        Assert.AreEqual(new Shape(-1, 14, 14, 8), new MaxPooling2D().Apply(Input(shape: (28, 28, 8))).Shape);
        Assert.AreEqual(new Shape(-1, 4, 5, 5), new AveragePooling2D(3, strides: 2, padding: "same", dataFormat: "channels_first").ComputeOutputShape(new Shape(-1, 4, 9, 10)));

        // Keras 2 configs and the short aliases.
        var keras2 = JsonNode.Parse("""
            {"class_name": "MaxPool1D", "config": {"name": "max_pooling1d_3", "trainable": true, "dtype": "float32",
             "strides": [2], "pool_size": [3], "padding": "same", "data_format": "channels_last"}}
            """)!.AsObject();
        var p = (MaxPooling1D)KerasObjects.Layer(keras2);
        CollectionAssert.AreEqual(new[] { 3 }, p.PoolSize.ToArray());
        Assert.AreEqual("same", p.Padding);
        Assert.IsInstanceOfType<GlobalAveragePooling2D>(KerasObjects.Layer(JsonNode.Parse("""{"class_name": "GlobalAvgPool2D", "config": {"data_format": "channels_first"}}""")!.AsObject()));
        Assert.ThrowsExactly<ArgumentException>(() => new MaxPooling2D(padding: "causal"));
        Assert.ThrowsExactly<ArgumentException>(() => new MaxPooling2D((2, 2, 2)));
    }

    // ---------------------------------------------------------------- global pooling

    [TestMethod]
    public void GlobalPoolingReducesTheSpatialAxes()
    {
        var x = Arr.Random([2, 3, 4, 5], 9);
        var t = x.ToTensor();
        var max = new GlobalMaxPooling2D().Apply(t);
        var mean = new GlobalAveragePooling2D(keepdims: true).Apply(t);
        var meanFirst = new GlobalAveragePooling2D(dataFormat: "channels_first").Apply(t);
        Assert.AreEqual(new Shape(2, 5), max.Shape);
        Assert.AreEqual(new Shape(2, 1, 1, 5), mean.Shape);
        Assert.AreEqual(new Shape(2, 3), meanFirst.Shape);
        for (int n = 0; n < 2; n++)
        for (int c = 0; c < 5; c++)
        {
            var values = Enumerable.Range(0, 12).Select(i => x[n, i / 4, i % 4, c]).ToArray();
            Assert.AreEqual(values.Max(), max.ToArray<float>()[n * 5 + c], 1e-6);
            Assert.AreEqual(values.Average(), mean.ToArray<float>()[n * 5 + c], 1e-5);
        }
        Assert.AreEqual(new Shape(-1, 7), new GlobalMaxPooling3D().ComputeOutputShape(new Shape(-1, 2, 3, 4, 7)));
        Assert.AreEqual(new Shape(-1, 2, 1, 1, 1), new GlobalMaxPooling3D("channels_first", keepdims: true).ComputeOutputShape(new Shape(-1, 2, 3, 4, 7)));
        Assert.AreEqual(new Shape(-1, 1, 6), new GlobalMaxPooling1D(keepdims: true).Apply(Input(shape: (10, 6))).Shape);
        Assert.AreEqual("name,trainable,dtype,data_format,keepdims", string.Join(",", new GlobalMaxPooling1D().GetConfig().Select(p => p.Key)));
    }

    [TestMethod]
    public void GlobalAveragePooling1DSkipsMaskedSteps()
    {
        var x = Ops.Constant([1, 10, 2, 20, 3, 30, 4, 40, /* second sample */ 5, 50, 6, 60, 7, 70, 8, 80], new Shape(2, 4, 2));
        var mask = Ops.Cast(Ops.Constant([1, 1, 0, 0, 0, 1, 1, 1], new Shape(2, 4)), DType.Bool);
        var layer = new GlobalAveragePooling1D();
        var y = layer.Apply(new Tensors(x), mask: new Tensors(mask))[0];
        CollectionAssert.AreEqual(new float[] { 1.5f, 15f, 7f, 70f }, y.ToArray<float>());
        Assert.IsNull(y.KerasMask, "the output carries no mask");
        // Without a mask: the plain mean.
        CollectionAssert.AreEqual(new float[] { 2.5f, 25f, 6.5f, 65f }, layer.Apply(x).ToArray<float>());
        // channels_first, keepdims, and a float mask.
        var xf = Ops.Transpose(x, 0, 2, 1);
        var floatMask = Ops.Constant([1, 1, 0, 0, 0, 1, 1, 1], new Shape(2, 4));
        var yf = new GlobalAveragePooling1D("channels_first", keepdims: true).Apply(new Tensors(xf), mask: new Tensors(floatMask))[0];
        Assert.AreEqual(new Shape(2, 2, 1), yf.Shape);
        CollectionAssert.AreEqual(new float[] { 1.5f, 15f, 7f, 70f }, yf.ToArray<float>());
        // The mask the input tensor carries is used by default.
        x.KerasMask = mask;
        CollectionAssert.AreEqual(new float[] { 1.5f, 15f, 7f, 70f }, layer.Apply(x).ToArray<float>());
    }

    // ---------------------------------------------------------------- the shared harness

    [TestMethod]
    public void MaxPooling1DHarness() => LayerHarness.Run(() => new MaxPooling1D(3, 2, "same"), new Shape(2, 7, 3), new Shape(2, 4, 3));

    [TestMethod]
    public void AveragePooling2DHarness() => LayerHarness.Run(() => new AveragePooling2D(2, padding: "same", dataFormat: "channels_first"),
        new Shape(2, 3, 5, 4), new Shape(2, 3, 3, 2));

    [TestMethod]
    public void MaxPooling3DHarness() => LayerHarness.Run(() => new MaxPooling3D(), new Shape(1, 4, 4, 4, 2), new Shape(1, 2, 2, 2, 2));

    [TestMethod]
    public void AveragePooling3DHarness() => LayerHarness.Run(() => new AveragePooling3D((1, 2, 2), padding: "same"), new Shape(1, 2, 3, 3, 2), new Shape(1, 2, 2, 2, 2));

    [TestMethod]
    public void GlobalPoolingHarness()
    {
        LayerHarness.Run(() => new GlobalAveragePooling1D(), new Shape(2, 5, 3), new Shape(2, 3));
        LayerHarness.Run(() => new GlobalMaxPooling2D(keepdims: true), new Shape(2, 3, 3, 4), new Shape(2, 1, 1, 4));
        LayerHarness.Run(() => new GlobalAveragePooling3D("channels_first"), new Shape(2, 4, 2, 2, 2), new Shape(2, 4));
    }
}
