using System.Diagnostics;
using Keras.Backend;
using Keras.Layers;
using Keras.Models;

namespace Keras.Net.Tests.Training;

/// <summary>
/// Native memory stays flat with no user disposal: every temporary of a step is freed inside the
/// library. Checked two ways: the runtime's count of live tensors returns exactly to where it was
/// (no reliance on the garbage collector), and resident memory does not grow.
/// </summary>
[TestClass]
public class MemoryTests
{
    /// <summary>Resident memory not held by the managed heap: the native side (libtorch, NumSharp buffers, …).</summary>
    private static long NativeResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64 - GC.GetGCMemoryInfo().TotalCommittedBytes;
    }

    private static Sequential Model()
    {
        Utils.SetRandomSeed(1);
        var model = new Sequential([new Dense(256, activation: "relu", inputShape: 128), new Dropout(0.2), new Dense(10, activation: "softmax")]);
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    [TestMethod]
    public void PredictKeepsMemoryFlatOver2000Calls()
    {
        var model = Model();
        var x = TestUtil.RandomMatrix(64, 128, 1);
        // Warm up past one-time costs (JIT tiers, allocator arenas) before measuring.
        for (int i = 0; i < 1000; i++) model.Predict(x);
        var liveBefore = KerasBackend.Current.LiveTensorCount;
        var rssBefore = NativeResidentBytes();
        for (int i = 0; i < 2000; i++) model.Predict(x);
        Assert.AreEqual(liveBefore, KerasBackend.Current.LiveTensorCount, "runtime tensors left alive by 2000 Predict calls");
        var growth = NativeResidentBytes() - rssBefore;
        Assert.IsTrue(growth < 16L << 20, $"native resident memory grew by {growth >> 20} MB over 2000 Predict calls");
    }

    [TestMethod]
    public void TrainingKeepsMemoryFlatOver500Steps()
    {
        var model = Model();
        var x = TestUtil.RandomMatrix(64, 128, 2);
        var y = Enumerable.Range(0, 64).Select(i => i % 10).ToArray();
        model.Fit(x, y, batchSize: 16, epochs: 50, verbose: 0);
        var liveBefore = KerasBackend.Current.LiveTensorCount;
        var rssBefore = NativeResidentBytes();
        model.Fit(x, y, batchSize: 16, epochs: 125, verbose: 0); // 500 steps
        for (int i = 0; i < 50; i++) model.TrainOnBatch(x, y);
        Assert.AreEqual(liveBefore, KerasBackend.Current.LiveTensorCount, "runtime tensors left alive by 500 training steps");
        var growth = NativeResidentBytes() - rssBefore;
        Assert.IsTrue(growth < 16L << 20, $"native resident memory grew by {growth >> 20} MB over 500 training steps");
    }
}
