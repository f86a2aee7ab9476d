using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Data;
using Keras.Initializers;
using Keras.Layers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Net.Tests.Layers.Rnn;

/// <summary>
/// Regularizers and constraints of the recurrent layers and cells (Keras 3's kernel_/recurrent_/bias_
/// regularizer and constraint on the cells, activity_regularizer on the layers): configs, penalties
/// and projections after an optimizer step.
/// </summary>
[TestClass]
public class RnnRegularizationTests
{
    private static void AssertRoundTrip(Layer layer, string className)
    {
        var config = layer.GetConfig();
        var revived = KerasObjects.Layer(className, config);
        Assert.AreEqual(config.ToJsonString(), revived.GetConfig().ToJsonString(), $"{className} config round trip");
    }

    private static string? ClassName(JsonObject config, string key) => (string?)config[key]?["class_name"];

    [TestMethod]
    public void LayerConfigsKeepRegularizersAndConstraints()
    {
        var simple = new SimpleRNN(3, kernelRegularizer: new L2(0.1), recurrentRegularizer: new L1(0.2), biasRegularizer: new L1L2(0.01, 0.02),
            activityRegularizer: new L1(0.3), kernelConstraint: new MaxNorm(2.0), recurrentConstraint: new UnitNorm(), biasConstraint: new NonNeg());
        var lstm = new LSTM(3, kernelRegularizer: "l2", recurrentRegularizer: new L1L2(0.1, 0.2), biasRegularizer: new L1(0.5),
            activityRegularizer: new L2(0.4), kernelConstraint: new NonNeg(), recurrentConstraint: new MinMaxNorm(0.5, 1.5, rate: 0.5), biasConstraint: new MaxNorm(3.0));
        var gru = new GRU(3, kernelRegularizer: new L1(0.1), recurrentRegularizer: new L2(0.2), biasRegularizer: new L2(0.3),
            activityRegularizer: new L1L2(0.1, 0.1), kernelConstraint: new UnitNorm(), recurrentConstraint: new NonNeg(), biasConstraint: new NonNeg(), resetAfter: false);
        foreach (var (layer, name) in new (Layer, string)[] { (simple, "SimpleRNN"), (lstm, "LSTM"), (gru, "GRU") })
        {
            var c = layer.GetConfig();
            foreach (var key in new[] { "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                         "kernel_constraint", "recurrent_constraint", "bias_constraint" })
                Assert.IsNotNull(ClassName(c, key), $"{name}: {key} is serialized");
            AssertRoundTrip(layer, name);
        }
        Assert.AreEqual("MinMaxNorm", ClassName(lstm.GetConfig(), "recurrent_constraint"));
        Assert.AreEqual("L1L2", ClassName(gru.GetConfig(), "activity_regularizer"));

        // Keras's key order: the regularizers and constraints come between the initializers and dropout.
        var keys = simple.GetConfig().Select(p => p.Key).ToList();
        Assert.AreEqual(keys.IndexOf("bias_initializer") + 1, keys.IndexOf("kernel_regularizer"));
        Assert.AreEqual(keys.IndexOf("bias_constraint") + 1, keys.IndexOf("dropout"));

        // The revived layers carry the same objects to their cells.
        var revived = (LSTM)KerasObjects.Layer("LSTM", lstm.GetConfig());
        Assert.AreEqual(0.2, ((L1L2)revived.Cell.RecurrentRegularizer!).L2Factor, 1e-12);
        Assert.AreEqual(0.4, ((L2)revived.ActivityRegularizer!).Factor, 1e-12);
        Assert.IsInstanceOfType<NonNeg>(revived.Cell.KernelConstraint);
    }

    [TestMethod]
    public void CellAndWrapperConfigsKeepRegularizersAndConstraints()
    {
        var cells = new (Layer, string)[]
        {
            (new SimpleRNNCell(2, kernelRegularizer: new L2(0.1), recurrentConstraint: new NonNeg(), biasRegularizer: new L1(0.2), biasConstraint: new MaxNorm(1.0)), "SimpleRNNCell"),
            (new LSTMCell(2, recurrentRegularizer: new L1L2(0.3, 0.4), kernelConstraint: new UnitNorm(), biasConstraint: new NonNeg()), "LSTMCell"),
            (new GRUCell(2, kernelRegularizer: new L1(0.5), recurrentRegularizer: new L2(0.6), biasRegularizer: new L2(0.7), kernelConstraint: new NonNeg(),
                recurrentConstraint: new MaxNorm(2.0), biasConstraint: new UnitNorm()), "GRUCell"),
        };
        foreach (var (cell, name) in cells)
        {
            var c = cell.GetConfig();
            Assert.IsFalse(c.ContainsKey("activity_regularizer"), $"{name}: Keras's cells have no activity_regularizer");
            AssertRoundTrip(cell, name);
        }

        var rnn = new RNN(new GRUCell(2, kernelRegularizer: new L2(0.1), biasConstraint: new NonNeg())) { ActivityRegularizer = new L1(0.2) };
        Assert.AreEqual("L1", ClassName(rnn.GetConfig(), "activity_regularizer"));
        AssertRoundTrip(rnn, "RNN");
        Assert.IsFalse(new RNN(new GRUCell(2)).GetConfig().ContainsKey("activity_regularizer"));

        var stacked = new RNN([new LSTMCell(2, kernelRegularizer: new L2(0.1)), new SimpleRNNCell(3, recurrentConstraint: new UnitNorm())]);
        AssertRoundTrip(stacked, "RNN");

        var bi = new Bidirectional(new LSTM(2, kernelRegularizer: new L2(0.1), recurrentConstraint: new UnitNorm(), activityRegularizer: new L1(0.01)))
        {
            ActivityRegularizer = new L2(0.5),
        };
        var bc = bi.GetConfig();
        Assert.AreEqual("L2", ClassName(bc, "activity_regularizer"));
        Assert.AreEqual("UnitNorm", ClassName(bc["backward_layer"]!["config"]!.AsObject(), "recurrent_constraint"));
        AssertRoundTrip(bi, "Bidirectional");
    }

    private static float[] Values(int n, float start, float step) => Enumerable.Range(0, n).Select(i => start + step * i).ToArray();

    private static void Set(Variable v, float[] values) => v.Assign(HostArray.Create(values, v.Shape.ToLongArray()));

    private static double SumSq(float[] v) => v.Sum(x => (double)x * x);

    private static double SumAbs(float[] v) => v.Sum(x => Math.Abs((double)x));

    [TestMethod]
    public void WeightPenaltiesEqualHandComputedValues()
    {
        using var scope = Ops.Scope();
        // LSTM, 2 features, 1 unit: kernel (2, 4), recurrent_kernel (1, 4), bias (4,).
        var lstm = new LSTM(1, kernelRegularizer: new L2(0.1), recurrentRegularizer: new L1(0.2), biasRegularizer: new L1L2(0.01, 0.02));
        lstm.EnsureBuilt([new Shape(2, 3, 2)]);
        float[] k = [1f, -2f, 0.5f, 3f, -1f, 0f, 2f, -0.25f], r = [0.5f, -1.5f, 2f, -3f], b = [1f, 1f, -2f, 0.5f];
        Set(lstm.Cell.Kernel!, k);
        Set(lstm.Cell.RecurrentKernel!, r);
        Set(lstm.Cell.Bias!, b);
        // 0.1 * (1+4+0.25+9+1+0+4+0.0625) + 0.2 * (0.5+1.5+2+3) + 0.01 * (1+1+2+0.5) + 0.02 * (1+1+4+0.25)
        double expected = 0.1 * 19.3125 + 0.2 * 7.0 + 0.01 * 4.5 + 0.02 * 6.25;
        Assert.AreEqual(expected, 0.1 * SumSq(k) + 0.2 * SumAbs(r) + 0.01 * SumAbs(b) + 0.02 * SumSq(b), 1e-12, "hand sums");
        Assert.AreEqual(3, lstm.Losses.Count);
        Assert.AreEqual(expected, lstm.Losses.Sum(l => l.Item()), 1e-5);

        // GRU with reset_after: bias (2, 3) is regularized as a whole.
        var gru = new GRU(1, recurrentRegularizer: new L2(0.5), biasRegularizer: new L1(0.25));
        gru.EnsureBuilt([new Shape(2, 3, 2)]);
        float[] gr = [1f, -2f, 3f], gb = [-1f, 2f, 0.5f, 0f, -4f, 1f];
        Set(gru.Cell.RecurrentKernel!, gr);
        Set(gru.Cell.Bias!, gb);
        Assert.AreEqual(2, gru.Losses.Count);
        Assert.AreEqual(0.5 * (1 + 4 + 9) + 0.25 * (1 + 2 + 0.5 + 0 + 4 + 1), gru.Losses.Sum(l => l.Item()), 1e-5);

        // SimpleRNN kernel only; a Bidirectional wrapper holds the forward and the backward copy.
        var bi = new Bidirectional(new SimpleRNN(2, kernelRegularizer: new L2(0.1)));
        bi.EnsureBuilt([new Shape(1, 2, 2)]);
        float[] fk = [1f, 2f, 3f, 4f], bk = [-1f, 0f, 0f, 2f];
        Set(((SimpleRNN)bi.ForwardLayer).Cell.Kernel!, fk);
        Set(((SimpleRNN)bi.BackwardLayer).Cell.Kernel!, bk);
        Assert.AreEqual(2, bi.Losses.Count);
        Assert.AreEqual(0.1 * 30 + 0.1 * 5, bi.Losses.Sum(l => l.Item()), 1e-5);
    }

    [TestMethod]
    public void ActivityRegularizerPenalisesTheLayerOutput()
    {
        using var scope = Ops.Scope();
        // Linear SimpleRNN, kernel ones, recurrent zeros, no bias: the last output is x_T·ones, i.e. x_T0 + x_T1 per unit.
        var rnn = new SimpleRNN(2, activation: "linear", useBias: false, kernelInitializer: new Ones(), recurrentInitializer: new Zeros(),
            activityRegularizer: new L1(0.1));
        float[] x = [1f, 2f, 3f, -4f, /* batch 1 */ 0.5f, 0.5f, -1f, -2f];
        var y = rnn.Apply(Ops.Constant(x, new Shape(2, 2, 2)));
        CollectionAssert.AreEqual(new[] { -1f, -1f, -3f, -3f }, y.ToArray<float>());
        // 0.1 * (|-1| + |-1| + |-3| + |-3|) / batch 2.
        Assert.AreEqual(1, rnn.Losses.Count);
        Assert.AreEqual(0.1 * 8 / 2, rnn.Losses.Single().Item(), 1e-6);
    }

    [TestMethod]
    public void ConstraintsApplyAfterAnOptimizerStep()
    {
        using var scope = Ops.Scope();
        var layers = new RNN[]
        {
            new SimpleRNN(2, kernelConstraint: new NonNeg(), biasConstraint: new NonNeg()),
            new LSTM(2, kernelConstraint: new NonNeg(), biasConstraint: new NonNeg()),
            new GRU(2, kernelConstraint: new NonNeg(), biasConstraint: new NonNeg()),
            new GRU(2, resetAfter: false, recurrentConstraint: new NonNeg()),
        };
        foreach (var layer in layers)
        {
            layer.EnsureBuilt([new Shape(1, 2, 3)]);
            var weights = layer.TrainableWeights;
            foreach (var w in weights) Set(w, Enumerable.Repeat(0.1f, (int)w.Shape.Size).ToArray());
            // SGD(1) with gradients of ones would take every weight to 0.1 - 1 = -0.9.
            var sgd = new Keras.Optimizers.SGD(1.0);
            sgd.ApplyGradients(weights.Select(w => Ops.Ones(w.Shape, w.DType)).ToList(), weights);
            foreach (var w in weights)
            {
                var v = w.ToHost().ToArray<float>();
                bool constrained = w.Constraint is not null;
                string label = $"{layer.GetType().Name} {w.Path}";
                if (constrained) Assert.IsTrue(v.All(e => e == 0f), $"{label}: NonNeg clips the step to 0");
                else Assert.IsTrue(v.All(e => Math.Abs(e + 0.9f) < 1e-6), $"{label}: unconstrained weights do go negative");
            }
            Assert.AreEqual(layer is GRU { ResetAfter: false } ? 1 : 2, weights.Count(w => w.Constraint is not null), layer.GetType().Name);
        }
    }

    [TestMethod]
    public void MaxNormOnTheRecurrentKernelAfterAStep()
    {
        using var scope = Ops.Scope();
        // LSTMCell recurrent kernel (1, 4): MaxNorm(1, axis 0) scales each column to norm <= 1.
        var cell = new LSTMCell(1, recurrentConstraint: new MaxNorm(1.0));
        cell.EnsureBuilt([new Shape(1, 2), new Shape(1, 1), new Shape(1, 1)]);
        Set(cell.RecurrentKernel!, [0.5f, -0.5f, 0f, 2f]);
        var sgd = new Keras.Optimizers.SGD(1.0);
        // After the step: [2.5, -3.5, 0.5, 2]; columns of one entry, so the constraint gives [1, -1, 0.5, 1] (up to Keras's 1e-7 epsilon).
        sgd.ApplyGradients([Ops.Constant([-2f, 3f, -0.5f, 0f], new Shape(1, 4))], [cell.RecurrentKernel!]);
        var v = cell.RecurrentKernel!.ToHost().ToArray<float>();
        double[] expected = [2.5 / (2.5 + 1e-7), -3.5 / (3.5 + 1e-7), 0.5, 2 / (2 + 1e-7)];
        for (int i = 0; i < 4; i++) Assert.AreEqual(expected[i], v[i], 1e-6, $"entry {i}");
    }
}
