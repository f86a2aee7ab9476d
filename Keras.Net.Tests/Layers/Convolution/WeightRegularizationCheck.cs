using Keras.Constraints;
using Keras.Layers;
using Keras.Optimizers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Net.Tests.Layers.Convolution;

/// <summary>
/// Builds a layer whose weights (in Keras's order) get regularizers/constraints chosen per index, and
/// checks the config round trip, the weight penalties and the constraints against hand formulas.
/// </summary>
internal static class WeightRegularizationCheck
{
    /// <summary>Makes the layer: regularizers[i]/constraints[i] go to the i-th weight; then the activity regularizer.</summary>
    public delegate Layer Factory(Regularizer?[] regularizers, Constraint?[] constraints, Regularizer? activity);

    /// <summary>The config with non-null regularizers and constraints revives to an equal config.</summary>
    public static void ConfigRoundTrip(Factory make, int weightCount, string[] regularizerKeys, string[] constraintKeys)
    {
        var regs = Enumerable.Range(0, weightCount).Select(i => (Regularizer?)(i % 2 == 0 ? new L2(0.1 * (i + 1)) : new L1L2(0.01, 0.02 * i))).ToArray();
        var cons = Enumerable.Range(0, weightCount).Select(i => (Constraint?)(i % 2 == 0 ? new MaxNorm(2 + i, axis: 0) : new NonNeg())).ToArray();
        var layer = make(regs, cons, new L1(0.3));
        var config = layer.GetConfig();
        foreach (var key in regularizerKeys.Append("activity_regularizer"))
            Assert.IsNotNull(config[key], $"{layer.GetType().Name}: '{key}' should be serialized");
        foreach (var key in constraintKeys) Assert.IsNotNull(config[key], $"{layer.GetType().Name}: '{key}' should be serialized");
        Assert.AreEqual("L2", (string)config[regularizerKeys[0]]!["class_name"]!);
        Assert.AreEqual("L1", (string)config["activity_regularizer"]!["class_name"]!);
        Assert.AreEqual("MaxNorm", (string)config[constraintKeys[0]]!["class_name"]!);
        Assert.AreEqual("NonNeg", (string)config[constraintKeys[1]]!["class_name"]!);
        var revived = KerasObjects.Layer(layer.GetType().Name, config);
        Assert.AreEqual(config.ToJsonString(), revived.GetConfig().ToJsonString(), layer.GetType().Name);
        Assert.IsInstanceOfType<L1>(revived.ActivityRegularizer);
    }

    /// <summary>Deterministic values of mixed sign for weight <paramref name="index"/>.</summary>
    private static float[] Pattern(int size, int index) =>
        Enumerable.Range(0, size).Select(j => (float)((((j * 7 + index * 3) % 11) - 5) * 0.05 * (index + 1))).ToArray();

    /// <summary><c>Losses</c> equal the sum of L2/L1 penalties computed by hand on known weights.</summary>
    public static void PenaltiesMatch(Factory make, int weightCount, Shape inputShape)
    {
        var regs = Enumerable.Range(0, weightCount).Select(i => (Regularizer?)(i % 2 == 0 ? new L2(0.1 * (i + 1)) : new L1(0.05 * (i + 1)))).ToArray();
        var layer = make(regs, new Constraint?[weightCount], null);
        layer.EnsureBuilt([inputShape]);
        var weights = layer.TrainableWeights;
        Assert.HasCount(weightCount, weights);
        using var scope = Ops.Scope();
        double expected = 0;
        for (int i = 0; i < weightCount; i++)
        {
            var values = Pattern((int)weights[i].Shape.Size, i);
            weights[i].Assign(Ops.Constant(values, weights[i].Shape));
            expected += i % 2 == 0 ? 0.1 * (i + 1) * values.Sum(v => (double)v * v) : 0.05 * (i + 1) * values.Sum(v => Math.Abs((double)v));
        }
        Assert.HasCount(weightCount, layer.Losses, "one penalty per regularized weight");
        Assert.AreEqual(expected, layer.Losses.Sum(t => t.Item()), 1e-4 * Math.Max(1, expected), layer.GetType().Name);
    }

    /// <summary>
    /// For each weight in turn, only that weight is NonNeg-constrained: after an SGD step whose gradients push
    /// every weight negative, it alone is clipped to zero and the others went negative.
    /// </summary>
    public static void ConstraintsApply(Factory make, int weightCount, Shape inputShape)
    {
        for (int k = 0; k < weightCount; k++)
        {
            var cons = new Constraint?[weightCount];
            cons[k] = new NonNeg();
            var layer = make(new Regularizer?[weightCount], cons, null);
            layer.EnsureBuilt([inputShape]);
            var weights = layer.TrainableWeights;
            using var scope = Ops.Scope();
            for (int i = 0; i < weightCount; i++) weights[i].Assign(Ops.Constant(Pattern((int)weights[i].Shape.Size, i), weights[i].Shape));
            var grads = weights.Select(w => Ops.Multiply(Ops.Ones(w.Shape), 10.0)).ToArray();
            new SGD(1.0).ApplyGradients(grads, weights);
            for (int i = 0; i < weightCount; i++)
            {
                var after = weights[i].ToHost().ToArray<float>();
                if (i == k)
                    Assert.IsTrue(after.All(v => v == 0f), $"{layer.GetType().Name}: constrained weight {weights[i].Name} is clipped to 0");
                else
                    Assert.IsTrue(after.All(v => v < -5f), $"{layer.GetType().Name}: unconstrained weight {weights[i].Name} moved negative");
            }
        }
    }
}
