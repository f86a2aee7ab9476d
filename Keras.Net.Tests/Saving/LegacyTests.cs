using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Models;
using Keras.Saving.Json;
using Keras.Saving.Legacy;
using PureHDF;

namespace Keras.Net.Tests.Saving;

/// <summary>The Keras 1/2 compatibility step: config translation and weight fix-ups, checked against hand-computed values.</summary>
[TestClass]
public class LegacyTests
{
    private static string _folder = "";

    [ClassInitialize]
    public static void CreateFolder(TestContext _) => _folder = SavingFiles.NewFolder("legacy");

    [ClassCleanup]
    public static void RemoveFolder()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static LoadContext Keras1(string? backend = "tensorflow") => new("test", true, 1, backend, "1.2.2");

    [TestMethod]
    public void Keras1ArgumentNamesAreTranslated()
    {
        var conv = JsonNode.Parse("""
            {"class_name": "Convolution2D", "config": {"name": "c", "nb_filter": 4, "nb_row": 3, "nb_col": 2, "subsample": [2, 1],
             "border_mode": "same", "dim_ordering": "th", "init": "uniform", "bias": false, "W_regularizer": null, "activation": "hard_sigmoid"}}
            """)!.AsObject();
        var t = LegacyConfig.Translate(conv, Keras1());
        Assert.AreEqual("Conv2D", t["class_name"]!.ToString());
        var c = t["config"]!.AsObject();
        Assert.AreEqual(4, c["filters"]!.GetValue<int>());
        Assert.AreEqual("[3,2]", c["kernel_size"]!.ToJsonString());
        Assert.AreEqual("[2,1]", c["strides"]!.ToJsonString());
        Assert.AreEqual("same", c["padding"]!.ToString());
        Assert.AreEqual("channels_first", c["data_format"]!.ToString());
        Assert.AreEqual("random_uniform", c["kernel_initializer"]!.ToString());
        Assert.IsFalse(c["use_bias"]!.GetValue<bool>());
        Assert.AreEqual(LegacyActivations.HardSigmoidName, c["activation"]!.ToString());
        foreach (var gone in new[] { "nb_filter", "nb_row", "nb_col", "subsample", "border_mode", "dim_ordering", "init", "bias" })
            Assert.IsFalse(c.ContainsKey(gone), gone);

        var lstm = LegacyConfig.Translate(JsonNode.Parse("""
            {"class_name": "LSTM", "config": {"name": "l", "output_dim": 5, "inner_activation": "sigmoid", "inner_init": "orthogonal",
             "forget_bias_init": "one", "dropout_W": 0.1, "dropout_U": 0.2, "input_dim": 3, "input_length": 7, "consume_less": "gpu"}}
            """)!.AsObject(), Keras1(), isFirstLayer: true)["config"]!.AsObject();
        Assert.AreEqual(5, lstm["units"]!.GetValue<int>());
        Assert.AreEqual("sigmoid", lstm["recurrent_activation"]!.ToString());
        Assert.AreEqual("orthogonal", lstm["recurrent_initializer"]!.ToString());
        Assert.IsTrue(lstm["unit_forget_bias"]!.GetValue<bool>());
        Assert.AreEqual(0.1, lstm["dropout"]!.GetValue<double>());
        Assert.AreEqual(0.2, lstm["recurrent_dropout"]!.GetValue<double>());
        Assert.AreEqual("[null,7,3]", lstm["batch_input_shape"]!.ToJsonString());

        var drop = LegacyConfig.Translate(JsonNode.Parse("""{"class_name": "Dropout", "config": {"name": "d", "p": 0.25}}""")!.AsObject(), Keras1());
        Assert.AreEqual(0.25, drop["config"]!["rate"]!.GetValue<double>());
        var merge = LegacyConfig.Translate(JsonNode.Parse("""{"class_name": "Merge", "config": {"name": "m", "mode": "concat", "concat_axis": 1}}""")!.AsObject(), Keras1());
        Assert.AreEqual("Concatenate", merge["class_name"]!.ToString());
        Assert.AreEqual(1, merge["config"]!["axis"]!.GetValue<int>());
        // Keras 3 configs pass through untouched.
        var k3 = JsonNode.Parse("""{"class_name": "Dense", "config": {"name": "x", "units": 2, "activation": "hard_sigmoid"}}""")!.AsObject();
        Assert.AreEqual(k3.ToJsonString(), LegacyConfig.Translate(k3, new LoadContext("t", true, 3, null, "3.15.1")).ToJsonString());
    }

