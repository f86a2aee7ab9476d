using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Saving;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Layers.Convolution;

/// <summary>ConvLSTM1D/2D/3D against a step-by-step loop reference of Keras's ConvLSTMCell.</summary>
[TestClass]
public class ConvLSTMTests
{
    /// <summary>The last axis of <paramref name="a"/> from <paramref name="start"/>, <paramref name="count"/> entries.</summary>
    private static Arr SliceLast(Arr a, int start, int count)
    {
        int last = a.Shape[^1];
        var shape = a.Shape.ToArray();
        shape[^1] = count;
        var data = new float[a.Size / last * count];
        for (int i = 0; i < a.Size / last; i++) Array.Copy(a.Data, i * last + start, data, i * count, count);
        return new Arr(data, shape);
    }

    private static float Sigmoid(float v) => 1f / (1f + MathF.Exp(-v));

    /// <summary>
    /// Keras's ConvLSTMCell step by step (channels_last): four input convolutions with the kernel's
    /// gate slices (+ bias), four 'same' recurrent convolutions, gates i, f, c, o.
    /// Returns the per-step outputs (processing order) and the final h and c.
    /// </summary>
    private static (List<Arr> Outputs, Arr H, Arr C) Reference(BaseConvLSTM layer, Arr x, bool[,]? mask = null, Arr? h0 = null, Arr? c0 = null)
    {
        int rank = layer.ConvRank, f = layer.Filters;
        int batch = x.Shape[0], time = x.Shape[1];
        var kernel = Arr.Of(layer.Kernel!);
        var recurrent = Arr.Of(layer.RecurrentKernel!);
        var bias = layer.Bias is null ? null : Arr.Of(layer.Bias);
        var ones = Enumerable.Repeat(1, rank).ToArray();
        Arr StepInput(int t)
        {
            int stepSize = x.Size / batch / time;
            var data = new float[batch * stepSize];
            for (int n = 0; n < batch; n++) Array.Copy(x.Data, (n * time + t) * stepSize, data, n * stepSize, stepSize);
            return new Arr(data, [batch, .. x.Shape[2..]]);
        }
        Arr? h = h0, c = c0, previous = null;
        var outputs = new List<Arr>();
        for (int s = 0; s < time; s++)
        {
            int t = layer.GoBackwards ? time - 1 - s : s;
            var xt = StepInput(t);
            var gates = new Arr[4];
            for (int g = 0; g < 4; g++)
            {
                var xg = NaiveConv.Conv(xt, SliceLast(kernel, g * f, f), [.. layer.Strides], [.. layer.DilationRate], layer.Padding,
                    bias is null ? null : new Arr(bias.Data[(g * f)..((g + 1) * f)], [f]));
                h ??= new Arr(new float[xg.Size], xg.Shape);
                c ??= new Arr(new float[xg.Size], xg.Shape);
                var hg = NaiveConv.Conv(h, SliceLast(recurrent, g * f, f), ones, ones, "same");
                gates[g] = new Arr(xg.Data.Zip(hg.Data, (a, b) => a + b).ToArray(), xg.Shape);
            }
            var cNew = new float[c!.Size];
            var hNew = new float[c.Size];
            for (int j = 0; j < cNew.Length; j++)
            {
                float i = Sigmoid(gates[0].Data[j]), fg = Sigmoid(gates[1].Data[j]), o = Sigmoid(gates[3].Data[j]);
                cNew[j] = fg * c.Data[j] + i * MathF.Tanh(gates[2].Data[j]);
                hNew[j] = o * MathF.Tanh(cNew[j]);
            }
            var output = new float[c.Size];
            int per = c.Size / batch;
            previous ??= new Arr(new float[c.Size], c.Shape);
            var hData = (float[])h!.Data.Clone();
            var cData = (float[])c.Data.Clone();
            for (int j = 0; j < output.Length; j++)
            {
                bool keep = mask is null || mask[j / per, t];
                output[j] = keep ? hNew[j] : previous.Data[j];
                if (keep)
                {
                    hData[j] = hNew[j];
                    cData[j] = cNew[j];
                }
            }
            h = new Arr(hData, c.Shape);
            c = new Arr(cData, c.Shape);
            previous = new Arr(output, c.Shape);
            outputs.Add(previous);
        }
        return (outputs, h!, c!);
    }

