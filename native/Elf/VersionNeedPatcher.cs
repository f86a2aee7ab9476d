using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Keras.Native.Elf;

/// <summary>
/// Marks chosen version requirements (<c>Elf64_Vernaux</c> entries of <c>.gnu.version_r</c>) of an ELF file as
/// weak (<c>VER_FLG_WEAK</c>), so that the dynamic loader accepts the file on a host whose library lacks
/// that version. Only the two <c>vna_flags</c> bytes of each chosen entry change; the result is written to a
/// new file, never over the source.
/// </summary>
/// <remarks>
/// This is only safe when no symbol that is actually resolved is bound to the weakened version; callers
/// decide that (see <see cref="ElfFile.GetSymbolsBoundTo"/> and <see cref="ElfFile.RelocatedSymbolIndices"/>).
/// </remarks>
public static class VersionNeedPatcher
{
    /// <summary>
    /// Returns a copy of <paramref name="image"/> in which the requirements <paramref name="versionNames"/> of
    /// <paramref name="libraryFileName"/> are weak. Requirements that are already weak are left as they are.
    /// </summary>
    /// <param name="image">The complete ELF file.</param>
    /// <param name="sourceName">A label for error messages (typically the path the bytes came from).</param>
    /// <param name="libraryFileName">The needed library as named in <c>.gnu.version_r</c>, e.g. <c>libstdc++.so.6</c>.</param>
    /// <param name="versionNames">The versions to weaken, e.g. <c>GLIBCXX_3.4.32</c>.</param>
    /// <returns>The patched bytes and the requirements as they read after patching.</returns>
    /// <exception cref="ElfFormatException">The image is malformed, or the patched copy does not read back as expected.</exception>
    /// <exception cref="ArgumentException">A requested version is not required from <paramref name="libraryFileName"/>.</exception>
    public static VersionNeedPatchResult MarkWeak(ReadOnlyMemory<byte> image, string sourceName, string libraryFileName, IEnumerable<string> versionNames)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentException.ThrowIfNullOrEmpty(libraryFileName);
        ArgumentNullException.ThrowIfNull(versionNames);
        var names = versionNames.Distinct(StringComparer.Ordinal).ToArray();
        if (names.Length == 0)
        {
            throw new ArgumentException("At least one version name is required.", nameof(versionNames));
        }

        var elf = ElfFile.Parse(image, sourceName);
        var targets = new List<ElfVersionRequirement>(names.Length);
        foreach (var name in names)
        {
            var requirement = elf.FindRequirement(libraryFileName, name)
                ?? throw new ArgumentException(
                    $"'{sourceName}' does not require version '{name}' from '{libraryFileName}'; required from it: " +
                    string.Join(", ", elf.VersionNeeds.Where(n => n.FileName == libraryFileName).SelectMany(n => n.Requirements).Select(r => r.Name)),
                    nameof(versionNames));
            targets.Add(requirement);
        }

        var patched = image.ToArray();
        foreach (var r in targets)
        {
            // vna_flags is the 16-bit field at +4 of Elf64_Vernaux; the parser has validated the entry's range.
            BinaryPrimitives.WriteUInt16LittleEndian(patched.AsSpan(checked((int)r.FileOffset + 4), 2), (ushort)(r.Flags | ElfConstants.VersionFlagWeak));
        }

        // Read the result back: proves the edit landed where intended and the file still parses.
        var reread = ElfFile.Parse(patched, sourceName + " (patched)");
        var after = new List<ElfVersionRequirement>(targets.Count);
        foreach (var r in targets)
        {
            var now = reread.FindRequirement(libraryFileName, r.Name);
            if (now is null || !now.IsWeak || now.FileOffset != r.FileOffset || now.Index != r.Index)
            {
                throw new ElfFormatException(sourceName, ".gnu.version_r", $"patched requirement {r.Name} of {libraryFileName} did not read back as weak");
            }

            after.Add(now);
        }

