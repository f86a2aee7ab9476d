using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Layers;
using Keras.Saving;
using Keras.Constraints;
using Keras.Regularizers;

namespace Keras.Net.Tests.Layers.Core;

/// <summary>EinsumDense: harness, Keras's kernel/bias shape analysis, and values against einsum loops written here.</summary>
[TestClass]
public class EinsumDenseTests
{
    private static Tensor T(float[] data, params int[] shape) => Ops.Constant(data, new Shape(shape));

    [TestMethod]
    public void DenseEquivalentHarness() => LayerHarness.Run(() => new EinsumDense("ab,bc->ac", 5, activation: "tanh", biasAxes: "c"),
        new Shape(3, 4), new Shape(3, 5), new Shape(4, 5), new Shape(5));

    [TestMethod]
    public void HeadProjectionHarness() => LayerHarness.Run(() => new EinsumDense("abc,cde->abde", [-1, 2, 3], biasAxes: "de"),
        new Shape(2, 4, 5), new Shape(2, 4, 2, 3), new Shape(5, 2, 3), new Shape(2, 3));

    [TestMethod]
    public void LeftEllipsisHarness() => LayerHarness.Run(() => new EinsumDense("...b,bc->...c", 6, biasAxes: "c"),
        new Shape(2, 3, 4), new Shape(2, 3, 6), new Shape(4, 6), new Shape(6));

    [TestMethod]
    public void RightEllipsisHarness() => LayerHarness.Run(() => new EinsumDense("ab...,bc->ac...", 5, biasAxes: "c"),
        new Shape(2, 4, 3), new Shape(2, 5, 3), new Shape(4, 5), new Shape(5, 1));

    private static (Shape Kernel, Shape? Bias, Shape Output) Analyze(string equation, int[] outputShape, string? biasAxes, Shape input)
    {
        var layer = new EinsumDense(equation, outputShape, biasAxes: biasAxes);
        var (k, b, o) = layer.Analyze(input);
        return (new Shape(k), b is null ? null : new Shape(b), new Shape(o));
    }

    [TestMethod]
    public void KernelAndBiasShapesFollowKerasAnalysis()
    {
        // Worked through Keras's _analyze_split_string by hand for each case.
        var r = Analyze("ab,b->a", [], null, new Shape(-1, 32));
        Assert.AreEqual(new Shape(32), r.Kernel);
        Assert.IsNull(r.Bias);
        Assert.AreEqual(new Shape(-1), r.Output);

        r = Analyze("abc,cde->abde", [1, 3, 4], "de", new Shape(-1, 1, 2));
        Assert.AreEqual(new Shape(2, 3, 4), r.Kernel);
        Assert.AreEqual(new Shape(3, 4), r.Bias);
        Assert.AreEqual(new Shape(-1, 1, 3, 4), r.Output);

        // Bias on 'd' only spans from 'd' to the end: (3, 1).
        Assert.AreEqual(new Shape(3, 1), Analyze("abc,cde->abde", [1, 3, 4], "d", new Shape(-1, 1, 2)).Bias);
        // Bias on 'b' and 'e': from 'b' to the end with a unit axis for 'd'.
        Assert.AreEqual(new Shape(1, 1, 4), Analyze("abc,cde->abde", [1, 3, 4], "be", new Shape(-1, 1, 2)).Bias);

        r = Analyze("BFNH,NHD->BFD", [1, 4], "D", new Shape(-1, 1, 2, 3));
        Assert.AreEqual(new Shape(2, 3, 4), r.Kernel);
        Assert.AreEqual(new Shape(4), r.Bias);

        // Left ellipsis: the elided axes come after the batch axis.
        r = Analyze("...b,bc->...c", [64], "c", new Shape(-1, 4, 7, 32));
        Assert.AreEqual(new Shape(32, 64), r.Kernel);
        Assert.AreEqual(new Shape(64), r.Bias);
        Assert.AreEqual(new Shape(-1, 4, 7, 64), r.Output);

        // Right ellipsis: the bias gets a unit axis per elided axis.
        r = Analyze("ab...,bc->ac...", [5], "c", new Shape(-1, 4, 2, 3));
        Assert.AreEqual(new Shape(4, 5), r.Kernel);
        Assert.AreEqual(new Shape(5, 1, 1), r.Bias);
        Assert.AreEqual(new Shape(-1, 5, 2, 3), r.Output);

        // Unknown output entries shared with the input are the input's sizes.
        r = Analyze("abc,cd->abd", [-1, 64], "d", new Shape(-1, 32, 128));
        Assert.AreEqual(new Shape(128, 64), r.Kernel);
        Assert.AreEqual(new Shape(-1, 32, 64), r.Output);
    }

