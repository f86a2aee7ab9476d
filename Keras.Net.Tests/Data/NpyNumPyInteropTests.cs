using System.Diagnostics;
using System.Text.Json;
using Keras.Data;

namespace Keras.Net.Tests.Data;

/// <summary>
/// .npy files written by Keras.Net are read by NumPy and vice versa, in a child <c>/usr/bin/python3</c> process.
/// CI installs <c>python3-numpy</c> (Debian package), so these tests require it rather than skipping.
/// </summary>
[TestClass]
public class NpyNumPyInteropTests
{
    private const string Python = "/usr/bin/python3";

    private static string _folder = "";

    [ClassInitialize]
    public static void CreateFolder(TestContext _)
    {
        _folder = Path.Combine(Path.GetTempPath(), "keras-net-numpy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [ClassCleanup]
    public static void DeleteFolder()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static string RunPython(string script, params string[] args)
    {
        Assert.IsTrue(File.Exists(Python),
            $"{Python} is missing: these tests need Python 3 with NumPy (Debian/Ubuntu: apt-get install python3-numpy; CI installs it).");
        string scriptPath = Path.Combine(_folder, $"script-{Guid.NewGuid():N}.py");
        File.WriteAllText(scriptPath, script);
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(scriptPath);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start python3");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            Assert.Fail("python3 did not finish within 60 s");
        }

        string err = stderr.Result;
        Assert.IsFalse(err.Contains("No module named 'numpy'", StringComparison.Ordinal),
            $"{Python} has no NumPy: install python3-numpy (CI installs it). {err}");
        Assert.AreEqual(0, process.ExitCode, $"python3 failed:\n{err}");
        return stdout.Result;
    }

    private static DType DTypeOf(string numpyName) => numpyName switch
    {
        "bool" => DType.Bool,
        _ => DTypes.Parse(numpyName),
    };

    private static string LittleEndianHex(HostArray a) =>
        Convert.ToHexString(ArrayBytes.Span(a.Data, 0, checked((int)(a.Length * a.ElementSize)))).ToLowerInvariant();

    [TestMethod]
    public void NumPyReadsWhatWeWrite()
    {
        string folder = Path.Combine(_folder, "ours");
        Directory.CreateDirectory(folder);
        var written = new Dictionary<string, HostArray>();
        int n = 0;
        foreach (object[] row in NpyTests.EveryDType())
        {
            var array = (HostArray)row[0];
            string name = $"a{n++}.npy";
            Npy.Write(Path.Combine(folder, name), array);
            written[name] = array;
        }

        const string script = """
            import io, json, os, sys
            import numpy as np
            folder = sys.argv[1]
            out = {}
            for name in sorted(os.listdir(folder)):
                path = os.path.join(folder, name)
                a = np.load(path, allow_pickle=False)
                buf = io.BytesIO()
                np.save(buf, a)
                with open(path, 'rb') as f:
                    ours = f.read()
                out[name] = {
                    'dtype': a.dtype.name,
                    'shape': list(a.shape),
                    'hex': np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<')).tobytes().hex(),
                    'identical_to_numpy_save': buf.getvalue() == ours,
                }
            print(json.dumps(out))
            """;
        using JsonDocument json = JsonDocument.Parse(RunPython(script, folder));
        Assert.AreEqual(written.Count, json.RootElement.EnumerateObject().Count());
        foreach (var (name, array) in written)
        {
            JsonElement e = json.RootElement.GetProperty(name);
            Assert.AreEqual(array.DType, DTypeOf(e.GetProperty("dtype").GetString()!), name);
            CollectionAssert.AreEqual(array.Shape, e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(), name);
            Assert.AreEqual(LittleEndianHex(array), e.GetProperty("hex").GetString(), name);
            Assert.IsTrue(e.GetProperty("identical_to_numpy_save").GetBoolean(), $"{name}: our file differs from numpy.save's");
        }
    }

    [TestMethod]
    public void WeReadWhatNumPyWrites()
    {
        string folder = Path.Combine(_folder, "numpy");
        Directory.CreateDirectory(folder);
        const string script = """
            import json, os, sys
            import numpy as np
            from numpy.lib import format as fmt
            folder = sys.argv[1]
            base = np.arange(24)
            arrays = {
                'f4': (base.reshape(2, 3, 4) / 4).astype('<f4'),
                'f8': (base.reshape(4, 6) * np.pi).astype('<f8'),
                'f2': (base.reshape(6, 4) / 8 - 1).astype('<f2'),
                'i1': (base - 12).astype('|i1'),
                'i2': (base * -1000).astype('<i2'),
                'i4': (base * 100000 - 7).astype('<i4'),
                'i8': (base.astype('<i8') * (2 ** 40) - 3),
                'u1': (base * 10).astype('|u1'),
                'b1': (base % 3 == 0),
                'be_i4': (base * -3).astype('>i4').reshape(4, 6),
                'be_f8': (base / 3).astype('>f8'),
                'be_f2': (base / 2).astype('>f2'),
                'fortran_i2': np.asfortranarray(base.reshape(2, 3, 4).astype('<i2')),
                'fortran_f4': np.asfortranarray((base.reshape(4, 6) + 0.5).astype('<f4')),
                'scalar': np.array(2.5),
                'empty': np.zeros((0, 3), dtype='<f4'),
                'sliced': (base.reshape(4, 6)[::2, 1::2]).astype('<i8'),
            }
            manifest = {}
            for name, a in arrays.items():
                np.save(os.path.join(folder, name + '.npy'), a)
                manifest[name] = {'dtype': a.dtype.name, 'shape': list(a.shape), 'fortran': bool(np.isfortran(a)),
                                  'hex': np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<')).tobytes().hex()}
            for version in [(2, 0), (3, 0)]:
                name = 'v%d' % version[0]
                a = (base * 3).astype('<i4').reshape(3, 8)
                with open(os.path.join(folder, name + '.npy'), 'wb') as f:
                    fmt.write_array(f, a, version=version)
                manifest[name] = {'dtype': a.dtype.name, 'shape': list(a.shape), 'fortran': False,
                                  'hex': a.tobytes().hex()}
            print(json.dumps(manifest))
            """;
        using JsonDocument json = JsonDocument.Parse(RunPython(script, folder));
        int count = 0;
        foreach (JsonProperty p in json.RootElement.EnumerateObject())
        {
            HostArray a = Npy.Read(Path.Combine(folder, p.Name + ".npy"));
            Assert.AreEqual(DTypeOf(p.Value.GetProperty("dtype").GetString()!), a.DType, p.Name);
            CollectionAssert.AreEqual(p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(), a.Shape, p.Name);
            Assert.AreEqual(p.Value.GetProperty("hex").GetString(), LittleEndianHex(a), p.Name);
            count++;
        }

        Assert.AreEqual(19, count);
        Assert.IsTrue(json.RootElement.GetProperty("fortran_i2").GetProperty("fortran").GetBoolean(), "the Fortran files really are Fortran-ordered");

        // Spot-check values, not only bytes.
        CollectionAssert.AreEqual(new[] { 0f, 0.25f, 0.5f }, ((float[])Npy.Read(Path.Combine(folder, "f4.npy")).Data)[..3]);
        CollectionAssert.AreEqual(new[] { 0, -3, -6 }, ((int[])Npy.Read(Path.Combine(folder, "be_i4.npy")).Data)[..3]);
        CollectionAssert.AreEqual(new short[] { 0, 1, 2, 3, 4 }, ((short[])Npy.Read(Path.Combine(folder, "fortran_i2.npy")).Data)[..5]);
        CollectionAssert.AreEqual(new long[] { 1, 3, 5, 13, 15, 17 }, (long[])Npy.Read(Path.Combine(folder, "sliced.npy")).Data);
        Assert.AreEqual(2.5, ((double[])Npy.Read(Path.Combine(folder, "scalar.npy")).Data)[0]);
    }
}
