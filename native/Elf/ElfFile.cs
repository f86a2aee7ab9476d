using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Keras.Native.Elf;

/// <summary>
/// A read-only view of the dynamic-linking metadata of an ELF64 little-endian file: section headers,
/// <c>.dynsym</c>/<c>.dynstr</c>, <c>.gnu.version</c>, <c>.gnu.version_r</c>, <c>.gnu.version_d</c>,
/// <c>.dynamic</c> and the dynamic relocation tables.
/// </summary>
/// <remarks>
/// Only the headers and those (small) sections are read, so parsing a 400 MB library costs a few reads,
/// not a full load. Every offset, size and chain link is checked against the file and its section before
/// use; anything inconsistent raises <see cref="ElfFormatException"/> instead of reading garbage.
/// </remarks>
public sealed class ElfFile
{
    private const int HeaderSize = 64;
    private const int SectionHeaderSize = 64;
    private const int SymbolSize = 24;
    private const int DynamicEntrySize = 16;
    private const int VerneedSize = 16;
    private const int VernauxSize = 16;
    private const int VerdefSize = 20;
    private const int VerdauxSize = 8;
    private const int RelaSize = 24;
    private const int RelSize = 16;
    private const ushort ExtendedSectionIndex = 0xffff; // SHN_XINDEX

    private readonly Dictionary<ushort, List<ElfSymbol>> _symbolsByVersion;

    private ElfFile(
        string sourceName, long length, ushort type, ushort machine,
        IReadOnlyList<ElfSection> sections, IReadOnlyList<ElfSymbol> dynamicSymbols,
        IReadOnlyList<ElfVersionNeed> versionNeeds, IReadOnlyList<ElfVersionDefinition> versionDefinitions,
        IReadOnlyList<string> neededLibraries, string? soName, string? runPath, IReadOnlySet<int> relocatedSymbols)
    {
        SourceName = sourceName;
        Length = length;
        Type = type;
        Machine = machine;
        Sections = sections;
        DynamicSymbols = dynamicSymbols;
        VersionNeeds = versionNeeds;
        VersionDefinitions = versionDefinitions;
        NeededLibraries = neededLibraries;
        SoName = soName;
        RunPath = runPath;
        RelocatedSymbolIndices = relocatedSymbols;
        _symbolsByVersion = dynamicSymbols
            .GroupBy(s => s.VersionIndex)
            .ToDictionary(g => g.Key, g => g.ToList());
    }

    /// <summary>The full path of the file, or the label given to <see cref="Parse"/>.</summary>
    public string SourceName { get; }

    /// <summary>Length of the file in bytes.</summary>
    public long Length { get; }

    /// <summary><c>e_type</c> (3 = <c>ET_DYN</c>, a shared object).</summary>
    public ushort Type { get; }

    /// <summary><c>e_machine</c> (62 = x86-64, 183 = AArch64).</summary>
    public ushort Machine { get; }

    /// <summary>All section headers, index 0 (the null section) included.</summary>
    public IReadOnlyList<ElfSection> Sections { get; }

    /// <summary>The <c>.dynsym</c> entries, index 0 (the null symbol) included; empty when the file has none.</summary>
    public IReadOnlyList<ElfSymbol> DynamicSymbols { get; }

    /// <summary>The <c>.gnu.version_r</c> entries: per needed library, the versions required from it.</summary>
    public IReadOnlyList<ElfVersionNeed> VersionNeeds { get; }

    /// <summary>The <c>.gnu.version_d</c> entries: the versions this file provides (the base entry included).</summary>
    public IReadOnlyList<ElfVersionDefinition> VersionDefinitions { get; }

    /// <summary>The <c>DT_NEEDED</c> entries of <c>.dynamic</c>, in file order.</summary>
    public IReadOnlyList<string> NeededLibraries { get; }

    /// <summary>The <c>DT_SONAME</c> entry, or null.</summary>
    public string? SoName { get; }