    [TestMethod]
    public void Keras2HardSigmoidIsClipOfPointTwoXPlusHalf()
    {
        using var x = Ops.FromHost(HostArray.Create([-3f, -1f, 0f, 1f, 2f, 3f], 6));
        var y = LegacyActivations.HardSigmoid.Call(x).ToHost().ToArray<float>();
        var expected = new[] { -3f, -1f, 0f, 1f, 2f, 3f }.Select(v => Math.Clamp(0.2f * v + 0.5f, 0f, 1f)).ToArray();
        TestUtil.AssertClose(expected, y, 1e-6, "hard_sigmoid");
    }

    [TestMethod]
    public void Keras1PerGateLstmWeightsAreFusedByTheirNamesInGateOrderIFCO()
    {
        // Keras 1.2: 12 tensors W_g (input, units), U_g (units, units), b_g (units,) per gate g; fused kernels are i, f, c, o.
        const int input = 2, units = 3;
        float Value(char kind, string gate, int k) => (kind switch { 'W' => 100, 'U' => 200, _ => 300 }) + "ifco".IndexOf(gate[0]) * 10 + k;
        var json = $$$"""
            {"class_name": "Sequential", "keras_version": "1.2.2", "config": [
              {"class_name": "LSTM", "config": {"name": "lstm_1", "output_dim": {{{units}}}, "input_dim": {{{input}}}, "input_length": 4,
               "inner_activation": "hard_sigmoid", "activation": "tanh", "init": "glorot_uniform", "inner_init": "orthogonal", "forget_bias_init": "one",
               "return_sequences": false, "consume_less": "cpu", "dropout_W": 0.0, "dropout_U": 0.0, "trainable": true}}]}
            """;
        var model = Model.FromJson(json);
        // Written in the order i, f, c, o: positional i, c, f, o assembly would swap f and c, so this proves the names are used.
        var gates = new[] { "i", "f", "c", "o" };
        var names = new List<string>();
        var group = new H5Group();
        foreach (var g in gates)
        {
            foreach (var (kind, rows, cols) in new[] { ('W', input, units), ('U', units, units), ('b', 1, units) })
            {
                var name = $"lstm_1_{kind}_{g}:0";
                names.Add(name);
                var data = Enumerable.Range(0, rows * cols).Select(k => Value(kind, g, k)).ToArray();
                group[name] = kind == 'b' ? new H5Dataset(data, fileDims: [(ulong)cols]) : new H5Dataset(data, fileDims: [(ulong)rows, (ulong)cols]);
            }
        }
        group.Attributes["weight_names"] = names.ToArray();
        var path = Path.Combine(_folder, "keras1_lstm.h5");
        new H5File { Attributes = new() { ["layer_names"] = new[] { "lstm_1" } }, ["lstm_1"] = group }.Write(path);
        model.LoadWeights(path);

        var lstm = model.GetLayer("lstm_1");
        var kernel = lstm.Weights[0].ToHost();
        var recurrent = lstm.Weights[1].ToHost();
        var bias = lstm.Weights[2].ToHost();
        CollectionAssert.AreEqual(new long[] { input, 4 * units }, kernel.Shape);
        var k = kernel.ToArray<float>();
        var r = recurrent.ToArray<float>();
        var b = bias.ToArray<float>();
        string[] fused = ["i", "f", "c", "o"];
        for (int gi = 0; gi < 4; gi++)
        {
            for (int col = 0; col < units; col++)
            {
                for (int row = 0; row < input; row++)
                    Assert.AreEqual(Value('W', fused[gi], row * units + col), k[row * 4 * units + gi * units + col], $"kernel[{row}, {gi * units + col}]");
                for (int row = 0; row < units; row++)
                    Assert.AreEqual(Value('U', fused[gi], row * units + col), r[row * 4 * units + gi * units + col], $"recurrent[{row}, {gi * units + col}]");
                Assert.AreEqual(Value('b', fused[gi], col), b[gi * units + col], $"bias[{gi * units + col}]");
            }
        }
    }

