using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using Keras.Native.Elf;

namespace Keras.Native.Linux;

/// <summary>What the Linux bootstrap did to make <c>LibTorchSharp</c> loadable.</summary>
internal sealed record ShimLoadOutcome(
    string? ShimPath,
    bool Patched,
    string? OriginalShimPath,
    bool Reused,
    IReadOnlyList<string> Weakened,
    string? LibTorchDirectory);

/// <summary>A version the shim requires that the host library does not provide.</summary>
/// <param name="Requirement">The shim's requirement.</param>
/// <param name="HostLibraryPath">The host library the loader binds to.</param>
/// <param name="BoundSymbols">The shim's symbols bound to this version.</param>
/// <param name="Blockers">Bound symbols that make weakening unsafe (not a known link marker, or actually relocated).</param>
internal sealed record MissingVersion(
    ElfVersionRequirement Requirement, string HostLibraryPath, IReadOnlyList<ElfSymbol> BoundSymbols, IReadOnlyList<ElfSymbol> Blockers);

/// <summary>The result of comparing the shim's version requirements with the host's libraries.</summary>
internal sealed record ShimAnalysis(IReadOnlyList<MissingVersion> Missing, IReadOnlyList<string> UnresolvedLibraries)
{
    /// <summary>True when versions are missing and every one of them can be weakened safely.</summary>
    public bool CanPatch => Missing.Count > 0 && Missing.All(m => m.Blockers.Count == 0);
}

/// <summary>
/// Linux bootstrap for TorchSharp's native shim. TorchSharp 0.107's <c>libLibTorchSharp.so</c> requires
/// <c>GLIBCXX_3.4.32</c> (GCC 13's libstdc++) only because of <c>std::ios_base_library_init</c>, a link-time marker
/// that is never called; hosts with an older libstdc++ (Debian 12, Ubuntu 22.04) refuse to load it. When that is
/// the only obstacle this loader makes a copy with the requirement marked weak, loads libtorch by absolute path and
/// then the copy, and points TorchSharp's P/Invokes at it.
/// </summary>
internal sealed class LinuxShimLoader(Assembly torchAssembly, List<string> trace)
{
    /// <summary>The shim's P/Invoke library name in TorchSharp.</summary>
    public const string ShimLibraryName = "LibTorchSharp";

    /// <summary>The shim's file name on Linux.</summary>
    public const string ShimFileName = "libLibTorchSharp.so";

    private const string LibTorchMarkerFile = "libtorch_cpu.so";

    /// <summary>
    /// Symbols that compilers emit as link-time markers and that are never called at run time. Weakening a version
    /// is only allowed when every symbol bound to it is one of these (and no relocation refers to it).
    /// </summary>
    public static readonly IReadOnlySet<string> NeverCalledMarkers = new HashSet<string>(StringComparer.Ordinal)
    {
        // GCC 13 emits a reference from every TU including <iostream> so the link pulls in libstdc++ >= 13;
        // the function itself does nothing a caller could observe (see libstdc++ ios_init.cc).
        "_ZSt21ios_base_library_initv",
    };

    private const string Advice =
        "To fix it, install a newer libstdc++6 (GCC 13 or newer provides GLIBCXX_3.4.32, which TorchSharp 0.107 asks for), " +
        "or use a TorchSharp runtime package built for this system's C++ runtime.";

