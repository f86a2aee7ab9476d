using Keras.Initializers;
using Keras.Layers;
using Keras.Regularizers;
using static Keras.Net.Tests.Layers.Convolution.WeightRegularizationCheck;

namespace Keras.Net.Tests.Layers.LocallyConnected;

/// <summary>Regularizers, constraints and the activity regularizer of LocallyConnected1D/2D (Keras 2 arguments).</summary>
[TestClass]
public class LocallyConnectedRegularizationTests
{
    private static readonly string[] RegKeys = ["kernel_regularizer", "bias_regularizer"];
    private static readonly string[] ConKeys = ["kernel_constraint", "bias_constraint"];

    private static (Factory Make, Shape Input) Case(int rank) => rank == 1
        ? ((r, c, a) => new LocallyConnected1D(3, 2, kernelRegularizer: r[0], biasRegularizer: r[1], activityRegularizer: a,
            kernelConstraint: c[0], biasConstraint: c[1]), new Shape(2, 5, 2))
        : ((r, c, a) => new LocallyConnected2D(2, (2, 3), dataFormat: "channels_first", kernelRegularizer: r[0], biasRegularizer: r[1],
            activityRegularizer: a, kernelConstraint: c[0], biasConstraint: c[1]), new Shape(2, 2, 4, 5));

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    public void RegularizersAndConstraintsSurviveTheConfigRoundTrip(int rank) => ConfigRoundTrip(Case(rank).Make, 2, RegKeys, ConKeys);

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    public void WeightPenaltiesAreTheLosses(int rank) => PenaltiesMatch(Case(rank).Make, 2, Case(rank).Input);

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    public void ConstraintsApplyAfterTheOptimizerStep(int rank) => ConstraintsApply(Case(rank).Make, 2, Case(rank).Input);

    [TestMethod]
    public void ActivityRegularizerPenalisesTheOutput()
    {
        // All-ones kernel of size 2 over an all-ones (4, 2) input: 3 outputs of 2·2 = 4; batch 1 → 0.1 · 12.
        var layer = new LocallyConnected1D(1, 2, kernelInitializer: new Ones(), activityRegularizer: new L1(0.1));
        using var scope = Ops.Scope();
        layer.Apply(Ops.Ones(new Shape(1, 4, 2)));
        Assert.AreEqual(1.2, layer.Losses.Single().Item(), 1e-6);
    }
}
