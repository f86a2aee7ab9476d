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
    public void SetNumThreadsIsApplied()
    {
        var before = KerasBackend.Info.Threads;
        KerasBackend.SetNumThreads(1);
        Assert.AreEqual(1, KerasBackend.Info.Threads);
        KerasBackend.SetNumThreads(before);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => KerasBackend.SetNumThreads(0));
    }
}