        return new VersionNeedPatchResult(patched, after);
    }

    /// <summary>
    /// Writes a copy of <paramref name="sourcePath"/> to <paramref name="destinationPath"/> in which the requirements
    /// <paramref name="versionNames"/> of <paramref name="libraryFileName"/> are weak. The copy is written to a
    /// temporary file in the destination folder, flushed, read back and verified, then renamed into place, so other
    /// processes never observe a partial file. The source is not modified.
    /// </summary>
    /// <param name="sourcePath">The original ELF file.</param>
    /// <param name="destinationPath">Where to write the patched copy (replaced if present); must differ from the source.</param>
    /// <param name="libraryFileName">The needed library as named in <c>.gnu.version_r</c>.</param>
    /// <param name="versionNames">The versions to weaken.</param>
    /// <returns>The requirements as they read in the written file.</returns>
    /// <exception cref="ElfFormatException">The source is malformed or the written copy does not verify.</exception>
    /// <exception cref="ArgumentException">The paths are the same, or a requested version is not required.</exception>
    /// <exception cref="IOException">A file cannot be read or written.</exception>
    public static IReadOnlyList<ElfVersionRequirement> MarkWeak(string sourcePath, string destinationPath, string libraryFileName, IEnumerable<string> versionNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        var source = Path.GetFullPath(sourcePath);
        var destination = Path.GetFullPath(destinationPath);
        if (string.Equals(source, destination, StringComparison.Ordinal))
        {
            throw new ArgumentException("The patched copy must be written to a different file than the source.", nameof(destinationPath));
        }

        var result = MarkWeak(File.ReadAllBytes(source), source, libraryFileName, versionNames);
        WriteVerifiedAtomically(destination, result.Image, result.Requirements.Select(r => (r.FileName, r.Name)).ToArray());
        return result.Requirements;
    }

    /// <summary>
    /// Atomically places <paramref name="image"/> at <paramref name="destinationPath"/>: writes a uniquely named
    /// temporary file next to it, flushes it to disk, checks that it reads back with the same SHA-256 and with the
    /// given requirements weak, then renames it over the destination. Concurrent writers of the same content are
    /// safe: each rename installs a complete, identical file.
    /// </summary>
    internal static void WriteVerifiedAtomically(string destinationPath, byte[] image, IReadOnlyCollection<(string Library, string Version)> weakRequirements)
    {
        var directory = Path.GetDirectoryName(destinationPath)
            ?? throw new ArgumentException($"'{destinationPath}' has no parent folder.", nameof(destinationPath));
        var temp = Path.Combine(directory, $".{Path.GetFileName(destinationPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.None))
            {
                stream.Write(image);
                stream.Flush(flushToDisk: true);
            }

            Verify(temp, SHA256.HashData(image), weakRequirements);
            File.Move(temp, destinationPath, overwrite: true);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>
    /// Checks that the file at <paramref name="path"/> has the SHA-256 <paramref name="expectedSha256"/> and that the
    /// requirements <paramref name="weakRequirements"/> (library, version) read back as weak.
    /// </summary>
    /// <exception cref="ElfFormatException">The file differs or does not parse.</exception>
    internal static void Verify(string path, byte[] expectedSha256, IReadOnlyCollection<(string Library, string Version)> weakRequirements)
    {
        byte[] actual;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete))
        {
            actual = SHA256.HashData(stream);
        }

        if (!actual.AsSpan().SequenceEqual(expectedSha256))
        {
            throw new ElfFormatException(path, "file contents",
                $"SHA-256 {Convert.ToHexString(actual)} differs from the expected {Convert.ToHexString(expectedSha256)}");
        }

        var elf = ElfFile.Load(path);
        foreach (var (library, version) in weakRequirements)
        {
            var r = elf.FindRequirement(library, version);
            if (r is null || !r.IsWeak)
            {
                throw new ElfFormatException(path, ".gnu.version_r", $"requirement {version} of {library} is {(r is null ? "missing" : "not weak")}");
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp file is harmless and never used.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}

/// <summary>The outcome of <see cref="VersionNeedPatcher.MarkWeak(ReadOnlyMemory{byte}, string, string, IEnumerable{string})"/>.</summary>
/// <param name="Image">The patched file contents.</param>
/// <param name="Requirements">The weakened requirements, as they read in <paramref name="Image"/>.</param>
public sealed record VersionNeedPatchResult(byte[] Image, IReadOnlyList<ElfVersionRequirement> Requirements);
