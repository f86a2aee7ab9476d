using Keras.Initializers;
using Keras.Layers;
using Keras.Regularizers;
using static Keras.Net.Tests.Layers.Convolution.WeightRegularizationCheck;

namespace Keras.Net.Tests.Layers.Convolution;

/// <summary>Regularizers, constraints and activity regularizers of the convolution and ConvLSTM layers (Keras 3 arguments).</summary>
[TestClass]
public class ConvRegularizationTests
{
    private static readonly string[] KernelKeys = ["kernel_regularizer", "bias_regularizer"];
    private static readonly string[] KernelConstraintKeys = ["kernel_constraint", "bias_constraint"];
    private static readonly string[] DepthwiseKeys = ["depthwise_regularizer", "bias_regularizer"];
    private static readonly string[] DepthwiseConstraintKeys = ["depthwise_constraint", "bias_constraint"];
    private static readonly string[] SeparableKeys = ["depthwise_regularizer", "pointwise_regularizer", "bias_regularizer"];
    private static readonly string[] SeparableConstraintKeys = ["depthwise_constraint", "pointwise_constraint", "bias_constraint"];
    private static readonly string[] RecurrentKeys = ["kernel_regularizer", "recurrent_regularizer", "bias_regularizer"];
    private static readonly string[] RecurrentConstraintKeys = ["kernel_constraint", "recurrent_constraint", "bias_constraint"];

    /// <summary>Layer kind → (factory, weight count, regularizer keys, constraint keys, build input shape).</summary>
    private static (Factory Make, int Weights, string[] RegKeys, string[] ConKeys, Shape Input) Case(string kind) => kind switch
    {
        "Conv1D" => ((r, c, a) => new Conv1D(4, 3, kernelRegularizer: r[0], biasRegularizer: r[1], activityRegularizer: a,
            kernelConstraint: c[0], biasConstraint: c[1]), 2, KernelKeys, KernelConstraintKeys, new Shape(2, 6, 3)),
        "Conv2D" => ((r, c, a) => new Conv2D(4, (2, 3), groups: 2, kernelRegularizer: r[0], biasRegularizer: r[1], activityRegularizer: a,
            kernelConstraint: c[0], biasConstraint: c[1]), 2, KernelKeys, KernelConstraintKeys, new Shape(2, 5, 5, 2)),
        "Conv3D" => ((r, c, a) => new Conv3D(3, 2, kernelRegularizer: r[0], biasRegularizer: r[1], activityRegularizer: a,
            kernelConstraint: c[0], biasConstraint: c[1]), 2, KernelKeys, KernelConstraintKeys, new Shape(2, 4, 4, 4, 2)),
        "Conv1DTranspose" => ((r, c, a) => new Conv1DTranspose(4, 3, strides: 2, kernelRegularizer: r[0], biasRegularizer: r[1],
            activityRegularizer: a, kernelConstraint: c[0], biasConstraint: c[1]), 2, KernelKeys, KernelConstraintKeys, new Shape(2, 5, 3)),
        "Conv2DTranspose" => ((r, c, a) => new Conv2DTranspose(3, (2, 3), kernelRegularizer: r[0], biasRegularizer: r[1],
            activityRegularizer: a, kernelConstraint: c[0], biasConstraint: c[1]), 2, KernelKeys, KernelConstraintKeys, new Shape(2, 4, 4, 2)),
        "Conv3DTranspose" => ((r, c, a) => new Conv3DTranspose(2, 2, kernelRegularizer: r[0], biasRegularizer: r[1],
            activityRegularizer: a, kernelConstraint: c[0], biasConstraint: c[1]), 2, KernelKeys, KernelConstraintKeys, new Shape(2, 3, 3, 3, 2)),
        "DepthwiseConv1D" => ((r, c, a) => new DepthwiseConv1D(3, depthMultiplier: 2, depthwiseRegularizer: r[0], biasRegularizer: r[1],
            activityRegularizer: a, depthwiseConstraint: c[0], biasConstraint: c[1]), 2, DepthwiseKeys, DepthwiseConstraintKeys, new Shape(2, 6, 3)),
        "DepthwiseConv2D" => ((r, c, a) => new DepthwiseConv2D(2, depthMultiplier: 2, depthwiseRegularizer: r[0], biasRegularizer: r[1],
            activityRegularizer: a, depthwiseConstraint: c[0], biasConstraint: c[1]), 2, DepthwiseKeys, DepthwiseConstraintKeys, new Shape(2, 4, 4, 3)),
        "SeparableConv1D" => ((r, c, a) => new SeparableConv1D(4, 3, depthMultiplier: 2, depthwiseRegularizer: r[0], pointwiseRegularizer: r[1],
            biasRegularizer: r[2], activityRegularizer: a, depthwiseConstraint: c[0], pointwiseConstraint: c[1], biasConstraint: c[2]),
            3, SeparableKeys, SeparableConstraintKeys, new Shape(2, 6, 3)),
        "SeparableConv2D" => ((r, c, a) => new SeparableConv2D(4, 2, depthwiseRegularizer: r[0], pointwiseRegularizer: r[1],
            biasRegularizer: r[2], activityRegularizer: a, depthwiseConstraint: c[0], pointwiseConstraint: c[1], biasConstraint: c[2]),
            3, SeparableKeys, SeparableConstraintKeys, new Shape(2, 4, 4, 3)),
        "ConvLSTM1D" => ((r, c, a) => new ConvLSTM1D(2, 3, padding: "same", kernelRegularizer: r[0], recurrentRegularizer: r[1], biasRegularizer: r[2],
            activityRegularizer: a, kernelConstraint: c[0], recurrentConstraint: c[1], biasConstraint: c[2]),
            3, RecurrentKeys, RecurrentConstraintKeys, new Shape(2, 3, 5, 2)),
        "ConvLSTM2D" => ((r, c, a) => new ConvLSTM2D(2, 2, kernelRegularizer: r[0], recurrentRegularizer: r[1], biasRegularizer: r[2],
            activityRegularizer: a, kernelConstraint: c[0], recurrentConstraint: c[1], biasConstraint: c[2]),
            3, RecurrentKeys, RecurrentConstraintKeys, new Shape(2, 2, 4, 4, 2)),
        "ConvLSTM3D" => ((r, c, a) => new ConvLSTM3D(2, 2, kernelRegularizer: r[0], recurrentRegularizer: r[1], biasRegularizer: r[2],
            activityRegularizer: a, kernelConstraint: c[0], recurrentConstraint: c[1], biasConstraint: c[2]),
            3, RecurrentKeys, RecurrentConstraintKeys, new Shape(2, 2, 3, 3, 3, 1)),
        _ => throw new ArgumentException(kind),
    };

