using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Saving;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Layers.Convolution;

/// <summary>Conv1D/2D/3D against the loop reference, with Keras's shapes, configs and the shared layer harness.</summary>
[TestClass]
public class ConvTests
{
    private const double Tol = 1e-4;

    /// <summary>Runs <paramref name="layer"/> on random input and compares with the loop reference (channels_last or first).</summary>
    private static void CheckAgainstReference(BaseConv layer, int[] inputShape, int seed = 1)
    {
        Utils.SetRandomSeed(seed);
        var x = Arr.Random(inputShape, seed);
        var y = Arr.Of(layer.Apply(x.ToTensor()));
        var kernel = Arr.Of(layer.Kernel!);
        var bias = layer.Bias is null ? null : Arr.Of(layer.Bias);
        bool first = layer.DataFormat == "channels_first";
        var xl = first ? x.ToChannelsLast() : x;
        var expected = NaiveConv.Conv(xl, kernel, [.. layer.Strides], [.. layer.DilationRate], layer.Padding, bias);
        if (layer.Activation.Name == "relu") expected = expected with { Data = expected.Data.Select(v => Math.Max(v, 0f)).ToArray() };
        if (first) expected = expected.ToChannelsFirst();
        CollectionAssert.AreEqual(expected.Shape, y.Shape, $"{layer.Name}: output shape");
        TestUtil.AssertClose(expected.Data, y.Data, Tol, layer.Name);
        Assert.AreEqual(new Shape(y.Shape), layer.ComputeOutputShape(new Shape(inputShape)), $"{layer.Name}: ComputeOutputShape");
    }

    private static void RandomizeBias(BaseConv layer)
    {
        if (layer.Bias is { } b) b.Assign(Ops.RandomNormal(b.Shape, 0, 1, 11));
    }

    // ---------------------------------------------------------------- Conv1D

    [TestMethod]
    public void Conv1DSamePadsTheOddPixelAtTheEnd()
    {
        // TensorFlow: kernel 2 over [1, 2, 3, 4] with 'same' pads one zero at the end → [3, 5, 7, 4].
        var layer = new Conv1D(1, 2, padding: "same", useBias: false, kernelInitializer: "ones");
        var y = layer.Apply(Ops.Constant([1, 2, 3, 4], new Shape(1, 4, 1)));
        CollectionAssert.AreEqual(new float[] { 3, 5, 7, 4 }, y.ToArray<float>());
    }

    [TestMethod]
    public void Conv1DCausalSeesOnlyThePast()
    {
        var layer = new Conv1D(1, 2, padding: "causal", dilationRate: 2, useBias: false, kernelInitializer: "ones");
        var y = layer.Apply(Ops.Constant([1, 2, 3, 4, 5], new Shape(1, 5, 1)));
        // y[t] = x[t] + x[t - 2] (zeros before the start).
        CollectionAssert.AreEqual(new float[] { 1, 2, 4, 6, 8 }, y.ToArray<float>());
    }

    [TestMethod]
    [DataRow("valid", 3, 1, 1, 1, "channels_last")]
    [DataRow("same", 4, 1, 1, 1, "channels_last")]
    [DataRow("same", 3, 2, 1, 1, "channels_last")]
    [DataRow("same", 4, 3, 1, 1, "channels_first")]
    [DataRow("valid", 3, 1, 2, 1, "channels_first")]
    [DataRow("causal", 3, 1, 2, 1, "channels_last")]
    [DataRow("causal", 2, 2, 1, 1, "channels_first")]
    [DataRow("same", 3, 1, 3, 2, "channels_last")]
    [DataRow("valid", 2, 2, 1, 3, "channels_first")]
    public void Conv1DMatchesTheLoopReference(string padding, int kernel, int stride, int dilation, int groups, string dataFormat)
    {
        var layer = new Conv1D(6, kernel, strides: stride, padding: padding, dataFormat: dataFormat, dilationRate: dilation,
            groups: groups, activation: "relu");
        int[] shape = dataFormat == "channels_last" ? [2, 9, 6] : [2, 6, 9];
        layer.EnsureBuilt([new Shape(shape)]);
        RandomizeBias(layer);
        CheckAgainstReference(layer, shape);
    }

