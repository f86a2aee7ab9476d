using System.Buffers.Binary;
using Keras.Native.Elf;
using static Keras.Net.Tests.Native.NativeTestFiles;

namespace Keras.Net.Tests.Native;

/// <summary>Damaged inputs must raise <see cref="ElfFormatException"/> naming the file, structure and problem.</summary>
[TestClass]
public sealed class ElfMalformedInputTests
{
    private static readonly Lazy<byte[]> s_shim = new(() => File.ReadAllBytes(ShimPath));

    private static byte[] Shim() => (byte[])s_shim.Value.Clone();

    private static ElfFormatException ParseFails(byte[] image, string label = "test-image")
    {
        var e = Assert.ThrowsExactly<ElfFormatException>(() => ElfFile.Parse(image, label));
        Assert.AreEqual(label, e.SourceName);
        Assert.StartsWith($"Malformed ELF file '{label}': {e.Structure}: ", e.Message);
        return e;
    }

    private static int SectionIndex(byte[] image, string name) =>
        ElfFile.Parse(image, "intact").Sections.Single(s => s.Name == name).Index;

    [TestMethod]
    public void TruncatedFile_FailsOnSectionHeaderTable()
    {
        var e = ParseFails(Shim()[..100_000]);
        Assert.AreEqual("section header table", e.Structure);
        Assert.Contains("truncated", e.Problem);
    }

    [TestMethod]
    public void TruncatedInsideHeader_FailsOnElfHeader()
    {
        var e = ParseFails(Shim()[..40]);
        Assert.AreEqual("ELF header", e.Structure);
        Assert.Contains("40 bytes", e.Problem);

        Assert.AreEqual("ELF header", ParseFails([]).Structure);
    }

    [TestMethod]
    public void WrongMagic_IsNotAnElfFile()
    {
        var image = Shim();
        image[1] = (byte)'X';
        var e = ParseFails(image);
        Assert.AreEqual("ELF header", e.Structure);
        Assert.Contains("wrong magic 7F584C46", e.Problem);

        var text = "#!/bin/sh\necho not a library\n"u8.ToArray();
        Assert.Contains("not an ELF file", ParseFails(text).Problem);
    }

    [TestMethod]
    public void Elf32OrBigEndian_IsUnsupported()
    {
        var elf32 = Shim();
        elf32[4] = 1;
        Assert.Contains("ELFCLASS64", ParseFails(elf32).Problem);

        var bigEndian = Shim();
        bigEndian[5] = 2;
        Assert.Contains("little-endian", ParseFails(bigEndian).Problem);
    }

    [TestMethod]
    public void SectionOffsetOutOfRange_NamesTheSection()
    {
        var image = Shim();
        var index = SectionIndex(image, ".gnu.version_r");
        var header = SectionHeaderOffset(image, index);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(header + 24), (ulong)image.Length + 0x1000); // sh_offset

        var e = ParseFails(image);
        Assert.AreEqual($"section header {index}", e.Structure);
        Assert.Contains("lies outside the file", e.Problem);
    }

    [TestMethod]
    public void SectionSizeOverflow_IsCaught()
    {
        var image = Shim();
        var index = SectionIndex(image, ".dynstr");
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(SectionHeaderOffset(image, index) + 32), ulong.MaxValue); // sh_size

        Assert.AreEqual($"section header {index}", ParseFails(image).Structure);
    }

    [TestMethod]
    public void SectionHeaderTableOffsetOutOfRange_IsCaught()
    {
        var image = Shim();
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(40), (ulong)image.Length - 10); // e_shoff

        Assert.AreEqual("section header table", ParseFails(image).Structure);
    }

    [TestMethod]
    public void VerneedChainLeavingTheSection_IsCaught()
    {
        var image = Shim();
        var elf = ElfFile.Parse(image, "intact");
        var first = elf.VersionNeeds[0];
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan((int)first.FileOffset + 12), 0x7fff_0000); // vn_next

        var e = ParseFails(image);
        Assert.AreEqual(".gnu.version_r entry 1", e.Structure);
        Assert.Contains("lies outside section", e.Problem);
    }

    [TestMethod]
    public void VernauxNameOutsideStringTable_IsCaught()
    {
        var image = Shim();
        var requirement = ElfFile.Parse(image, "intact").FindRequirement(LibStdCxx, Glibcxx3432)!;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan((int)requirement.FileOffset + 8), 0xffff_fff0); // vna_name

        var e = ParseFails(image);
        Assert.Contains(LibStdCxx, e.Structure);
        Assert.Contains("outside the .gnu.version_r string table", e.Problem);
    }

    [TestMethod]
    public void VersymIndexWithoutVersion_IsCaught()
    {
        var image = Shim();
        var elf = ElfFile.Parse(image, "intact");
        var versym = elf.Sections.Single(s => s.Name == ".gnu.version");
        var symbol = elf.DynamicSymbols.First(s => s.Name == IosBaseLibraryInit);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan((int)versym.Offset + symbol.Index * 2), 0x1234);

        var e = ParseFails(image);
        Assert.AreEqual($".gnu.version entry {symbol.Index} ({IosBaseLibraryInit})", e.Structure);
        Assert.Contains("4660", e.Problem);
    }

    [TestMethod]
    public void LoadFromDisk_ReportsThePath()
    {
        var dir = CreateTempDirectory();
        try
        {
            var path = Path.Combine(dir, "broken.so");
            File.WriteAllBytes(path, Shim()[..5000]);

            var e = Assert.ThrowsExactly<ElfFormatException>(() => ElfFile.Load(path));
            Assert.AreEqual(path, e.SourceName);
            Assert.Contains(path, e.Message);

            var patched = Path.Combine(dir, "out.so");
            Assert.ThrowsExactly<ElfFormatException>(() => VersionNeedPatcher.MarkWeak(path, patched, LibStdCxx, [Glibcxx3432]));
            Assert.IsFalse(File.Exists(patched), "nothing is written for a malformed source");
        }
        finally
        {
            DeleteDirectory(dir);
        }
    }
}
