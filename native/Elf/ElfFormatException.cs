namespace Keras.Native.Elf;

/// <summary>
/// Thrown when an ELF file is truncated, inconsistent or not of the supported kind (ELF64, little-endian).
/// The message names the file, the structure being read and what is wrong with it.
/// </summary>
public sealed class ElfFormatException : Exception
{
    /// <summary>Creates the exception for a problem found in <paramref name="structure"/> of <paramref name="sourceName"/>.</summary>
    /// <param name="sourceName">The file path (or a label for in-memory images) that was being read.</param>
    /// <param name="structure">The ELF structure being read, e.g. <c>section header 12</c> or <c>.gnu.version_r</c>.</param>
    /// <param name="problem">What is wrong, in words.</param>
    public ElfFormatException(string sourceName, string structure, string problem)
        : base($"Malformed ELF file '{sourceName}': {structure}: {problem}")
    {
        SourceName = sourceName;
        Structure = structure;
        Problem = problem;
    }

    /// <summary>Creates the exception wrapping an I/O error that happened while reading <paramref name="sourceName"/>.</summary>
    /// <param name="sourceName">The file path that was being read.</param>
    /// <param name="structure">The ELF structure being read.</param>
    /// <param name="problem">What is wrong, in words.</param>
    /// <param name="innerException">The underlying error.</param>
    public ElfFormatException(string sourceName, string structure, string problem, Exception innerException)
        : base($"Malformed ELF file '{sourceName}': {structure}: {problem}", innerException)
    {
        SourceName = sourceName;
        Structure = structure;
        Problem = problem;
    }

    /// <summary>The file path (or in-memory label) that was being read.</summary>
    public string SourceName { get; }

    /// <summary>The ELF structure in which the problem was found.</summary>
    public string Structure { get; }

    /// <summary>The problem, without the file and structure prefix.</summary>
    public string Problem { get; }
}