    private static IEnumerable<object[]> Kinds() =>
    [
        ["Conv1D"], ["Conv2D"], ["Conv3D"], ["Conv1DTranspose"], ["Conv2DTranspose"], ["Conv3DTranspose"],
        ["DepthwiseConv1D"], ["DepthwiseConv2D"], ["SeparableConv1D"], ["SeparableConv2D"],
        ["ConvLSTM1D"], ["ConvLSTM2D"], ["ConvLSTM3D"],
    ];

    [TestMethod]
    [DynamicData(nameof(Kinds))]
    public void RegularizersAndConstraintsSurviveTheConfigRoundTrip(string kind)
    {
        var c = Case(kind);
        ConfigRoundTrip(c.Make, c.Weights, c.RegKeys, c.ConKeys);
    }

    [TestMethod]
    [DynamicData(nameof(Kinds))]
    public void WeightPenaltiesAreTheLosses(string kind)
    {
        var c = Case(kind);
        PenaltiesMatch(c.Make, c.Weights, c.Input);
    }

    [TestMethod]
    [DynamicData(nameof(Kinds))]
    public void ConstraintsApplyAfterTheOptimizerStep(string kind)
    {
        var c = Case(kind);
        ConstraintsApply(c.Make, c.Weights, c.Input);
    }

    [TestMethod]
    public void Conv2DActivityRegularizerPenalisesTheOutput()
    {
        // All-ones 2×2 kernel over an all-ones 3×3 map: every output is 4; 2×2 outputs, batch 1 → 0.1 · 16.
        var layer = new Conv2D(1, 2, kernelInitializer: new Ones(), activityRegularizer: new L1(0.1));
        using var scope = Ops.Scope();
        layer.Apply(Ops.Ones(new Shape(1, 3, 3, 1)));
        Assert.AreEqual(1.6, layer.Losses.Single().Item(), 1e-6);
        // Batch of 2: the same per-sample outputs, Keras divides by the batch size.
        layer.Apply(Ops.Ones(new Shape(2, 3, 3, 1)));
        Assert.AreEqual(1.6, layer.Losses.Single().Item(), 1e-6);
    }

    [TestMethod]
    public void ConvLSTMActivityRegularizerPenalisesTheOutput()
    {
        // Zero kernels and bias (b_i, b_f, b_c, b_o) = (0.5, 0, 1, -0.5): one step from zero state gives
        // h = σ(-0.5) · tanh(σ(0.5) · tanh(1)) at every position.
        var layer = new ConvLSTM1D(1, 1, kernelInitializer: new Zeros(), recurrentInitializer: new Zeros(), unitForgetBias: false,
            activityRegularizer: new L2(0.1));
        layer.EnsureBuilt([new Shape(1, 1, 3, 1)]);
        using var scope = Ops.Scope();
        layer.Bias!.Assign(Ops.Constant([0.5f, 0f, 1f, -0.5f], new Shape(4)));
        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        double h = Sigmoid(-0.5) * Math.Tanh(Sigmoid(0.5) * Math.Tanh(1));
        layer.Apply(Ops.Ones(new Shape(1, 1, 3, 1)));
        Assert.AreEqual(0.1 * 3 * h * h, layer.Losses.Single().Item(), 1e-6);
    }
}
