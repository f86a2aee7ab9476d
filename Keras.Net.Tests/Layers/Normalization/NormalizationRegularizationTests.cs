using Keras.Constraints;
using Keras.Data;
using Keras.Layers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Net.Tests.Layers.Normalization;

/// <summary>beta/gamma regularizers and constraints of BatchNormalization, LayerNormalization and GroupNormalization.</summary>
[TestClass]
public class NormalizationRegularizationTests
{
    private static Layer Make(string kind, Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null,
        Constraint? betaConstraint = null, Constraint? gammaConstraint = null) => kind switch
    {
        "BatchNormalization" => new BatchNormalization(betaRegularizer: betaRegularizer, gammaRegularizer: gammaRegularizer,
            betaConstraint: betaConstraint, gammaConstraint: gammaConstraint),
        "LayerNormalization" => new LayerNormalization(betaRegularizer: betaRegularizer, gammaRegularizer: gammaRegularizer,
            betaConstraint: betaConstraint, gammaConstraint: gammaConstraint),
        "GroupNormalization" => new GroupNormalization(groups: 2, betaRegularizer: betaRegularizer, gammaRegularizer: gammaRegularizer,
            betaConstraint: betaConstraint, gammaConstraint: gammaConstraint),
        _ => throw new ArgumentException(kind),
    };

    private static (Variable Gamma, Variable Beta) GammaBeta(Layer layer) => layer switch
    {
        BatchNormalization bn => (bn.Gamma!, bn.Beta!),
        LayerNormalization ln => (ln.Gamma!, ln.Beta!),
        GroupNormalization gn => (gn.Gamma!, gn.Beta!),
        _ => throw new ArgumentException(layer.GetType().Name),
    };

    private static void Set(Variable v, float[] values) => v.Assign(HostArray.Create(values, [values.Length]));

    [TestMethod]
    [DataRow("BatchNormalization")]
    [DataRow("LayerNormalization")]
    [DataRow("GroupNormalization")]
    public void RegularizersAndConstraintsSurviveTheConfigRoundTrip(string kind)
    {
        var layer = Make(kind, new L1(0.1), new L1L2(0.2, 0.3), new NonNeg(), new MaxNorm(2, axis: 0));
        var config = layer.GetConfig();
        Assert.AreEqual("L1", (string)config["beta_regularizer"]!["class_name"]!);
        Assert.AreEqual("L1L2", (string)config["gamma_regularizer"]!["class_name"]!);
        Assert.AreEqual("NonNeg", (string)config["beta_constraint"]!["class_name"]!);
        Assert.AreEqual("MaxNorm", (string)config["gamma_constraint"]!["class_name"]!);
        var revived = KerasObjects.Layer(kind, config);
        Assert.AreEqual(config.ToJsonString(), revived.GetConfig().ToJsonString());
    }

    [TestMethod]
    [DataRow("BatchNormalization")]
    [DataRow("LayerNormalization")]
    [DataRow("GroupNormalization")]
    public void PenaltiesAreTheLayersLosses(string kind)
    {
        var layer = Make(kind, betaRegularizer: new L1(0.5), gammaRegularizer: new L2(0.1));
        layer.EnsureBuilt([new Shape(-1, 4)]);
        var (gamma, beta) = GammaBeta(layer);
        float[] g = [1f, -2f, 0.5f, 3f], b = [-0.5f, 2f, 0f, 1.5f];
        Set(gamma, g);
        Set(beta, b);
        using var scope = Ops.Scope();
        var losses = layer.Losses.Select(l => l.Item()).ToArray();
        Assert.AreEqual(2, losses.Length);
        Assert.AreEqual(0.1 * (1 + 4 + 0.25 + 9), losses[0], 1e-5, "L2 0.1 on gamma");
        Assert.AreEqual(0.5 * (0.5 + 2 + 0 + 1.5), losses[1], 1e-5, "L1 0.5 on beta");
        layer.Apply(Ops.Constant(TestUtil.RandomFloats(8, 3), new Shape(2, 4)), training: true);
        Assert.AreEqual(losses.Sum(), layer.Losses.Sum(l => l.Item()), 1e-5, "no activity terms: only the weight penalties");
    }

    [TestMethod]
    [DataRow("BatchNormalization")]
    [DataRow("LayerNormalization")]
    [DataRow("GroupNormalization")]
    public void ConstraintsApplyAfterAnOptimizerStep(string kind)
    {
        var layer = Make(kind, betaConstraint: new NonNeg(), gammaConstraint: new UnitNorm());
        layer.EnsureBuilt([new Shape(-1, 4)]);
        var (gamma, beta) = GammaBeta(layer);
        float[] g = [0.05f, 0.5f, 0.3f, 0.9f], b = [0.02f, 0.4f, 0.08f, 1f];
        Set(gamma, g);
        Set(beta, b);
        using var scope = Ops.Scope();
        var vars = layer.TrainableWeights;
        Assert.AreEqual(2, vars.Count);
        new Keras.Optimizers.SGD(0.1).ApplyGradients(vars.Select(v => Ops.Ones(v.Shape)).ToArray(), vars);
        var stepped = g.Select(v => v - 0.1).ToArray();   // -0.05, 0.4, 0.2, 0.8
        double norm = Math.Sqrt(stepped.Sum(v => v * v));
        TestUtil.AssertClose(stepped.Select(v => (float)(v / norm)).ToArray(), gamma.ToHost().ToArray<float>(), 1e-5, "gamma has unit norm");
        TestUtil.AssertClose(b.Select(v => Math.Max(v - 0.1f, 0f)).ToArray(), beta.ToHost().ToArray<float>(), 1e-6, "beta stays non-negative");
    }
}
