using Keras.Constraints;
using Keras.Layers;
using Keras.Models;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Net.Tests.Regularizers;

[TestClass]
public class RegularizationTests
{
    private static readonly float[] W = [1f, -2f, 3f, -4f, 0.5f, 0f];

    private static Tensor Weight() => Ops.Constant(W, new Shape(3, 2));

    [TestMethod]
    public void PenaltiesEqualKerasFormulas()
    {
        using var scope = Ops.Scope();
        double sumAbs = W.Sum(v => Math.Abs(v)), sumSq = W.Sum(v => v * v);
        Assert.AreEqual(0.01 * sumAbs, new L1().Call(Weight()).Item(), 1e-6);
        Assert.AreEqual(0.01 * sumSq, new L2().Call(Weight()).Item(), 1e-6);
        Assert.AreEqual(0.1 * sumAbs + 0.2 * sumSq, new L1L2(0.1, 0.2).Call(Weight()).Item(), 1e-5);
        Assert.AreEqual(0.01 * sumSq, ((Regularizer)"l2").Call(Weight()).Item(), 1e-6);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new L2(-1));
    }

    [TestMethod]
    public void OrthogonalRegularizerPenalisesCorrelatedRows()
    {
        using var scope = Ops.Scope();
        // Rows (1,0) and (1,1)/sqrt2 have cosine 1/sqrt2; one pair: 0.01 * 0.5 * 2 * (1/sqrt2) / 1.
        var x = Ops.Constant([1f, 0f, 1f, 1f], new Shape(2, 2));
        Assert.AreEqual(0.01 * 0.5 * 2 / Math.Sqrt(2), new OrthogonalRegularizer().Call(x).Item(), 1e-6);
        var orthogonal = Ops.Constant([1f, 0f, 0f, 2f], new Shape(2, 2));
        Assert.AreEqual(0.0, new OrthogonalRegularizer().Call(orthogonal).Item(), 1e-7);
    }

    [TestMethod]
    public void ConstraintsProjectAsKerasDoes()
    {
        using var scope = Ops.Scope();
        // Column norms of [[1,-2],[3,-4],[0.5,0]]: sqrt(10.25), sqrt(20).
        double n0 = Math.Sqrt(10.25), n1 = Math.Sqrt(20);
        var maxNorm = new MaxNorm(2.0).Call(Weight()).ToArray<float>();
        Assert.AreEqual(1 * 2 / (n0 + 1e-7), maxNorm[0], 1e-5);
        Assert.AreEqual(-2 * 2 / (n1 + 1e-7), maxNorm[1], 1e-5);
        var unit = new UnitNorm().Call(Weight()).ToArray<float>();
        Assert.AreEqual(3 / n0, unit[2], 1e-5);
        CollectionAssert.AreEqual(new[] { 1f, 0f, 3f, 0f, 0.5f, 0f }, new NonNeg().Call(Weight()).ToArray<float>());
        var minMax = new MinMaxNorm(5, 6, rate: 0.5).Call(Weight()).ToArray<float>();
        Assert.AreEqual(1 * (0.5 * 5 + 0.5 * n0) / (n0 + 1e-7), minMax[0], 1e-5);
    }

    [TestMethod]
    public void KernelRegularizerAddsToTheTrainingLoss()
    {
        Utils.SetRandomSeed(3);
        var x = TestUtil.RandomMatrix(8, 3, 1);
        var y = new float[8];
        var plain = new Sequential([new Dense(1, inputShape: 3, name: "plain")]);
        var regularized = new Sequential([new Dense(1, inputShape: 3, kernelRegularizer: new L2(0.5), name: "reg")]);
        regularized.SetWeights(plain.GetWeights());
        plain.Compile(optimizer: "sgd", loss: "mse");
        regularized.Compile(optimizer: "sgd", loss: "mse");
        var kernel = plain.Weights[0].ToHost().ToArray<float>();
        var expectedPenalty = 0.5 * kernel.Sum(v => v * v);
        Assert.AreEqual(plain.Evaluate(x, y)["loss"] + expectedPenalty, regularized.Evaluate(x, y)["loss"], 1e-5);
        Assert.AreEqual(1, regularized.Losses.Count);
    }

    [TestMethod]
    public void ActivityRegularizerPenalisesOutputs()
    {
        var dense = new Dense(2, kernelInitializer: new Keras.Initializers.Ones(), activityRegularizer: new L1(0.1));
        using var scope = Ops.Scope();
        var x = Ops.Constant([1f, 2f], new Shape(1, 2));
        dense.Apply(x);
        Assert.AreEqual(0.1 * (3 + 3), dense.Losses.Single().Item(), 1e-6, "Keras 3 divides by the batch size (1 here)");
        dense.Apply(Ops.Constant([1f, 2f, 1f, 1f], new Shape(2, 2)));
        Assert.AreEqual(0.1 * (3 + 3 + 2 + 2) / 2, dense.Losses.Single().Item(), 1e-6, "a new call replaces the terms; batch of 2");
    }

    [TestMethod]
    public void ConstraintsApplyAfterEveryOptimizerStep()
    {
        Utils.SetRandomSeed(4);
        var x = TestUtil.RandomMatrix(16, 3, 2);
        var y = new float[16];
        for (int i = 0; i < 16; i++) y[i] = -x[i, 0] - x[i, 1];
        var model = new Sequential([new Dense(1, inputShape: 3, kernelConstraint: new NonNeg())]);
        model.Compile(optimizer: new Keras.Optimizers.SGD(0.1), loss: "mse");
        model.Fit(x, y, epochs: 5, verbose: 0);
        Assert.IsTrue(model.Weights[0].ToHost().ToArray<float>().All(v => v >= 0), "the kernel stays non-negative while the targets pull it negative");
    }

    [TestMethod]
    public void Keras1RegularizerAndConstraintFormsAreRead()
    {
        var config = new System.Text.Json.Nodes.JsonObject
        {
            ["units"] = 2,
            ["kernel_regularizer"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "WeightRegularizer", ["l1"] = 0.0, ["l2"] = 0.1 },
            ["kernel_constraint"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "MaxNorm", ["m"] = 3.0, ["axis"] = 0 },
        };
        var dense = (Dense)KerasObjects.Layer("Dense", config);
        Assert.AreEqual(0.1, ((L1L2)dense.KernelRegularizer!).L2Factor, 1e-12);
        Assert.AreEqual(3.0, ((MaxNorm)dense.KernelConstraint!).MaxValue, 1e-12);
    }

    [TestMethod]
    public void RegularizersAndConstraintsSurviveTheConfigRoundTrip()
    {
        var dense = new Dense(4, kernelRegularizer: new L1L2(0.1, 0.2), biasConstraint: new MaxNorm(3, axis: 0));
        var config = dense.GetConfig();
        Assert.AreEqual("L1L2", (string)config["kernel_regularizer"]!["class_name"]!);
        var revived = (Dense)KerasObjects.Layer("Dense", config);
        Assert.AreEqual(config.ToJsonString(), revived.GetConfig().ToJsonString());
        Assert.AreEqual(0.2, ((L1L2)revived.KernelRegularizer!).L2Factor, 1e-12);
    }
}