    // ---------------------------------------------------------------- Conv2D

    [TestMethod]
    [DataRow("valid", 3, 3, 1, 1, 1, 1, "channels_last")]
    [DataRow("same", 2, 4, 2, 3, 1, 1, "channels_last")]
    [DataRow("same", 3, 2, 1, 1, 2, 1, "channels_last")]
    [DataRow("same", 4, 4, 2, 2, 1, 2, "channels_first")]
    [DataRow("valid", 2, 3, 2, 1, 1, 4, "channels_first")]
    [DataRow("same", 1, 1, 3, 2, 1, 1, "channels_last")]
    public void Conv2DMatchesTheLoopReference(string padding, int kh, int kw, int sh, int sw, int dilation, int groups, string dataFormat)
    {
        int[] input = dataFormat == "channels_last" ? [2, 7, 8, 4] : [2, 4, 7, 8];
        var layer = new Conv2D(8, (kh, kw), strides: (sh, sw), padding: padding, dataFormat: dataFormat, dilationRate: dilation, groups: groups);
        layer.EnsureBuilt([new Shape(input)]);
        RandomizeBias(layer);
        CheckAgainstReference(layer, input);
    }

    [TestMethod]
    public void Conv2DKernelLayoutIsKeras()
    {
        // Input channels must divide into the groups.
        Assert.ThrowsExactly<ArgumentException>(() => new Conv2D(8, 3, groups: 4).Build(new Shape(-1, 8, 8, 6)));
        var ok = new Conv2D(6, (3, 2), groups: 2);
        ok.Build(new Shape(-1, 8, 8, 6));
        Assert.AreEqual(new Shape(3, 2, 3, 6), ok.Kernel!.Shape);
        Assert.AreEqual(new Shape(6), ok.Bias!.Shape);
        StringAssert.StartsWith(ok.Kernel.Path, "conv2d");
        StringAssert.EndsWith(ok.Kernel.Path, "/kernel");
    }

    // ---------------------------------------------------------------- Conv3D

    [TestMethod]
    [DataRow("valid", 1, 1, 1, "channels_last")]
    [DataRow("same", 2, 1, 1, "channels_last")]
    [DataRow("same", 1, 2, 1, "channels_first")]
    [DataRow("valid", 1, 1, 2, "channels_first")]
    public void Conv3DMatchesTheLoopReference(string padding, int stride, int dilation, int groups, string dataFormat)
    {
        int[] input = dataFormat == "channels_last" ? [2, 5, 6, 4, 2] : [2, 2, 5, 6, 4];
        var layer = new Conv3D(4, (2, 3, 2), strides: stride, padding: padding, dataFormat: dataFormat, dilationRate: dilation, groups: groups);
        layer.EnsureBuilt([new Shape(input)]);
        RandomizeBias(layer);
        CheckAgainstReference(layer, input);
    }

    // ---------------------------------------------------------------- shapes, arguments, configs

    [TestMethod]
    public void OutputShapesFollowKeras()
    {
        // Keras's compute_conv_output_shape: valid floor((n - d(k-1) - 1)/s) + 1; same/causal floor((n-1)/s) + 1.
        Assert.AreEqual(new Shape(-1, 4, 8), new Conv1D(8, 3, strides: 2, padding: "valid").ComputeOutputShape(new Shape(-1, 10, 3)));
        Assert.AreEqual(new Shape(-1, 5, 8), new Conv1D(8, 3, strides: 2, padding: "same").ComputeOutputShape(new Shape(-1, 10, 3)));
        Assert.AreEqual(new Shape(-1, 10, 8), new Conv1D(8, 3, padding: "causal", dilationRate: 4).ComputeOutputShape(new Shape(-1, 10, 3)));
        Assert.AreEqual(new Shape(-1, 8, 8, 12), new Conv2D(8, (3, 5), dataFormat: "channels_first", dilationRate: (1, 2)).ComputeOutputShape(new Shape(-1, 3, 10, 20)));
        Assert.AreEqual(new Shape(-1, -1, 3, 2, 7), new Conv3D(7, 2, strides: 3, padding: "same").ComputeOutputShape(new Shape(-1, -1, 9, 6, 1)));
        var symbolic = new Conv2D(16, 3, strides: 2, padding: "same").Apply(Input(shape: (28, 28, 1)));
        Assert.AreEqual(new Shape(-1, 14, 14, 16), symbolic.Shape);
    }