    private static void Randomize(BaseConvLSTM layer, int seed)
    {
        foreach (var w in layer.Weights) w.Assign(Ops.RandomNormal(w.Shape, 0, 0.4, seed++));
    }

    private static float[] Concat(IEnumerable<Arr> arrs, int batch)
    {
        // Stack per-step (batch, …) arrays into (batch, time, …).
        var list = arrs.ToList();
        int per = list[0].Size / batch;
        var data = new float[list.Count * list[0].Size];
        for (int t = 0; t < list.Count; t++)
        for (int n = 0; n < batch; n++)
            Array.Copy(list[t].Data, n * per, data, (n * list.Count + t) * per, per);
        return data;
    }

    [TestMethod]
    public void ConvLSTM2DSequencesMatchTheLoopReference()
    {
        var layer = new ConvLSTM2D(3, (3, 2), padding: "same", returnSequences: true);
        var x = Arr.Random([2, 4, 5, 4, 2], 1);
        layer.EnsureBuilt([new Shape(x.Shape)]);
        Randomize(layer, 10);
        var y = layer.Apply(x.ToTensor());
        var (outputs, _, _) = Reference(layer, x);
        Assert.AreEqual(new Shape(2, 4, 5, 4, 3), y.Shape);
        TestUtil.AssertClose(Concat(outputs, 2), y.ToArray<float>(), 1e-4, "sequence");
    }

    [TestMethod]
    public void ConvLSTM1DStridedBackwardsWithStateMatchesTheLoopReference()
    {
        var layer = new ConvLSTM1D(4, 3, strides: 2, goBackwards: true, returnState: true);
        var x = Arr.Random([3, 5, 9, 2], 2);
        layer.EnsureBuilt([new Shape(x.Shape)]);
        Randomize(layer, 20);
        var result = layer.Apply(new Tensors(x.ToTensor()));
        var (outputs, h, c) = Reference(layer, x);
        Assert.AreEqual(3, result.Count);
        Assert.AreEqual(new Shape(3, 4, 4), result[0].Shape);
        TestUtil.AssertClose(outputs[^1].Data, result[0].ToArray<float>(), 1e-4, "last output");
        TestUtil.AssertClose(h.Data, result[1].ToArray<float>(), 1e-4, "h");
        TestUtil.AssertClose(c.Data, result[2].ToArray<float>(), 1e-4, "c");
    }

    [TestMethod]
    public void ConvLSTM2DChannelsFirstWithDilationMatchesTheLoopReference()
    {
        var layer = new ConvLSTM2D(2, 2, dataFormat: "channels_first", dilationRate: 2, returnSequences: true);
        var xFirst = Arr.Random([2, 3, 2, 6, 5], 3);           // (batch, time, channels, rows, cols)
        layer.EnsureBuilt([new Shape(xFirst.Shape)]);
        Randomize(layer, 30);
        var y = Arr.Of(layer.Apply(xFirst.ToTensor()));
        var xLast = xFirst.Transpose(0, 1, 3, 4, 2);
        var channelsLastTwin = new ConvLSTM2D(2, 2, dilationRate: 2, returnSequences: true);
        channelsLastTwin.EnsureBuilt([new Shape(xLast.Shape)]);
        for (int i = 0; i < 3; i++) channelsLastTwin.Weights[i].Assign(layer.Weights[i].Value);
        var (outputs, _, _) = Reference(channelsLastTwin, xLast);
        var expected = new Arr(Concat(outputs, 2), [2, 3, 4, 3, 2]).Transpose(0, 1, 4, 2, 3);
        CollectionAssert.AreEqual(expected.Shape, y.Shape);
        TestUtil.AssertClose(expected.Data, y.Data, 1e-4, "channels_first");
    }

