using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Models;
using Keras.Saving;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Layers.Rnn;

/// <summary>Recurrent layers in models, their configs, weight names and argument checks.</summary>
[TestClass]
public class RnnModelTests
{
    [TestMethod]
    public void SequentialLstmTrainsWithFit()
    {
        Utils.SetRandomSeed(3);
        // Target: the mean of the first feature over the sequence (needs memory across steps).
        const int n = 96, time = 6, features = 2;
        var data = TestUtil.RandomFloats(n * time * features, 60);
        var x = new float[n, time, features];
        var y = new float[n, 1];
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int t = 0; t < time; t++)
            {
                for (int f = 0; f < features; f++) x[i, t, f] = data[(i * time + t) * features + f];
                sum += x[i, t, 0];
            }
            y[i, 0] = (float)(sum / time);
        }
        var model = new Sequential([
            new LSTM(8, returnSequences: true, inputShape: new Shape(time, features)),
            new GRU(6, resetAfter: false),
            new Dense(1),
        ]);
        model.Compile(optimizer: new Keras.Optimizers.Adam(0.02), loss: "mse");
        var history = model.Fit(x, y, batchSize: 16, epochs: 8, verbose: 0);
        var loss = history["loss"];
        Assert.IsTrue(loss[^1] < loss[0] * 0.5, $"loss fell from {loss[0]} to {loss[^1]}");
    }

    [TestMethod]
    public void FunctionalModelWithStatesAndBidirectional()
    {
        var input = Input(new Shape(5, 3));
        var outs = new LSTM(4, returnSequences: true, returnState: true).Apply(new Tensors(input));
        Assert.AreEqual(3, outs.Count);
        Assert.AreEqual(new Shape(Shape.Unknown, 5, 4), outs[0].Shape);
        Assert.AreEqual(new Shape(Shape.Unknown, 4), outs[2].Shape);
        var e = Assert.ThrowsExactly<ArgumentException>(() => new Bidirectional(new GRU(2), mergeMode: null).Apply(new Tensors(outs[0], outs[1], outs[1])));
        StringAssert.Contains(e.Message, "initial state");
        var bi = new Bidirectional(new GRU(4, returnState: true), mergeMode: null).Apply(new Tensors(outs[0], outs[1], outs[1]));
        Assert.AreEqual(4, bi.Count, "forward output, backward output, forward h, backward h");
        var model = new Model(new Tensors(input), new Tensors(bi[0], bi[1], outs[2]));
        using var scope = Ops.Scope();
        var xs = TestUtil.RandomMatrix(2, 15, 61);
        var predictions = model.PredictOutputs(Ops.Constant(xs.Cast<float>().ToArray(), new Shape(2, 5, 3)));
        Assert.AreEqual(3, predictions.Length);
        CollectionAssert.AreEqual(new[] { 2, 4 }, TestUtil.Dims(predictions[1]));
    }

    [TestMethod]
    public void WeightNamesAndPathsFollowKeras()
    {
        var lstm = new LSTM(2, name: "enc");
        lstm.EnsureBuilt([new Shape(1, 3, 4)]);
        CollectionAssert.AreEqual(new[] { "enc/lstm_cell/kernel", "enc/lstm_cell/recurrent_kernel", "enc/lstm_cell/bias" }, lstm.Weights.Select(w => w.Path).ToArray());
        // unit_forget_bias: [0…0, 1…1, 0…0, 0…0]
        CollectionAssert.AreEqual(new float[] { 0, 0, 1, 1, 0, 0, 0, 0 }, lstm.Cell.Bias!.ToHost().ToArray<float>());

        var bi = new Bidirectional(new GRU(2, name: "gru_x"), name: "bigru");
        bi.EnsureBuilt([new Shape(1, 3, 4)]);
        Assert.AreEqual("forward_gru_x", bi.ForwardLayer.Name);
        Assert.AreEqual("backward_gru_x", bi.BackwardLayer.Name);
        Assert.IsTrue(bi.BackwardLayer.GoBackwards);
        CollectionAssert.AreEqual(new[]
        {
            "bigru/forward_gru_x/gru_cell/kernel", "bigru/forward_gru_x/gru_cell/recurrent_kernel", "bigru/forward_gru_x/gru_cell/bias",
            "bigru/backward_gru_x/gru_cell/kernel", "bigru/backward_gru_x/gru_cell/recurrent_kernel", "bigru/backward_gru_x/gru_cell/bias",
        }, bi.Weights.Select(w => w.Path).ToArray());

        var simple = new SimpleRNN(2);
        Assert.AreEqual("simple_rnn_cell", simple.Cell.Name);
        var orthogonal = new LSTM(3).Cell.RecurrentInitializer;
        Assert.IsInstanceOfType<Keras.Initializers.Orthogonal>(orthogonal, "recurrent default is orthogonal");
    }

    [TestMethod]
    public void KerasConfigsLoad()
    {
        // A Bidirectional GRU as Keras 3.15 writes it (from the rnn_gru_bidir fixture, initializers trimmed).
        var json = """
        {"name": "bigru", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
         "merge_mode": "concat",
         "layer": {"module": "keras.layers", "class_name": "GRU", "config": {"name": "forward_gru", "trainable": true, "dtype": "float32",
            "return_sequences": true, "return_state": false, "go_backwards": false, "stateful": false, "unroll": false, "zero_output_for_mask": true,
            "units": 16, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true,
            "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null, "activity_regularizer": null,
            "kernel_constraint": null, "recurrent_constraint": null, "bias_constraint": null,
            "dropout": 0.0, "recurrent_dropout": 0.0, "reset_after": true, "seed": null}, "registered_name": null},
         "backward_layer": {"module": "keras.layers", "class_name": "GRU", "config": {"name": "backward_gru", "trainable": true, "dtype": "float32",
            "return_sequences": true, "return_state": false, "go_backwards": true, "stateful": false, "unroll": false, "zero_output_for_mask": true,
            "units": 16, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true,
            "dropout": 0.0, "recurrent_dropout": 0.0, "reset_after": true, "seed": null}, "registered_name": null}}
        """;
        var bi = (Bidirectional)KerasObjects.Layer("Bidirectional", JsonNode.Parse(json)!.AsObject());
        Assert.AreEqual("forward_gru", bi.ForwardLayer.Name);
        Assert.AreEqual("backward_gru", bi.BackwardLayer.Name);
        Assert.AreEqual("concat", bi.MergeMode);
        Assert.IsTrue(bi.ForwardLayer.ZeroOutputForMask);
        Assert.AreEqual(16, ((GRU)bi.ForwardLayer).Units);
        Assert.IsTrue(((GRU)bi.BackwardLayer).ResetAfter);

        // Generic RNN with a stacked cell, as Keras serializes RNN([cells]).
        var rnnJson = """
        {"name": "rnn", "return_sequences": false, "return_state": true,
         "cell": {"class_name": "StackedRNNCells", "config": {"name": "stacked_rnn_cells",
            "cells": [{"class_name": "LSTMCell", "config": {"units": 3}}, {"class_name": "SimpleRNNCell", "config": {"units": 2, "activation": "relu"}}]}}}
        """;
        var rnn = (RNN)KerasObjects.Layer("RNN", JsonNode.Parse(rnnJson)!.AsObject());
        CollectionAssert.AreEqual(new[] { 3, 3, 2 }, rnn.StateSize.ToArray());
        Assert.AreEqual("relu", ((SimpleRNNCell)((StackedRNNCells)rnn.Cell).Cells[1]).Activation.Name);

        // A Keras 3 regularizer config reaches the cell.
        var withRegularizer = JsonNode.Parse("""{"units": 2, "kernel_regularizer": {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_name": null}}""")!.AsObject();
        var regularized = LSTM.FromConfig(withRegularizer);
        Assert.AreEqual(0.01, ((Keras.Regularizers.L2)regularized.Cell.KernelRegularizer!).Factor, 1e-12);
    }

    [TestMethod]
    public void LstmConfigHasKerasKeysInKerasOrder()
    {
        var keys = new LSTM(3).GetConfig().Select(p => p.Key).ToArray();
        CollectionAssert.AreEqual(new[]
        {
            "name", "trainable", "dtype", "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask",
            "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
            "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
            "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed",
        }, keys);
    }

    [TestMethod]
    public void BadArgumentsAreRejectedWithClearMessages()
    {
        var e1 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LSTM(0));
        StringAssert.Contains(e1.Message, "units");
        var e2 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GRU(2, dropout: 1.5));
        StringAssert.Contains(e2.Message, "dropout");
        var e3 = Assert.ThrowsExactly<ArgumentException>(() => new Bidirectional(new LSTM(2), mergeMode: "max"));
        StringAssert.Contains(e3.Message, "merge mode");
        var e4 = Assert.ThrowsExactly<ArgumentException>(() => new Bidirectional(new Dense(2)));
        StringAssert.Contains(e4.Message, "recurrent");
        var e5 = Assert.ThrowsExactly<ArgumentException>(() => new RNN(new Dense(2)));
        StringAssert.Contains(e5.Message, "IRnnCell");
        var e6 = Assert.ThrowsExactly<ArgumentException>(() => new Bidirectional(new LSTM(2), backwardLayer: new LSTM(2)));
        StringAssert.Contains(e6.Message, "go_backwards");

        using var scope = Ops.Scope();
        var lstm = new LSTM(2, name: "probe");
        var e7 = Assert.ThrowsExactly<ArgumentException>(() => lstm.Apply(Ops.Ones(new Shape(2, 3))));
        StringAssert.Contains(e7.Message, "\"probe\"");
        StringAssert.Contains(e7.Message, "(2, 3)");
        lstm.Apply(Ops.Ones(new Shape(2, 3, 4)));
        var e8 = Assert.ThrowsExactly<ArgumentException>(() => lstm.Apply(Ops.Ones(new Shape(2, 3, 5))));
        StringAssert.Contains(e8.Message, "(2, 3, 5)");
        var e9 = Assert.ThrowsExactly<ArgumentException>(() => lstm.Apply(Ops.Ones(new Shape(2, 3, 4)), [Ops.Ones(new Shape(2, 2))]));
        StringAssert.Contains(e9.Message, "state");
        var e10 = Assert.ThrowsExactly<ArgumentException>(() => new LSTM(2, unroll: true).Apply(Input(new Shape(Shape.Unknown, 4))));
        StringAssert.Contains(e10.Message, "unroll");
    }
}
