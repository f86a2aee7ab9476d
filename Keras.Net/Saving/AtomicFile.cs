using System.Globalization;

namespace Keras.Saving;

/// <summary>
/// Writes a file atomically, so that a crash, a killed process or an exception never leaves a
/// half-written model: the content goes to a temporary file in the target's folder, is flushed to
/// disk (<c>fsync</c>), then renamed over the target (<c>rename(2)</c> on Unix, <c>MoveFileEx</c> with
/// replace on Windows). Readers see either the previous complete file or the new complete file.
/// </summary>
/// <remarks>
/// <para>Temporary files are named <c>.&lt;target name&gt;.&lt;process id&gt;.&lt;32 hex digits&gt;.tmp</c>
/// (the name's first 100 characters when it is longer) next to the target (same file system, so the rename cannot degrade into a copy). On any exception
/// the temporary file is deleted and the target is untouched.</para>
/// <para>A process killed mid-write cannot delete its temporary file. The next successful write of the
/// same target removes that target's temporary files whose last write is older than
/// <see cref="StaleAge"/>; a live writer keeps touching its file, so only abandoned ones qualify. The
/// process id in the name is informational: it is not used to decide, because the folder may be shared
/// with other machines or containers whose process ids mean nothing here.</para>
/// <para>If the target is a symbolic link, the file it points to is replaced and the link is kept. On
/// Unix the replaced file's permission bits carry over to the new file.</para>
/// </remarks>
internal static class AtomicFile
{
    /// <summary>How long a temporary file must have gone unwritten before another save of the same target removes it.</summary>
    public static readonly TimeSpan StaleAge = TimeSpan.FromMinutes(5);

    private const string TempSuffix = ".tmp";

    // Temporary names start with a dot (hidden on Unix), so hidden files must be listed; no DOS wildcard rules.
    private static readonly EnumerationOptions ListingOptions = new()
    {
        MatchType = MatchType.Simple,
        AttributesToSkip = 0,
        IgnoreInaccessible = true,
        RecurseSubdirectories = false,
    };

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="write">Writes the whole content to the stream it is given (a seekable, readable file stream).</param>
    /// <exception cref="DirectoryNotFoundException">The target's folder does not exist.</exception>
    /// <exception cref="IOException">The target is a folder, or the write, flush or rename failed.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = ResolveTarget(Path.GetFullPath(path));
        var folder = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Cannot save to {path}: the folder {folder} does not exist.");
        if (Directory.Exists(full))
            throw new IOException($"Cannot save to {path}: it is a folder.");
        var name = Path.GetFileName(full);
        var temp = Path.Combine(folder, TempName(name, Environment.ProcessId, Guid.NewGuid()));
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                write(stream);
                // The data must be on disk before the rename is: otherwise a power loss could leave the new name on empty blocks.
                stream.Flush(flushToDisk: true);
            }
            CopyUnixMode(full, temp);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        RemoveStale(folder, name, DateTime.UtcNow - StaleAge);
    }

    /// <summary>The temporary file name used for <paramref name="targetName"/> by process <paramref name="processId"/>.</summary>
    internal static string TempName(string targetName, int processId, Guid nonce) =>
        string.Create(CultureInfo.InvariantCulture, $".{Stem(targetName)}.{processId}.{nonce:N}{TempSuffix}");

    // File names are limited (255 bytes on most file systems) and the temporary name adds 46 characters: long target
    // names contribute only their start. Two long names with the same start share temporary names' stem, which only
    // means one target's save may also remove the other's stale leftovers.
    private const int MaxStemLength = 100;

    private static string Stem(string targetName)
    {
        if (targetName.Length <= MaxStemLength) return targetName;
        int length = char.IsHighSurrogate(targetName[MaxStemLength - 1]) ? MaxStemLength - 1 : MaxStemLength;
        return targetName[..length];
    }

    /// <summary>Whether <paramref name="fileName"/> is a temporary file of <paramref name="targetName"/> (exactly the <see cref="TempName"/> pattern).</summary>
    internal static bool IsTempOf(string fileName, string targetName)
    {
        var prefix = "." + Stem(targetName) + ".";
        if (!fileName.StartsWith(prefix, StringComparison.Ordinal) || !fileName.EndsWith(TempSuffix, StringComparison.Ordinal)) return false;
        var middle = fileName.AsSpan(prefix.Length, Math.Max(0, fileName.Length - prefix.Length - TempSuffix.Length));
        var dot = middle.IndexOf('.');
        if (dot <= 0 || !int.TryParse(middle[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out _)) return false;
        var nonce = middle[(dot + 1)..];
        return nonce.Length == 32 && Guid.TryParseExact(nonce, "N", out _);
    }

    /// <summary>
    /// Deletes the temporary files of <paramref name="targetName"/> in <paramref name="folder"/> last written
    /// before <paramref name="olderThanUtc"/>. Best effort: a file that vanished or cannot be deleted is skipped.
    /// </summary>
    /// <returns>How many were deleted.</returns>
    internal static int RemoveStale(string folder, string targetName, DateTime olderThanUtc)
    {
        int removed = 0;
        try
        {
            // The pattern only narrows the listing; IsTempOf decides (a '*' or '?' in the target name would widen it).
            foreach (var file in Directory.EnumerateFiles(folder, "." + Stem(targetName) + ".*" + TempSuffix, ListingOptions))
            {
                if (!IsTempOf(Path.GetFileName(file), targetName)) continue;
                try
                {
                    if (File.GetLastWriteTimeUtc(file) >= olderThanUtc) continue;
                    File.Delete(file);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Another save may be removing it at the same time, or it is not ours to delete.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The save itself succeeded; clean-up is best effort.
        }
        return removed;
    }

    // Writing through a symbolic link replaces the file it points to, as a plain (non-atomic) write would.
    private static string ResolveTarget(string full)
    {
        var info = new FileInfo(full);
        if (info.LinkTarget is null) return full;
        var final = info.ResolveLinkTarget(returnFinalTarget: true);
        return final is null ? full : Path.GetFullPath(final.FullName);
    }

    // The rename gives the target the temporary file's permissions; keep the replaced file's (a private 0600 stays private).
    private static void CopyUnixMode(string from, string to)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(from)) return;
        try
        {
            File.SetUnixFileMode(to, File.GetUnixFileMode(from));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not the owner of the old file: the new one gets the default permissions.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original exception matters more; a leftover is removed by a later save once stale.
        }
    }
}
