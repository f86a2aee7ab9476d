using System.Security.Cryptography;
using Keras.Native.Elf;

namespace Keras.Native.Linux;

/// <summary>
/// Places the patched shim in a per-user cache folder, keyed by the SHA-256 of the shipped file and the set of
/// weakened versions, so the patch is made once per machine and reused by later processes after verification.
/// </summary>
internal static class ShimCache
{
    /// <summary>Environment variable that overrides the cache folder.</summary>
    public const string CacheDirectoryVariable = "KERAS_NET_CACHE_DIR";

    /// <summary>Where a patched copy ended up.</summary>
    /// <param name="Path">Full path of the verified patched copy.</param>
    /// <param name="Reused">True when a verified copy from an earlier run was found.</param>
    /// <param name="Temporary">True when it lives in a private temporary folder that the caller deletes after loading.</param>
    public sealed record Placement(string Path, bool Reused, bool Temporary);

    /// <summary>
    /// The persistent cache roots in order of preference: <c>$KERAS_NET_CACHE_DIR</c>, <c>$XDG_CACHE_HOME/keras-net</c>,
    /// <c>~/.cache/keras-net</c>. Relative or empty settings are ignored, as the XDG specification requires.
    /// </summary>
    public static IReadOnlyList<string> GetPersistentRoots()
    {
        var roots = new List<string>();
        var explicitRoot = Environment.GetEnvironmentVariable(CacheDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(explicitRoot))
        {
            roots.Add(Path.GetFullPath(explicitRoot));
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
        {
            roots.Add(Path.Combine(xdg, "keras-net"));
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home) && Path.IsPathRooted(home))
        {
            roots.Add(Path.Combine(home, ".cache", "keras-net"));
        }

        return roots.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The folder, below a cache root, holding the patched copy of a given original with a given weak set.</summary>
    public static string GetEntryDirectory(string root, byte[] originalSha256, IReadOnlyCollection<(string Library, string Version)> weakened)
    {
        // Version names are [A-Za-z0-9_.]; keep the tag readable but bounded. The library is part of the key only
        // through the hash fallback: in practice versions (GLIBCXX_*, GLIBC_*) already identify it.
        var tag = "weak-" + string.Join("+", weakened.Select(w => w.Version).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        if (weakened.Select(w => w.Library).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            tag += "-" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
                string.Join(";", weakened.Select(w => w.Library + ":" + w.Version).Order(StringComparer.Ordinal)))))[..8];
        }

        if (tag.Length > 96 || tag.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            tag = "weak-" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tag)))[..16];
        }

        return Path.Combine(root, "libtorchsharp", Convert.ToHexStringLower(originalSha256), tag);
    }

    /// <summary>
    /// Returns a verified copy of <paramref name="patchedImage"/> on disk: an existing cache entry when its SHA-256
    /// matches, otherwise a freshly and atomically written one. Falls back from one root to the next when a root
    /// cannot be written, and finally to a private temporary folder.
    /// </summary>
    /// <exception cref="NativeRuntimeException">No location could be written.</exception>
    public static Placement Materialize(
        byte[] originalSha256, byte[] patchedImage, string fileName,
        IReadOnlyCollection<(string Library, string Version)> weakRequirements, List<string> trace)
    {
        var expected = SHA256.HashData(patchedImage);
        var failures = new List<string>();
        foreach (var root in GetPersistentRoots())
        {
            var path = Path.Combine(GetEntryDirectory(root, originalSha256, weakRequirements), fileName);
            try
            {
                if (File.Exists(path))
                {
                    try
                    {
                        VersionNeedPatcher.Verify(path, expected, weakRequirements);
                        trace.Add($"reusing verified patched copy {path}");
                        return new Placement(path, Reused: true, Temporary: false);
                    }
                    catch (ElfFormatException e)
                    {
                        // A damaged or foreign file: replace it (atomically, so readers never see a partial one).
                        trace.Add($"cached copy {path} failed verification ({e.Problem}); rewriting it");
                    }
                }

                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                VersionNeedPatcher.WriteVerifiedAtomically(path, patchedImage, weakRequirements);
                trace.Add($"wrote patched copy {path}");
                return new Placement(path, Reused: false, Temporary: false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ElfFormatException or NotSupportedException)
            {
                failures.Add($"{root}: {e.Message}");
                trace.Add($"cache root {root} unusable: {e.Message}");
            }
        }

        // Last resort: a private (0700, unique) temporary folder. Not shared, so nobody else can swap the file
        // between verification and loading; the caller deletes it once loaded since it cannot be reused anyway.
        try
        {
            var dir = Directory.CreateTempSubdirectory("keras-net-").FullName;
            var path = Path.Combine(dir, fileName);
            VersionNeedPatcher.WriteVerifiedAtomically(path, patchedImage, weakRequirements);
            trace.Add($"wrote patched copy to private temporary folder {path}");
            return new Placement(path, Reused: false, Temporary: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ElfFormatException)
        {
            failures.Add($"temporary folder: {e.Message}");
        }

        throw new NativeRuntimeException(
            "Could not write the patched copy of TorchSharp's native library anywhere. Tried:" + Environment.NewLine +
            string.Join(Environment.NewLine, failures.Select(f => "  - " + f)) + Environment.NewLine +
            $"Set {CacheDirectoryVariable} to a writable folder (on a file system that allows executable mappings).");
    }

    /// <summary>Removes a private temporary copy and its folder; the loaded mapping stays valid after unlinking.</summary>
    public static void DeleteTemporary(string path)
    {
        try
        {
            File.Delete(path);
            var dir = Path.GetDirectoryName(path);
            if (dir is not null)
            {
                Directory.Delete(dir);
            }
        }
        catch (IOException)
        {
            // Best effort; the OS temp cleaner will get it.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