    [TestMethod]
    public void InvalidArgumentsAreRejected()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new EinsumDense("ab->ac", 3, name: "bad"));
        StringAssert.Contains(e.Message, "\"bad\"");
        StringAssert.Contains(e.Message, "invalid einsum equation");
        e = Assert.ThrowsExactly<ArgumentException>(() => new EinsumDense("abc,cd->abd", [7, 4]).Analyze(new Shape(-1, 3, 5)));
        StringAssert.Contains(e.Message, "do not match at shared dimension 'b'");
        e = Assert.ThrowsExactly<ArgumentException>(() => new EinsumDense("ab,bc->ac", 3, biasAxes: "x").Analyze(new Shape(-1, 3)));
        StringAssert.Contains(e.Message, "bias dimension 'x'");
        e = Assert.ThrowsExactly<ArgumentException>(() => new EinsumDense("ab,bz->ac", 3).Analyze(new Shape(-1, 3)));
        StringAssert.Contains(e.Message, "'c'");
    }

    [TestMethod]
    public void HeadProjectionMatchesEinsumLoops()
    {
        using var scope = Ops.Scope();
        const int B = 2, S = 3, C = 4, D = 2, E = 3;
        var layer = new EinsumDense("abc,cde->abde", [-1, D, E], activation: "relu", biasAxes: "de");
        var xv = TestUtil.RandomFloats(B * S * C, 21);
        var kv = TestUtil.RandomFloats(C * D * E, 22);
        var bv = TestUtil.RandomFloats(D * E, 23);
        var x = T(xv, B, S, C);
        layer.EnsureBuilt([x.Shape]);
        layer.Kernel!.Assign(HostArray.Create(kv, C, D, E));
        layer.Bias!.Assign(HostArray.Create(bv, D, E));
        var y = layer.Apply(x);
        Assert.AreEqual(new Shape(B, S, D, E), y.Shape);
        var expected = new float[B * S * D * E];
        for (int a = 0; a < B; a++)
            for (int b = 0; b < S; b++)
                for (int d = 0; d < D; d++)
                    for (int e = 0; e < E; e++)
                    {
                        double s = bv[d * E + e];
                        for (int c = 0; c < C; c++) s += xv[(a * S + b) * C + c] * kv[(c * D + d) * E + e];
                        expected[((a * S + b) * D + d) * E + e] = (float)Math.Max(0, s);
                    }
        TestUtil.AssertClose(expected, y.ToArray<float>(), 1e-5, "abc,cde->abde");
    }

    [TestMethod]
    public void OutputProjectionAndRightEllipsisMatchLoops()
    {
        using var scope = Ops.Scope();
        // Multi-head output projection: abcd,cde->abe.
        const int B = 2, T_ = 3, N = 2, H = 4, O = 5;
        var layer = new EinsumDense("abcd,cde->abe", [-1, O], biasAxes: "e");
        var xv = TestUtil.RandomFloats(B * T_ * N * H, 24);
        var kv = TestUtil.RandomFloats(N * H * O, 25);
        var bv = TestUtil.RandomFloats(O, 26);
        var x = T(xv, B, T_, N, H);
        layer.EnsureBuilt([x.Shape]);
        layer.Kernel!.Assign(HostArray.Create(kv, N, H, O));
        layer.Bias!.Assign(HostArray.Create(bv, O));
        var y = layer.Apply(x);
        var expected = new float[B * T_ * O];
        for (int a = 0; a < B; a++)
            for (int b = 0; b < T_; b++)
                for (int e = 0; e < O; e++)
                {
                    double s = bv[e];
                    for (int c = 0; c < N; c++)
                        for (int d = 0; d < H; d++) s += xv[((a * T_ + b) * N + c) * H + d] * kv[(c * H + d) * O + e];
                    expected[(a * T_ + b) * O + e] = (float)s;
                }
        TestUtil.AssertClose(expected, y.ToArray<float>(), 1e-5, "abcd,cde->abe");

        // Right ellipsis: out[a, c, r] = Σb x[a, b, r] k[b, c] + bias[c].
        var right = new EinsumDense("ab...,bc->ac...", 3, biasAxes: "c");
        var rx = TestUtil.RandomFloats(2 * 4 * 2, 27);
        var rk = TestUtil.RandomFloats(4 * 3, 28);
        var rb = TestUtil.RandomFloats(3, 29);
        var xr = T(rx, 2, 4, 2);
        right.EnsureBuilt([xr.Shape]);
        right.Kernel!.Assign(HostArray.Create(rk, 4, 3));
        right.Bias!.Assign(HostArray.Create(rb, 3, 1));
        var yr = right.Apply(xr);
        Assert.AreEqual(new Shape(2, 3, 2), yr.Shape);
        var expectedR = new float[12];
        for (int a = 0; a < 2; a++)
            for (int c = 0; c < 3; c++)
                for (int r = 0; r < 2; r++)
                {
                    double s = rb[c];
                    for (int b = 0; b < 4; b++) s += rx[(a * 4 + b) * 2 + r] * rk[b * 3 + c];
                    expectedR[(a * 3 + c) * 2 + r] = (float)s;
                }
        TestUtil.AssertClose(expectedR, yr.ToArray<float>(), 1e-5, "ab...,bc->ac...");
    }

    [TestMethod]
    public void ConfigMatchesKerasAndReadsKerasConfigs()
    {
        var layer = new EinsumDense("abc,cde->abde", [-1, 2, 8], biasAxes: "de", name: "query");
        var c = layer.GetConfig();
        Assert.AreEqual("[null,2,8]", c["output_shape"]!.ToJsonString());
        Assert.AreEqual("abc,cde->abde", (string)c["equation"]!);
        Assert.AreEqual("de", (string)c["bias_axes"]!);
        Assert.AreEqual("linear", (string)c["activation"]!);
        Assert.IsTrue(c.ContainsKey("quantization_config"));
        // A Keras 3 config with an int output_shape and no bias.
        var keras = JsonNode.Parse("""
            {"name": "e", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
             "output_shape": 16, "equation": "ab,bc->ac", "activation": "relu", "bias_axes": null,
             "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
             "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
             "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null,
             "quantization_config": null}
            """)!.AsObject();
        var revived = (EinsumDense)KerasObjects.Layer("EinsumDense", keras);
        CollectionAssert.AreEqual(new[] { 16 }, revived.PartialOutputShape.ToArray());
        Assert.IsNull(revived.BiasAxes);
        Assert.AreEqual("relu", revived.Activation.Name);
        keras["lora_rank"] = 4;
        Assert.ThrowsExactly<NotSupportedException>(() => KerasObjects.Layer("EinsumDense", keras));
    }

    // ------------------------------------------------------------------ regularizers and constraints

    [TestMethod]
    public void RegularizersAndConstraintsSurviveTheConfigRoundTrip()
    {
        var layer = new EinsumDense("abc,cde->abde", [-1, 2, 3], biasAxes: "de",
            kernelRegularizer: new L2(0.1), biasRegularizer: new L1(0.2), activityRegularizer: new L1L2(0.01, 0.02),
            kernelConstraint: new MaxNorm(3, axis: 0), biasConstraint: new NonNeg());
        var config = layer.GetConfig();
        Assert.AreEqual("L2", (string)config["kernel_regularizer"]!["class_name"]!);
        Assert.AreEqual("L1L2", (string)config["activity_regularizer"]!["class_name"]!);
        Assert.AreEqual("NonNeg", (string)config["bias_constraint"]!["class_name"]!);
        var revived = (EinsumDense)KerasObjects.Layer("EinsumDense", config);
        Assert.AreEqual(config.ToJsonString(), revived.GetConfig().ToJsonString());
        Assert.IsInstanceOfType<MaxNorm>(revived.KernelConstraint);
        Assert.IsInstanceOfType<L1L2>(revived.ActivityRegularizer);
    }

    [TestMethod]
    public void WeightAndActivityPenaltiesAreTheLayersLosses()
    {
        // y[b,c] = sum_k x[b,k] W[k,c] + bias[c]; kernel (3, 2), bias (2,).
        var layer = new EinsumDense("ab,bc->ac", 2, biasAxes: "c", kernelRegularizer: new L2(0.1), biasRegularizer: new L1(0.5),
            activityRegularizer: new L1(0.2));
        layer.EnsureBuilt([new Shape(-1, 3)]);
        float[] w = [1f, -2f, 0.5f, 3f, -1f, 0f], b = [-0.5f, 2f];
        layer.Kernel!.Assign(HostArray.Create(w, [3, 2]));
        layer.Bias!.Assign(HostArray.Create(b, [2]));
        using var scope = Ops.Scope();
        var before = layer.Losses.Select(l => l.Item()).ToArray();
        double kernelPenalty = 0.1 * w.Sum(v => v * v), biasPenalty = 0.5 * b.Sum(v => Math.Abs(v));
        Assert.AreEqual(2, before.Length);
        Assert.AreEqual(kernelPenalty, before[0], 1e-5);
        Assert.AreEqual(biasPenalty, before[1], 1e-5);

        float[] x = [1f, 2f, 3f, -1f, 0f, 2f];
        layer.Apply(T(x, 2, 3));
        double activity = 0;
        for (int i = 0; i < 2; i++)
            for (int c = 0; c < 2; c++)
            {
                double y = b[c];
                for (int k = 0; k < 3; k++) y += x[i * 3 + k] * w[k * 2 + c];
                activity += Math.Abs(y);
            }
        var after = layer.Losses.Select(l => l.Item()).ToArray();
        Assert.AreEqual(3, after.Length);
        Assert.AreEqual(kernelPenalty + biasPenalty + 0.2 * activity / 2, after.Sum(), 1e-4, "activity penalty divided by the batch of 2");
    }

    [TestMethod]
    public void ConstraintsApplyAfterAnOptimizerStep()
    {
        var layer = new EinsumDense("ab,bc->ac", 2, biasAxes: "c", kernelConstraint: new NonNeg(), biasConstraint: new NonNeg());
        layer.EnsureBuilt([new Shape(-1, 3)]);
        float[] w = [0.05f, 0.5f, 0.2f, 0.01f, 1f, 0.3f], b = [0.02f, 0.4f];
        layer.Kernel!.Assign(HostArray.Create(w, [3, 2]));
        layer.Bias!.Assign(HostArray.Create(b, [2]));
        var sgd = new Keras.Optimizers.SGD(0.1);
        using var scope = Ops.Scope();
        var vars = layer.TrainableWeights;
        sgd.ApplyGradients(vars.Select(v => Ops.Ones(v.Shape)).ToArray(), vars);
        TestUtil.AssertClose(w.Select(v => Math.Max(v - 0.1f, 0f)).ToArray(), layer.Kernel.ToHost().ToArray<float>(), 1e-6, "kernel");
        TestUtil.AssertClose(b.Select(v => Math.Max(v - 0.1f, 0f)).ToArray(), layer.Bias.ToHost().ToArray<float>(), 1e-6, "bias");
    }
}
