namespace Keras.Native.Elf;

/// <summary>Numeric constants of the ELF format used by <see cref="ElfFile"/> (names follow <c>elf.h</c>).</summary>
public static class ElfConstants
{
    /// <summary><c>SHT_NULL</c>: inactive section header.</summary>
    public const uint SectionTypeNull = 0;
    /// <summary><c>SHT_STRTAB</c>: string table.</summary>
    public const uint SectionTypeStringTable = 3;
    /// <summary><c>SHT_RELA</c>: relocations with addends.</summary>
    public const uint SectionTypeRela = 4;
    /// <summary><c>SHT_DYNAMIC</c>: the dynamic section.</summary>
    public const uint SectionTypeDynamic = 6;
    /// <summary><c>SHT_NOBITS</c>: occupies no space in the file (e.g. <c>.bss</c>).</summary>
    public const uint SectionTypeNoBits = 8;
    /// <summary><c>SHT_REL</c>: relocations without addends.</summary>
    public const uint SectionTypeRel = 9;
    /// <summary><c>SHT_DYNSYM</c>: dynamic symbol table.</summary>
    public const uint SectionTypeDynamicSymbols = 11;
    /// <summary><c>SHT_GNU_verdef</c>: version definitions (<c>.gnu.version_d</c>).</summary>
    public const uint SectionTypeGnuVersionDefinitions = 0x6ffffffd;
    /// <summary><c>SHT_GNU_verneed</c>: version requirements (<c>.gnu.version_r</c>).</summary>
    public const uint SectionTypeGnuVersionNeeds = 0x6ffffffe;
    /// <summary><c>SHT_GNU_versym</c>: per-symbol version indices (<c>.gnu.version</c>).</summary>
    public const uint SectionTypeGnuVersionSymbols = 0x6fffffff;

    /// <summary><c>VER_FLG_BASE</c>: the version definition of the file itself.</summary>
    public const ushort VersionFlagBase = 0x1;
    /// <summary><c>VER_FLG_WEAK</c>: a weak version reference; the dynamic loader does not fail when it is missing.</summary>
    public const ushort VersionFlagWeak = 0x2;
    /// <summary>Bit 15 of a <c>.gnu.version</c> entry: the symbol is hidden (not the default version).</summary>
    public const ushort VersionSymbolHidden = 0x8000;

    /// <summary><c>DT_NULL</c>: end of the dynamic section.</summary>
    public const long DynamicTagNull = 0;
    /// <summary><c>DT_NEEDED</c>: name of a needed library.</summary>
    public const long DynamicTagNeeded = 1;
    /// <summary><c>DT_SONAME</c>: the shared object's name.</summary>
    public const long DynamicTagSoName = 14;
    /// <summary><c>DT_RUNPATH</c>: library search path.</summary>
    public const long DynamicTagRunPath = 29;
}

/// <summary>An ELF64 section header (<c>Elf64_Shdr</c>) with its name resolved.</summary>
/// <param name="Index">Index in the section header table.</param>
/// <param name="Name">Name from the section header string table.</param>
/// <param name="Type"><c>sh_type</c>, see <see cref="ElfConstants"/>.</param>
/// <param name="Flags"><c>sh_flags</c>.</param>
/// <param name="Address"><c>sh_addr</c>: virtual address when loaded.</param>
/// <param name="Offset"><c>sh_offset</c>: position in the file.</param>
/// <param name="Size"><c>sh_size</c> in bytes.</param>
/// <param name="Link"><c>sh_link</c>: index of an associated section (e.g. the string table).</param>
/// <param name="Info"><c>sh_info</c>: extra information (e.g. the entry count of <c>.gnu.version_r</c>).</param>
/// <param name="AddressAlignment"><c>sh_addralign</c>.</param>
/// <param name="EntrySize"><c>sh_entsize</c>: size of one entry for table sections.</param>
public sealed record ElfSection(
    int Index, string Name, uint Type, ulong Flags, ulong Address, ulong Offset, ulong Size,
    uint Link, uint Info, ulong AddressAlignment, ulong EntrySize)
{
    /// <summary>True when the section has bytes in the file (everything but <c>SHT_NULL</c> and <c>SHT_NOBITS</c>).</summary>
    public bool HasFileData => Type != ElfConstants.SectionTypeNull && Type != ElfConstants.SectionTypeNoBits;
}

