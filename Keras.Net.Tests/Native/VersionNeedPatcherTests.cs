using System.Security.Cryptography;
using Keras.Native.Elf;
using static Keras.Net.Tests.Native.NativeTestFiles;

namespace Keras.Net.Tests.Native;

[TestClass]
public sealed class VersionNeedPatcherTests
{
    private string _dir = string.Empty;

    [TestInitialize]
    public void Initialize() => _dir = CreateTempDirectory();

    [TestCleanup]
    public void Cleanup() => DeleteDirectory(_dir);

    [TestMethod]
    public void MarkWeak_OnCopyOfShim_ChangesOnlyTheFlagAndLeavesSourceUntouched()
    {
        var source = Path.Combine(_dir, "libLibTorchSharp.so");
        File.Copy(ShimPath, source);
        var shippedHash = SHA256.HashData(File.ReadAllBytes(ShimPath));
        var before = File.ReadAllBytes(source);
        var beforeElf = ElfFile.Load(source);
        var requirement = beforeElf.FindRequirement(LibStdCxx, Glibcxx3432)!;
        Assert.IsFalse(requirement.IsWeak);

        var destination = Path.Combine(_dir, "patched", "libLibTorchSharp.so");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var result = VersionNeedPatcher.MarkWeak(source, destination, LibStdCxx, [Glibcxx3432]);

        // The reported requirement is the same entry, now weak.
        Assert.HasCount(1, result);
        Assert.AreEqual(Glibcxx3432, result[0].Name);
        Assert.IsTrue(result[0].IsWeak);
        Assert.AreEqual(requirement.FileOffset, result[0].FileOffset);

        // Exactly one byte differs: the low byte of vna_flags (+4 in Elf64_Vernaux), 0x00 -> 0x02.
        var after = File.ReadAllBytes(destination);
        Assert.HasCount(before.Length, after);
        var differences = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        CollectionAssert.AreEqual(new[] { (int)requirement.FileOffset + 4 }, differences);
        Assert.AreEqual((byte)0x00, before[requirement.FileOffset + 4]);
        Assert.AreEqual((byte)0x02, after[requirement.FileOffset + 4]);

        // Re-parsed: only that requirement changed; every other one keeps its flags.
        var afterElf = ElfFile.Load(destination);
        Assert.IsTrue(afterElf.FindRequirement(LibStdCxx, Glibcxx3432)!.IsWeak);
        var otherBefore = beforeElf.VersionNeeds.SelectMany(n => n.Requirements).Where(r => r.Name != Glibcxx3432).ToArray();
        var otherAfter = afterElf.VersionNeeds.SelectMany(n => n.Requirements).Where(r => r.Name != Glibcxx3432).ToArray();
        CollectionAssert.AreEqual(otherBefore, otherAfter);
        Assert.HasCount(1, afterElf.GetSymbolsBoundTo(afterElf.FindRequirement(LibStdCxx, Glibcxx3432)!));

        // The source and the shipped file are untouched; no temp files are left behind.
        CollectionAssert.AreEqual(before, File.ReadAllBytes(source));
        CollectionAssert.AreEqual(shippedHash, SHA256.HashData(File.ReadAllBytes(ShimPath)));
        Assert.HasCount(1, Directory.GetFiles(Path.GetDirectoryName(destination)!));
    }

    [TestMethod]
    public void MarkWeak_InMemory_IsIdempotent()
    {
        var image = File.ReadAllBytes(ShimPath);
        var once = VersionNeedPatcher.MarkWeak(image, ShimPath, LibStdCxx, [Glibcxx3432]);
        var twice = VersionNeedPatcher.MarkWeak(once.Image, ShimPath, LibStdCxx, [Glibcxx3432]);

        CollectionAssert.AreEqual(once.Image, twice.Image);
        Assert.AreEqual(ElfConstants.VersionFlagWeak, twice.Requirements[0].Flags);
        Assert.AreNotSame(image, once.Image, "the input buffer is not modified in place");
        Assert.IsFalse(ElfFile.Parse(image, "original").FindRequirement(LibStdCxx, Glibcxx3432)!.IsWeak);
    }

    [TestMethod]
    public void MarkWeak_SeveralVersions_WeakensEachOne()
    {
        var result = VersionNeedPatcher.MarkWeak(File.ReadAllBytes(ShimPath), ShimPath, LibStdCxx, [Glibcxx3432, "GLIBCXX_3.4.30"]);
        var elf = ElfFile.Parse(result.Image, "patched");

        Assert.IsTrue(elf.FindRequirement(LibStdCxx, Glibcxx3432)!.IsWeak);
        Assert.IsTrue(elf.FindRequirement(LibStdCxx, "GLIBCXX_3.4.30")!.IsWeak);
        Assert.IsFalse(elf.FindRequirement(LibStdCxx, "GLIBCXX_3.4.29")!.IsWeak);
        Assert.AreEqual(2, elf.VersionNeeds.SelectMany(n => n.Requirements).Count(r => r.IsWeak));
    }

    [TestMethod]
    public void MarkWeak_VersionNotRequired_Throws()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            VersionNeedPatcher.MarkWeak(File.ReadAllBytes(ShimPath), ShimPath, LibStdCxx, ["GLIBCXX_9.9"]));
        Assert.Contains("GLIBCXX_9.9", e.Message);
        Assert.Contains(Glibcxx3432, e.Message, "lists what is required");

        Assert.ThrowsExactly<ArgumentException>(() =>
            VersionNeedPatcher.MarkWeak(File.ReadAllBytes(ShimPath), ShimPath, "libc.so.6", [Glibcxx3432]));
    }

    [TestMethod]
    public void MarkWeak_OntoItself_IsRefused()
    {
        var source = Path.Combine(_dir, "lib.so");
        File.Copy(ShimPath, source);
        var before = File.ReadAllBytes(source);

        Assert.ThrowsExactly<ArgumentException>(() => VersionNeedPatcher.MarkWeak(source, source, LibStdCxx, [Glibcxx3432]));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(source));
    }

    [TestMethod]
    public void MarkWeak_ReplacesExistingDestination()
    {
        var destination = Path.Combine(_dir, "out.so");
        File.WriteAllText(destination, "stale");

        VersionNeedPatcher.MarkWeak(ShimPath, destination, LibStdCxx, [Glibcxx3432]);

        Assert.IsTrue(ElfFile.Load(destination).FindRequirement(LibStdCxx, Glibcxx3432)!.IsWeak);
        Assert.AreEqual(ShimLength, new FileInfo(destination).Length);
    }
}
