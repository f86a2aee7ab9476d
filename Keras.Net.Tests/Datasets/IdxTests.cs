using System.Buffers.Binary;
using System.IO.Compression;
using Keras.Data;
using Keras.Datasets;

namespace Keras.Net.Tests.Datasets;

[TestClass]
public class IdxTests
{
    /// <summary>An IDX file: magic 0x0000TTNN, big-endian dimension sizes, then <paramref name="data"/> (already big-endian).</summary>
    internal static byte[] IdxFile(byte typeCode, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + (4 * dims.Length) + data.Length];
        bytes[2] = typeCode;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dims[i]);
        }

        data.CopyTo(bytes, 4 + (4 * dims.Length));
        return bytes;
    }

    internal static byte[] Gzip(byte[] raw)
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(raw);
        }

        return output.ToArray();
    }

    private static HostArray Read(byte[] file) => Idx.Read(new MemoryStream(file), "test.idx");

    private static KerasFileException Fails(byte[] file, string part)
    {
        var e = Assert.ThrowsExactly<KerasFileException>(() => Read(file));
        Assert.AreEqual(part, e.Part, e.Message);
        Assert.AreEqual("test.idx", e.FilePath);
        return e;
    }

    [TestMethod]
    public void ReadsUnsignedBytesPlainAndGzipped()
    {
        byte[] raw = IdxFile(0x08, [2, 2, 3], [.. Enumerable.Range(0, 12).Select(i => (byte)(i * 20))]);
        foreach (byte[] file in new[] { raw, Gzip(raw) })
        {
            HostArray a = Read(file);
            Assert.AreEqual(DType.UInt8, a.DType);
            CollectionAssert.AreEqual(new long[] { 2, 2, 3 }, a.Shape);
            CollectionAssert.AreEqual(Enumerable.Range(0, 12).Select(i => (byte)(i * 20)).ToArray(), (byte[])a.Data);
        }

        HostArray labels = Read(Gzip(IdxFile(0x08, [3], [9, 0, 3])));
        CollectionAssert.AreEqual(new long[] { 3 }, labels.Shape);
        CollectionAssert.AreEqual(new byte[] { 9, 0, 3 }, (byte[])labels.Data);

        // A stream that cannot seek (gzip detection must not need seeking).
        HostArray forward = Idx.Read(new Keras.Net.Tests.Data.NpyTests.ForwardOnlyStream(Gzip(raw)), "fwd");
        CollectionAssert.AreEqual((byte[])Read(raw).Data, (byte[])forward.Data);
    }

    [TestMethod]
    public void ReadsBigEndianWiderTypes()
    {
        var i4 = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(i4, -5);
        BinaryPrimitives.WriteInt32BigEndian(i4.AsSpan(4), 70000);
        HostArray ints = Read(IdxFile(0x0C, [2], i4));
        Assert.AreEqual(DType.Int32, ints.DType);
        CollectionAssert.AreEqual(new[] { -5, 70000 }, (int[])ints.Data);

        var f4 = new byte[4];
        BinaryPrimitives.WriteSingleBigEndian(f4, 1.5f);
        CollectionAssert.AreEqual(new[] { 1.5f }, (float[])Read(IdxFile(0x0D, [1, 1], f4)).Data);

        var f8 = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(f8, -2.25);
        CollectionAssert.AreEqual(new[] { -2.25 }, (double[])Read(IdxFile(0x0E, [1], f8)).Data);

        CollectionAssert.AreEqual(new short[] { 258 }, (short[])Read(IdxFile(0x0B, [1], [1, 2])).Data);
        CollectionAssert.AreEqual(new sbyte[] { -1 }, (sbyte[])Read(IdxFile(0x09, [1], [0xFF])).Data);
    }

    [TestMethod]
    public void MalformedFiles()
    {
        byte[] good = IdxFile(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
        StringAssert.Contains(Fails([], "magic").Message, "too short");
        StringAssert.Contains(Fails([0x12, 0x34, 0x08, 0x01, 0, 0, 0, 0], "magic").Message, "not an IDX file");
        StringAssert.Contains(Fails([0, 0, 0x0A, 0x01, 0, 0, 0, 0], "magic").Message, "0x0A");
        Fails(good[..7], "shape");
        StringAssert.Contains(Fails(good[..^1], "data").Message, "truncated");
        StringAssert.Contains(Fails([.. good, 0], "data").Message, "unexpected bytes");
        StringAssert.Contains(Fails(Gzip(good[..^2]), "data").Message, "truncated");
        StringAssert.Contains(Fails(IdxFile(0x08, [-1], []), "shape").Message, "invalid size");

        byte[] gz = Gzip(good);
        gz[12] ^= 0xFF;
        gz[13] ^= 0xFF;
        var corrupt = Assert.ThrowsExactly<KerasFileException>(() => Read(gz));
        Assert.IsTrue(corrupt.Part is "gzip" or "data" or "magic" or "shape", corrupt.Message);
    }

    [TestMethod]
    public void HugeDimensionsAreRefusedWithoutAllocating()
    {
        byte[] tooMany = IdxFile(0x0E, [100000, 100000, 100000], [1, 2, 3]);
        StringAssert.Contains(Fails(tooMany, "shape").Message, "more elements than a .NET array can hold");

        // 2e9 bytes is a legal array size: only the data-length check stops it, before allocating.
        byte[] claim = IdxFile(0x08, [2000000000], [1, 2, 3]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fails(claim, "data");
        Fails(Gzip(claim), "data");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.IsTrue(allocated < 4 << 20, $"allocated {allocated} bytes");
    }
}
