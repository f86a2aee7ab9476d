using System.Diagnostics;
using Keras.Native;
using Keras.Native.Elf;
using TorchSharp;
using static Keras.Net.Tests.Native.NativeTestFiles;

namespace Keras.Net.Tests.Native;

/// <summary>The bootstrap inside the test process itself (which uses the default per-user cache folder).</summary>
[TestClass]
public sealed class TorchRuntimeTests
{
    [TestMethod]
    public void EnsureLoaded_ConcurrentCalls_LoadOnceThenAreCheap()
    {
        Parallel.For(0, 8, _ => TorchRuntime.EnsureLoaded());
        Assert.IsTrue(TorchRuntime.IsLoaded);

        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < 100_000; i++)
        {
            TorchRuntime.EnsureLoaded();
        }

        Assert.IsLessThan(200, stopwatch.ElapsedMilliseconds, "after loading, EnsureLoaded is a field read");

        using var t = torch.tensor(new[] { 1.5, 2.5, -1.0 });
        Assert.AreEqual(3.0, t.sum().item<double>());
    }

    [TestMethod]
    public void Info_ReportsVersionsThreadsAndTheShimInUse()
    {
        var info = TorchRuntime.Info;

        Assert.StartsWith("2.10.", info.LibTorchVersion);
        Assert.AreEqual("0.107.0", info.TorchSharpVersion);
        Assert.IsFalse(info.CudaAvailable, "the tests reference the CPU build of libtorch");
        Assert.IsGreaterThanOrEqualTo(1, info.NumThreads);
        Assert.IsGreaterThanOrEqualTo(1, info.NumInteropThreads);
        Assert.AreEqual(torch.get_num_threads(), info.NumThreads);
        Assert.AreEqual("verified with a tensor computation", info.LoadTrace[^1]);
        Assert.Contains($"libtorch {info.LibTorchVersion}, TorchSharp 0.107.0", info.ToString());

        var expectPatch = OperatingSystem.IsLinux() && !HostProvidesGlibcxx3432;
        Assert.AreEqual(expectPatch, info.ShimPatched);
        if (!expectPatch)
        {
            Assert.IsNull(info.OriginalShimPath);
            Assert.IsEmpty(info.WeakenedVersions);
            return;
        }

        CollectionAssert.AreEqual(new[] { $"{LibStdCxx}:{Glibcxx3432}" }, info.WeakenedVersions.ToArray());
        Assert.IsNotNull(info.OriginalShimPath);
        Assert.AreEqual("libLibTorchSharp.so", Path.GetFileName(info.OriginalShimPath));
        Assert.IsFalse(ElfFile.Load(info.OriginalShimPath).FindRequirement(LibStdCxx, Glibcxx3432)!.IsWeak, "the shipped file is untouched");
        Assert.IsNotNull(info.ShimPath);
        Assert.AreNotEqual(info.OriginalShimPath, info.ShimPath);
        Assert.IsNotNull(info.LibTorchDirectory);
        Assert.IsTrue(File.Exists(Path.Combine(info.LibTorchDirectory, "libtorch_cpu.so")));
        if (File.Exists(info.ShimPath)) // absent only when the private temporary fallback was used (and cleaned up)
        {
            Assert.IsTrue(ElfFile.Load(info.ShimPath).FindRequirement(LibStdCxx, Glibcxx3432)!.IsWeak);
        }
    }

    [TestMethod]
    public void Info_IsAFreshSnapshot()
    {
        var before = TorchRuntime.Info;
        var threads = torch.get_num_threads();
        try
        {
            torch.set_num_threads(1);
            Assert.AreEqual(1, TorchRuntime.Info.NumThreads);
        }
        finally
        {
            torch.set_num_threads(threads);
        }

        Assert.AreEqual(before.NumThreads, TorchRuntime.Info.NumThreads);
        Assert.AreEqual(before.ShimPath, TorchRuntime.Info.ShimPath);
    }
}
