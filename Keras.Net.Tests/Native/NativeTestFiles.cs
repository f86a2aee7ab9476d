using System.Buffers.Binary;
using System.Reflection;
using Keras.Native.Elf;
using Keras.Native.Linux;
using TorchSharp;

namespace Keras.Net.Tests.Native;

/// <summary>Locates the real native files the tests work on, and offers small helpers for editing ELF images.</summary>
internal static class NativeTestFiles
{
    public const string Glibcxx3432 = "GLIBCXX_3.4.32";
    public const string LibStdCxx = "libstdc++.so.6";
    public const string IosBaseLibraryInit = "_ZSt21ios_base_library_initv";

    private static readonly Lazy<string> s_shimPath = new(FindShim);
    private static readonly Lazy<bool> s_hostProvides3432 = new(() => HostLibStdCxx().GetDefinedVersionNames().Contains(Glibcxx3432));

    /// <summary>TorchSharp's shipped <c>libLibTorchSharp.so</c> (linux-x64), from the test output or the NuGet cache.</summary>
    public static string ShimPath => s_shimPath.Value;

    /// <summary>The shim's size in bytes; the build may have placed it as a symbolic link to the NuGet cache.</summary>
    public static long ShimLength => (new FileInfo(ShimPath).ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? new FileInfo(ShimPath)).Length;

    /// <summary>Whether this host's libstdc++ already provides GLIBCXX_3.4.32 (then nothing needs patching).</summary>
    public static bool HostProvidesGlibcxx3432 => s_hostProvides3432.Value;

    /// <summary>The libstdc++ the dynamic loader uses in this process, parsed.</summary>
    public static ElfFile HostLibStdCxx()
    {
        Assert.IsTrue(OperatingSystem.IsLinux(), "host library checks need Linux");
        var path = LinuxLibraries.ResolveBySoname(LibStdCxx, out var error);
        Assert.IsNotNull(path, $"could not resolve {LibStdCxx}: {error}");
        return ElfFile.Load(path);
    }

    public static string CreateTempDirectory() => Directory.CreateTempSubdirectory("keras-native-test-").FullName;

    public static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>File offset of section header <paramref name="index"/> in an ELF64 image.</summary>
    public static int SectionHeaderOffset(byte[] image, int index) =>
        checked((int)BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(40)) + index * 64);

    private static string FindShim()
    {
        const string file = "libLibTorchSharp.so";
        var candidates = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", file),
            Path.Combine(AppContext.BaseDirectory, file),
        };
        if (OperatingSystem.IsLinux())
        {
            candidates.AddRange(LinuxShimLoader.SearchDirectories(typeof(torch).Assembly).Select(d => Path.Combine(d, file)));
        }

        // The TorchSharp package carries every platform's shim, so the NuGet cache has it on any OS.
        var version = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (version is not null)
        {
            candidates.Add(Path.Combine(packages, "torchsharp", version, "runtimes", "linux-x64", "native", file));
        }

        var found = candidates.FirstOrDefault(File.Exists);
        Assert.IsNotNull(found, "libLibTorchSharp.so not found; looked in:\n" + string.Join("\n", candidates));
        return found;
    }
}
