using Keras.Data;
using Keras.Layers;
using static Keras.Net.Tests.Layers.Rnn.RnnReference;

namespace Keras.Net.Tests.Layers.Rnn;

/// <summary>
/// The recurrent layers against <see cref="RnnReference"/>, a naive double-precision loop over
/// Keras's equations. Tolerance 2e-5 (relative to 1 + |expected|): float32 arithmetic over a few steps.
/// </summary>
[TestClass]
public class RnnNumericTests
{
    private const double Tol = 2e-5;
    private const int B = 3, T = 5, F = 4;

    private static float[] Data(int seed, int n = B * T * F) => TestUtil.RandomFloats(n, seed);

    private static Tensor X(float[] data, int batch = B, int time = T, int features = F) => Ops.Constant(data, new Shape(batch, time, features));

    private static Weights W(RNN layer) => layer.Cell switch
    {
        LSTMCell c => Read(c.Kernel!, c.RecurrentKernel!, c.Bias),
        GRUCell c => Read(c.Kernel!, c.RecurrentKernel!, c.Bias),
        SimpleRNNCell c => Read(c.Kernel!, c.RecurrentKernel!, c.Bias),
        _ => throw new ArgumentException("no reference for this cell"),
    };

    private static T1 Built<T1>(T1 layer, int seed, Shape? shape = null) where T1 : Layer
    {
        layer.EnsureBuilt([shape ?? new Shape(B, T, F)]);
        Randomize(layer, seed);
        return layer;
    }

    [TestMethod]
    public void LstmSequencesAndStatesMatchTheReference()
    {
        using var scope = Ops.Scope();
        var lstm = Built(new LSTM(6, returnSequences: true, returnState: true), 1);
        var x = Data(11);
        var outs = lstm.Apply(new Tensors(X(x)));
        Assert.AreEqual(3, outs.Count);
        Assert.AreEqual(new Shape(B, T, 6), outs[0].Shape);
        var r = Run(Lstm(W(lstm)), x, B, T, F, Zeros(B, 6, 6));
        TestUtil.AssertClose(Flatten(r.Outputs), outs[0].ToArray<float>(), Tol, "sequence");
        TestUtil.AssertClose(State(r, 0), outs[1].ToArray<float>(), Tol, "h");
        TestUtil.AssertClose(State(r, 1), outs[2].ToArray<float>(), Tol, "c");
    }

    [TestMethod]
    public void GruResetAfterMatchesTheReference()
    {
        using var scope = Ops.Scope();
        var gru = Built(new GRU(5, returnState: true), 2);
        Assert.AreEqual(new Shape(2, 15), gru.Cell.Bias!.Shape);
        var x = Data(12);
        var outs = gru.Apply(new Tensors(X(x)));
        var r = Run(Gru(W(gru), resetAfter: true), x, B, T, F, Zeros(B, 5));
        TestUtil.AssertClose(Flatten(r.Last), outs[0].ToArray<float>(), Tol, "last output");
        TestUtil.AssertClose(State(r, 0), outs[1].ToArray<float>(), Tol, "h");
    }

    [TestMethod]
    public void GruResetBeforeMatchesTheReference()
    {
        using var scope = Ops.Scope();
        var gru = Built(new GRU(5, resetAfter: false, returnSequences: true), 3);
        Assert.AreEqual(new Shape(15), gru.Cell.Bias!.Shape);
        var x = Data(13);
        var y = gru.Apply(X(x));
        var r = Run(Gru(W(gru), resetAfter: false), x, B, T, F, Zeros(B, 5));
        TestUtil.AssertClose(Flatten(r.Outputs), y.ToArray<float>(), Tol, "sequence");
    }

    [TestMethod]
    public void SimpleRnnMatchesTheReference()
    {
        using var scope = Ops.Scope();
        var rnn = Built(new SimpleRNN(4, returnSequences: true), 4);
        var x = Data(14);
        var y = rnn.Apply(X(x));
        var r = Run(SimpleRnn(W(rnn)), x, B, T, F, Zeros(B, 4));
        TestUtil.AssertClose(Flatten(r.Outputs), y.ToArray<float>(), Tol, "sequence");
    }

