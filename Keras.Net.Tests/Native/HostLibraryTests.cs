using Keras.Native.Elf;
using Keras.Native.Linux;
using static Keras.Net.Tests.Native.NativeTestFiles;

namespace Keras.Net.Tests.Native;

/// <summary>
/// Reads the host's real libraries. These checks are about the Linux dynamic loader (elsewhere the shim is a
/// PE/Mach-O file), so they are declared Linux-only; on Linux every one of them runs.
/// </summary>
[TestClass]
[OSCondition(OperatingSystems.Linux)]
public sealed class HostLibraryTests
{
    [TestMethod]
    public void HostLibStdCxx_VersionDefinitionsAreReadable()
    {
        var host = HostLibStdCxx();
        var names = host.GetDefinedVersionNames();

        Assert.AreEqual("libstdc++.so.6", host.SoName);
        Assert.IsTrue(host.VersionDefinitions[0].IsBase);
        Assert.AreEqual("libstdc++.so.6", host.VersionDefinitions[0].Name);
        Assert.Contains("GLIBCXX_3.4", names);
        Assert.Contains("CXXABI_1.3", names);
        Assert.Contains("GLIBCXX_3.4.30", names, "every supported host (GCC 12+) has 3.4.30, which the shim really uses");
        Assert.IsTrue(host.VersionDefinitions.All(d => d.Hash == ElfFile.ElfHash(d.Name)));

        // Parents chain the versions: GLIBCXX_3.4.1 inherits from GLIBCXX_3.4.
        var v341 = host.VersionDefinitions.Single(d => d.Name == "GLIBCXX_3.4.1");
        CollectionAssert.AreEqual(new[] { "GLIBCXX_3.4" }, v341.Parents.ToArray());
    }

    [TestMethod]
    public void HostLibStdCxx_Lacks3432_AndTheShimIsPatchable()
    {
        var shim = ElfFile.Load(ShimPath);
        var analysis = LinuxShimLoader.Analyze(shim, name => (LinuxLibraries.ResolveBySoname(name, out var error), error));

        Assert.IsEmpty(analysis.UnresolvedLibraries);
        if (HostProvidesGlibcxx3432)
        {
            // GCC 13+ runtime (e.g. Debian 13, Ubuntu 24.04): the shim loads as shipped.
            Assert.IsEmpty(analysis.Missing);
            Assert.IsFalse(analysis.CanPatch);
            return;
        }

        // Debian 12 / Ubuntu 22.04: exactly GLIBCXX_3.4.32 is missing, and it only guards a never-called marker.
        var missing = analysis.Missing.Single();
        Assert.AreEqual(Glibcxx3432, missing.Requirement.Name);
        Assert.AreEqual(LibStdCxx, missing.Requirement.FileName);
        Assert.Contains("libstdc++.so.6", missing.HostLibraryPath);
        Assert.AreEqual(IosBaseLibraryInit, missing.BoundSymbols.Single().Name);
        Assert.IsEmpty(missing.Blockers);
        Assert.IsTrue(analysis.CanPatch);
    }

    [TestMethod]
    public void Analyze_RefusesWhenARealSymbolNeedsTheMissingVersion()
    {
        // Pretend the host's C++ runtime provides none of the shim's GLIBCXX/CXXABI versions by resolving
        // libstdc++.so.6 to a versioned library that defines other versions (libgcc_s). Then real calls such as
        // condition_variable::wait are bound to missing versions, and weakening would be unsafe.
        var shim = ElfFile.Load(ShimPath);
        var analysis = LinuxShimLoader.Analyze(shim, name =>
            (LinuxLibraries.ResolveBySoname(name == LibStdCxx ? "libgcc_s.so.1" : name, out var error), error));

        Assert.IsFalse(analysis.CanPatch);
        Assert.HasCount(20, analysis.Missing);
        var v3430 = analysis.Missing.Single(m => m.Requirement.Name == "GLIBCXX_3.4.30");
        Assert.Contains("_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE", v3430.Blockers.Select(s => s.Name).ToArray());
        var v3432 = analysis.Missing.Single(m => m.Requirement.Name == Glibcxx3432);
        Assert.IsEmpty(v3432.Blockers, "the marker alone would still be safe");
    }

    [TestMethod]
    public void ResolveBySoname_ReportsUnknownLibraries()
    {
        Assert.IsNull(LinuxLibraries.ResolveBySoname("libkeras-net-does-not-exist.so.9", out var error));
        Assert.IsNotNull(error);
        Assert.Contains("libkeras-net-does-not-exist.so.9", error);

        var libc = LinuxLibraries.ResolveBySoname("libc.so.6", out _);
        Assert.IsNotNull(libc);
        Assert.IsTrue(File.Exists(libc));
        Assert.AreEqual("libc.so.6", ElfFile.Load(libc).SoName);

        var mapped = LinuxLibraries.FindInProcessMaps("libc.so.6");
        Assert.IsNotNull(mapped);
        Assert.StartsWith("libc.so.6", Path.GetFileName(mapped));
    }
}
