using Keras.Backend;

namespace Keras.Net.Tests.Backend;

[TestClass]
public class RuntimeTests
{
    [TestMethod]
    public void InfoDescribesTheLibtorchRuntime()
    {
        var info = KerasBackend.Info;
        Assert.AreEqual("torch", info.Backend);
        StringAssert.StartsWith(info.RuntimeVersion, "2.10");
        Assert.AreEqual("0.107.0", info.BindingVersion);
        Assert.AreEqual("cpu", info.Device);
        Assert.IsFalse(info.CudaAvailable, "this machine has no GPU");
        Assert.IsTrue(info.Threads >= 1);
    }

    [TestMethod]
    public void AskingForCudaWithoutAGpuIsAClearError()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => KerasBackend.SetDevice("cuda"));
        StringAssert.Contains(e.Message, "CUDA is not available");
        Assert.AreEqual("cpu", KerasBackend.Device, "the current device is unchanged");
        Assert.ThrowsExactly<ArgumentException>(() => KerasBackend.SetDevice("tpu"));
    }

    [TestMethod]
    public void AutoFallsBackToTheCpu()
    {
        KerasBackend.SetDevice("auto");
        try
        {
            Assert.AreEqual("cpu", KerasBackend.Device);
        }
        finally
        {
            KerasBackend.SetDevice("cpu");
        }
    }

    [TestMethod]
    public void TheDeviceVariableChoosesTheStartDevice()
    {
        var saved = Environment.GetEnvironmentVariable("KERAS_NET_DEVICE");
        try
        {
            Environment.SetEnvironmentVariable("KERAS_NET_DEVICE", "cpu");
            Assert.AreEqual("cpu", KerasBackend.CreateDefault().Device);
            Environment.SetEnvironmentVariable("KERAS_NET_DEVICE", null);
            Assert.AreEqual("cpu", KerasBackend.CreateDefault().Device, "CPU is the default");
            Environment.SetEnvironmentVariable("KERAS_NET_DEVICE", "cuda");
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => KerasBackend.CreateDefault());
            StringAssert.Contains(e.Message, "TorchSharp-cpu");
        }
        finally
        {
            Environment.SetEnvironmentVariable("KERAS_NET_DEVICE", saved);
        }
    }

    [TestMethod]
    public void DenormalFloatsAreFlushedToZeroAsTensorFlowDoes()
    {
        StringAssert.Contains(KerasBackend.Info.LoaderNote, "denormal floats flushed to zero");
        using var scope = Ops.Scope();
        var tiny = Ops.Full(new Shape(4), 1e-39, DType.Float32);
        var product = Ops.Multiply(tiny, 0.5).ToArray<float>();
        Assert.IsTrue(product.All(v => v == 0f), $"1e-39 * 0.5 is flushed to 0, got {product[0]}");
        var normal = Ops.Multiply(Ops.Full(new Shape(1), 1e-30, DType.Float32), 0.5).ToArray<float>()[0];
        Assert.AreEqual(5e-31f, normal, 1e-36f, "normal floats are untouched");
    }

    [TestMethod]
    public void DenormalsAreFlushedOnEveryThreadThatComputes()
    {
        // The flush lives in each thread's CPU state: threads the application brings get it too.
        Assert.IsNotNull(KerasBackend.Current);
        float product = -1;
        bool cleared = false;
        var thread = new Thread(() =>
        {
            // New threads inherit their creator's setting; clear it, as on a thread started by native
            // code or before Keras.Net was loaded.
            cleared = Keras.Backend.Torch.TorchBackend.TrySetFlushDenormal(false);
            using var scope = Ops.Scope();
            product = Ops.Multiply(Ops.Full(new Shape(1), 1e-39, DType.Float32), 0.5).ToArray<float>()[0];
        });
        thread.Start();
        thread.Join();
        Assert.IsTrue(cleared, "the test could clear the setting on its thread");
        Assert.AreEqual(0f, product, "1e-39 * 0.5 on a thread that did not inherit the setting");
    }

    [TestMethod]
    public void SetNumThreadsIsApplied()
    {
        var before = KerasBackend.Info.Threads;
        KerasBackend.SetNumThreads(1);
        Assert.AreEqual(1, KerasBackend.Info.Threads);
        KerasBackend.SetNumThreads(before);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => KerasBackend.SetNumThreads(0));
    }
}