    [TestMethod]
    public void InvalidArgumentsAreRejectedAsKerasDoes()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Conv2D(0, 3));
        Assert.ThrowsExactly<ArgumentException>(() => new Conv2D(6, 3, groups: 4));
        Assert.ThrowsExactly<ArgumentException>(() => new Conv2D(6, (3, 3, 3)));
        Assert.ThrowsExactly<ArgumentException>(() => new Conv2D(6, 3, padding: "causal"));
        Assert.ThrowsExactly<ArgumentException>(() => new Conv2D(6, 3, padding: "full"));
        Assert.ThrowsExactly<ArgumentException>(() => new Conv2D(6, 3, strides: 2, dilationRate: 2));
        Assert.ThrowsExactly<ArgumentException>(() => new Conv2D(6, 3, dataFormat: "nhwc"));
        Assert.ThrowsExactly<ArgumentException>(() => new Conv2D(6, 0));
        var layer = new Conv2D(4, 3);
        var e = Assert.ThrowsExactly<ArgumentException>(() => layer.Apply(Ops.Zeros(new Shape(1, 5, 5))));
        StringAssert.Contains(e.Message, layer.Name);
        Assert.ThrowsExactly<ArgumentException>(() => new Conv2D(4, 7).Apply(Ops.Zeros(new Shape(1, 5, 5, 1))));
    }

    [TestMethod]
    public void ConfigMatchesKeras()
    {
        var layer = new Conv2D(32, (3, 5), strides: (2, 1), padding: "SAME", dilationRate: 1, activation: "relu", name: "c");
        var config = layer.GetConfig();
        Assert.AreEqual("[3,5]", config["kernel_size"]!.ToJsonString());
        Assert.AreEqual("[2,1]", config["strides"]!.ToJsonString());
        Assert.AreEqual("[1,1]", config["dilation_rate"]!.ToJsonString());
        Assert.AreEqual("same", config["padding"]!.GetValue<string>());
        Assert.AreEqual("channels_last", config["data_format"]!.GetValue<string>());
        Assert.AreEqual(1, config["groups"]!.GetValue<int>());
        Assert.AreEqual("relu", config["activation"]!.GetValue<string>());
        var keys = string.Join(",", config.Select(p => p.Key));
        Assert.AreEqual("name,trainable,dtype,filters,kernel_size,strides,padding,data_format,dilation_rate,groups,activation,use_bias," +
            "kernel_initializer,bias_initializer,kernel_regularizer,bias_regularizer,activity_regularizer,kernel_constraint,bias_constraint", keys);
    }

    [TestMethod]
    public void LoadsKeras3AndKeras2Configs()
    {
        // As Keras 3 writes it.
        var keras3 = JsonNode.Parse("""
            {"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "conv1d", "trainable": true,
             "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
             "filters": 4, "kernel_size": [3], "strides": [1], "padding": "causal", "data_format": "channels_last",
             "dilation_rate": [2], "groups": 1, "activation": "tanh", "use_bias": true,
             "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
             "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
             "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null},
             "registered_name": null}
            """)!.AsObject();
        var c1 = (Conv1D)KerasObjects.Layer(keras3);
        Assert.AreEqual("causal", c1.Padding);
        CollectionAssert.AreEqual(new[] { 2 }, c1.DilationRate.ToArray());
        Assert.AreEqual("tanh", c1.Activation.Name);

        // Keras 2 (tf.keras) config: no groups, batch_input_shape, the Convolution2D alias.
        var keras2 = JsonNode.Parse("""
            {"class_name": "Convolution2D", "config": {"name": "conv2d_7", "trainable": true, "batch_input_shape": [null, 28, 28, 1],
             "dtype": "float32", "filters": 8, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
             "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "relu", "use_bias": false,
             "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": 3}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
             "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}}
            """)!.AsObject();
        var c2 = (Conv2D)KerasObjects.Layer(keras2);
        Assert.AreEqual(1, c2.Groups);
        Assert.IsFalse(c2.UseBias);
        Assert.AreEqual(new Shape(28, 28, 1), c2.DeclaredInputShape);
        Assert.AreEqual("conv2d_7", c2.Name);
    }

    [TestMethod]
    public void TrainsInASequentialModel()
    {
        Utils.SetRandomSeed(3);
        var model = new Keras.Models.Sequential([
            new Conv2D(4, 3, padding: "same", activation: "relu", inputShape: (8, 8, 1)),
            new Conv2D(2, 3, strides: 2),
            new Flatten(),
            new Dense(1),
        ]);
        model.Compile(optimizer: new Keras.Optimizers.Adam(0.01), loss: "mse");
        var x = Arr.Random([16, 8, 8, 1], 4).ToTensor();
        var y = Ops.Mean(Ops.Reshape(x, 16, -1), 1, keepDims: true);
        var first = model.Evaluate(x, y, verbose: 0)["loss"];
        model.Fit(x, y, epochs: 30, batchSize: 8, verbose: 0);
        var last = model.Evaluate(x, y, verbose: 0)["loss"];
        Assert.IsTrue(last < first * 0.5, $"loss {first} → {last}");
    }

    [TestMethod]
    public void ConvPoolingModelsLeaveNoTensorsAlive()
    {
        // Every conv/pool op frees its temporaries (the permutes, pads and crops around libtorch).
        Utils.SetRandomSeed(5);
        var model = new Keras.Models.Sequential([
            new Conv2D(4, (2, 3), padding: "same", activation: "relu", inputShape: (7, 7, 2)),
            new AveragePooling2D(2, padding: "same"),
            new SeparableConv2D(4, 2, padding: "same"),
            new DepthwiseConv2D(2, padding: "same", depthMultiplier: 2),
            new Conv2DTranspose(3, 3, strides: 2, padding: "same"),
            new MaxPooling2D(3, strides: 2, padding: "same"),
            new LocallyConnected2D(2, 2),
            new GlobalAveragePooling2D(),
            new Dense(1),
        ]);
        model.Compile(optimizer: "sgd", loss: "mse");
        var x = Arr.Random([8, 7, 7, 2], 6).ToTensor();
        var y = Ops.Ones(new Shape(8, 1));
        model.Fit(x, y, epochs: 3, batchSize: 4, verbose: 0);
        model.Predict(x);
        var before = Keras.Backend.KerasBackend.Current.LiveTensorCount;
        model.Fit(x, y, epochs: 5, batchSize: 4, verbose: 0);
        for (int i = 0; i < 5; i++) model.Predict(x);
        Assert.AreEqual(before, Keras.Backend.KerasBackend.Current.LiveTensorCount, "runtime tensors left alive");
    }

    // ---------------------------------------------------------------- the shared harness

    [TestMethod]
    public void Conv1DHarness() => LayerHarness.Run(() => new Conv1D(3, 2, padding: "causal", activation: "tanh"),
        new Shape(2, 5, 4), new Shape(2, 5, 3), new Shape(2, 4, 3), new Shape(3));

    [TestMethod]
    public void Conv2DHarness() => LayerHarness.Run(() => new Conv2D(4, (2, 3), strides: 2, padding: "same", groups: 2),
        new Shape(2, 5, 6, 2), new Shape(2, 3, 3, 4), new Shape(2, 3, 1, 4), new Shape(4));

    [TestMethod]
    public void Conv2DChannelsFirstHarness() => LayerHarness.Run(() => new Conv2D(3, 3, dataFormat: "channels_first", useBias: false),
        new Shape(2, 2, 5, 5), new Shape(2, 3, 3, 3), new Shape(3, 3, 2, 3));

    [TestMethod]
    public void Conv3DHarness() => LayerHarness.Run(() => new Conv3D(2, 2, padding: "same"),
        new Shape(1, 3, 3, 3, 2), new Shape(1, 3, 3, 3, 2), new Shape(2, 2, 2, 2, 2), new Shape(2));

    // ---------------------------------------------------------------- ops.conv with a bias

    /// <summary>
    /// <paramref name="convolve"/> with the bias passed in must equal it without the bias followed by
    /// <paramref name="addBias"/>, in values and in the gradients of x, kernel and bias; returns the bias gradient.
    /// </summary>
    private static float[] AssertBiasInsideMatchesSeparateAdd(Variable x, Variable kernel, Variable bias, Tensor upstream,
        Func<Tensor?, Tensor> convolve, Func<Tensor, Tensor> addBias)
    {
        (float[] Y, float[][] Grads) Run(bool inside)
        {
            var tape = new GradientTape();
            var y = inside ? convolve(bias) : addBias(convolve(null));
            var grads = tape.Gradient(Ops.Sum(Ops.Multiply(y, upstream)), [x, kernel, bias]);
            return (y.ToArray<float>(), grads.Select(g => g.ToArray<float>()).ToArray());
        }

        var fused = Run(inside: true);
        var separate = Run(inside: false);
        TestUtil.AssertClose(separate.Y, fused.Y, 1e-5, "outputs");
        for (int i = 0; i < 3; i++) TestUtil.AssertClose(separate.Grads[i], fused.Grads[i], 1e-4, $"gradient {i}");
        return fused.Grads[2];
    }

    [TestMethod]
    [DataRow("channels_last")]
    [DataRow("channels_first")]
    public void OpsConvAddsTheBiasInsideTheConvolutionWithTheSameValuesAndGradients(string format)
    {
        // The bias argument must equal conv followed by a broadcast add, in values and in all three gradients.
        bool last = format == "channels_last";
        var x = new Variable(Ops.RandomNormal(last ? new Shape(2, 6, 5, 3) : new Shape(2, 3, 6, 5), 0, 1, 3), "x");
        var kernel = new Variable(Ops.RandomNormal(new Shape(3, 2, 3, 4), 0, 1, 4), "kernel");
        var bias = new Variable(Ops.RandomNormal(new Shape(4), 0, 1, 5), "bias");
        var upstream = Ops.RandomNormal(last ? new Shape(2, 3, 3, 4) : new Shape(2, 4, 3, 3), 0, 1, 6);

        var biasGradient = AssertBiasInsideMatchesSeparateAdd(x, kernel, bias, upstream,
            b => Ops.Conv(x, kernel, [2, 2], "same", format, bias: b),
            y => ConvLayerArgs.AddBias(y, bias, 2, last));
        // d(sum(y * u))/d(bias) is u summed over every axis but the channels.
        var expectedBiasGrad = Ops.Sum(upstream, last ? [0, 1, 2] : [0, 2, 3]).ToArray<float>();
        TestUtil.AssertClose(expectedBiasGrad, biasGradient, 1e-4, "bias gradient");
    }

    [TestMethod]
    public void OpsDepthwiseConvAddsTheBiasInsideTheConvolutionWithTheSameValuesAndGradients()
    {
        // Output channel c * multiplier + m gets bias[c * multiplier + m], as with the separate add.
        var x = new Variable(Ops.RandomNormal(new Shape(2, 5, 5, 3), 0, 1, 7), "x");
        var kernel = new Variable(Ops.RandomNormal(new Shape(3, 3, 3, 2), 0, 1, 8), "kernel");
        var bias = new Variable(Ops.RandomNormal(new Shape(6), 0, 1, 9), "bias");
        var upstream = Ops.RandomNormal(new Shape(2, 3, 3, 6), 0, 1, 10);

        AssertBiasInsideMatchesSeparateAdd(x, kernel, bias, upstream,
            b => Ops.DepthwiseConv(x, kernel, bias: b),
            y => ConvLayerArgs.AddBias(y, bias, 2, channelsLast: true));
        var e = Assert.ThrowsExactly<ArgumentException>(() => Ops.DepthwiseConv(x, kernel, bias: Ops.Ones(new Shape(3))));
        StringAssert.Contains(e.Message, "(6,)");
    }

    [TestMethod]
    public void OpsConvRefusesABiasOfTheWrongLength()
    {
        var x = Ops.Ones(new Shape(1, 4, 4, 2));
        var kernel = Ops.Ones(new Shape(3, 3, 2, 5));
        var e = Assert.ThrowsExactly<ArgumentException>(() => Ops.Conv(x, kernel, bias: Ops.Ones(new Shape(4))));
        StringAssert.Contains(e.Message, "(5,)");
        StringAssert.Contains(e.Message, "received (4,)");
    }
}
