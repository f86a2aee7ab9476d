using Keras.Layers;
using Keras.Models;
using NumSharp;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Models;

[TestClass]
public class FunctionalTests
{
    [TestMethod]
    public void SequentialAndFunctionalGiveIdenticalOutputsWithTheSameWeights()
    {
        Utils.SetRandomSeed(2);
        var sequential = new Sequential([new Dense(32, activation: "relu", inputShape: 20), new Dense(8), new Activation("softmax")]);

        var inputs = Input(shape: 20);
        var x = new Dense(32, activation: "relu").Apply(inputs);
        x = new Dense(8).Apply(x);
        var outputs = new Activation("softmax").Apply(x);
        var functional = new Model(inputs, outputs);

        functional.SetWeights(sequential.GetWeights());
        var data = new NDArray(TestUtil.RandomFloats(16 * 20, 4), new NumSharp.Shape(16, 20));
        CollectionAssert.AreEqual(TestUtil.Flat(sequential.Predict(data)), TestUtil.Flat(functional.Predict(data)));
    }

    [TestMethod]
    public void SharedLayerUsesOneSetOfWeights()
    {
        var shared = new Dense(4, name: "shared_dense");
        var a = Input(shape: 3, name: "a");
        var b = Input(shape: 3, name: "b");
        var ya = shared.Apply(a);
        var yb = shared.Apply(b);
        var model = new Model(new Tensors(a, b), new Tensors(ya, yb));
        Assert.AreEqual(2, model.Weights.Count, "kernel and bias once");
        Assert.AreEqual(2, shared.InboundNodes.Count);

        var x = new NDArray(TestUtil.RandomFloats(6, 1), new NumSharp.Shape(2, 3));
        var outs = model.PredictOutputs(new[] { x, x });
        CollectionAssert.AreEqual(TestUtil.Flat(outs[0]), TestUtil.Flat(outs[1]), "same input, same weights, same output");

        // Changing the one kernel changes both branches.
        shared.Kernel!.Assign(Ops.Zeros(shared.Kernel.Shape));
        outs = model.PredictOutputs(new[] { x, x });
        Assert.IsTrue(TestUtil.Flat(outs[0]).All(v => v == 0f) && TestUtil.Flat(outs[1]).All(v => v == 0f));
    }

    [TestMethod]
    public void MultiInputMultiOutputDagTrains()
    {
        Utils.SetRandomSeed(3);
        var left = Input(shape: 4, name: "left");
        var right = Input(shape: 4, name: "right");
        var shared = new Dense(8, activation: "relu");
        var l = shared.Apply(left);
        var r = shared.Apply(right);
        var merged = new Dense(8, activation: "relu").Apply(new Flatten().Apply(l));
        var regression = new Dense(1, name: "regression").Apply(merged);
        var classes = new Dense(3, activation: "softmax", name: "classes").Apply(r);
        var model = new Model(new Tensors(left, right), new Tensors(regression, classes));
        CollectionAssert.AreEqual(new[] { "regression", "classes" }, model.OutputNames.ToArray());

        model.Compile("adam", new Keras.Losses.Loss[] { "mse", "sparse_categorical_crossentropy" }, metrics: ["accuracy"], lossWeights: [1.0, 0.5]);
        var xl = TestUtil.RandomMatrix(64, 4, 1);
        var xr = TestUtil.RandomMatrix(64, 4, 2);
        var yReg = new float[64];
        var yCls = new int[64];
        for (int i = 0; i < 64; i++)
        {
            yReg[i] = xl[i, 0] + xl[i, 1];
            yCls[i] = xr[i, 0] > 0 ? 1 : 0;
        }
        var history = model.Fit(new object[] { xl, xr }, new object[] { yReg, yCls }, epochs: 3, batchSize: 16, verbose: 0);
        foreach (var key in new[] { "loss", "regression_loss", "classes_loss", "classes_accuracy" })
            Assert.IsTrue(history.HistoryData.ContainsKey(key), $"history has {key}; keys: {string.Join(", ", history.HistoryData.Keys)}");

        var byName = model.PredictOutputs(new Dictionary<string, object> { ["left"] = xl, ["right"] = xr });
        CollectionAssert.AreEqual(new[] { 64, 1 }, TestUtil.Dims(byName[0]));
        CollectionAssert.AreEqual(new[] { 64, 3 }, TestUtil.Dims(byName[1]));
    }

    [TestMethod]
    public void ModelUsedAsALayerSharesItsWeights()
    {
        var inner = new Sequential([new Dense(5, inputShape: 3)]);
        var x = Input(shape: 3);
        var y = inner.Apply(x);
        var outer = new Model(x, new Dense(2).Apply(y));
        Assert.AreEqual(inner.CountParams() + 12, outer.CountParams());
        Assert.AreSame(inner, outer.Layers[1]);
        var data = new NDArray(TestUtil.RandomFloats(6, 3), new NumSharp.Shape(2, 3));
        Assert.AreEqual(2, TestUtil.Dims(outer.Predict(data))[1]);
    }

    [TestMethod]
    public void DisconnectedGraphIsRejected()
    {
        var a = Input(shape: 2);
        var b = Input(shape: 2);
        var y = new Dense(1).Apply(b);
        var e = Assert.ThrowsExactly<ArgumentException>(() => new Model(a, y));
        StringAssert.Contains(e.Message, "Graph disconnected");
    }

    [TestMethod]
    public void LayersInputsOutputsAndGetLayer()
    {
        var inputs = Input(shape: 784);
        var x = new Dense(64, activation: "relu", name: "hidden").Apply(inputs);
        var outputs = new Dense(10, activation: "softmax", name: "out").Apply(x);
        var model = new Model(inputs, outputs);
        Assert.AreEqual(3, model.Layers.Count);
        Assert.IsInstanceOfType<InputLayer>(model.Layers[0]);
        Assert.AreEqual("hidden", model.GetLayer(1).Name);
        Assert.AreEqual(10, ((Dense)model.GetLayer("out")).Units);
        Assert.AreEqual(new Shape(-1, 784), model.Inputs[0].Shape);
        Assert.AreEqual(new Shape(-1, 10), model.Outputs[0].Shape);
        var e = Assert.ThrowsExactly<ArgumentException>(() => model.GetLayer("nope"));
        StringAssert.Contains(e.Message, "hidden");
    }
}