    [TestMethod]
    public void MaskedStepsCarryTheStateOver()
    {
        var layer = new ConvLSTM1D(2, 2, padding: "same", returnSequences: true, returnState: true);
        var x = Arr.Random([2, 4, 3, 1], 4);
        layer.EnsureBuilt([new Shape(x.Shape)]);
        Randomize(layer, 40);
        var mask = new bool[,] { { true, false, true, true }, { false, true, true, false } };
        var maskTensor = Ops.Cast(Ops.Constant([1, 0, 1, 1, 0, 1, 1, 0], new Shape(2, 4)), DType.Bool);
        var result = layer.Apply(new Tensors(x.ToTensor()), mask: new Tensors(maskTensor));
        var (outputs, h, c) = Reference(layer, x, mask);
        TestUtil.AssertClose(Concat(outputs, 2), result[0].ToArray<float>(), 1e-4, "outputs");
        TestUtil.AssertClose(h.Data, result[1].ToArray<float>(), 1e-4, "h");
        TestUtil.AssertClose(c.Data, result[2].ToArray<float>(), 1e-4, "c");
        Assert.IsNotNull(result[0].KerasMask, "return_sequences passes the mask on");
        // zero_output_for_mask: masked steps output zeros.
        var zero = new ConvLSTM1D(2, 2, padding: "same", returnSequences: true, zeroOutputForMask: true);
        zero.EnsureBuilt([new Shape(x.Shape)]);
        for (int i = 0; i < 3; i++) zero.Weights[i].Assign(layer.Weights[i].Value);
        var z = zero.Apply(new Tensors(x.ToTensor()), mask: new Tensors(maskTensor))[0].ToArray<float>();
        Assert.IsTrue(z.Skip(1 * 3 * 2).Take(3 * 2).All(v => v == 0), "sample 0, step 1 is masked");
    }

    [TestMethod]
    public void InitialStatesCanBeGiven()
    {
        var layer = new ConvLSTM1D(2, 3, padding: "same");
        var x = Arr.Random([1, 3, 4, 2], 5);
        layer.EnsureBuilt([new Shape(x.Shape)]);
        Randomize(layer, 50);
        var h0 = Arr.Random([1, 4, 2], 6);
        var c0 = Arr.Random([1, 4, 2], 7);
        var y = layer.Apply(new Tensors(x.ToTensor(), h0.ToTensor(), c0.ToTensor()))[0];
        var (outputs, _, _) = Reference(layer, x, null, h0, c0);
        TestUtil.AssertClose(outputs[^1].Data, y.ToArray<float>(), 1e-4, "with initial state");
    }

    [TestMethod]
    public void WeightsAndConfigFollowKeras()
    {
        var layer = new ConvLSTM2D(5, (3, 2), padding: "same", returnSequences: true);
        layer.EnsureBuilt([new Shape(-1, -1, 8, 8, 3)]);
        CollectionAssert.AreEqual(new[] { "kernel", "recurrent_kernel", "bias" }, layer.Weights.Select(w => w.Name).ToArray());
        CollectionAssert.AreEqual(new[] { new Shape(3, 2, 3, 20), new Shape(3, 2, 5, 20), new Shape(20) }, layer.Weights.Select(w => w.Shape).ToArray());
        StringAssert.Contains(layer.Kernel!.Path, "/conv_lstm_cell/kernel");
        Assert.AreEqual("conv_lstm_cell", layer.Cell.Name);
        CollectionAssert.AreEqual(layer.Weights.ToArray(), layer.Cell.Weights.ToArray(), "the weights live on the cell");
        layer.Trainable = false;
        Assert.AreEqual(0, layer.TrainableWeights.Count);
        Assert.AreEqual(3, layer.NonTrainableWeights.Count);
        layer.Trainable = true;
        // unit_forget_bias: the forget gate's bias starts at one.
        CollectionAssert.AreEqual(Enumerable.Repeat(0f, 5).Concat(Enumerable.Repeat(1f, 5)).Concat(Enumerable.Repeat(0f, 10)).ToArray(),
            layer.Bias!.ToHost().ToArray<float>());
        Assert.AreEqual(new Shape(-1, 7, 8, 8, 5), new ConvLSTM2D(5, 3, padding: "same", returnSequences: true).Apply(Input(shape: (7, 8, 8, 3))).Shape);
        var states = new ConvLSTM2D(5, 3, strides: 2, returnState: true).ComputeOutputShapes([new Shape(-1, 7, 9, 9, 3)]);
        CollectionAssert.AreEqual(new[] { new Shape(-1, 4, 4, 5), new Shape(-1, 4, 4, 5), new Shape(-1, 4, 4, 5) }, states.ToArray());
        StringAssert.StartsWith(layer.Name, "conv_lstm2d");

        var config = layer.GetConfig();
        Assert.AreEqual("name,trainable,dtype,return_sequences,return_state,go_backwards,stateful,unroll,zero_output_for_mask,filters," +
            "kernel_size,strides,padding,data_format,dilation_rate,activation,recurrent_activation,use_bias,kernel_initializer," +
            "recurrent_initializer,bias_initializer,unit_forget_bias,kernel_regularizer,recurrent_regularizer,bias_regularizer," +
            "activity_regularizer,kernel_constraint,recurrent_constraint,bias_constraint,dropout,recurrent_dropout,seed",
            string.Join(",", config.Select(p => p.Key)));
        StringAssert.StartsWith(config["recurrent_initializer"]!["class_name"]!.GetValue<string>(), "Orthogonal");
        var keras2 = (ConvLSTM2D)KerasObjects.Layer(JsonNode.Parse("""
            {"class_name": "ConvLSTM2D", "config": {"name": "conv_lst_m2d", "trainable": true, "batch_input_shape": [null, null, 10, 10, 1],
             "dtype": "float32", "return_sequences": true, "return_state": false, "go_backwards": false, "stateful": false,
             "unroll": false, "time_major": false, "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
             "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "tanh", "recurrent_activation": "hard_sigmoid",
             "use_bias": true, "unit_forget_bias": true, "dropout": 0.0, "recurrent_dropout": 0.0}}
            """)!.AsObject());
        StringAssert.Contains(keras2.RecurrentActivation.Name, "sigmoid");
        Assert.IsTrue(keras2.ReturnSequences);
        Assert.AreEqual(new Shape(-1, 10, 10, 1), keras2.DeclaredInputShape);
        Assert.ThrowsExactly<NotSupportedException>(() => new ConvLSTM1D(2, 3, stateful: true));
        Assert.ThrowsExactly<ArgumentException>(() => new ConvLSTM1D(2, 3).Apply(Input(shape: (5, -1, 2))));
    }

