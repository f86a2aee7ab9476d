using System.Runtime.InteropServices;

namespace Keras.Native.Linux;

/// <summary>
/// Asks the Linux dynamic loader which file it actually uses for a library. Loading a library by its soname
/// (as a <c>DT_NEEDED</c> entry would) and reading back the path gives exactly the file the shim will bind to:
/// once an object with that soname is loaded, the loader reuses it for every later request.
/// </summary>
internal static unsafe class LinuxLibraries
{
    private const int RtldDiLinkmap = 2; // RTLD_DI_LINKMAP from <dlfcn.h>

    // dlinfo lives in libc.so.6 since glibc 2.34 and in libdl.so.2 before; resolve it lazily, once.
    private static readonly Lazy<IntPtr> s_dlinfo = new(ResolveDlinfo);

    /// <summary>Loads <paramref name="soname"/> the way a <c>DT_NEEDED</c> entry would and returns the file used.</summary>
    /// <param name="soname">A library name without a folder, e.g. <c>libstdc++.so.6</c>.</param>
    /// <param name="error">Why it failed, when it did.</param>
    /// <returns>The full path, or null when the library cannot be loaded or located.</returns>
    public static string? ResolveBySoname(string soname, out string? error)
    {
        IntPtr handle;
        try
        {
            // A plain name (no folder) makes dlopen search like the loader does for DT_NEEDED, and match an
            // already loaded object by soname first.
            handle = NativeLibrary.Load(soname);
        }
        catch (DllNotFoundException e)
        {
            error = e.Message;
            return null;
        }

        error = null;
        var path = GetPath(handle) ?? FindInProcessMaps(soname);
        if (path is null)
        {
            error = $"'{soname}' is loaded but its file could not be determined (no dlinfo, nothing matching in /proc/self/maps)";
        }

        return path;
    }

    /// <summary>The file behind a handle returned by <see cref="NativeLibrary.Load(string)"/>, via <c>dlinfo(RTLD_DI_LINKMAP)</c>.</summary>
    /// <param name="handle">A handle from <see cref="NativeLibrary"/>.</param>
    /// <returns>The absolute path the loader recorded, or null when unavailable.</returns>
    public static string? GetPath(IntPtr handle)
    {
        var dlinfo = s_dlinfo.Value;
        if (handle == IntPtr.Zero || dlinfo == IntPtr.Zero)
        {
            return null;
        }

        IntPtr linkMap;
        var rc = ((delegate* unmanaged<IntPtr, int, IntPtr*, int>)dlinfo)(handle, RtldDiLinkmap, &linkMap);
        if (rc != 0 || linkMap == IntPtr.Zero)
        {
            return null;
        }

        // struct link_map { ElfW(Addr) l_addr; char *l_name; ... } is public, stable ABI.
        var name = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(linkMap, IntPtr.Size));
        return string.IsNullOrEmpty(name) ? null : name;
    }

    /// <summary>
    /// Fallback for <see cref="GetPath"/>: the first file mapped into this process whose name starts with
    /// <paramref name="soname"/> (e.g. <c>libstdc++.so.6</c> matches <c>libstdc++.so.6.0.30</c>).
    /// </summary>
    /// <param name="soname">The library name.</param>
    /// <returns>The path, or null.</returns>
    public static string? FindInProcessMaps(string soname)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                // address perms offset dev inode pathname; the path is the text from the first '/'.
                var slash = line.IndexOf('/');
                if (slash < 0)
                {
                    continue;
                }

                var path = line[slash..];
                if (Path.GetFileName(path).StartsWith(soname, StringComparison.Ordinal) && File.Exists(path))
                {
                    return path;
                }
            }
        }
        catch (IOException)
        {
            // No /proc (unusual container); the caller reports that the file could not be determined.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }

        return null;
    }

    private static IntPtr ResolveDlinfo()
    {
        foreach (var library in new[] { "libc.so.6", "libdl.so.2" })
        {
            if (NativeLibrary.TryLoad(library, out var handle) && NativeLibrary.TryGetExport(handle, "dlinfo", out var address))
            {
                return address;
            }
        }

        return IntPtr.Zero;
    }
}
