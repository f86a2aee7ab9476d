using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;
using Keras.Native;
using Keras.Native.Linux;
using static Keras.Net.Tests.Native.NativeTestFiles;

namespace Keras.Net.Tests.Native;

/// <summary>
/// The MKL vendor-dispatch override (native/Linux/MklVendorDispatch.cs): on AMD CPUs with AVX2 it lets libtorch's
/// MKL use the kernels it uses on Intel CPUs. MKL picks its code path once per process, so each setting is checked
/// in a fresh eng/RuntimeProbe process, and the GEMM results of both settings are compared with a double-precision
/// reference computed here.
/// </summary>
[TestClass]
public sealed class MklVendorDispatchTests
{
    private const string Variable = "KERAS_NET_MKL_VENDOR_DISPATCH";

    // Unit roundoff of float32: the rounding error bound of one operation.
    private const double Float32Roundoff = 1.0 / (1 << 24);

    private string _dir = string.Empty;

    /// <summary>
    /// Whether the override should apply on this host, decided independently of the code under test: CPUID's
    /// vendor string and .NET's own AVX2/FMA detection.
    /// </summary>
    private static bool HostIsAmdWithAvx2
    {
        get
        {
            if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64 || !X86Base.IsSupported)
            {
                return false;
            }

            var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
            var vendor = Encoding.ASCII.GetString(BitConverter.GetBytes(ebx).Concat(BitConverter.GetBytes(edx)).Concat(BitConverter.GetBytes(ecx)).ToArray());
            return vendor == "AuthenticAMD" && Avx2.IsSupported && Fma.IsSupported;
        }
    }

    [TestInitialize]
    public void Initialize() => _dir = CreateTempDirectory();

    [TestCleanup]
    public void Cleanup() => DeleteDirectory(_dir);

    [TestMethod]
    public void ReadSetting_UnsetMeansOn_AndAcceptsOnOffSpellings()
    {
        Assert.IsTrue(MklVendorDispatch.ReadSetting(null));
        Assert.IsTrue(MklVendorDispatch.ReadSetting(""));
        Assert.IsTrue(MklVendorDispatch.ReadSetting(" 1 "));
        Assert.IsTrue(MklVendorDispatch.ReadSetting("TRUE"));
        Assert.IsTrue(MklVendorDispatch.ReadSetting("on"));
        Assert.IsFalse(MklVendorDispatch.ReadSetting("0"));
        Assert.IsFalse(MklVendorDispatch.ReadSetting("false"));
        Assert.IsFalse(MklVendorDispatch.ReadSetting("Off"));
    }

    [TestMethod]
    public void ReadSetting_OtherValue_ThrowsNamingVariableAndExpectedValues()
    {
        var e = Assert.ThrowsExactly<NativeRuntimeException>(() => MklVendorDispatch.ReadSetting("yes"));
        Assert.Contains(Variable, e.Message);
        Assert.Contains("'yes'", e.Message);
        Assert.Contains("expected 1", e.Message);
    }

    [TestMethod]
    public void MemoryMap_Parse_ReadsFieldsAndSkipsMalformedLines()
    {
        var regions = ProcessMemoryMap.Parse(
        [
            "7f0000001000-7f0000003000 r-xp 00001000 08:01 1234   /opt/lib/libtorch_cpu.so",
            "7f0000003000-7f0000004000 rw-p 00003000 08:01 1234   /opt/lib/libtorch_cpu.so",
            "7f0000004000-7f0000005000 rw-p 00000000 00:00 0",
            "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0      [stack]",
            "not a mapping",
            "7f0000009000-7f0000008000 r--p 00000000 08:01 1 /backwards",
        ]);

        Assert.HasCount(4, regions);
        Assert.AreEqual(0x7f0000001000UL, regions[0].Start);
        Assert.AreEqual(0x7f0000003000UL, regions[0].End);
        Assert.AreEqual("/opt/lib/libtorch_cpu.so", regions[0].Path);
        Assert.IsTrue(regions[0].IsExecutable && !regions[0].IsWritable);
        Assert.IsTrue(regions[1].IsWritable && !regions[1].IsExecutable);
        Assert.IsNull(regions[2].Path, "anonymous memory has no file");
        Assert.IsNull(regions[3].Path, "pseudo-entries are not files");

        // Contains covers [address, address + length) entirely inside the region.
        Assert.IsTrue(regions[1].Contains(0x7f0000003000, 4));
        Assert.IsTrue(regions[1].Contains(0x7f0000003ffc, 4));
        Assert.IsFalse(regions[1].Contains(0x7f0000003ffe, 4), "straddles the end");
        Assert.IsFalse(regions[1].Contains(0x7f0000002ffe, 4), "starts before the region");
        Assert.IsFalse(regions[1].Contains(ulong.MaxValue - 1, 4), "no wrap-around");
    }

    [TestMethod]
    public void ThisProcess_ReportsTheOverrideInRuntimeInfo()
    {
        var info = TorchRuntime.Info;
        var enabled = MklVendorDispatch.ReadSetting(Environment.GetEnvironmentVariable(Variable));
        if (HostIsAmdWithAvx2 && enabled && !info.MklVendorDispatch)
        {
            // Only legitimate when another test used TorchSharp's BLAS before the bootstrap ran (possible on hosts
            // where TorchSharp loads without it); the fresh-process test below covers the switch itself.
            Assert.Contains("already checked the CPU vendor", info.MklDispatchNote);
        }
        else
        {
            Assert.AreEqual(HostIsAmdWithAvx2 && enabled, info.MklVendorDispatch, info.MklDispatchNote);
        }

        Assert.IsFalse(string.IsNullOrWhiteSpace(info.MklDispatchNote));
        StringAssert.Contains(info.ToString(), "MKL: " + info.MklDispatchNote);
        StringAssert.Contains(Keras.Backend.KerasBackend.Info.ToString(), info.MklDispatchNote);
    }

    [TestMethod]
    public void FreshProcesses_OnAndOff_SwitchMklCodePath_AndGemmsAgreeWithinFloatTolerance()
    {
        var on = RunProbe("1");
        var off = RunProbe("0");

        // MKL's own report of its code path (MKL_VERBOSE's first line) and its vendor check's answer.
        if (HostIsAmdWithAvx2)
        {
            Assert.AreEqual("True", on.Values["mkl_vendor_dispatch"], on.Values["mkl_note"]);
            Assert.AreEqual("1", on.Values["mkl_intel_cpu_true"]);
            Assert.Contains("Advanced Vector Extensions", on.MklBanner);
            Assert.AreEqual("False", off.Values["mkl_vendor_dispatch"]);
            Assert.AreEqual("0", off.Values["mkl_intel_cpu_true"]);
            Assert.Contains("Intel(R) Architecture processors", off.MklBanner);
            Assert.DoesNotContain("Advanced Vector Extensions", off.MklBanner);
        }
        else
        {
            Assert.AreEqual("False", on.Values["mkl_vendor_dispatch"], on.Values["mkl_note"]);
            Assert.AreEqual("False", off.Values["mkl_vendor_dispatch"]);
            Assert.AreEqual(off.MklBanner, on.MklBanner, "the setting changes nothing on this CPU");
        }

        var onCases = GemmCase.ReadAll(on.GemmFile);
        var offCases = GemmCase.ReadAll(off.GemmFile);
        Assert.HasCount(offCases.Count, onCases);
        Assert.IsGreaterThanOrEqualTo(5, onCases.Count);
        for (var i = 0; i < onCases.Count; i++)
        {
            var (a, b) = (onCases[i], offCases[i]);
            CollectionAssert.AreEqual(b.A, a.A, "both processes multiply the same seeded inputs");
            CollectionAssert.AreEqual(b.B, a.B);
            var (reference, magnitude) = a.Reference();

            // Any summation order of k float32 products stays within γ_k = k·u/(1 − k·u) of Σ|a||b|.
            var gamma = a.K * Float32Roundoff / (1 - a.K * Float32Roundoff);
            for (var j = 0; j < reference.Length; j++)
            {
                var bound = gamma * magnitude[j];
                Assert.IsLessThanOrEqualTo(bound, Math.Abs(a.C[j] - reference[j]), $"{a}: override on, element {j}");
                Assert.IsLessThanOrEqualTo(bound, Math.Abs(b.C[j] - reference[j]), $"{a}: override off, element {j}");
                Assert.IsLessThanOrEqualTo(2 * bound, Math.Abs(a.C[j] - b.C[j]), $"{a}: on vs off, element {j}");
            }
        }
    }

    private ProbeRun RunProbe(string setting)
    {
        var gemmFile = Path.Combine(_dir, $"gemm-{setting}.bin");
        var result = TorchRuntimeProcessTests.ProbeResult.Run(new Dictionary<string, string?>
        {
            [Variable] = setting,
            ["MKL_VERBOSE"] = "1",
            ["MKL_ENABLE_INSTRUCTIONS"] = null,
            ["KERAS_NET_CACHE_DIR"] = Path.Combine(_dir, "cache"),
        }, "--gemm", gemmFile);
        Assert.AreEqual(0, result.ExitCode, $"probe failed:\n{result.Stdout}\n{result.Stderr}");
        return new ProbeRun(result.Stdout, gemmFile);
    }

    private sealed class ProbeRun
    {
        public ProbeRun(string stdout, string gemmFile)
        {
            GemmFile = gemmFile;
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            MklBanner = lines.FirstOrDefault(l => l.StartsWith("MKL_VERBOSE oneMKL", StringComparison.Ordinal))
                ?? throw new AssertFailedException($"MKL_VERBOSE=1 printed no version line:\n{stdout}");
            foreach (var line in lines.Where(l => !l.StartsWith("MKL_VERBOSE", StringComparison.Ordinal)))
            {
                var eq = line.IndexOf('=');
                if (eq > 0)
                {
                    Values[line[..eq]] = line[(eq + 1)..];
                }
            }

            Assert.AreEqual("385", Values["result"], "the runtime computes");
            Assert.AreEqual(gemmFile, Values["gemm"]);
        }

        public string GemmFile { get; }

        public string MklBanner { get; }

        public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>One product written by the probe: row-major A (m×k), B (k×n) and C (m×n), float32.</summary>
    private sealed record GemmCase(int M, int K, int N, float[] A, float[] B, float[] C)
    {
        public static List<GemmCase> ReadAll(string path)
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            var count = reader.ReadInt32();
            var cases = new List<GemmCase>();
            for (var i = 0; i < count; i++)
            {
                int m = reader.ReadInt32(), k = reader.ReadInt32(), n = reader.ReadInt32();
                float[] Read(int length) => Enumerable.Range(0, length).Select(_ => reader.ReadSingle()).ToArray();
                cases.Add(new GemmCase(m, k, n, Read(m * k), Read(k * n), Read(m * n)));
            }

            Assert.AreEqual(reader.BaseStream.Length, reader.BaseStream.Position, $"{path} has trailing bytes");
            return cases;
        }

        /// <summary>A·B in double precision (exact products of float32 inputs) and Σ|a||b| per element.</summary>
        public (double[] Product, double[] Magnitude) Reference()
        {
            var product = new double[M * N];
            var magnitude = new double[M * N];
            for (var i = 0; i < M; i++)
            {
                for (var j = 0; j < N; j++)
                {
                    double sum = 0, abs = 0;
                    for (var p = 0; p < K; p++)
                    {
                        var term = (double)A[i * K + p] * B[p * N + j];
                        sum += term;
                        abs += Math.Abs(term);
                    }

                    product[i * N + j] = sum;
                    magnitude[i * N + j] = abs;
                }
            }

            return (product, magnitude);
        }

        public override string ToString() => $"{M}x{K}x{N}";
    }
}
