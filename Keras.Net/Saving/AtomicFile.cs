namespace Keras.Saving;

/// <summary>
/// Writes a file atomically: the content goes to a temporary file in the same folder, is flushed to
/// disk, then renamed over the target, so a crash or an error never leaves a half-written model.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Cannot save to {path}: the folder {folder} does not exist.");
        if (Directory.Exists(full))
            throw new IOException($"Cannot save to {path}: it is a folder.");
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
