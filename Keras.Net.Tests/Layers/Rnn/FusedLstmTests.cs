using Keras.Layers;
using Keras.Models;

namespace Keras.Net.Tests.Layers.Rnn;

/// <summary>
/// Unmasked LSTMs without dropout run the whole sequence in libtorch's fused kernel; a mask makes the layer
/// step through time itself. With an all-ones mask both compute the same function, so outputs, states and
/// gradients must agree (float32, 1e-5), and training through the fused path keeps memory flat.
/// </summary>
[TestClass]
public class FusedLstmTests
{
    private const int Batch = 3, Time = 7, Features = 5, Units = 4;

    private static (Tensor[] Outputs, Tensor[] Gradients) Run(LSTM lstm, Tensor x, Tensor? mask)
    {
        var tape = new GradientTape();
        var outs = mask is null
            ? lstm.Apply(new Tensors(x), training: true)
            : lstm.Apply(new Tensors(x), training: true, mask: new Tensors(mask));
        // A loss that reaches every output (sequence, h and c) so every gradient path is exercised.
        Tensor loss = Ops.Scalar(0.0);
        for (int i = 0; i < outs.Count; i++) loss = Ops.Add(loss, Ops.Sum(Ops.Multiply(Ops.Square(outs[i]), 0.5 + i)));
        return (outs.ToArray(), tape.Gradient(loss, lstm.TrainableWeights));
    }

    [TestMethod]
    public void FusedKernelMatchesTheStepLoopInValuesAndGradients()
    {
        Utils.SetRandomSeed(7);
        var lstm = new LSTM(Units, returnSequences: true, returnState: true);
        using var scope = Ops.Scope();
        var x = Ops.Constant(TestUtil.RandomFloats(Batch * Time * Features, 3), new Shape(Batch, Time, Features));
        var ones = Ops.Ones(new Shape(Batch, Time), DType.Bool);
        var (fusedOut, fusedGrad) = Run(lstm, x, mask: null);
        var (stepOut, stepGrad) = Run(lstm, x, ones);
        for (int i = 0; i < 3; i++)
            TestUtil.AssertClose(stepOut[i].ToArray<float>(), fusedOut[i].ToArray<float>(), 1e-5, $"output {i}");
        for (int i = 0; i < 3; i++)
            TestUtil.AssertClose(stepGrad[i].ToArray<float>(), fusedGrad[i].ToArray<float>(), 1e-5, $"gradient of {lstm.TrainableWeights[i].Path}");
    }

    [TestMethod]
    public void TrainingThroughTheFusedKernelLearnsAndKeepsMemoryFlat()
    {
        Utils.SetRandomSeed(8);
        var model = new Sequential([new LSTM(Units, inputShape: new Shape(Time, Features)), new Dense(1)]);
        model.Compile(optimizer: "adam", loss: "mse");
        var x = new float[32, Time, Features];
        Buffer.BlockCopy(TestUtil.RandomFloats(32 * Time * Features, 4), 0, x, 0, x.Length * sizeof(float));
        var y = TestUtil.RandomMatrix(32, 1, 5);
        var before = model.Evaluate(x, y)["loss"];
        model.Fit(x, y, batchSize: 8, epochs: 10, verbose: 0);
        Assert.IsLessThan(before, model.Evaluate(x, y)["loss"], "the loss goes down through the fused kernel's gradients");

        // Native memory, not the runtime's per-thread tensor counter: TorchSharp hands the custom autograd
        // function's gradient wrappers over to libtorch without counting them released. A leak of the
        // (256, 256) states would be 512 KB a step, 300 MB over these 600 steps.
        var big = new LSTM(256);
        using var scope = Ops.Scope();
        var input = Ops.Constant(TestUtil.RandomFloats(256 * 4 * 8, 6), new Shape(256, 4, 8));
        long Step(int steps)
        {
            for (int i = 0; i < steps; i++)
            {
                using var step = Ops.Scope();
                var tape = new GradientTape();
                var loss = Ops.Sum(big.Apply(input, training: true));
                tape.Gradient(loss, big.TrainableWeights);
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            return process.WorkingSet64 - GC.GetGCMemoryInfo().TotalCommittedBytes;
        }
        var start = Step(100);
        var growth = Step(600) - start;
        Assert.IsLessThan(48L << 20, growth, $"native memory grew by {growth >> 20} MB over 600 fused training steps");
    }
}
