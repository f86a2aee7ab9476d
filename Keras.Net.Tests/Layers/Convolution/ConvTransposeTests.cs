using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Saving;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Layers.Convolution;

/// <summary>
/// Conv1D/2D/3DTranspose against the loop reference (the adjoint of TensorFlow's forward convolution),
/// Keras's output-size formula, output_padding and 'same' semantics.
/// </summary>
[TestClass]
public class ConvTransposeTests
{
    private static Arr Reference(BaseConvTranspose layer, Arr x)
    {
        bool first = layer.DataFormat == "channels_first";
        var y = NaiveConv.ConvTranspose(first ? x.ToChannelsLast() : x, Arr.Of(layer.Kernel!), [.. layer.Strides], [.. layer.DilationRate],
            layer.Padding, layer.OutputPadding?.ToArray());
        if (layer.Bias is { } b)
        {
            var bias = Arr.Of(b);
            for (int i = 0; i < y.Size; i++) y.Data[i] += bias.Data[i % bias.Size];
        }
        return first ? y.ToChannelsFirst() : y;
    }

    private static void Check(BaseConvTranspose layer, int[] inputShape, int seed)
    {
        layer.EnsureBuilt([new Shape(inputShape)]);
        if (layer.Bias is { } b) b.Assign(Ops.RandomNormal(b.Shape, 0, 1, seed + 1));
        var x = Arr.Random(inputShape, seed);
        var y = Arr.Of(layer.Apply(x.ToTensor()));
        var expected = Reference(layer, x);
        var what = $"k=({string.Join(",", layer.KernelSize)}) s=({string.Join(",", layer.Strides)}) d=({string.Join(",", layer.DilationRate)}) " +
                   $"{layer.Padding} op={(layer.OutputPadding is null ? "None" : string.Join(",", layer.OutputPadding))} {layer.DataFormat}";
        CollectionAssert.AreEqual(expected.Shape, y.Shape, $"{what}: output shape");
        TestUtil.AssertClose(expected.Data, y.Data, 1e-4, what);
        Assert.AreEqual(new Shape(y.Shape), layer.ComputeOutputShape(new Shape(inputShape)), $"{what}: ComputeOutputShape");
    }

    /// <summary>Whether TensorFlow's forward convolution over the transposed output maps back to n (the consistent cases).</summary>
    private static bool Consistent(int n, int k, int s, int d, string padding, int? op)
    {
        int keff = (k - 1) * d + 1;
        int outLen = padding == "valid"
            ? (n - 1) * s + keff + (op ?? Math.Max(keff, s) - keff)
            : op is int o ? (n - 1) * s + keff % 2 + o : n * s;
        int back = padding == "valid" ? (outLen - keff) / s + 1 : (outLen + s - 1) / s;
        return outLen > 0 && back == n;
    }

    [TestMethod]
    public void Conv1DTransposeSweepMatchesTheLoopReference()
    {
        int cases = 0;
        foreach (var padding in new[] { "valid", "same" })
        for (int k = 1; k <= 5; k++)
        for (int s = 1; s <= 3; s++)
        for (int d = 1; d <= 2; d++)
        {
            if (s > 1 && d > 1) continue;
            foreach (int? op in new int?[] { null }.Concat(Enumerable.Range(0, s).Select(v => (int?)v)))
            {
                if (!Consistent(5, k, s, d, padding, op)) continue;
                Shape? outputPadding = op is int o ? o : null;
                Check(new Conv1DTranspose(3, k, s, padding, outputPadding, dilationRate: d), [2, 5, 2], 10 + cases);
                cases++;
            }
        }
        Assert.IsTrue(cases > 60, $"{cases} cases");
    }

    [TestMethod]
    [DataRow("same", 3, 2, 2, 1, -1, -1, "channels_last")]
    [DataRow("same", 4, 3, 2, 1, -1, -1, "channels_first")]
    [DataRow("valid", 3, 3, 3, 2, -1, -1, "channels_last")]
    [DataRow("valid", 2, 3, 3, 2, 2, 1, "channels_first")]
    [DataRow("same", 3, 2, 2, 2, 1, 0, "channels_last")]
    [DataRow("same", 5, 1, 2, 1, 1, 0, "channels_last")]
    [DataRow("same", 2, 2, 1, 1, -1, -1, "channels_first")]
    public void Conv2DTransposeMatchesTheLoopReference(string padding, int kh, int kw, int sh, int sw, int oph, int opw, string dataFormat)
    {
        Shape? op = oph < 0 ? null : (oph, opw);
        int[] shape = dataFormat == "channels_last" ? [2, 4, 3, 3] : [2, 3, 4, 3];
        Check(new Conv2DTranspose(4, (kh, kw), (sh, sw), padding, op, dataFormat), shape, 3);
    }

