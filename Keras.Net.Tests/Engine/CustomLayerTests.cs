using Keras.Layers;
using Keras.Models;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Engine;

[TestClass]
public class CustomLayerTests
{
    /// <summary>The README's custom layer: a learned per-feature scale.</summary>
    private sealed class Scale : Layer
    {
        private Variable? _factor;

        public Variable Factor => _factor!;

        public int BuildCount { get; private set; }

        public override void Build(Shape inputShape)
        {
            BuildCount++;
            _factor = AddWeight("factor", new Shape(inputShape[-1]), initializer: "ones");
        }

        protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) => Ops.Multiply(inputs, _factor!);
    }

    [TestMethod]
    public void BuildRunsOnceFromTheFirstInputShape()
    {
        var layer = new Scale();
        Assert.IsFalse(layer.Built);
        using var x = Ops.Constant([1f, 2f, 3f, 4f, 5f, 6f], new Shape(2, 3));
        using var y = layer.Apply(x);
        layer.Apply(x).Dispose();
        Assert.AreEqual(1, layer.BuildCount);
        Assert.AreEqual(new Shape(3), layer.Factor.Shape);
        Assert.AreEqual("scale/factor", layer.Factor.Path);
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, y.ToArray<float>());
    }

    [TestMethod]
    public void OutputShapeIsInferredWithoutAnOverride()
    {
        var inputs = Input(shape: (5, 3));
        var y = new Scale().Apply(inputs);
        Assert.AreEqual(new Shape(-1, 5, 3), y.Shape);
        Assert.AreEqual(DType.Float32, y.DType);
    }

    [TestMethod]
    public void CustomWeightsAreTrained()
    {
        Utils.SetRandomSeed(3);
        var scale = new Scale();
        var model = new Sequential([new InputLayer(2), scale]);
        model.Compile(optimizer: new Keras.Optimizers.SGD(0.1), loss: "mse");
        var x = new float[,] { { 1, 1 }, { 2, 2 } };
        var y = new float[,] { { 3, -1 }, { 6, -2 } };
        model.Fit(x, y, epochs: 200, batchSize: 2, verbose: 0);
        var factor = scale.Factor.ToHost().ToArray<float>();
        Assert.AreEqual(3f, factor[0], 1e-3);
        Assert.AreEqual(-1f, factor[1], 1e-3);
    }

    [TestMethod]
    public void FreezingALayerKeepsItsWeights()
    {
        Utils.SetRandomSeed(4);
        var frozen = new Dense(3, inputShape: 2) { Trainable = false };
        var model = new Sequential([frozen, new Dense(1)]);
        Assert.AreEqual(2, model.TrainableWeights.Count);
        Assert.AreEqual(2, model.NonTrainableWeights.Count);
        var before = frozen.Kernel!.ToHost().ToArray<float>();
        model.Compile(optimizer: "adam", loss: "mse");
        model.Fit(TestUtil.RandomMatrix(16, 2, 1), new float[16], epochs: 3, verbose: 0);
        CollectionAssert.AreEqual(before, frozen.Kernel.ToHost().ToArray<float>());
        StringAssert.Contains(model.SummaryText(), "Non-trainable params: 9 (36.00 B)");
    }

    /// <summary>A subclassed model: layers as fields, the forward pass in Call.</summary>
    private sealed class TwoTower : Model
    {
        private readonly Dense _hidden = new(8, activation: "relu");
        private readonly Dense _out = new(1);

        protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) => _out.Apply(_hidden.Apply(inputs.Single));
    }

    [TestMethod]
    public void SubclassedModelsTrackFieldLayersAndTrain()
    {
        Utils.SetRandomSeed(5);
        var model = new TwoTower();
        model.Compile(optimizer: new Keras.Optimizers.Adam(0.01), loss: "mse");
        var x = TestUtil.RandomMatrix(64, 4, 2);
        var y = new float[64];
        for (int i = 0; i < 64; i++) y[i] = x[i, 0] - 2 * x[i, 1];
        var history = model.Fit(x, y, epochs: 30, batchSize: 16, verbose: 0);
        Assert.AreEqual(4, model.Weights.Count, "two Dense layers found in fields");
        Assert.AreEqual(4 * 8 + 8 + 8 + 1, model.CountParams());
        Assert.IsTrue(history["loss"][^1] < history["loss"][0] * 0.5);
        CollectionAssert.AreEqual(new[] { 64, 1 }, TestUtil.Dims(model.Predict(x)));
    }
}