    /// <summary>Makes <c>LibTorchSharp</c> loadable, patching a copy of it when necessary.</summary>
    /// <exception cref="NativeRuntimeException">It cannot be made to load; the message says why and what to do.</exception>
    public ShimLoadOutcome Load()
    {
        // 1. The regular load, exactly as TorchSharp does it. On a host whose libstdc++ is new enough this works
        //    and nothing else happens.
        NativeLibrary.TryLoad("torch_cpu", torchAssembly, null, out _);
        if (NativeLibrary.TryLoad(ShimLibraryName, torchAssembly, null, out var regular))
        {
            var path = LinuxLibraries.GetPath(regular);
            trace.Add($"regular load of {ShimLibraryName} succeeded ({path ?? "path unknown"})");
            return new ShimLoadOutcome(path, false, null, false, [], null);
        }

        trace.Add($"regular load of {ShimLibraryName} failed; locating the files");

        // 2. Find the shipped shim and libtorch.
        var directories = SearchDirectories(torchAssembly);
        var shimPath = directories.Select(d => Path.Combine(d, ShimFileName)).FirstOrDefault(File.Exists)
            ?? throw new NativeRuntimeException(
                $"TorchSharp's native library {ShimFileName} was not found. Searched:{Environment.NewLine}" +
                string.Join(Environment.NewLine, directories.Select(d => "  - " + d)) + Environment.NewLine +
                "Reference the TorchSharp-cpu package (or TorchSharp-cuda-linux) from the application so its native files are deployed.",
                ShimFileName);
        trace.Add($"shim: {shimPath}");

        var shim = ParseOrThrow(shimPath, "TorchSharp's native library");
        var shimDirectory = Path.GetDirectoryName(shimPath)!;
        var libTorchDirectory = new[] { shimDirectory }.Concat(directories)
            .FirstOrDefault(d => File.Exists(Path.Combine(d, LibTorchMarkerFile)))
            ?? throw new NativeRuntimeException(
                $"libtorch's {LibTorchMarkerFile} was not found next to {shimPath} or in:{Environment.NewLine}" +
                string.Join(Environment.NewLine, directories.Select(d => "  - " + d)) + Environment.NewLine +
                "Reference the TorchSharp-cpu package (or TorchSharp-cuda-linux) so libtorch is deployed with the application.",
                LibTorchMarkerFile);
        trace.Add($"libtorch: {libTorchDirectory}");

        // 3. Load libtorch by absolute path. The loader then satisfies the shim's DT_NEEDED entries (libtorch.so,
        //    libc10.so, ...) by soname from these, wherever the shim itself is loaded from.
        PreloadLibTorch(libTorchDirectory, shim);

        // 4. The shipped shim may load now (it only lacked libtorch on its search path). If not, keep the
        //    loader's reason for the error message.
        string loadError;
        try
        {
            var handle = NativeLibrary.Load(shimPath);
            trace.Add($"loaded {shimPath} after preloading libtorch");
            RegisterResolver(handle);
            return new ShimLoadOutcome(shimPath, false, null, false, [], libTorchDirectory);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            // The runtime's message spans lines; the loader's own reason is the informative part.
            loadError = string.Join(" ", e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            trace.Add($"loading {shimPath} as shipped failed: {loadError}");
        }

        // 5. Is it the missing-version problem, and is it safe to weaken?
        var analysis = AnalyzeOrThrow(shim, shimPath);
        if (analysis.Missing.Count == 0)
        {
            throw new NativeRuntimeException(
                $"Loading TorchSharp's native library {shimPath} failed, and not because of missing symbol versions " +
                $"(every version it requires is provided by this system's libraries). The loader said: {loadError}",
                shimPath);
        }

        if (!analysis.CanPatch)
        {
            throw new NativeRuntimeException(DescribeUnpatchable(shimPath, analysis), shimPath);
        }

        // 6. Patch (in memory), place a verified copy in the cache, load it.
        return PatchAndLoad(shimPath, analysis, libTorchDirectory);
    }

    /// <summary>
    /// Compares the shim's version requirements with the libraries the loader would bind it to.
    /// </summary>
    /// <param name="shim">The parsed shim.</param>
    /// <param name="resolveHostLibrary">Maps a needed library name to the host file (or an error).</param>
    /// <returns>The missing versions and the libraries that could not be resolved.</returns>
    public static ShimAnalysis Analyze(ElfFile shim, Func<string, (string? Path, string? Error)> resolveHostLibrary)
    {
        var missing = new List<MissingVersion>();
        var unresolved = new List<string>();
        foreach (var need in shim.VersionNeeds)
        {
            var (hostPath, error) = resolveHostLibrary(need.FileName);
            if (hostPath is null)
            {
                unresolved.Add($"{need.FileName}: {error}");
                continue;
            }

            var host = ElfFile.Load(hostPath);
            if (host.VersionDefinitions.Count == 0)
            {
                // An unversioned library satisfies any requirement (glibc only warns), so nothing is missing.
                continue;
            }

            var provided = host.GetDefinedVersionNames();
            foreach (var requirement in need.Requirements)
            {
                if (requirement.IsWeak || provided.Contains(requirement.Name))
                {
                    continue;
                }

                var bound = shim.GetSymbolsBoundTo(requirement);
                var blockers = bound
                    .Where(s => !NeverCalledMarkers.Contains(s.Name) || shim.RelocatedSymbolIndices.Contains(s.Index))
                    .ToList();
                missing.Add(new MissingVersion(requirement, hostPath, bound, blockers));
            }
        }

        return new ShimAnalysis(missing, unresolved);
    }

    /// <summary>
    /// The directories searched for the shim and libtorch: the runtime's native search directories (from the
    /// app's deps.json), the app folder and its <c>runtimes/&lt;rid&gt;/native</c>, and TorchSharp's own folder
    /// (covering the NuGet package layout).
    /// </summary>
    public static IReadOnlyList<string> SearchDirectories(Assembly torchAssembly)
    {
        var rid = "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var candidates = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string native)
        {
            candidates.AddRange(native.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        var appBase = AppContext.BaseDirectory;
        if (!string.IsNullOrEmpty(appBase))
        {
            candidates.Add(appBase);
            candidates.Add(Path.Combine(appBase, "runtimes", rid, "native"));
        }

        var assemblyDirectory = string.IsNullOrEmpty(torchAssembly.Location) ? null : Path.GetDirectoryName(torchAssembly.Location);
        if (!string.IsNullOrEmpty(assemblyDirectory))
        {
            candidates.Add(assemblyDirectory);
            candidates.Add(Path.Combine(assemblyDirectory, "runtimes", rid, "native"));
            candidates.Add(Path.Combine(assemblyDirectory, "..", "..", "runtimes", rid, "native")); // lib/<tfm>/ -> package root
        }

        return candidates
            .Where(Path.IsPathRooted)
            .Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d)))
            .Distinct(StringComparer.Ordinal)
            .Where(Directory.Exists)
            .ToList();
    }

