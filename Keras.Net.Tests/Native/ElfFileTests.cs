using Keras.Native.Elf;
using static Keras.Net.Tests.Native.NativeTestFiles;

namespace Keras.Net.Tests.Native;

[TestClass]
public sealed class ElfFileTests
{
    [TestMethod]
    public void Shim_HasExpectedIdentityAndDependencies()
    {
        var elf = ElfFile.Load(ShimPath);

        Assert.AreEqual(ShimPath, elf.SourceName);
        Assert.AreEqual(ShimLength, elf.Length);
        Assert.AreEqual((ushort)3, elf.Type, "ET_DYN");
        Assert.AreEqual((ushort)62, elf.Machine, "EM_X86_64");
        Assert.AreEqual("libLibTorchSharp.so", elf.SoName);
        CollectionAssert.IsSubsetOf(new[] { "libtorch.so", "libc10.so", "libtorch_cpu.so", LibStdCxx }, elf.NeededLibraries.ToArray());
        Assert.AreEqual(string.Empty, elf.Sections[0].Name);
        Assert.Contains(".dynsym", elf.Sections.Select(s => s.Name).ToArray());
        Assert.Contains(".gnu.version_r", elf.Sections.Select(s => s.Name).ToArray());
    }

    [TestMethod]
    public void Shim_ListsNeededVersionsPerLibrary()
    {
        var elf = ElfFile.Load(ShimPath);

        var files = elf.VersionNeeds.Select(n => n.FileName).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[] { "ld-linux-x86-64.so.2", "libc.so.6", "libgcc_s.so.1", "libm.so.6", LibStdCxx }, files);

        var stdcxx = elf.VersionNeeds.Single(n => n.FileName == LibStdCxx);
        Assert.HasCount(20, stdcxx.Requirements);
        var names = stdcxx.Requirements.Select(r => r.Name).ToArray();
        Assert.Contains(Glibcxx3432, names);
        Assert.Contains("GLIBCXX_3.4.30", names);
        Assert.Contains("CXXABI_1.3.13", names);
        Assert.Contains("GLIBCXX_3.4", names);
        Assert.IsTrue(stdcxx.Requirements.All(r => r.FileName == LibStdCxx));

        // vna_hash is the SysV ELF hash of the name, for every requirement of every library.
        foreach (var r in elf.VersionNeeds.SelectMany(n => n.Requirements))
        {
            Assert.AreEqual(ElfFile.ElfHash(r.Name), r.Hash, r.Name);
        }

        // Version indices are unique and above the reserved 0 (local) and 1 (global).
        var indices = elf.VersionNeeds.SelectMany(n => n.Requirements).Select(r => r.Index).ToArray();
        Assert.AreEqual(indices.Length, indices.Distinct().Count());
        Assert.IsTrue(indices.All(i => i >= 2));
    }

    [TestMethod]
    public void Shim_Glibcxx3432_IsStrongAndBoundOnlyToIosBaseLibraryInit()
    {
        var elf = ElfFile.Load(ShimPath);
        var requirement = elf.FindRequirement(LibStdCxx, Glibcxx3432);

        Assert.IsNotNull(requirement);
        Assert.IsFalse(requirement.IsWeak);
        Assert.AreEqual((ushort)0, requirement.Flags);

        var bound = elf.GetSymbolsBoundTo(requirement);
        Assert.HasCount(1, bound);
        Assert.AreEqual(IosBaseLibraryInit, bound[0].Name);
        Assert.IsTrue(bound[0].IsUndefined, "an imported symbol");
        Assert.AreEqual(requirement.Index, bound[0].VersionIndex);

        // Never resolved: no dynamic relocation refers to it, so weakening the version cannot break a call.
        Assert.DoesNotContain(bound[0].Index, elf.RelocatedSymbolIndices);
        Assert.IsNotEmpty(elf.RelocatedSymbolIndices);
    }

    [TestMethod]
    public void Shim_OtherGlibcxxVersionsBindRealSymbols()
    {
        var elf = ElfFile.Load(ShimPath);
        var v3430 = elf.FindRequirement(LibStdCxx, "GLIBCXX_3.4.30");
        Assert.IsNotNull(v3430);

        var bound = elf.GetSymbolsBoundTo(v3430).Select(s => s.Name).ToArray();
        Assert.Contains("_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE", bound);
        Assert.IsNull(elf.FindRequirement(LibStdCxx, "GLIBCXX_9.9.9"));
        Assert.IsNull(elf.FindRequirement("libnothing.so", Glibcxx3432));
    }

    [TestMethod]
    public void Shim_DynamicSymbolsMatchVersymTable()
    {
        var elf = ElfFile.Load(ShimPath);
        var dynsym = elf.Sections.Single(s => s.Name == ".dynsym");
        var versym = elf.Sections.Single(s => s.Name == ".gnu.version");

        Assert.AreEqual((int)(dynsym.Size / 24), elf.DynamicSymbols.Count);
        Assert.AreEqual(versym.Size / 2, (ulong)elf.DynamicSymbols.Count);
        Assert.AreEqual(string.Empty, elf.DynamicSymbols[0].Name);
        Assert.AreEqual((ushort)0, elf.DynamicSymbols[0].VersionIndex);
        Assert.IsTrue(elf.DynamicSymbols.Any(s => s.Name.StartsWith("THSTensor_", StringComparison.Ordinal) && !s.IsUndefined),
            "the shim exports its THS* API");
    }

    [TestMethod]
    public void ElfHash_MatchesReferenceValues()
    {
        // Reference values of the System V ABI hash (0x09691a75 is the well-known hash of GLIBC_2.2.5).
        Assert.AreEqual(0u, ElfFile.ElfHash(string.Empty));
        Assert.AreEqual(0x672u, ElfFile.ElfHash("ab"));
        Assert.AreEqual(0x09691a75u, ElfFile.ElfHash("GLIBC_2.2.5"));
        Assert.AreEqual(0x08922974u, ElfFile.ElfHash("GLIBCXX_3.4"));
        Assert.AreEqual(0x0297f842u, ElfFile.ElfHash(Glibcxx3432));
    }
}