/// <summary>A <c>.dynsym</c> entry (<c>Elf64_Sym</c>) together with its <c>.gnu.version</c> index.</summary>
/// <param name="Index">Index in <c>.dynsym</c>.</param>
/// <param name="Name">Name from <c>.dynstr</c>.</param>
/// <param name="Info"><c>st_info</c> (binding in the high nibble, type in the low nibble).</param>
/// <param name="Other"><c>st_other</c> (visibility).</param>
/// <param name="SectionIndex"><c>st_shndx</c>; 0 (<c>SHN_UNDEF</c>) for imported symbols.</param>
/// <param name="Value"><c>st_value</c>.</param>
/// <param name="Size"><c>st_size</c>.</param>
/// <param name="VersionIndex">Version index from <c>.gnu.version</c> with the hidden bit cleared; 0 = local, 1 = global,
/// otherwise the <see cref="ElfVersionRequirement.Index"/> or <see cref="ElfVersionDefinition.Index"/> it is bound to.</param>
/// <param name="IsVersionHidden">True when bit 15 of the <c>.gnu.version</c> entry is set.</param>
public sealed record ElfSymbol(
    int Index, string Name, byte Info, byte Other, ushort SectionIndex, ulong Value, ulong Size,
    ushort VersionIndex, bool IsVersionHidden)
{
    /// <summary>True for symbols imported from another object (<c>st_shndx == SHN_UNDEF</c>).</summary>
    public bool IsUndefined => SectionIndex == 0;
}

/// <summary>One <c>Elf64_Verneed</c> entry: the versions required from one needed library.</summary>
/// <param name="FileName">The library's name as in <c>DT_NEEDED</c>, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version"><c>vn_version</c> (always 1 today).</param>
/// <param name="FileOffset">Position of the entry in the file.</param>
/// <param name="Requirements">The <c>Elf64_Vernaux</c> chain: the individual version names.</param>
public sealed record ElfVersionNeed(string FileName, ushort Version, long FileOffset, IReadOnlyList<ElfVersionRequirement> Requirements);

/// <summary>One <c>Elf64_Vernaux</c> entry: a single required version such as <c>GLIBCXX_3.4.32</c>.</summary>
/// <param name="FileName">The library it is required from (the enclosing <see cref="ElfVersionNeed.FileName"/>).</param>
/// <param name="Name">The version name (<c>vna_name</c>).</param>
/// <param name="Hash"><c>vna_hash</c>: the ELF hash of <paramref name="Name"/>.</param>
/// <param name="Flags"><c>vna_flags</c>; see <see cref="ElfConstants.VersionFlagWeak"/>.</param>
/// <param name="Index"><c>vna_other</c>: the version index that <c>.gnu.version</c> entries use to bind symbols to it.</param>
/// <param name="FileOffset">Position of the <c>Elf64_Vernaux</c> entry in the file (its <c>vna_flags</c> field is at +4).</param>
public sealed record ElfVersionRequirement(string FileName, string Name, uint Hash, ushort Flags, ushort Index, long FileOffset)
{
    /// <summary>True when <c>VER_FLG_WEAK</c> is set, i.e. the loader tolerates the version being absent.</summary>
    public bool IsWeak => (Flags & ElfConstants.VersionFlagWeak) != 0;
}

/// <summary>One <c>Elf64_Verdef</c> entry: a version the library itself provides, such as <c>GLIBCXX_3.4.30</c>.</summary>
/// <param name="Index"><c>vd_ndx</c>: the version index used in <c>.gnu.version</c>.</param>
/// <param name="Flags"><c>vd_flags</c>; see <see cref="ElfConstants.VersionFlagBase"/>.</param>
/// <param name="Hash"><c>vd_hash</c>: the ELF hash of <paramref name="Name"/>.</param>
/// <param name="Name">The version name (first <c>Elf64_Verdaux</c>).</param>
/// <param name="Parents">Names of the versions this one inherits from (further <c>Elf64_Verdaux</c> entries).</param>
/// <param name="FileOffset">Position of the entry in the file.</param>
public sealed record ElfVersionDefinition(ushort Index, ushort Flags, uint Hash, string Name, IReadOnlyList<string> Parents, long FileOffset)
{
    /// <summary>True for the base definition, which names the file itself rather than a symbol version.</summary>
    public bool IsBase => (Flags & ElfConstants.VersionFlagBase) != 0;
}