    /// <summary>The <c>DT_RUNPATH</c> entry, or null.</summary>
    public string? RunPath { get; }

    /// <summary>
    /// Indices of the <c>.dynsym</c> entries referenced by at least one dynamic relocation
    /// (<c>SHT_RELA</c>/<c>SHT_REL</c> sections linked to <c>.dynsym</c>). A symbol absent from this set is never
    /// resolved by the dynamic loader, so it can never be called through this file.
    /// </summary>
    public IReadOnlySet<int> RelocatedSymbolIndices { get; }

    /// <summary>Reads the ELF metadata of the file at <paramref name="path"/>.</summary>
    /// <param name="path">Path of the file.</param>
    /// <returns>The parsed metadata.</returns>
    /// <exception cref="ElfFormatException">The file is not a well-formed ELF64 little-endian file.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static ElfFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        using var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        return new Parser(new FileSource(handle, fullPath), fullPath).Parse();
    }

    /// <summary>Reads the ELF metadata of an in-memory image.</summary>
    /// <param name="image">The complete file contents.</param>
    /// <param name="sourceName">A label used in error messages (typically the path the bytes came from).</param>
    /// <returns>The parsed metadata.</returns>
    /// <exception cref="ElfFormatException">The image is not a well-formed ELF64 little-endian file.</exception>
    public static ElfFile Parse(ReadOnlyMemory<byte> image, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        return new Parser(new MemorySource(image), sourceName).Parse();
    }

    /// <summary>The names of all versions this file defines (<c>.gnu.version_d</c>), the base entry excluded.</summary>
    /// <returns>A set of version names such as <c>GLIBCXX_3.4.30</c>.</returns>
    public IReadOnlySet<string> GetDefinedVersionNames() =>
        VersionDefinitions.Where(d => !d.IsBase).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Finds the requirement of <paramref name="versionName"/> from the library <paramref name="fileName"/>.</summary>
    /// <param name="fileName">Needed library name as in <c>.gnu.version_r</c>, e.g. <c>libstdc++.so.6</c>.</param>
    /// <param name="versionName">Version name, e.g. <c>GLIBCXX_3.4.32</c>.</param>
    /// <returns>The matching entry, or null when the file does not require that version.</returns>
    public ElfVersionRequirement? FindRequirement(string fileName, string versionName) =>
        VersionNeeds
            .Where(n => string.Equals(n.FileName, fileName, StringComparison.Ordinal))
            .SelectMany(n => n.Requirements)
            .FirstOrDefault(r => string.Equals(r.Name, versionName, StringComparison.Ordinal));

    /// <summary>
    /// The dynamic symbols bound to <paramref name="requirement"/>, i.e. whose <c>.gnu.version</c> index
    /// equals its <c>vna_other</c>.
    /// </summary>
    /// <param name="requirement">A requirement of this file.</param>
    /// <returns>The bound symbols, in <c>.dynsym</c> order.</returns>
    public IReadOnlyList<ElfSymbol> GetSymbolsBoundTo(ElfVersionRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(requirement);
        return _symbolsByVersion.TryGetValue(requirement.Index, out var list) ? list : [];
    }

    /// <summary>The SysV ELF hash of a name, as stored in <c>vna_hash</c> and <c>vd_hash</c>.</summary>
    /// <param name="name">The name (ASCII).</param>
    /// <returns>The hash.</returns>
    public static uint ElfHash(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        uint h = 0;
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            h = (h << 4) + b;
            var g = h & 0xf0000000;
            if (g != 0)
            {
                h ^= g >> 24;
            }

            h &= ~g;
        }

        return h;
    }

    /// <inheritdoc />
    public override string ToString() => $"ELF {SourceName} ({Sections.Count} sections, {DynamicSymbols.Count} dynamic symbols)";

    // ---------------------------------------------------------------------------------------------
    // Input sources: a file read at offsets (so huge libraries are not loaded) or an in-memory image.
    // ---------------------------------------------------------------------------------------------

    private abstract class Source
    {
        public abstract long Length { get; }

        public abstract void Read(long offset, Span<byte> destination);
    }

    private sealed class FileSource(SafeFileHandle handle, string path) : Source
    {
        public override long Length { get; } = RandomAccess.GetLength(handle);

        public override void Read(long offset, Span<byte> destination)
        {
            while (!destination.IsEmpty)
            {
                var n = RandomAccess.Read(handle, destination, offset);
                if (n <= 0)
                {
                    throw new EndOfStreamException($"Unexpected end of '{path}' at offset 0x{offset:x} (the file changed while being read?)");
                }

                destination = destination[n..];
                offset += n;
            }
        }
    }

    private sealed class MemorySource(ReadOnlyMemory<byte> image) : Source
    {
        public override long Length => image.Length;

        public override void Read(long offset, Span<byte> destination) =>
            image.Span.Slice(checked((int)offset), destination.Length).CopyTo(destination);
    }

    // ---------------------------------------------------------------------------------------------
    // The parser. All reads go through ReadRange, which validates against the file length; all
    // parsing inside a section goes through the Slice helpers, which validate against the section.
    // ---------------------------------------------------------------------------------------------

    private sealed class Parser(Source source, string sourceName)
    {
        private ElfSection[] _sections = [];

        public ElfFile Parse()
        {
            var (type, machine, shOff, shNum, shStrNdx) = ReadHeader();
            _sections = ReadSectionHeaders(shOff, shNum, shStrNdx);

            var dynsymSection = SingleSectionOfType(ElfConstants.SectionTypeDynamicSymbols, ".dynsym");
            var symbols = dynsymSection is null ? [] : ReadDynamicSymbols(dynsymSection);
            var versionNeeds = SingleSectionOfType(ElfConstants.SectionTypeGnuVersionNeeds, ".gnu.version_r") is { } vr
                ? ReadVersionNeeds(vr) : [];
            var versionDefinitions = SingleSectionOfType(ElfConstants.SectionTypeGnuVersionDefinitions, ".gnu.version_d") is { } vd
                ? ReadVersionDefinitions(vd) : [];
            var (needed, soName, runPath) = SingleSectionOfType(ElfConstants.SectionTypeDynamic, ".dynamic") is { } dyn
                ? ReadDynamic(dyn) : ([], null, null);
            var relocated = dynsymSection is null ? new HashSet<int>() : ReadRelocatedSymbols(dynsymSection, symbols.Count);

            ValidateVersionIndices(symbols, versionNeeds, versionDefinitions);

            return new ElfFile(sourceName, source.Length, type, machine, _sections, symbols, versionNeeds,
                versionDefinitions, needed, soName, runPath, relocated);
        }

        private ElfFormatException Fail(string structure, string problem) => new(sourceName, structure, problem);

        private byte[] ReadRange(ulong offset, ulong size, string structure)
        {
            var length = (ulong)source.Length;
            if (offset > length || size > length - offset)
            {
                throw Fail(structure,
                    $"range [0x{offset:x}, 0x{offset:x} + 0x{size:x}) lies outside the file (length 0x{length:x}); the file is truncated or corrupt");
            }

            if (size > int.MaxValue)
            {
                throw Fail(structure, $"size 0x{size:x} is too large to read");
            }

            var buffer = new byte[size];
            try
            {
                source.Read((long)offset, buffer);
            }
            catch (IOException e)
            {
                throw new ElfFormatException(sourceName, structure, e.Message, e);
            }

            return buffer;
        }

        private (ushort Type, ushort Machine, ulong ShOff, ulong ShNum, uint ShStrNdx) ReadHeader()
        {
            const string structure = "ELF header";
            var length = source.Length;
            Span<byte> ident = stackalloc byte[4];
            if (length < 4)
            {
                throw Fail(structure, $"file is only {length} bytes long; it is not an ELF file");
            }

            source.Read(0, ident);
            if (ident[0] != 0x7f || ident[1] != (byte)'E' || ident[2] != (byte)'L' || ident[3] != (byte)'F')
            {
                throw Fail(structure, $"wrong magic {Convert.ToHexString(ident)} (expected 7F454C46); it is not an ELF file");
            }

            if (length < HeaderSize)
            {
                throw Fail(structure, $"file is only {length} bytes long, shorter than the {HeaderSize}-byte ELF64 header; it is truncated");
            }

            var h = ReadRange(0, HeaderSize, structure);
            if (h[4] != 2)
            {
                throw Fail(structure, $"EI_CLASS is {h[4]}; only ELFCLASS64 (2) is supported");
            }

            if (h[5] != 1)
            {
                throw Fail(structure, $"EI_DATA is {h[5]}; only little-endian (ELFDATA2LSB, 1) is supported");
            }

            if (h[6] != 1)
            {
                throw Fail(structure, $"EI_VERSION is {h[6]}; expected EV_CURRENT (1)");
            }

            var type = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(16));
            var machine = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(18));
            var shOff = BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(40));
            var ehSize = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(52));
            var shEntSize = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(58));
            ulong shNum = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(60));
            uint shStrNdx = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(62));

            if (ehSize < HeaderSize)
            {
                throw Fail(structure, $"e_ehsize is {ehSize}, smaller than the {HeaderSize}-byte ELF64 header");
            }

            if (shOff == 0)
            {
                return (type, machine, 0, 0, 0);
            }

            if (shEntSize != SectionHeaderSize)
            {
                throw Fail(structure, $"e_shentsize is {shEntSize}; ELF64 section headers are {SectionHeaderSize} bytes");
            }

            // Extended numbering: with 0xff00+ sections the real count/index live in section header 0.
            if (shNum == 0 || shStrNdx == ExtendedSectionIndex)
            {
                var first = ReadRange(shOff, SectionHeaderSize, "section header 0");
                if (shNum == 0)
                {
                    shNum = BinaryPrimitives.ReadUInt64LittleEndian(first.AsSpan(32));
                }

                if (shStrNdx == ExtendedSectionIndex)
                {
                    shStrNdx = BinaryPrimitives.ReadUInt32LittleEndian(first.AsSpan(40));
                }
            }

            return (type, machine, shOff, shNum, shStrNdx);
        }

        private ElfSection[] ReadSectionHeaders(ulong shOff, ulong shNum, uint shStrNdx)
        {
            if (shNum == 0)
            {
                return [];
            }

            const string structure = "section header table";
            var length = (ulong)source.Length;
            if (shOff > length || shNum > (length - shOff) / SectionHeaderSize)
            {
                throw Fail(structure,
                    $"{shNum} headers of {SectionHeaderSize} bytes at offset 0x{shOff:x} extend past the end of the file (length 0x{length:x}); the file is truncated or corrupt");
            }

            if (shStrNdx >= shNum)
            {
                throw Fail("ELF header", $"e_shstrndx {shStrNdx} is out of range (there are {shNum} sections)");
            }

            var table = ReadRange(shOff, shNum * SectionHeaderSize, structure);
            var raw = new (uint NameOffset, uint Type, ulong Flags, ulong Addr, ulong Offset, ulong Size, uint Link, uint Info, ulong Align, ulong EntSize)[shNum];
            for (var i = 0; i < raw.Length; i++)
            {
                var s = table.AsSpan(i * SectionHeaderSize, SectionHeaderSize);
                raw[i] = (
                    BinaryPrimitives.ReadUInt32LittleEndian(s),
                    BinaryPrimitives.ReadUInt32LittleEndian(s[4..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(s[8..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(s[16..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(s[24..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(s[32..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(s[40..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(s[44..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(s[48..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(s[56..]));
            }

            // Validate every section's file range before trusting any of them (names included).
            for (var i = 1; i < raw.Length; i++)
            {
                var r = raw[i];
                if (r.Type is ElfConstants.SectionTypeNull or ElfConstants.SectionTypeNoBits)
                {
                    continue;
                }

                if (r.Offset > length || r.Size > length - r.Offset)
                {
                    throw Fail($"section header {i}",
                        $"section data [0x{r.Offset:x}, 0x{r.Offset:x} + 0x{r.Size:x}) lies outside the file (length 0x{length:x}); the file is truncated or corrupt");
                }
            }

            byte[] names = [];
            if (shStrNdx != 0)
            {
                var s = raw[shStrNdx];
                if (s.Type != ElfConstants.SectionTypeStringTable)
                {
                    throw Fail($"section header {shStrNdx} (section name string table)", $"has type 0x{s.Type:x}, expected SHT_STRTAB (3)");
                }

                names = ReadRange(s.Offset, s.Size, "section name string table");
            }

            var sections = new ElfSection[raw.Length];
            for (var i = 0; i < raw.Length; i++)
            {
                var r = raw[i];
                var name = names.Length == 0 && r.NameOffset == 0
                    ? string.Empty
                    : ReadString(names, r.NameOffset, "section name string table", $"name of section header {i}");
                sections[i] = new ElfSection(i, name, r.Type, r.Flags, r.Addr, r.Offset, r.Size, r.Link, r.Info, r.Align, r.EntSize);
            }

            return sections;
        }

        private ElfSection? SingleSectionOfType(uint type, string what)
        {
            ElfSection? found = null;
            foreach (var s in _sections)
            {
                if (s.Type != type)
                {
                    continue;
                }

                if (found is not null)
                {
                    throw Fail($"section headers {found.Index} and {s.Index}", $"two {what} sections (type 0x{type:x}); a file has at most one");
                }

                found = s;
            }

            return found;
        }

        private string Describe(ElfSection s) => $"section {s.Index} ({(s.Name.Length == 0 ? "unnamed" : s.Name)})";

        private ElfSection LinkedSection(ElfSection s, uint expectedType, string what)
        {
            if (s.Link == 0 || s.Link >= _sections.Length)
            {
                throw Fail(Describe(s), $"sh_link {s.Link} does not name a valid {what} section (there are {_sections.Length} sections)");
            }

            var linked = _sections[s.Link];
            if (linked.Type != expectedType)
            {
                throw Fail(Describe(s), $"sh_link {s.Link} points to {Describe(linked)} of type 0x{linked.Type:x}, expected a {what} (type 0x{expectedType:x})");
            }

            return linked;
        }

        private byte[] ReadSection(ElfSection s) => ReadRange(s.Offset, s.Size, Describe(s));

        private byte[] ReadStringTable(ElfSection owner)
        {
            var table = LinkedSection(owner, ElfConstants.SectionTypeStringTable, "string table");
            return ReadSection(table);
        }

        private string ReadString(byte[] table, ulong offset, string tableName, string structure)
        {
            if (offset >= (ulong)table.Length)
            {
                throw Fail(structure, $"string offset 0x{offset:x} is outside {tableName} (size 0x{table.Length:x})");
            }

            var span = table.AsSpan((int)offset);
            var end = span.IndexOf((byte)0);
            if (end < 0)
            {
                throw Fail(structure, $"string at offset 0x{offset:x} in {tableName} is not NUL-terminated");
            }

            return Encoding.UTF8.GetString(span[..end]);
        }

        private static void CheckEntrySize(ElfSection s, int expected, Func<string, string, ElfFormatException> fail, string describe)
        {
            if (s.EntrySize != (ulong)expected)
            {
                throw fail(describe, $"sh_entsize is {s.EntrySize}, expected {expected}");
            }

            if (s.Size % (ulong)expected != 0)
            {
                throw fail(describe, $"size 0x{s.Size:x} is not a multiple of the {expected}-byte entry size");
            }
        }

        private List<ElfSymbol> ReadDynamicSymbols(ElfSection dynsym)
        {
            CheckEntrySize(dynsym, SymbolSize, Fail, Describe(dynsym));
            var data = ReadSection(dynsym);
            var strings = ReadStringTable(dynsym);
            var count = data.Length / SymbolSize;

            // .gnu.version is parallel to .dynsym: one 16-bit entry per symbol.
            ushort[]? versions = null;
            if (SingleSectionOfType(ElfConstants.SectionTypeGnuVersionSymbols, ".gnu.version") is { } versym)
            {
                if (versym.Link != (uint)dynsym.Index)
                {
                    throw Fail(Describe(versym), $"sh_link {versym.Link} does not point to the dynamic symbol table (section {dynsym.Index})");
                }

                if (versym.Size != (ulong)count * 2)
                {
                    throw Fail(Describe(versym), $"size 0x{versym.Size:x} does not match {count} dynamic symbols (expected 0x{count * 2:x})");
                }

                var raw = ReadSection(versym);
                versions = new ushort[count];
                for (var i = 0; i < count; i++)
                {
                    versions[i] = BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(i * 2));
                }
            }

            var symbols = new List<ElfSymbol>(count);
            for (var i = 0; i < count; i++)
            {
                var e = data.AsSpan(i * SymbolSize, SymbolSize);
                var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(e);
                var name = ReadString(strings, nameOffset, ".dynstr", $"dynamic symbol {i}");
                var v = versions?[i] ?? (ushort)1;
                symbols.Add(new ElfSymbol(
                    i, name, e[4], e[5],
                    BinaryPrimitives.ReadUInt16LittleEndian(e[6..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(e[8..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(e[16..]),
                    (ushort)(v & ~ElfConstants.VersionSymbolHidden),
                    (v & ElfConstants.VersionSymbolHidden) != 0));
            }

            return symbols;
        }

        // Checks that an entry of entrySize bytes at relative offset 'at' lies inside the section.
        private void CheckEntryInside(ElfSection s, long at, int entrySize, string structure)
        {
            if (at < 0 || (ulong)at > s.Size || (ulong)entrySize > s.Size - (ulong)at)
            {
                throw Fail(structure, $"entry at offset 0x{at:x} (size {entrySize}) lies outside {Describe(s)} (size 0x{s.Size:x})");
            }
        }

        private List<ElfVersionNeed> ReadVersionNeeds(ElfSection section)
        {
            var data = ReadSection(section);
            var strings = ReadStringTable(section);
            var count = section.Info; // sh_info = number of Elf64_Verneed entries
            if ((ulong)count > section.Size / VerneedSize)
            {
                throw Fail(Describe(section), $"sh_info claims {count} entries, more than fit in 0x{section.Size:x} bytes");
            }

            var result = new List<ElfVersionNeed>((int)count);
            long at = 0;
            for (var i = 0; i < count; i++)
            {
                var structure = $".gnu.version_r entry {i}";
                CheckEntryInside(section, at, VerneedSize, structure);
                var e = data.AsSpan((int)at, VerneedSize);
                var vnVersion = BinaryPrimitives.ReadUInt16LittleEndian(e);
                var vnCnt = BinaryPrimitives.ReadUInt16LittleEndian(e[2..]);
                var vnFile = BinaryPrimitives.ReadUInt32LittleEndian(e[4..]);
                var vnAux = BinaryPrimitives.ReadUInt32LittleEndian(e[8..]);
                var vnNext = BinaryPrimitives.ReadUInt32LittleEndian(e[12..]);
                if (vnVersion != 1)
                {
                    throw Fail(structure, $"vn_version is {vnVersion}; only version 1 is defined");
                }

                var file = ReadString(strings, vnFile, "the .gnu.version_r string table", structure);
                var requirements = new List<ElfVersionRequirement>(vnCnt);
                var auxAt = at + vnAux;
                for (var j = 0; j < vnCnt; j++)
                {
                    var auxStructure = $".gnu.version_r entry {i} ({file}) auxiliary {j}";
                    CheckEntryInside(section, auxAt, VernauxSize, auxStructure);
                    var a = data.AsSpan((int)auxAt, VernauxSize);
                    var hash = BinaryPrimitives.ReadUInt32LittleEndian(a);
                    var flags = BinaryPrimitives.ReadUInt16LittleEndian(a[4..]);
                    var other = BinaryPrimitives.ReadUInt16LittleEndian(a[6..]);
                    var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(a[8..]);
                    var next = BinaryPrimitives.ReadUInt32LittleEndian(a[12..]);
                    var name = ReadString(strings, nameOffset, "the .gnu.version_r string table", auxStructure);
                    requirements.Add(new ElfVersionRequirement(file, name, hash, flags, other, (long)section.Offset + auxAt));
                    if (j + 1 < vnCnt)
                    {
                        if (next == 0)
                        {
                            throw Fail(auxStructure, $"vna_next is 0 but vn_cnt says {vnCnt} entries");
                        }

                        auxAt += next;
                    }
                }

                result.Add(new ElfVersionNeed(file, vnVersion, (long)section.Offset + at, requirements));
                if (i + 1 < count)
                {
                    if (vnNext == 0)
                    {
                        throw Fail(structure, $"vn_next is 0 but sh_info says {count} entries");
                    }

                    at += vnNext;
                }
            }

            return result;
        }

        private List<ElfVersionDefinition> ReadVersionDefinitions(ElfSection section)
        {
            var data = ReadSection(section);
            var strings = ReadStringTable(section);
            var count = section.Info; // sh_info = number of Elf64_Verdef entries
            if ((ulong)count > section.Size / VerdefSize)
            {
                throw Fail(Describe(section), $"sh_info claims {count} entries, more than fit in 0x{section.Size:x} bytes");
            }

            var result = new List<ElfVersionDefinition>((int)count);
            long at = 0;
            for (var i = 0; i < count; i++)
            {
                var structure = $".gnu.version_d entry {i}";
                CheckEntryInside(section, at, VerdefSize, structure);
                var e = data.AsSpan((int)at, VerdefSize);
                var vdVersion = BinaryPrimitives.ReadUInt16LittleEndian(e);
                var vdFlags = BinaryPrimitives.ReadUInt16LittleEndian(e[2..]);
                var vdNdx = BinaryPrimitives.ReadUInt16LittleEndian(e[4..]);
                var vdCnt = BinaryPrimitives.ReadUInt16LittleEndian(e[6..]);
                var vdHash = BinaryPrimitives.ReadUInt32LittleEndian(e[8..]);
                var vdAux = BinaryPrimitives.ReadUInt32LittleEndian(e[12..]);
                var vdNext = BinaryPrimitives.ReadUInt32LittleEndian(e[16..]);
                if (vdVersion != 1)
                {
                    throw Fail(structure, $"vd_version is {vdVersion}; only version 1 is defined");
                }

                if (vdCnt == 0)
                {
                    throw Fail(structure, "vd_cnt is 0; a definition needs at least its own name");
                }

                var names = new List<string>(vdCnt);
                var auxAt = at + vdAux;
                for (var j = 0; j < vdCnt; j++)
                {
                    var auxStructure = $".gnu.version_d entry {i} auxiliary {j}";
                    CheckEntryInside(section, auxAt, VerdauxSize, auxStructure);
                    var a = data.AsSpan((int)auxAt, VerdauxSize);
                    names.Add(ReadString(strings, BinaryPrimitives.ReadUInt32LittleEndian(a), "the .gnu.version_d string table", auxStructure));
                    var next = BinaryPrimitives.ReadUInt32LittleEndian(a[4..]);
                    if (j + 1 < vdCnt)
                    {
                        if (next == 0)
                        {
                            throw Fail(auxStructure, $"vda_next is 0 but vd_cnt says {vdCnt} entries");
                        }

                        auxAt += next;
                    }
                }

                result.Add(new ElfVersionDefinition(vdNdx, vdFlags, vdHash, names[0], names.Skip(1).ToArray(), (long)section.Offset + at));
                if (i + 1 < count)
                {
                    if (vdNext == 0)
                    {
                        throw Fail(structure, $"vd_next is 0 but sh_info says {count} entries");
                    }

                    at += vdNext;
                }
            }

            return result;
        }

        private (List<string> Needed, string? SoName, string? RunPath) ReadDynamic(ElfSection section)
        {
            CheckEntrySize(section, DynamicEntrySize, Fail, Describe(section));
            var data = ReadSection(section);
            var strings = ReadStringTable(section);
            var needed = new List<string>();
            string? soName = null;
            string? runPath = null;
            for (var i = 0; i < data.Length / DynamicEntrySize; i++)
            {
                var e = data.AsSpan(i * DynamicEntrySize, DynamicEntrySize);
                var tag = BinaryPrimitives.ReadInt64LittleEndian(e);
                var value = BinaryPrimitives.ReadUInt64LittleEndian(e[8..]);
                switch (tag)
                {
                    case ElfConstants.DynamicTagNull:
                        return (needed, soName, runPath);
                    case ElfConstants.DynamicTagNeeded:
                        needed.Add(ReadString(strings, value, ".dynstr", $".dynamic entry {i} (DT_NEEDED)"));
                        break;
                    case ElfConstants.DynamicTagSoName:
                        soName = ReadString(strings, value, ".dynstr", $".dynamic entry {i} (DT_SONAME)");
                        break;
                    case ElfConstants.DynamicTagRunPath:
                        runPath = ReadString(strings, value, ".dynstr", $".dynamic entry {i} (DT_RUNPATH)");
                        break;
                }
            }

            throw Fail(Describe(section), "no DT_NULL entry terminates the dynamic section");
        }

        private HashSet<int> ReadRelocatedSymbols(ElfSection dynsym, int symbolCount)
        {
            var result = new HashSet<int>();
            foreach (var s in _sections)
            {
                var isRela = s.Type == ElfConstants.SectionTypeRela;
                if ((!isRela && s.Type != ElfConstants.SectionTypeRel) || s.Link != (uint)dynsym.Index)
                {
                    continue;
                }

                var entrySize = isRela ? RelaSize : RelSize;
                CheckEntrySize(s, entrySize, Fail, Describe(s));
                var data = ReadSection(s);
                for (var i = 0; i < data.Length / entrySize; i++)
                {
                    var info = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(i * entrySize + 8));
                    var symbol = (long)(info >> 32); // ELF64_R_SYM
                    if (symbol >= symbolCount)
                    {
                        throw Fail($"{Describe(s)} entry {i}", $"refers to dynamic symbol {symbol}, but there are only {symbolCount}");
                    }

                    if (symbol != 0)
                    {
                        result.Add((int)symbol);
                    }
                }
            }

            return result;
        }

        // A .gnu.version entry must name a version this file requires or defines; otherwise the
        // loader would reject the file and our symbol-to-version mapping would be meaningless.
        private void ValidateVersionIndices(List<ElfSymbol> symbols, List<ElfVersionNeed> needs, List<ElfVersionDefinition> definitions)
        {
            var known = new HashSet<ushort> { 0, 1 };
            foreach (var r in needs.SelectMany(n => n.Requirements))
            {
                known.Add(r.Index);
            }

            foreach (var d in definitions)
            {
                known.Add(d.Index);
            }

            foreach (var s in symbols)
            {
                if (!known.Contains(s.VersionIndex))
                {
                    throw Fail($".gnu.version entry {s.Index} ({s.Name})",
                        $"version index {s.VersionIndex} is neither required (.gnu.version_r) nor defined (.gnu.version_d)");
                }
            }
        }
    }
}
