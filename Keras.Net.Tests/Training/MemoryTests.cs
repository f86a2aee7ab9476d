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
    public void PredictKeepsMemoryFlatOver10000Calls()
    {
        using var model = Model();
        var x = TestUtil.RandomMatrix(16, 128, 1);
        // Warm up past one-time costs (JIT tiers, allocator arenas) before measuring.
        for (int i = 0; i < 1000; i++) model.Predict(x);
        var liveBefore = KerasBackend.Current.LiveTensorCount;
        var rssBefore = NativeResidentBytes();
        for (int i = 0; i < 10_000; i++)
        {
            if (i % 2 == 0) model.Predict(x);
            else model.PredictOnBatch(x);
        }
        Assert.AreEqual(liveBefore, KerasBackend.Current.LiveTensorCount, "runtime tensors left alive by 10,000 predictions");
        var growth = NativeResidentBytes() - rssBefore;
        Assert.IsLessThan(16L << 20, growth, $"native resident memory grew by {growth >> 20} MB over 10,000 predictions");
    }

    [TestMethod]
    public void TrainingKeepsMemoryFlatOver2000Steps()
    {
        using var model = Model();
        var x = TestUtil.RandomMatrix(64, 128, 2);
        var y = Enumerable.Range(0, 64).Select(i => i % 10).ToArray();
        model.Fit(x, y, batchSize: 16, epochs: 50, verbose: 0);
        var liveBefore = KerasBackend.Current.LiveTensorCount;
        var rssBefore = NativeResidentBytes();
        model.Fit(x, y, batchSize: 16, epochs: 450, verbose: 0); // 1,800 steps
        for (int i = 0; i < 200; i++) model.TrainOnBatch(x, y);
        Assert.AreEqual(liveBefore, KerasBackend.Current.LiveTensorCount, "runtime tensors left alive by 2,000 training steps");
        var growth = NativeResidentBytes() - rssBefore;
        Assert.IsLessThan(16L << 20, growth, $"native resident memory grew by {growth >> 20} MB over 2,000 training steps");
    }

    /// <summary>A model of about 8 MB of weights, saved once, for the load/unload tests.</summary>
    private static string SavedModelFile()
    {
        Utils.SetRandomSeed(4);
        using var model = new Sequential([new Dense(1024, activation: "relu", inputShape: 1024), new Dense(1024), new Dense(10)]);
        var path = Path.Combine(Path.GetTempPath(), $"keras-net-memory-{Environment.ProcessId}.keras");
        model.SaveModel(path);
        return path;
    }

    [TestMethod]
    public void LoadingAndDisposing100ModelsReleasesTheirMemory()
    {
        var path = SavedModelFile();
        try
        {
            var x = TestUtil.RandomMatrix(2, 1024, 3);
            for (int i = 0; i < 5; i++)
            {
                using var warm = Keras.Models.Model.Load(path);
                warm.Predict(x);
            }
            var liveBefore = KerasBackend.Current.LiveTensorCount;
            var rssBefore = NativeResidentBytes();
            for (int i = 0; i < 100; i++)
            {
                using var model = Keras.Models.Model.Load(path);
                model.Predict(x);
            }
            Assert.AreEqual(liveBefore, KerasBackend.Current.LiveTensorCount, "runtime tensors left alive by 100 disposed models");
            var growth = NativeResidentBytes() - rssBefore;
            // Keeping the models would take 800 MB; the allocator's reuse of freed memory wanders by a few tens of MB.
            Assert.IsLessThan(96L << 20, growth, $"native resident memory grew by {growth >> 20} MB over 100 load/dispose cycles of an 8 MB model");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Loading100ModelsWithoutDisposingStaysBounded()
    {
        var path = SavedModelFile();
        try
        {
            var x = TestUtil.RandomMatrix(2, 1024, 3);
            // Warm up until the allocator holds its working set (it keeps some freed memory for reuse).
            for (int i = 0; i < 20; i++) Keras.Models.Model.Load(path).Predict(x);
            var rssBefore = NativeResidentBytes();
            long peak = 0;
            for (int i = 0; i < 100; i++)
            {
                // Dropped without Dispose: the weights tell the GC how much native memory they hold, so
                // collections free old models long before 100 of them (800 MB) pile up. No GC.Collect here.
                Keras.Models.Model.Load(path).Predict(x);
                using var p = System.Diagnostics.Process.GetCurrentProcess();
                peak = Math.Max(peak, p.WorkingSet64);
            }
            var peakGrowth = peak - rssBefore - GC.GetGCMemoryInfo().TotalCommittedBytes;
            Assert.IsLessThan(300L << 20, peakGrowth, $"resident memory peaked {peakGrowth >> 20} MB above the start while loading 100 undisposed 8 MB models");
            var growth = NativeResidentBytes() - rssBefore;
            // A leak would keep all 100 models (800 MB). The allocator's reuse of freed memory makes the
            // level wander by a few tens of MB from run to run (about 255-310 MB over 400 loads here), with no trend.
            Assert.IsLessThan(128L << 20, growth, $"native resident memory grew by {growth >> 20} MB after 100 undisposed models were collected");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