    [TestMethod]
    public void TheanoConvolutionKernelsAreFlipped()
    {
        var json = """
            {"class_name": "Sequential", "keras_version": "2.0.8", "backend": "theano", "config": [
              {"class_name": "Conv2D", "config": {"name": "conv2d_1", "filters": 1, "kernel_size": [2, 3], "strides": [1, 1], "padding": "valid",
               "data_format": "channels_last", "activation": "linear", "use_bias": true, "batch_input_shape": [null, 4, 4, 1]}}]}
            """;
        var model = Model.FromJson(json);
        var kernel = Enumerable.Range(1, 6).Select(v => (float)v).ToArray();   // (2, 3, 1, 1): rows [1 2 3], [4 5 6]
        var path = Path.Combine(_folder, "theano.h5");
        new H5File
        {
            Attributes = new() { ["layer_names"] = new[] { "conv2d_1" }, ["backend"] = "theano", ["keras_version"] = "2.0.8" },
            ["conv2d_1"] = new H5Group
            {
                Attributes = new() { ["weight_names"] = new[] { "conv2d_1/kernel", "conv2d_1/bias" } },
                ["conv2d_1"] = new H5Group { ["kernel"] = new H5Dataset(kernel, fileDims: [2, 3, 1, 1]), ["bias"] = new float[] { 0.5f } },
            },
        }.Write(path);
        model.LoadWeights(path);
        // Both spatial axes reversed: rows [6 5 4], [3 2 1].
        CollectionAssert.AreEqual(new float[] { 6, 5, 4, 3, 2, 1 }, model.GetLayer("conv2d_1").Weights[0].ToHost().ToArray<float>());

        // The same file saying tensorflow leaves the kernel as it is.
        var tf = Path.Combine(_folder, "tf.h5");
        new H5File
        {
            Attributes = new() { ["layer_names"] = new[] { "conv2d_1" }, ["backend"] = "tensorflow", ["keras_version"] = "2.0.8" },
            ["conv2d_1"] = new H5Group
            {
                Attributes = new() { ["weight_names"] = new[] { "conv2d_1/kernel:0", "conv2d_1/bias:0" } },
                ["conv2d_1"] = new H5Group { ["kernel:0"] = new H5Dataset(kernel, fileDims: [2, 3, 1, 1]), ["bias:0"] = new float[] { 0.5f } },
            },
        }.Write(tf);
        model.LoadWeights(tf);
        CollectionAssert.AreEqual(kernel, model.GetLayer("conv2d_1").Weights[0].ToHost().ToArray<float>());
    }

    [TestMethod]
    public void HostArrayRearrangementsMatchNaiveLoops()
    {
        var data = Enumerable.Range(0, 24).Select(v => (float)v).ToArray();
        var a = HostArray.Create(data, 2, 3, 4);
        var t = HostArrayMath.Transpose(a, 2, 0, 1).ToArray<float>();
        var f = HostArrayMath.Flip(a, 0, 2).ToArray<float>();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++)
                {
                    Assert.AreEqual(data[i * 12 + j * 4 + k], t[k * 6 + i * 3 + j]);
                    Assert.AreEqual(data[(1 - i) * 12 + j * 4 + (3 - k)], f[i * 12 + j * 4 + k]);
                }
        var c = HostArrayMath.ConcatLast([HostArray.Create([1f, 2f, 3f, 4f], 2, 2), HostArray.Create([9f, 8f], 2, 1)]);
        CollectionAssert.AreEqual(new long[] { 2, 3 }, c.Shape);
        CollectionAssert.AreEqual(new float[] { 1, 2, 9, 3, 4, 8 }, c.ToArray<float>());
    }

    [TestMethod]
    public void Keras2FunctionalNestedListNodesWithASharedLayerAndAModelClass()
    {
        var json = """
            {"class_name": "Model", "keras_version": "2.2.4", "backend": "tensorflow", "config": {"name": "m", "layers": [
              {"name": "x1", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], "dtype": "float32", "sparse": false, "name": "x1"}, "inbound_nodes": []},
              {"name": "x2", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], "dtype": "float32", "sparse": false, "name": "x2"}, "inbound_nodes": []},
              {"name": "shared", "class_name": "Dense", "config": {"name": "shared", "units": 2, "activation": "linear", "use_bias": false,
                 "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": null}}},
               "inbound_nodes": [[["x1", 0, 0, {}]], [["x2", 0, 0, {}]]]},
              {"name": "sub", "class_name": "Subtract", "config": {"name": "sub"}, "inbound_nodes": [[["shared", 0, 0, {}], ["shared", 1, 0, {}]]]}],
             "input_layers": [["x1", 0, 0], ["x2", 0, 0]], "output_layers": [["sub", 0, 0]]}}
            """;
        using var model = Model.FromJson(json);
        Assert.AreEqual(2, model.Inputs.Count);
        var shared = model.GetLayer("shared");
        shared.Weights[0].Assign(HostArray.Create([1f, 0f, 0f, 1f, 1f, 1f], 3, 2));
        var y = TestUtil.Flat(model.PredictOutputs(new List<object> { new float[,] { { 1, 2, 3 } }, new float[,] { { 0, 1, 1 } } })[0]);
        // shared(x) = [x0 + x2, x1 + x2]: (4, 5) - (1, 2) = (3, 3).
        CollectionAssert.AreEqual(new float[] { 3, 3 }, y);
    }
}