    [TestMethod]
    public void TheCellComputesOneStep()
    {
        var layer = new ConvLSTM2D(3, 3, padding: "same");
        var x = Arr.Random([2, 1, 4, 4, 2], 9);
        layer.EnsureBuilt([new Shape(x.Shape)]);
        Randomize(layer, 60);
        var h0 = Ops.RandomNormal(new Shape(2, 4, 4, 3), 0, 1, 61);
        var c0 = Ops.RandomNormal(new Shape(2, 4, 4, 3), 0, 1, 62);
        var viaLayer = layer.Apply(new Tensors(x.ToTensor(), h0, c0))[0].ToArray<float>();
        var step = Ops.Reshape(x.ToTensor(), 2, 4, 4, 2);
        var viaCell = layer.Cell.Apply(new Tensors(step, h0, c0));
        Assert.AreEqual(3, viaCell.Count);
        TestUtil.AssertClose(viaLayer, viaCell[0].ToArray<float>(), 1e-5, "one step");
    }

    [TestMethod]
    public void DropoutOnlyInTraining()
    {
        var layer = new ConvLSTM1D(2, 2, dropout: 0.5, recurrentDropout: 0.3, seed: 1, returnSequences: true);
        var x = Arr.Random([2, 3, 5, 2], 8).ToTensor();
        var a = layer.Apply(x, training: false).ToArray<float>();
        var b = layer.Apply(x, training: false).ToArray<float>();
        var t = layer.Apply(x, training: true).ToArray<float>();
        CollectionAssert.AreEqual(a, b);
        CollectionAssert.AreNotEqual(a, t);
    }

    [TestMethod]
    public void ConvLSTM1DHarness() => LayerHarness.Run(() => new ConvLSTM1D(2, 2, padding: "same"),
        new Shape(2, 3, 4, 2), new Shape(2, 4, 2), new Shape(2, 2, 8), new Shape(2, 2, 8), new Shape(8));

    [TestMethod]
    public void ConvLSTM2DHarness() => LayerHarness.Run(() => new ConvLSTM2D(2, 2, returnSequences: true, dataFormat: "channels_first"),
        new Shape(1, 2, 1, 3, 3), new Shape(1, 2, 2, 2, 2), new Shape(2, 2, 1, 8), new Shape(2, 2, 2, 8), new Shape(8));

    [TestMethod]
    public void ConvLSTM3DHarness() => LayerHarness.Run(() => new ConvLSTM3D(1, 2, padding: "same", useBias: false),
        new Shape(1, 2, 2, 2, 2, 1), new Shape(1, 2, 2, 2, 1), new Shape(2, 2, 2, 1, 4), new Shape(2, 2, 2, 1, 4));
}