    private ShimLoadOutcome PatchAndLoad(string shimPath, ShimAnalysis analysis, string libTorchDirectory)
    {
        byte[] original;
        try
        {
            original = File.ReadAllBytes(shimPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NativeRuntimeException($"Could not read TorchSharp's native library {shimPath}: {e.Message}", shimPath, e);
        }

        // Weaken library by library (in memory); each pass re-parses and checks its own edit.
        var weak = analysis.Missing
            .Select(m => (Library: m.Requirement.FileName, Version: m.Requirement.Name))
            .Distinct()
            .ToArray();
        var image = original;
        try
        {
            foreach (var group in weak.GroupBy(w => w.Library, StringComparer.Ordinal))
            {
                image = VersionNeedPatcher.MarkWeak(image, shimPath, group.Key, group.Select(w => w.Version)).Image;
            }
        }
        catch (ElfFormatException e)
        {
            throw new NativeRuntimeException($"Could not patch TorchSharp's native library {shimPath}: {e.Message}", shimPath, e);
        }

        var weakened = weak.Select(w => $"{w.Library}:{w.Version}").ToArray();
        trace.Add($"weakening {string.Join(", ", weakened)} (only bound to never-called link markers)");
        var placement = ShimCache.Materialize(SHA256.HashData(original), image, ShimFileName, weak, trace);

        IntPtr handle;
        try
        {
            handle = NativeLibrary.Load(placement.Path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new NativeRuntimeException(
                $"The patched copy {placement.Path} of {shimPath} could not be loaded: {e.Message}" + Environment.NewLine +
                $"If its folder is on a file system mounted noexec, set {ShimCache.CacheDirectoryVariable} to a folder that allows executable mappings. " +
                Advice,
                placement.Path, e);
        }
        finally
        {
            if (placement.Temporary)
            {
                ShimCache.DeleteTemporary(placement.Path);
            }
        }

        trace.Add($"loaded patched copy {placement.Path}");
        RegisterResolver(handle);
        return new ShimLoadOutcome(placement.Path, true, shimPath, placement.Reused, weakened, libTorchDirectory);
    }

    private void PreloadLibTorch(string directory, ElfFile shim)
    {
        // Dependency order: OpenMP runtime, c10, torch_cpu, then whatever else the shim needs from this folder
        // (libtorch.so; libtorch_cuda.so and friends in CUDA packages). Each library's $ORIGIN RUNPATH finds its
        // own dependencies in the same folder.
        var names = new List<string>();
        try
        {
            names.AddRange(Directory.GetFiles(directory, "libgomp*.so*").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NativeRuntimeException($"Could not list libtorch's folder {directory}: {e.Message}", directory, e);
        }

        names.Add("libc10.so");
        names.Add(LibTorchMarkerFile);
        names.AddRange(shim.NeededLibraries);
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            var path = Path.Combine(directory, name);
            if (!File.Exists(path))
            {
                continue; // a system library (libstdc++.so.6, libc.so.6, ...), found by the loader as usual
            }

            try
            {
                NativeLibrary.Load(path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new NativeRuntimeException($"Could not load libtorch library {path}: {e.Message}", path, e);
            }
        }

        trace.Add($"preloaded libtorch from {directory}");
    }

    private ShimAnalysis AnalyzeOrThrow(ElfFile shim, string shimPath)
    {
        try
        {
            var analysis = Analyze(shim, name =>
            {
                var path = LinuxLibraries.ResolveBySoname(name, out var error);
                if (path is not null)
                {
                    trace.Add($"host {name}: {path}");
                }

                return (path, error);
            });
            foreach (var m in analysis.Missing)
            {
                trace.Add($"missing {m.Requirement.FileName}:{m.Requirement.Name} (host {m.HostLibraryPath}); bound symbols: {string.Join(", ", m.BoundSymbols.Select(s => s.Name))}");
            }

            return analysis;
        }
        catch (ElfFormatException e)
        {
            throw new NativeRuntimeException(
                $"Could not read the symbol versions of {e.SourceName} while diagnosing why {shimPath} does not load: {e.Message}",
                e.SourceName, e);
        }
        catch (IOException e)
        {
            throw new NativeRuntimeException(
                $"Could not read a system library while diagnosing why {shimPath} does not load: {e.Message}", shimPath, e);
        }
    }

    private ElfFile ParseOrThrow(string path, string what)
    {
        try
        {
            return ElfFile.Load(path);
        }
        catch (ElfFormatException e)
        {
            throw new NativeRuntimeException($"{what} {path} is not a valid ELF64 library: {e.Message}", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NativeRuntimeException($"Could not read {what} {path}: {e.Message}", path, e);
        }
    }

    private static string DescribeUnpatchable(string shimPath, ShimAnalysis analysis)
    {
        var lines = new List<string>
        {
            $"TorchSharp's native library {shimPath} requires symbol versions this system does not provide, and they cannot be worked around:",
        };
        foreach (var m in analysis.Missing)
        {
            var detail = m.Blockers.Count == 0
                ? "bound only to never-called link markers"
                : "used by " + string.Join(", ", m.Blockers.Take(8).Select(s => s.Name)) + (m.Blockers.Count > 8 ? $" and {m.Blockers.Count - 8} more" : string.Empty);
            lines.Add($"  - {m.Requirement.Name} from {m.Requirement.FileName} (this system's {m.HostLibraryPath} lacks it): {detail}");
        }

        var needed = string.Join(", ", analysis.Missing.Select(m => m.Requirement.Name).Distinct());
        lines.Add($"The system libraries must provide {needed}. {Advice}");
        return string.Join(Environment.NewLine, lines);
    }

    private void RegisterResolver(IntPtr handle)
    {
        // TorchSharp's P/Invokes name "LibTorchSharp"; answer them with our handle so the runtime never probes the
        // shipped file again. TorchSharp's own NativeLibrary.TryLoad("LibTorchSharp") still succeeds because the
        // loader matches the already loaded object by its soname.
        static bool IsShim(string name) =>
            name is ShimLibraryName or "libLibTorchSharp" or ShimFileName;

        try
        {
            NativeLibrary.SetDllImportResolver(torchAssembly, (name, _, _) => IsShim(name) ? handle : IntPtr.Zero);
            trace.Add("registered DllImportResolver on TorchSharp");
        }
        catch (InvalidOperationException)
        {
            // Someone else owns TorchSharp's resolver (only one is allowed). Theirs runs first; if it declines,
            // default probing finds our copy by soname, and this event is the last resort.
            var context = AssemblyLoadContext.GetLoadContext(torchAssembly) ?? AssemblyLoadContext.Default;
            context.ResolvingUnmanagedDll += (assembly, name) => assembly == torchAssembly && IsShim(name) ? handle : IntPtr.Zero;
            trace.Add("TorchSharp already has a DllImportResolver; registered a ResolvingUnmanagedDll handler instead");
        }
    }
}
