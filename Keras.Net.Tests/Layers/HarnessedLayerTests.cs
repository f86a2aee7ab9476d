using Keras.Layers;

namespace Keras.Net.Tests.Layers;

/// <summary>The foundation layers through the shared harness.</summary>
[TestClass]
public class HarnessedLayerTests
{
    [TestMethod]
    public void DenseRank2() => LayerHarness.Run(() => new Dense(5, activation: "tanh"), new Shape(3, 4), new Shape(3, 5), new Shape(4, 5), new Shape(5));

    [TestMethod]
    public void DenseRank3NoBias() => LayerHarness.Run(() => new Dense(2, useBias: false), new Shape(2, 3, 4), new Shape(2, 3, 2), new Shape(4, 2));

    [TestMethod]
    public void ActivationLayer() => LayerHarness.Run(() => new Activation("gelu"), new Shape(2, 3), new Shape(2, 3));

    [TestMethod]
    public void DropoutLayer() => LayerHarness.Run(() => new Dropout(0.5, seed: 1), new LayerExpectation
    {
        InputShapes = [new Shape(4, 8)],
        OutputShape = new Shape(4, 8),
        TrainingDiffers = true,
    });

    [TestMethod]
    public void FlattenLayer() => LayerHarness.Run(() => new Flatten(), new Shape(2, 3, 4), new Shape(2, 12));

    [TestMethod]
    public void TimeDistributedDense() =>
        LayerHarness.Run(() => new TimeDistributed(new Dense(3)), new Shape(2, 5, 4), new Shape(2, 5, 3), new Shape(4, 3), new Shape(3));
}