    [TestMethod]
    public void Conv2DTransposeWithDilation()
    {
        Check(new Conv2DTranspose(2, 3, padding: "same", dilationRate: (2, 1)), [1, 4, 5, 3], 4);
        Check(new Conv2DTranspose(2, (2, 3), padding: "valid", dilationRate: 2, dataFormat: "channels_first"), [1, 3, 4, 5], 5);
    }

    [TestMethod]
    [DataRow("same", 2, "channels_last")]
    [DataRow("valid", 2, "channels_first")]
    [DataRow("same", 1, "channels_first")]
    public void Conv3DTransposeMatchesTheLoopReference(string padding, int stride, string dataFormat)
    {
        int[] shape = dataFormat == "channels_last" ? [1, 3, 2, 3, 2] : [1, 2, 3, 2, 3];
        Check(new Conv3DTranspose(3, (2, 3, 3), stride, padding, dataFormat: dataFormat), shape, 6);
    }

    [TestMethod]
    public void OutputSizesFollowKeras()
    {
        Assert.AreEqual(new Shape(-1, 16, 16, 8), new Conv2DTranspose(8, 3, strides: 2, padding: "same").Apply(Input(shape: (8, 8, 3))).Shape);
        Assert.AreEqual(new Shape(-1, 17, 17, 8), new Conv2DTranspose(8, 3, strides: 2).Apply(Input(shape: (8, 8, 3))).Shape);
        // valid, stride larger than the kernel: output_padding defaults to max(k, s) - k.
        Assert.AreEqual(new Shape(-1, 12, 4), new Conv1DTranspose(4, 2, strides: 3).ComputeOutputShape(new Shape(-1, 4, 1)));
        // same with output_padding: (n - 1)·s + k % 2 + output_padding.
        Assert.AreEqual(new Shape(-1, 7, 4), new Conv1DTranspose(4, 3, strides: 2, padding: "same", outputPadding: 0).ComputeOutputShape(new Shape(-1, 4, 1)));
        Assert.AreEqual(new Shape(-1, 6, 9, 12, 2), new Conv3DTranspose(2, 3, strides: 3, padding: "same", dataFormat: "channels_last").ComputeOutputShape(new Shape(-1, 2, 3, 4, 5)));
        Assert.AreEqual(new Shape(-1, 5, -1, 10), new Conv2DTranspose(5, 3, dilationRate: 2, dataFormat: "channels_first").ComputeOutputShape(new Shape(-1, 1, -1, 6)));
        Assert.ThrowsExactly<ArgumentException>(() => new Conv2DTranspose(4, 3, strides: 2, outputPadding: 2));
        Assert.ThrowsExactly<ArgumentException>(() => new Conv1DTranspose(4, 3, padding: "causal"));
    }

    [TestMethod]
    public void KernelLayoutAndConfig()
    {
        var layer = new Conv2DTranspose(6, (3, 2), strides: 2, outputPadding: 1);
        layer.EnsureBuilt([new Shape(-1, 5, 5, 4)]);
        Assert.AreEqual(new Shape(3, 2, 6, 4), layer.Kernel!.Shape);
        var config = layer.GetConfig();
        Assert.AreEqual("[1,1]", config["output_padding"]!.ToJsonString());
        // Keras 3.15.1's key order.
        StringAssert.StartsWith(string.Join(",", config.Select(p => p.Key)), "name,trainable,dtype,filters,kernel_size,strides,padding,output_padding,data_format,dilation_rate,activation");
        var revived = (Conv2DTranspose)KerasObjects.Layer("Conv2DTranspose", config);
        CollectionAssert.AreEqual(new[] { 1, 1 }, revived.OutputPadding!.ToArray());
        var keras2 = (Conv2DTranspose)KerasObjects.Layer(JsonNode.Parse("""
            {"class_name": "Deconvolution2D", "config": {"name": "deconv", "filters": 2, "kernel_size": [4, 4], "strides": [2, 2],
             "padding": "same", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "sigmoid",
             "use_bias": true, "output_padding": null}}
            """)!.AsObject());
        Assert.IsNull(keras2.OutputPadding);
        Assert.AreEqual("sigmoid", keras2.Activation.Name);
    }

    [TestMethod]
    public void Conv1DTransposeHarness() => LayerHarness.Run(() => new Conv1DTranspose(3, 3, strides: 2, padding: "same"),
        new Shape(2, 4, 2), new Shape(2, 8, 3), new Shape(3, 3, 2), new Shape(3));

    [TestMethod]
    public void Conv2DTransposeHarness() => LayerHarness.Run(() => new Conv2DTranspose(2, (2, 3), strides: (2, 1), dataFormat: "channels_first"),
        new Shape(2, 3, 3, 3), new Shape(2, 2, 6, 5), new Shape(2, 3, 2, 3), new Shape(2));

    [TestMethod]
    public void Conv3DTransposeHarness() => LayerHarness.Run(() => new Conv3DTranspose(2, 2, strides: 2, padding: "same", useBias: false),
        new Shape(1, 2, 2, 2, 2), new Shape(1, 4, 4, 4, 2), new Shape(2, 2, 2, 2, 2));
}
