using System.Buffers.Binary;
using System.Text;
using Keras.Data;
using NumSharp;

namespace Keras.Net.Tests.Data;

[TestClass]
public class NpyTests
{
    private static string _folder = "";

    [ClassInitialize]
    public static void CreateFolder(TestContext _)
    {
        _folder = Path.Combine(Path.GetTempPath(), "keras-net-npy-tests-" + Guid.NewGuid().ToString("N"));
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

    /// <summary>Builds a .npy file from a header dictionary text and raw data (header padded like NumPy).</summary>
    internal static byte[] NpyFile(string dict, byte[] data, int major = 1, bool pad = true)
    {
        int prefix = major == 1 ? 10 : 12;
        byte[] dictBytes = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(dict);
        int padLength = pad ? 64 - ((prefix + dictBytes.Length + 1) % 64) : 0;
        int headerLength = dictBytes.Length + padLength + 1;
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0 };
        var len = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)headerLength);
        bytes.AddRange(len.Take(major == 1 ? 2 : 4));
        bytes.AddRange(dictBytes);
        bytes.AddRange(Enumerable.Repeat((byte)' ', padLength));
        bytes.Add((byte)'\n');
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    private static HostArray ReadBytes(byte[] file) => Npy.Read(new MemoryStream(file), "test.npy");

    private static KerasFileException ReadFails(byte[] file, string part)
    {
        var e = Assert.ThrowsExactly<KerasFileException>(() => ReadBytes(file));
        Assert.AreEqual(part, e.Part, e.Message);
        Assert.AreEqual("test.npy", e.FilePath);
        StringAssert.StartsWith(e.Message, "test.npy: " + part + ": ");
        return e;
    }

    private static byte[] Bytes<T>(params T[] values)
        where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    // ---- round trips ----------------------------------------------------------------------------------

    public static IEnumerable<object[]> EveryDType() =>
    [
        [HostArray.Create(new[] { 1.5f, -2.25f, float.MaxValue, float.Epsilon, float.NaN, 0f }, 2, 3)],
        [HostArray.Create(new[] { Math.PI, -1e300, double.NegativeInfinity }, 3)],
        [HostArray.Create(new[] { (Half)0.5, Half.MaxValue, (Half)(-3) }, 3, 1)],
        [HostArray.Create(new sbyte[] { -128, 0, 127, 5 }, 2, 2)],
        [HostArray.Create(new short[] { short.MinValue, 12345, short.MaxValue }, 3)],
        [HostArray.Create(new[] { int.MinValue, 0, int.MaxValue, 7 }, 1, 2, 2)],
        [HostArray.Create(new[] { long.MinValue, 1L << 53, long.MaxValue }, 3)],
        [HostArray.Create(new byte[] { 0, 128, 255 }, 3)],
        [HostArray.Create(new[] { true, false, true, true }, 4)],
        [HostArray.Create(new[] { 42.0f })],
        [HostArray.Create(Array.Empty<int>(), 0, 3)],
    ];

    [TestMethod]
    [DynamicData(nameof(EveryDType))]
    public void RoundTripThroughStream(HostArray original)
    {
        var stream = new MemoryStream();
        Npy.Write(stream, original);
        Assert.AreEqual(0, (int)(stream.Length - original.Length * original.ElementSize) % 64, "data starts on a 64-byte boundary");
        stream.Position = 0;
        HostArray read = Npy.Read(stream, "memory");
        Assert.AreEqual(original.DType, read.DType);
        CollectionAssert.AreEqual(original.Shape, read.Shape);
        CollectionAssert.AreEqual(original.Data, read.Data);
    }

    [TestMethod]
    [DynamicData(nameof(EveryDType))]
    public void RoundTripThroughFile(HostArray original)
    {
        string path = Path.Combine(_folder, $"rt-{original.DType.Name()}-{original.Rank}.npy");
        Npy.Write(path, original);
        HostArray read = Npy.Read(path);
        Assert.AreEqual(original.DType, read.DType);
        CollectionAssert.AreEqual(original.Shape, read.Shape);
        CollectionAssert.AreEqual(original.Data, read.Data);
    }

    [TestMethod]
    public void BFloat16IsWrittenAsFloat32()
    {
        HostArray bf = HostArray.Create(new[] { 1.5f, 3.14159f }, 2).AsType(DType.BFloat16);
        var stream = new MemoryStream();
        Npy.Write(stream, bf);
        stream.Position = 0;
        HostArray read = Npy.Read(stream, "memory");
        Assert.AreEqual(DType.Float32, read.DType);
        CollectionAssert.AreEqual(new[] { 1.5f, 3.140625f }, (float[])read.Data);
    }

    [TestMethod]
    public void SaveAndLoadNDArray()
    {
        string path = Path.Combine(_folder, "nd.npy");
        using NDArray range = np.arange(12);
        using NDArray typed = range.astype(NPTypeCode.Double);
        using NDArray nd = typed.reshape(3, 4);
        using NDArray view = nd[":, 1::2"];
        Npy.Save(path, view);
        using NDArray loaded = Npy.Load(path);
        Assert.AreEqual(NPTypeCode.Double, loaded.typecode);
        CollectionAssert.AreEqual(new long[] { 3, 2 }, loaded.shape);
        CollectionAssert.AreEqual(new double[] { 1, 3, 5, 7, 9, 11 }, HostArray.From(loaded, "loaded").ToArray<double>());
    }

    [TestMethod]
    public void WriterHeaderMatchesNumPyLayout()
    {
        byte[] header = Npy.BuildHeader(HostArray.Create(new float[12], 3, 4));
        Assert.AreEqual(128, header.Length);
        Assert.AreEqual((byte)'\n', header[^1]);
        Assert.AreEqual(1, header[6]);
        Assert.AreEqual(118, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8)));
        string dict = Encoding.Latin1.GetString(header, 10, header.Length - 10);
        StringAssert.StartsWith(dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }");

        string vector = Encoding.Latin1.GetString(Npy.BuildHeader(HostArray.Create(new byte[3], 3)));
        StringAssert.Contains(vector, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }");
        string scalar = Encoding.Latin1.GetString(Npy.BuildHeader(HostArray.Create(new[] { true })));
        StringAssert.Contains(scalar, "{'descr': '|b1', 'fortran_order': False, 'shape': (), }");

    }

    // ---- crafted files: byte order, Fortran order, versions, header syntax -----------------------------

    [TestMethod]
    public void ReadsBigEndianData()
    {
        byte[] be = [0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFE, 0x7F, 0xFF, 0xFF, 0xFF];
        HostArray i4 = ReadBytes(NpyFile("{'descr': '>i4', 'fortran_order': False, 'shape': (3,), }", be));
        Assert.AreEqual(DType.Int32, i4.DType);
        CollectionAssert.AreEqual(new[] { 1, -2, int.MaxValue }, (int[])i4.Data);

        byte[] f8 = new byte[16];
        BinaryPrimitives.WriteDoubleBigEndian(f8, Math.PI);
        BinaryPrimitives.WriteDoubleBigEndian(f8.AsSpan(8), -0.5);
        HostArray d = ReadBytes(NpyFile("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", f8));
        CollectionAssert.AreEqual(new[] { Math.PI, -0.5 }, (double[])d.Data);

        byte[] f4 = new byte[8];
        BinaryPrimitives.WriteSingleBigEndian(f4, 1.25f);
        BinaryPrimitives.WriteSingleBigEndian(f4.AsSpan(4), -3f);
        CollectionAssert.AreEqual(new[] { 1.25f, -3f }, (float[])ReadBytes(NpyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", f4)).Data);

        byte[] f2 = new byte[4];
        BinaryPrimitives.WriteHalfBigEndian(f2, (Half)0.75);
        BinaryPrimitives.WriteHalfBigEndian(f2.AsSpan(2), (Half)(-8));
        CollectionAssert.AreEqual(new[] { (Half)0.75, (Half)(-8) }, (Half[])ReadBytes(NpyFile("{'descr': '>f2', 'fortran_order': False, 'shape': (2,), }", f2)).Data);

        CollectionAssert.AreEqual(new short[] { 258, -1 }, (short[])ReadBytes(NpyFile("{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", [1, 2, 0xFF, 0xFF])).Data);
        CollectionAssert.AreEqual(new[] { 1L << 40 }, (long[])ReadBytes(NpyFile("{'descr': '>i8', 'fortran_order': False, 'shape': (1,), }", [0, 0, 1, 0, 0, 0, 0, 0])).Data);
        CollectionAssert.AreEqual(new byte[] { 1, 2 }, (byte[])ReadBytes(NpyFile("{'descr': '>u1', 'fortran_order': False, 'shape': (2,), }", [1, 2])).Data);
    }

    [TestMethod]
    public void ReadsFortranOrder()
    {
        // The 2×3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column.
        HostArray m = ReadBytes(NpyFile("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", Bytes(1, 4, 2, 5, 3, 6)));
        CollectionAssert.AreEqual(new long[] { 2, 3 }, m.Shape);
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4, 5, 6 }, (int[])m.Data);

        // A 2×3×4 array whose value encodes its C index; in Fortran order the first index varies fastest.
        var fortran = new double[24];
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                for (int k = 0; k < 4; k++)
                {
                    fortran[i + (2 * j) + (6 * k)] = (100 * i) + (10 * j) + k;
                }
            }
        }

        HostArray c = ReadBytes(NpyFile("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 4), }", Bytes(fortran)));
        var expected = new double[24];
        for (int n = 0; n < 24; n++)
        {
            expected[n] = (100 * (n / 12)) + (10 * (n / 4 % 3)) + (n % 4);
        }

        CollectionAssert.AreEqual(expected, (double[])c.Data);

        // Big-endian and Fortran at once.
        HostArray both = ReadBytes(NpyFile("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 2), }", [0, 1, 0, 3, 0, 2, 0, 4]));
        CollectionAssert.AreEqual(new short[] { 1, 2, 3, 4 }, (short[])both.Data);

        HostArray vector = ReadBytes(NpyFile("{'descr': '<i4', 'fortran_order': True, 'shape': (3,), }", Bytes(7, 8, 9)));
        CollectionAssert.AreEqual(new[] { 7, 8, 9 }, (int[])vector.Data);
    }

    [TestMethod]
    public void ReadsVersions2And3()
    {
        HostArray v2 = ReadBytes(NpyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", Bytes(5L, -6L), major: 2));
        CollectionAssert.AreEqual(new[] { 5L, -6L }, (long[])v2.Data);
        HostArray v3 = ReadBytes(NpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", Bytes(2.5f), major: 3));
        CollectionAssert.AreEqual(new[] { 2.5f }, (float[])v3.Data);
    }

    [TestMethod]
    public void HeaderParserIsTolerantOfSpacingQuotesOrderAndTrailingCommas()
    {
        string[] headers =
        [
            "{'descr':'<i4','fortran_order':False,'shape':(2,)}",
            "{ \"shape\" : ( 2 , ) ,\n \"descr\" : \"<i4\" , \"fortran_order\" : False }",
            "{'fortran_order': False, 'shape': (2,), 'descr': '<i4',}",
            "  {'descr': '<i4', 'fortran_order': False, 'shape': (2L,), }  \n",
        ];
        foreach (string h in headers)
        {
            HostArray a = ReadBytes(NpyFile(h, Bytes(3, 4), pad: false));
            CollectionAssert.AreEqual(new[] { 3, 4 }, (int[])a.Data, h);
            CollectionAssert.AreEqual(new long[] { 2 }, a.Shape, h);
        }

        HostArray scalar = ReadBytes(NpyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", Bytes(9.5)));
        Assert.AreEqual(0, scalar.Rank);
        Assert.AreEqual(9.5, ((double[])scalar.Data)[0]);

        HostArray bools = ReadBytes(NpyFile("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", [0, 1, 7]));
        CollectionAssert.AreEqual(new[] { false, true, true }, (bool[])bools.Data);
        Assert.AreEqual(1, Convert.ToInt32(((bool[])bools.Data)[2]), "non-zero bytes become canonical true");
    }

    // ---- malformed files ------------------------------------------------------------------------------

    [TestMethod]
    public void BadMagicAndVersion()
    {
        StringAssert.Contains(ReadFails([], "magic").Message, "empty file");
        StringAssert.Contains(ReadFails(Encoding.ASCII.GetBytes("PK\x03\x04 not npy"), "magic").Message, "not a .npy file");
        byte[] v4 = NpyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", Bytes(1));
        v4[6] = 4;
        StringAssert.Contains(ReadFails(v4, "version").Message, "4.0");
        ReadFails([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1], "version");
    }

    [TestMethod]
    public void TruncatedFiles()
    {
        byte[] good = NpyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }", Bytes(1, 2, 3, 4));
        StringAssert.Contains(ReadFails(good[..^1], "data").Message, "truncated");
        StringAssert.Contains(ReadFails(good[..^1], "data").Message, "needs 16 bytes");
        ReadFails(good[..40], "header");
        ReadFails(good[..9], "header");
        StringAssert.Contains(ReadFails([.. good, 0], "data").Message, "unexpected bytes");

        // The same checks on a stream that cannot seek (e.g. a zip entry).
        var e = Assert.ThrowsExactly<KerasFileException>(() => Npy.Read(new ForwardOnlyStream(good[..^3]), "fwd.npy"));
        Assert.AreEqual("data", e.Part);
        var e2 = Assert.ThrowsExactly<KerasFileException>(() => Npy.Read(new ForwardOnlyStream([.. good, 1, 2]), "fwd.npy"));
        Assert.AreEqual("data", e2.Part);
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4 }, (int[])Npy.Read(new ForwardOnlyStream(good), "fwd.npy").Data);
    }

    [TestMethod]
    public void BadHeaderDictionaries()
    {
        (string Header, string Expected)[] cases =
        [
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), ", "missing '}'"),
            ("{'descr': '<i4' 'fortran_order': False, 'shape': (1,)}", "expected ',' or '}'"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected key 'extra'"),
            ("{'descr': '<i4', 'fortran_order': False}", "missing key 'shape'"),
            ("{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': (1,)}", "duplicate key 'descr'"),
            ("{descr: '<i4', 'fortran_order': False, 'shape': (1,)}", "expected a quoted key"),
            ("{'descr': '<i4', 'fortran_order': false, 'shape': (1,)}", "unsupported value 'false'"),
            ("{'descr': '<i4', 'fortran_order': 0, 'shape': (1,)}", "'fortran_order' must be True or False"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (1,)} junk", "after the closing '}'"),
            ("['descr', '<i4']", "expected '{'"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': __import__('os')}", "unsupported value '__import__'"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (1.5,)}", "only plain integers"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': " + new string('(', 100) + "}", "nested too deeply"),
            ("{'descr': '<i4, 'fortran_order': False, 'shape': (1,)}", "expected ',' or '}'"),
            ("{'descr': '<i4', 'fortran_order' False, 'shape': (1,)}", "expected ':' after key 'fortran_order'"),
            ("{'descr': '<i4\\n', 'fortran_order': False, 'shape': (1,)}", "escape sequences"),
        ];
        foreach (var (header, expected) in cases)
        {
            var e = Assert.ThrowsExactly<KerasFileException>(() => ReadBytes(NpyFile(header, Bytes(1))), header);
            Assert.AreEqual("header", e.Part, header);
            StringAssert.Contains(e.Message, expected, header);
        }
    }

    [TestMethod]
    public void BadShapes()
    {
        StringAssert.Contains(ReadFails(NpyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (3), }", Bytes(1, 2, 3)), "shape").Message, "tuple");
        StringAssert.Contains(ReadFails(NpyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (2, -1), }", Bytes(1, 2)), "shape").Message, "negative");
        StringAssert.Contains(ReadFails(NpyFile("{'descr': '<i4', 'fortran_order': False, 'shape': ('a',), }", Bytes(1)), "shape").Message, "not an integer");
        StringAssert.Contains(ReadFails(NpyFile("{'descr': '<i4', 'fortran_order': False, 'shape': [1], }", Bytes(1)), "shape").Message, "tuple");
        var huge = ReadFails(NpyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 100000000000, 100000000000), }", Bytes(1.0)), "shape");
        StringAssert.Contains(huge.Message, "more elements than a .NET array can hold");
        ReadFails(NpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999999999999999,), }", Bytes(1f)), "shape");
    }

    [TestMethod]
    public void HugeShapeIsRefusedWithoutAllocating()
    {
        // 2e9 float64 elements (16 GB) fit a .NET array's element limit: only the data-length check stops it.
        byte[] file = NpyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2000000000,), }", Bytes(1.0, 2.0));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.ThrowsExactly<KerasFileException>(() => Npy.Read(new MemoryStream(file), "huge.npy"));
        long seekable = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.AreEqual("data", e.Part);
        StringAssert.Contains(e.Message, "needs 16000000000 bytes");

        before = GC.GetAllocatedBytesForCurrentThread();
        var e2 = Assert.ThrowsExactly<KerasFileException>(() => Npy.Read(new ForwardOnlyStream(file), "huge.npy"));
        long forwardOnly = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.AreEqual("data", e2.Part);

        Assert.IsTrue(seekable < 1 << 20, $"allocated {seekable} bytes");
        Assert.IsTrue(forwardOnly < 1 << 20, $"allocated {forwardOnly} bytes");

        byte[] longHeader = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 0xFF, 0xFF, 0xFF, 0x7F, (byte)'{'];
        StringAssert.Contains(ReadFails(longHeader, "header").Message, "refused");
    }

    [TestMethod]
    public void UnsupportedDTypes()
    {
        (string Descr, string Expected)[] cases =
        [
            ("<U10", "unicode strings"), ("|O", "Python objects"), ("<c8", "complex"), ("<u2", "unsigned"),
            ("|S5", "byte strings"), ("<M8[ns]", "dates"), ("<f16", "floating-point width"), ("|i2", "no byte order"),
            ("float32", "supported dtypes"),
        ];
        foreach (var (descr, expected) in cases)
        {
            var e = Assert.ThrowsExactly<KerasFileException>(
                () => ReadBytes(NpyFile($"{{'descr': '{descr}', 'fortran_order': False, 'shape': (1,), }}", Bytes(1L, 1L))), descr);
            Assert.AreEqual("dtype", e.Part, descr);
            StringAssert.Contains(e.Message, descr);
            StringAssert.Contains(e.Message, expected, descr);
        }

        var structured = ReadFails(NpyFile("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }", Bytes(1L)), "dtype");
        StringAssert.Contains(structured.Message, "structured");
    }

    [TestMethod]
    public void ReadingAMissingFileThrowsFileNotFound()
    {
        Assert.ThrowsExactly<FileNotFoundException>(() => Npy.Read(Path.Combine(_folder, "missing.npy")));
    }

    // ---- atomic writes --------------------------------------------------------------------------------

    [TestMethod]
    public void WriteReplacesAtomicallyAndLeavesNoTemporaryFiles()
    {
        string folder = Path.Combine(_folder, "atomic");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "a.npy");
        Npy.Write(path, HostArray.Create(new[] { 1, 2 }, 2));
        Npy.Write(path, HostArray.Create(new[] { 3, 4, 5 }, 3));
        CollectionAssert.AreEqual(new[] { 3, 4, 5 }, (int[])Npy.Read(path).Data);
        CollectionAssert.AreEqual(new[] { "a.npy" }, Directory.GetFiles(folder).Select(Path.GetFileName).ToArray());

        // Failure at the final rename (the target is a folder): the exception surfaces, no temporary file remains.
        string blocked = Path.Combine(folder, "blocked.npy");
        Directory.CreateDirectory(blocked);
        Assert.ThrowsExactly<IOException>(() => Npy.Write(blocked, HostArray.Create(new[] { 1 }, 1)));
        CollectionAssert.AreEqual(new[] { "a.npy" }, Directory.GetFiles(folder).Select(Path.GetFileName).ToArray());

        // Failure while writing the data: the existing file is untouched.
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => Npy.Write(Path.Combine(folder, "no-such-folder", "x.npy"), HostArray.Create(new[] { 1 }, 1)));
        CollectionAssert.AreEqual(new[] { 3, 4, 5 }, (int[])Npy.Read(path).Data);
    }

    /// <summary>A stream that can only be read forwards, like a decompression stream.</summary>
    internal sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