    [TestMethod]
    public void GoBackwardsProcessesFromTheEndAndReturnsTheReversedSequence()
    {
        using var scope = Ops.Scope();
        var lstm = Built(new LSTM(3, returnSequences: true, goBackwards: true), 5);
        var x = Data(15);
        var y = lstm.Apply(X(x));
        var r = Run(Lstm(W(lstm)), x, B, T, F, Zeros(B, 3, 3), goBackwards: true);
        TestUtil.AssertClose(Flatten(r.Outputs), y.ToArray<float>(), Tol, "backward sequence");
        // And it is not the forward run.
        var forward = Run(Lstm(W(lstm)), x, B, T, F, Zeros(B, 3, 3));
        Assert.IsTrue(Math.Abs(Flatten(forward.Last)[0] - Flatten(r.Last)[0]) > 1e-3);
    }

    private static readonly bool[,] Mask =
    {
        { true, true, true, false, false },   // right-padded
        { false, true, false, true, true },   // holes, masked first step
        { true, false, false, false, true },
    };

    private static Tensor MaskTensor()
    {
        var flat = new bool[B * T];
        for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) flat[b * T + t] = Mask[b, t];
        return Ops.FromHost(HostArray.Create(flat, B, T));
    }

    [TestMethod]
    public void MaskedStepsKeepThePreviousOutputAndStates()
    {
        using var scope = Ops.Scope();
        var lstm = Built(new LSTM(4, returnSequences: true, returnState: true), 6);
        var x = Data(16);
        var input = X(x);
        input.KerasMask = MaskTensor();
        var outs = lstm.Apply(new Tensors(input));
        var r = Run(Lstm(W(lstm)), x, B, T, F, Zeros(B, 4, 4), Mask);
        TestUtil.AssertClose(Flatten(r.Outputs), outs[0].ToArray<float>(), Tol, "masked sequence");
        TestUtil.AssertClose(State(r, 0), outs[1].ToArray<float>(), Tol, "h");
        TestUtil.AssertClose(State(r, 1), outs[2].ToArray<float>(), Tol, "c");
        // The output sequence carries the mask on; the states do not.
        Assert.IsNotNull(outs[0].KerasMask);
        Assert.IsNull(outs[1].KerasMask);
    }

    [TestMethod]
    public void MaskArgumentBackwardsWithZeroOutputs()
    {
        using var scope = Ops.Scope();
        var rnn = Built(new RNN(new GRUCell(3), returnSequences: true, goBackwards: true, zeroOutputForMask: true), 7);
        var x = Data(17);
        // A float mask (as Masking produces) given through the mask argument.
        var floatMask = Ops.Cast(MaskTensor(), DType.Float32);
        var y = rnn.Apply(new Tensors(X(x)), mask: new Tensors(floatMask))[0];
        var cell = (GRUCell)rnn.Cell;
        var r = Run(Gru(Read(cell.Kernel!, cell.RecurrentKernel!, cell.Bias), true), x, B, T, F, Zeros(B, 3), Mask, goBackwards: true, zeroOutputForMask: true);
        TestUtil.AssertClose(Flatten(r.Outputs), y.ToArray<float>(), Tol, "masked backward sequence");
    }

    [TestMethod]
    public void LastOutputWithMaskIsTheLastUnmaskedStep()
    {
        using var scope = Ops.Scope();
        var rnn = Built(new SimpleRNN(4), 8);
        var x = Data(18);
        var input = X(x);
        input.KerasMask = MaskTensor();
        var y = rnn.Apply(input);
        var r = Run(SimpleRnn(W(rnn)), x, B, T, F, Zeros(B, 4), Mask);
        TestUtil.AssertClose(Flatten(r.Last), y.ToArray<float>(), Tol, "last");
        Assert.IsNull(y.KerasMask, "no mask without return_sequences");
    }

    [TestMethod]
    public void InitialStateIsUsed()
    {
        using var scope = Ops.Scope();
        var lstm = Built(new LSTM(3, returnState: true), 9);
        var x = Data(19);
        var h0 = TestUtil.RandomFloats(B * 3, 20);
        var c0 = TestUtil.RandomFloats(B * 3, 21);
        var outs = lstm.Apply(X(x), [Ops.Constant(h0, new Shape(B, 3)), Ops.Constant(c0, new Shape(B, 3))]);
        var r = Run(Lstm(W(lstm)), x, B, T, F, States(B, h0, c0));
        TestUtil.AssertClose(Flatten(r.Last), outs[0].ToArray<float>(), Tol, "last");
        TestUtil.AssertClose(State(r, 1), outs[2].ToArray<float>(), Tol, "c");
        var zero = Run(Lstm(W(lstm)), x, B, T, F, Zeros(B, 3, 3));
        Assert.IsTrue(Flatten(zero.Last).Zip(outs[0].ToArray<float>()).Any(p => Math.Abs(p.First - p.Second) > 1e-3), "initial state matters");
    }

    [TestMethod]
    public void StatefulCarriesStatesAcrossCallsUntilReset()
    {
        using var scope = Ops.Scope();
        var gru = Built(new GRU(4, stateful: true, returnSequences: true), 10);
        var x1 = Data(22);
        var x2 = Data(23);
        var y1 = gru.Apply(X(x1)).ToArray<float>();
        var y2 = gru.Apply(X(x2)).ToArray<float>();
        var step = Gru(W(gru), true);
        var r1 = Run(step, x1, B, T, F, Zeros(B, 4));
        var r2 = Run(step, x2, B, T, F, r1.States);
        TestUtil.AssertClose(Flatten(r1.Outputs), y1, Tol, "first batch");
        TestUtil.AssertClose(Flatten(r2.Outputs), y2, Tol, "second batch continues from the first");
        Assert.AreEqual(1, gru.States!.Count);
        TestUtil.AssertClose(State(r2, 0), gru.States[0].ToHost().ToArray<float>(), Tol, "kept state");

        gru.ResetStates();
        Assert.IsTrue(gru.States[0].ToHost().ToArray<float>().All(v => v == 0));
        var y3 = gru.Apply(X(x2)).ToArray<float>();
        TestUtil.AssertClose(Flatten(Run(step, x2, B, T, F, Zeros(B, 4)).Outputs), y3, Tol, "after reset");
        Assert.AreEqual(0, gru.Weights.Count(w => w.Name == "rnn_state"), "states are not weights");

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => gru.Apply(X(Data(24, 2 * T * F), batch: 2)));
        StringAssert.Contains(e.Message, "batch");
    }

    [TestMethod]
    public void StatefulTrainingStepKeepsGradientsValid()
    {
        using var scope = Ops.Scope();
        var lstm = Built(new LSTM(3, stateful: true), 25);
        var x = X(Data(26));
        for (int i = 0; i < 2; i++)
        {
            var loss = Ops.Sum(Ops.Square(lstm.Apply(x, training: true)));
            var grads = Keras.Backend.KerasBackend.Current.Gradients(loss, lstm.TrainableWeights.Select(w => w.Value).ToArray());
            Assert.IsTrue(grads.All(g => g.ToArray<float>().All(float.IsFinite)));
        }
    }

    [TestMethod]
    public void StackedCellsFeedEachOther()
    {
        using var scope = Ops.Scope();
        var rnn = Built(new RNN([new LSTMCell(4), new SimpleRNNCell(3)], returnSequences: true, returnState: true), 27);
        var x = Data(28);
        var outs = rnn.Apply(new Tensors(X(x)));
        Assert.AreEqual(4, outs.Count, "output + h, c of the LSTM + h of the SimpleRNN");
        var cells = ((StackedRNNCells)rnn.Cell).Cells;
        var l = (LSTMCell)cells[0];
        var s = (SimpleRNNCell)cells[1];
        var lstm = Lstm(Read(l.Kernel!, l.RecurrentKernel!, l.Bias));
        var simple = SimpleRnn(Read(s.Kernel!, s.RecurrentKernel!, s.Bias));
        Step stacked = (xt, states) =>
        {
            var (o1, s1) = lstm(xt, [states[0], states[1]]);
            var (o2, s2) = simple(o1, [states[2]]);
            return (o2, [.. s1, .. s2]);
        };
        var r = Run(stacked, x, B, T, F, Zeros(B, 4, 4, 3));
        TestUtil.AssertClose(Flatten(r.Outputs), outs[0].ToArray<float>(), Tol, "stacked sequence");
        TestUtil.AssertClose(State(r, 1), outs[2].ToArray<float>(), Tol, "LSTM c");
        TestUtil.AssertClose(State(r, 2), outs[3].ToArray<float>(), Tol, "SimpleRNN h");
    }

    [TestMethod]
    public void UserWrittenCellRunsInTheLoop()
    {
        using var scope = Ops.Scope();
        var cell = new MinimalRnnCell(3);
        var rnn = Built(new RNN(cell, returnSequences: true), 29);
        var x = Data(30);
        var y = rnn.Apply(X(x));
        var w = Read(cell.Kernel, cell.Recurrent, null);
        var r = Run(SimpleRnn(w, v => v), x, B, T, F, Zeros(B, 3));
        TestUtil.AssertClose(Flatten(r.Outputs), y.ToArray<float>(), Tol, "user cell sequence");
    }

    [TestMethod]
    public void CellsComputeOneStep()
    {
        using var scope = Ops.Scope();
        var cell = new LSTMCell(3);
        cell.EnsureBuilt([new Shape(B, F)]);
        Randomize(cell, 31);
        var x = TestUtil.RandomFloats(B * F, 32);
        var h = TestUtil.RandomFloats(B * 3, 33);
        var c = TestUtil.RandomFloats(B * 3, 34);
        var outs = cell.Apply(new Tensors(Ops.Constant(x, new Shape(B, F)), Ops.Constant(h, new Shape(B, 3)), Ops.Constant(c, new Shape(B, 3))));
        var r = Run(Lstm(Read(cell.Kernel!, cell.RecurrentKernel!, cell.Bias)), x, B, 1, F, States(B, h, c));
        TestUtil.AssertClose(Flatten(r.Last), outs[0].ToArray<float>(), Tol, "h'");
        TestUtil.AssertClose(State(r, 1), outs[2].ToArray<float>(), Tol, "c'");
    }

    [TestMethod]
    public void BidirectionalMergeModesMatchTheReference()
    {
        var x = Data(35);
        foreach (var mode in new[] { "concat", "sum", "mul", "ave", null })
        {
            using var scope = Ops.Scope();
            var bi = Built(new Bidirectional(new GRU(3, returnSequences: true), mergeMode: mode), 36);
            var input = X(x);
            input.KerasMask = MaskTensor();
            var outs = bi.Apply(new Tensors(input));
            var f = Run(Gru(W(bi.ForwardLayer), true), x, B, T, F, Zeros(B, 3), Mask, zeroOutputForMask: true);
            var b = Run(Gru(W(bi.BackwardLayer), true), x, B, T, F, Zeros(B, 3), Mask, goBackwards: true, zeroOutputForMask: true);
            // The backward outputs flipped back to input order.
            var back = b.Outputs.Select(s => s.Reverse().ToArray()).ToArray();
            var expected = new List<float[]>();
            var fw = f.Outputs;
            switch (mode)
            {
                case "concat":
                    expected.Add(fw.Zip(back).SelectMany(p => p.First.Zip(p.Second).SelectMany(q => q.First.Concat(q.Second))).Select(v => (float)v).ToArray());
                    break;
                case null:
                    expected.Add(Flatten(fw));
                    expected.Add(Flatten(back));
                    break;
                default:
                    Func<double, double, double> op = mode switch { "sum" => (a, c) => a + c, "mul" => (a, c) => a * c, _ => (a, c) => (a + c) / 2 };
                    expected.Add(fw.Zip(back).SelectMany(p => p.First.Zip(p.Second).SelectMany(q => q.First.Zip(q.Second, op))).Select(v => (float)v).ToArray());
                    break;
            }
            Assert.AreEqual(expected.Count, outs.Count, $"{mode}: outputs");
            for (int i = 0; i < expected.Count; i++) TestUtil.AssertClose(expected[i], outs[i].ToArray<float>(), Tol, $"{mode ?? "None"} output {i}");
            Assert.IsNotNull(outs[0].KerasMask, "sequence output keeps the mask");
        }
    }

    [TestMethod]
    public void BidirectionalReturnStateOrderAndInitialStateHalves()
    {
        using var scope = Ops.Scope();
        var bi = Built(new Bidirectional(new LSTM(2, returnState: true)), 37);
        var x = Data(38);
        var s = Enumerable.Range(0, 4).Select(i => TestUtil.RandomFloats(B * 2, 40 + i)).ToArray();
        var outs = bi.Apply(X(x), s.Select(a => Ops.Constant(a, new Shape(B, 2))).ToArray());
        Assert.AreEqual(5, outs.Count, "output, forward h, c, backward h, c");
        var f = Run(Lstm(W(bi.ForwardLayer)), x, B, T, F, States(B, s[0], s[1]));
        var b = Run(Lstm(W(bi.BackwardLayer)), x, B, T, F, States(B, s[2], s[3]), goBackwards: true);
        var expected = f.Last.Zip(b.Last).SelectMany(p => p.First.Concat(p.Second)).Select(v => (float)v).ToArray();
        TestUtil.AssertClose(expected, outs[0].ToArray<float>(), Tol, "concat of last outputs");
        TestUtil.AssertClose(State(f, 0), outs[1].ToArray<float>(), Tol, "forward h");
        TestUtil.AssertClose(State(f, 1), outs[2].ToArray<float>(), Tol, "forward c");
        TestUtil.AssertClose(State(b, 0), outs[3].ToArray<float>(), Tol, "backward h");
        TestUtil.AssertClose(State(b, 1), outs[4].ToArray<float>(), Tol, "backward c");
    }

    [TestMethod]
    public void InputDropoutUsesOneMaskForEveryStep()
    {
        using var scope = Ops.Scope();
        // With no recurrence, a sequence constant in time gives the same output at every step only if
        // the dropout mask is the same at every step (Keras's DropoutRNNCell caches it for the call).
        var rnn = new SimpleRNN(6, dropout: 0.5, recurrentInitializer: new Keras.Initializers.Zeros(), returnSequences: true, seed: 1);
        var row = TestUtil.RandomFloats(2 * 8, 50);
        var data = new float[2 * T * 8];
        for (int b = 0; b < 2; b++)
        for (int t = 0; t < T; t++) Array.Copy(row, b * 8, data, (b * T + t) * 8, 8);
        var x = Ops.Constant(data, new Shape(2, T, 8));
        var train = rnn.Apply(x, training: true).ToArray<float>();
        var infer = rnn.Apply(x, training: false).ToArray<float>();
        for (int b = 0; b < 2; b++)
        for (int t = 1; t < T; t++)
        for (int u = 0; u < 6; u++)
            Assert.AreEqual(train[(b * T) * 6 + u], train[(b * T + t) * 6 + u], 1e-6, "same mask at every step");
        Assert.IsFalse(train.SequenceEqual(infer), "training drops inputs");
        // Inference does not drop: step outputs equal tanh(x·W + b).
        var w = W(rnn);
        var r = Run(SimpleRnn(w), data, 2, T, 8, Zeros(2, 6));
        TestUtil.AssertClose(Flatten(r.Outputs), infer, Tol, "inference");
    }

    [TestMethod]
    public void TimeDistributedPassesTheMaskOn()
    {
        using var scope = Ops.Scope();
        var td = new TimeDistributed(new Dense(2));
        var input = X(Data(51));
        var mask = MaskTensor();
        input.KerasMask = mask;
        var y = td.Apply(input);
        Assert.AreEqual(new Shape(B, T, 2), y.Shape);
        CollectionAssert.AreEqual(mask.ToArray<bool>(), y.KerasMask!.ToArray<bool>());
        Assert.IsTrue(td.Weights.All(v => v.Path.StartsWith(td.Name + "/", StringComparison.Ordinal)), "paths nest under the wrapper");
    }
}
