using System.Diagnostics;
using System.Runtime.InteropServices;
using Keras.Native.Elf;
using static Keras.Net.Tests.Native.NativeTestFiles;

namespace Keras.Net.Tests.Native;

/// <summary>
/// Runs eng/RuntimeProbe (built with this project) as a fresh process, the way an application starts: the
/// bootstrap must produce a working runtime with nothing prepared beforehand, and reuse its cache next time.
/// </summary>
[TestClass]
public sealed class TorchRuntimeProcessTests
{
    private const string Cached = "libtorchsharp";
    private string _dir = string.Empty;

    [TestInitialize]
    public void Initialize() => _dir = CreateTempDirectory();

    [TestCleanup]
    public void Cleanup() => DeleteDirectory(_dir);

    private static bool ExpectPatch => OperatingSystem.IsLinux() && !HostProvidesGlibcxx3432;

    [TestMethod]
    public void FreshProcess_EmptyCache_CreatesPatchedCopyThenReusesIt()
    {
        var cache = Path.Combine(_dir, "cache");
        Directory.CreateDirectory(cache);

        var first = ProbeResult.Run(new() { ["KERAS_NET_CACHE_DIR"] = cache });
        first.AssertWorking();
        Assert.AreEqual(ExpectPatch.ToString(), first["patched"]);
        if (!ExpectPatch)
        {
            Assert.IsEmpty(Directory.GetFileSystemEntries(cache), "nothing is written when no patch is needed");
            return;
        }

        // The copy lives under the cache folder, keyed by the shipped file's SHA-256, and verifies.
        var shim = first["shim"];
        Assert.StartsWith(Path.Combine(cache, Cached) + Path.DirectorySeparatorChar, shim);
        Assert.AreEqual("False", first["reused"]);
        Assert.AreEqual($"{LibStdCxx}:{Glibcxx3432}", first["weakened"]);
        Assert.IsTrue(ElfFile.Load(shim).FindRequirement(LibStdCxx, Glibcxx3432)!.IsWeak);
        Assert.IsFalse(ElfFile.Load(first["original"]).FindRequirement(LibStdCxx, Glibcxx3432)!.IsWeak);
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(first["original"])));
        Assert.Contains(key, shim);
        CollectionAssert.AreEqual(new[] { shim }, Directory.GetFiles(cache, "*", SearchOption.AllDirectories));
        var written = File.GetLastWriteTimeUtc(shim);

        // A second process reuses it as is.
        var second = ProbeResult.Run(new() { ["KERAS_NET_CACHE_DIR"] = cache });
        second.AssertWorking();
        Assert.AreEqual("True", second["patched"]);
        Assert.AreEqual("True", second["reused"]);
        Assert.AreEqual(shim, second["shim"]);
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(shim));
        Assert.HasCount(1, Directory.GetFiles(cache, "*", SearchOption.AllDirectories));
    }

    [TestMethod]
    public void FreshProcess_CorruptCacheEntry_IsReplaced()
    {
        var cache = Path.Combine(_dir, "cache");
        var first = ProbeResult.Run(new() { ["KERAS_NET_CACHE_DIR"] = cache });
        first.AssertWorking();
        if (!ExpectPatch)
        {
            Assert.AreEqual("False", first["patched"]);
            return;
        }

        var shim = first["shim"];
        var bytes = File.ReadAllBytes(shim);
        bytes[bytes.Length / 2] ^= 0xff; // damage the middle: still parses, but no longer the verified content
        File.WriteAllBytes(shim, bytes);

        var second = ProbeResult.Run(new() { ["KERAS_NET_CACHE_DIR"] = cache });
        second.AssertWorking();
        Assert.AreEqual("False", second["reused"]);
        Assert.AreEqual(shim, second["shim"]);
        Assert.Contains(line => line.Contains("failed verification", StringComparison.Ordinal), second.Trace);
        Assert.AreNotEqual(bytes[bytes.Length / 2], File.ReadAllBytes(shim)[bytes.Length / 2]);
    }

    [TestMethod]
    public void FreshProcess_NoWritableCache_FallsBackToPrivateTemporaryCopy()
    {
        // A path below a regular file can never be created (root included), so every persistent root fails.
        var blocker = Path.Combine(_dir, "not-a-folder");
        File.WriteAllText(blocker, "x");
        var result = ProbeResult.Run(new()
        {
            ["KERAS_NET_CACHE_DIR"] = Path.Combine(blocker, "cache"),
            ["XDG_CACHE_HOME"] = Path.Combine(blocker, "xdg"),
            ["HOME"] = Path.Combine(blocker, "home"),
        });

        result.AssertWorking();
        if (!ExpectPatch)
        {
            Assert.AreEqual("False", result["patched"]);
            return;
        }

        Assert.AreEqual("True", result["patched"]);
        var shim = result["shim"];
        Assert.StartsWith(Path.Combine(Path.GetTempPath(), "keras-net-"), shim);
        Assert.IsFalse(File.Exists(shim), "the private copy is removed once loaded");
        Assert.IsFalse(Directory.Exists(Path.GetDirectoryName(shim)));
        Assert.Contains(line => line.StartsWith("cache root " + Path.Combine(blocker, "cache"), StringComparison.Ordinal), result.Trace);
    }

    [TestMethod]
    public void FreshProcess_ResolverAlreadySetByAnotherLibrary_StillWorks()
    {
        var result = ProbeResult.Run(new() { ["KERAS_NET_CACHE_DIR"] = Path.Combine(_dir, "cache") }, "--foreign-resolver");

        Assert.AreEqual("installed", result["foreign-resolver"]);
        result.AssertWorking();
        Assert.AreEqual(ExpectPatch.ToString(), result["patched"]);
        if (ExpectPatch)
        {
            Assert.Contains(line => line.Contains("already has a DllImportResolver", StringComparison.Ordinal), result.Trace);
        }
    }

    [TestMethod]
    public void ConcurrentFreshProcesses_ShareOneCompleteCacheEntry()
    {
        var cache = Path.Combine(_dir, "cache");
        var env = new Dictionary<string, string?> { ["KERAS_NET_CACHE_DIR"] = cache };

        var results = Enumerable.Range(0, 3).Select(_ => Task.Run(() => ProbeResult.Run(env))).ToArray();
        Task.WaitAll(results);

        foreach (var r in results)
        {
            r.Result.AssertWorking();
        }

        if (!ExpectPatch)
        {
            return;
        }

        var shims = results.Select(r => r.Result["shim"]).Distinct().ToArray();
        Assert.HasCount(1, shims);
        // No temporary files survive, whichever process won the rename.
        CollectionAssert.AreEqual(shims, Directory.GetFiles(cache, "*", SearchOption.AllDirectories));
        Assert.IsTrue(ElfFile.Load(shims[0]).FindRequirement(LibStdCxx, Glibcxx3432)!.IsWeak);
    }

    /// <summary>The probe's <c>key=value</c> output.</summary>
    internal sealed class ProbeResult
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        private ProbeResult(int exitCode, string stdout, string stderr)
        {
            ExitCode = exitCode;
            Stdout = stdout;
            Stderr = stderr;
            foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = line.IndexOf('=');
                if (eq <= 0)
                {
                    continue;
                }

                var (key, value) = (line[..eq], line[(eq + 1)..]);
                if (key == "trace")
                {
                    Trace.Add(value);
                }
                else
                {
                    _values[key] = value;
                }
            }
        }

        public int ExitCode { get; }

        public string Stdout { get; }

        public string Stderr { get; }

        public List<string> Trace { get; } = [];

        public string this[string key] =>
            _values.TryGetValue(key, out var v) ? v : throw new AssertFailedException($"probe printed no '{key}'.\n{Stdout}\n{Stderr}");

        public void AssertWorking()
        {
            Assert.AreEqual(0, ExitCode, $"probe failed:\n{Stdout}\n{Stderr}");
            Assert.AreEqual("385", this["result"], "sum of squares 1..10 computed by libtorch");
            Assert.StartsWith("2.10.", this["libtorch"]);
            Assert.AreEqual("0.107.0", this["torchsharp"]);
            Assert.AreEqual("False", this["cuda"]);
            Assert.IsGreaterThanOrEqualTo(1, int.Parse(this["threads"], System.Globalization.CultureInfo.InvariantCulture));
        }

        public static ProbeResult Run(Dictionary<string, string?> environment, params string[] arguments)
        {
            var probe = Path.Combine(AppContext.BaseDirectory, "RuntimeProbe.dll");
            Assert.IsTrue(File.Exists(probe), $"{probe} missing: Keras.Net.Tests references eng/RuntimeProbe so it is built alongside");

            var start = new ProcessStartInfo(DotnetHost())
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = AppContext.BaseDirectory,
            };
            start.ArgumentList.Add(probe);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (key, value) in environment)
            {
                // null removes a variable the test process has.
                if (value is null) start.Environment.Remove(key);
                else start.Environment[key] = value;
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("RuntimeProbe did not finish within 60 s");
            }

            return new ProbeResult(process.ExitCode, stdout.Result, stderr.Result);
        }

        // The muxer that runs this test process: DOTNET_HOST_PATH when the CLI set it, else <root>/dotnet next
        // to <root>/shared/Microsoft.NETCore.App/<version>/.
        private static string DotnetHost()
        {
            var fromCli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromCli) && File.Exists(fromCli))
            {
                return fromCli;
            }

            var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
            var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            Assert.IsTrue(File.Exists(host), $"dotnet host not found at {host}");
            return host;
        }
    }
}
