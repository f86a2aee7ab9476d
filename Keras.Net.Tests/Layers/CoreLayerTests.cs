using Keras.Layers;
using Keras.Models;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Layers;

[TestClass]
public class CoreLayerTests
{
    [TestMethod]
    public void DropoutIsActiveOnlyInTraining()
    {
        var dropout = new Dropout(0.5, seed: 3);
        using var x = Ops.Ones(new Shape(1000));
        using var inference = dropout.Apply(x, training: false);
        Assert.IsTrue(inference.ToArray<float>().All(v => v == 1f), "inference is the identity");
        using var train = dropout.Apply(x, training: true);
        var values = train.ToArray<float>();
        int zeros = values.Count(v => v == 0f);
        Assert.IsTrue(zeros is > 400 and < 600, $"about half dropped, got {zeros}");
        Assert.IsTrue(values.Where(v => v != 0f).All(v => Math.Abs(v - 2f) < 1e-6), "kept values scaled by 1/(1-rate)");
        Assert.IsFalse(values.SequenceEqual(dropout.Apply(x, training: true).ToArray<float>()), "a new mask every call");
    }

    [TestMethod]
    public void DropoutNoiseShapeDropsWholeFeatures()
    {
        var dropout = new Dropout(0.5, seed: 9, noiseShape: new Shape(-1, 1, 6));
        using var x = Ops.Ones(new Shape(4, 5, 6));
        var y = dropout.Apply(x, training: true).ToArray<float>();
        for (int b = 0; b < 4; b++)
        for (int f = 0; f < 6; f++)
        {
            var column = Enumerable.Range(0, 5).Select(t => y[(b * 5 + t) * 6 + f]).ToArray();
            Assert.IsTrue(column.All(v => v == column[0]) && (column[0] == 0f || column[0] == 2f), "one draw per (batch, feature) shared by all steps");
        }
        Assert.IsTrue(y.Contains(0f) && y.Contains(2f));
        var config = dropout.GetConfig();
        Assert.AreEqual("[null,1,6]", config["noise_shape"]!.ToJsonString());
        Assert.AreEqual(config.ToJsonString(), Dropout.FromConfig(config).GetConfig().ToJsonString());
    }

    [TestMethod]
    public void DropoutRateIsValidated()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Dropout(1.5));
        StringAssert.Contains(e.Message, "rate");
    }

    [TestMethod]
    public void FlattenKeepsTheBatchAxis()
    {
        var flatten = new Flatten();
        using var x = Ops.Constant(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), new Shape(2, 3, 4));
        using var y = flatten.Apply(x);
        Assert.AreEqual(new Shape(2, 12), y.Shape);
        CollectionAssert.AreEqual(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), y.ToArray<float>());
        Assert.AreEqual(new Shape(-1, 12), flatten.ComputeOutputShape(new Shape(-1, 3, 4)));
    }

    [TestMethod]
    public void FlattenChannelsFirstMovesChannelsLast()
    {
        var flatten = new Flatten(dataFormat: "channels_first");
        // (batch 1, channels 2, width 2): channels-last order interleaves the channels.
        using var x = Ops.Constant([1f, 2f, 3f, 4f], new Shape(1, 2, 2));
        using var y = flatten.Apply(x);
        CollectionAssert.AreEqual(new[] { 1f, 3f, 2f, 4f }, y.ToArray<float>());
    }

    [TestMethod]
    public void ActivationLayerAppliesTheNamedFunction()
    {
        using var x = Ops.Constant([-2f, 0f, 3f], new Shape(3));
        using var y = new Activation("relu").Apply(x);
        CollectionAssert.AreEqual(new[] { 0f, 0f, 3f }, y.ToArray<float>());
        Assert.ThrowsExactly<ArgumentException>(() => new Activation("no_such_activation"));
    }

    [TestMethod]
    public void TimeDistributedAppliesAModelToEveryStep()
    {
        Utils.SetRandomSeed(5);
        var inputs = Input(shape: 6);
        var hidden = new Dense(4, activation: "relu").Apply(inputs);
        var outputs = new Dense(3, activation: "softmax").Apply(hidden);
        var classifier = new Model(inputs, outputs);

        var sequence = Input(shape: (5, 6));
        var processed = new TimeDistributed(classifier).Apply(sequence);
        Assert.AreEqual(new Shape(-1, 5, 3), processed.Shape);
        var video = new Model(sequence, processed);

        var data = TestUtil.RandomFloats(2 * 5 * 6, 9);
        var perStep = video.Predict(new NumSharp.NDArray(data, new NumSharp.Shape(2, 5, 6)));
        CollectionAssert.AreEqual(new[] { 2, 5, 3 }, TestUtil.Dims(perStep));
        // Each step equals the classifier applied to that step alone.
        var single = classifier.Predict(new NumSharp.NDArray(data, new NumSharp.Shape(10, 6)));
        TestUtil.AssertClose(TestUtil.Flat(single), TestUtil.Flat(perStep), 1e-6, "time-distributed vs per-step");
        Assert.AreEqual(classifier.CountParams(), video.CountParams(), "weights are the classifier's, shared across steps");
    }
}
