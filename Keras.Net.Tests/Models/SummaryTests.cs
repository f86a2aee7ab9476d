using Keras.Layers;
using Keras.Models;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Models;

[TestClass]
public class SummaryTests
{
    [TestMethod]
    public void ParamCountsMatchKeras()
    {
        var model = new Sequential([new Dense(64, activation: "relu", inputShape: 100), new Dense(10, activation: "softmax")], name: "seq_summary");
        Assert.AreEqual(6464, model.Layers[0].CountParams());
        Assert.AreEqual(650, model.Layers[1].CountParams());
        Assert.AreEqual(7114, model.CountParams());
        var text = model.SummaryText();
        StringAssert.Contains(text, "Model: \"seq_summary\"");
        StringAssert.Contains(text, "Layer (type)");
        StringAssert.Contains(text, "Output Shape");
        StringAssert.Contains(text, "(None, 64)");
        StringAssert.Contains(text, "6,464");
        StringAssert.Contains(text, "Total params: 7,114 (27.79 KB)");
        StringAssert.Contains(text, "Trainable params: 7,114 (27.79 KB)");
        StringAssert.Contains(text, "Non-trainable params: 0 (0.00 B)");
    }

    [TestMethod]
    public void FunctionalSummaryShowsConnections()
    {
        // Keras's MNIST MLP: 784-64-64-10 has 55,050 parameters.
        var inputs = Input(shape: 784, name: "img");
        var x = new Dense(64, activation: "relu").Apply(inputs);
        x = new Dense(64, activation: "relu").Apply(x);
        var outputs = new Dense(10).Apply(x);
        var model = new Model(inputs, outputs, name: "mnist_model");
        Assert.AreEqual(55050, model.CountParams());
        var a = Input(shape: 4, name: "a");
        var b = Input(shape: 4, name: "b");
        var shared = new Dense(2);
        var two = new Model(new Tensors(a, b), new Tensors(shared.Apply(a), shared.Apply(b)), name: "two");
        var text = two.SummaryText();
        StringAssert.Contains(text, "Connected to");
        StringAssert.Contains(text, "a[0][0]");
        StringAssert.Contains(text, "b[0][0]");
    }

    [TestMethod]
    public void UnbuiltSequentialSaysSo()
    {
        var model = new Sequential([new Dense(3), new Dense(1)]);
        StringAssert.Contains(model.SummaryText(), "unbuilt");
        Assert.ThrowsExactly<InvalidOperationException>(() => model.CountParams());
    }
}
