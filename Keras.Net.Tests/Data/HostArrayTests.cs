using System.Diagnostics;
using Keras.Data;
using NumSharp;

namespace Keras.Net.Tests.Data;

[TestClass]
public class HostArrayTests
{
    // ---- .NET arrays ----------------------------------------------------------------------------------

    [TestMethod]
    public void FromVectorCopiesValuesAndShape()
    {
        var source = new float[] { 1.5f, -2f, 3.25f };
        HostArray a = HostArray.From(source, "x");
        Assert.AreEqual(DType.Float32, a.DType);
        CollectionAssert.AreEqual(new long[] { 3 }, a.Shape);
        Assert.AreEqual(1, a.Rank);
        Assert.AreEqual(3L, a.Length);
        CollectionAssert.AreEqual(source, (float[])a.Data);

        source[0] = 99f;
        Assert.AreEqual(1.5f, ((float[])a.Data)[0], "From must copy the caller's array");
    }

    [TestMethod]
    public void FromRectangularArraysIsRowMajor()
    {
        HostArray m = HostArray.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }, "x");
        CollectionAssert.AreEqual(new long[] { 2, 3 }, m.Shape);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, (float[])m.Data);

        var cube = new float[2, 3, 4];
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                for (int k = 0; k < 4; k++)
                {
                    cube[i, j, k] = (i * 100) + (j * 10) + k;
                }
            }
        }

        HostArray c = HostArray.From(cube, "x");
        CollectionAssert.AreEqual(new long[] { 2, 3, 4 }, c.Shape);
        var flat = (float[])c.Data;
        Assert.AreEqual(0f, flat[0]);
        Assert.AreEqual(3f, flat[3]);
        Assert.AreEqual(10f, flat[4]);
        Assert.AreEqual(123f, flat[23]);
        Assert.AreEqual(112f, flat[(1 * 12) + (1 * 4) + 2]);
    }

    [TestMethod]
    public void FromEverySupportedElementType()
    {
        HostArray i = HostArray.From(new[] { 1, -2, int.MaxValue }, "x");
        Assert.AreEqual(DType.Int32, i.DType);
        CollectionAssert.AreEqual(new[] { 1, -2, int.MaxValue }, (int[])i.Data);

        HostArray l = HostArray.From(new long[,] { { long.MinValue, 2 }, { 3, long.MaxValue } }, "x");
        Assert.AreEqual(DType.Int64, l.DType);
        CollectionAssert.AreEqual(new long[] { 2, 2 }, l.Shape);
        CollectionAssert.AreEqual(new[] { long.MinValue, 2, 3, long.MaxValue }, (long[])l.Data);

        var d4 = new double[2, 1, 2, 3];
        d4[1, 0, 1, 2] = Math.PI;
        d4[0, 0, 0, 1] = -1e300;
        HostArray d = HostArray.From(d4, "x");
        Assert.AreEqual(DType.Float64, d.DType);
        CollectionAssert.AreEqual(new long[] { 2, 1, 2, 3 }, d.Shape);
        Assert.AreEqual(Math.PI, ((double[])d.Data)[11]);
        Assert.AreEqual(-1e300, ((double[])d.Data)[1]);

        var b3 = new byte[2, 2, 2];
        b3[1, 1, 0] = 255;
        b3[0, 1, 1] = 7;
        HostArray b = HostArray.From(b3, "x");
        Assert.AreEqual(DType.UInt8, b.DType);
        CollectionAssert.AreEqual(new byte[] { 0, 0, 0, 7, 0, 0, 255, 0 }, (byte[])b.Data);

        HostArray h = HostArray.From(new[] { (Half)1.5, (Half)(-0.25) }, "x");
        Assert.AreEqual(DType.Float16, h.DType);
        CollectionAssert.AreEqual(new[] { (Half)1.5, (Half)(-0.25) }, (Half[])h.Data);

        HostArray s = HostArray.From(new sbyte[] { -128, 127 }, "x");
        Assert.AreEqual(DType.Int8, s.DType);
        CollectionAssert.AreEqual(new sbyte[] { -128, 127 }, (sbyte[])s.Data);

        HostArray sh = HostArray.From(new short[,] { { -300 }, { 300 } }, "x");
        Assert.AreEqual(DType.Int16, sh.DType);
        CollectionAssert.AreEqual(new long[] { 2, 1 }, sh.Shape);
        CollectionAssert.AreEqual(new short[] { -300, 300 }, (short[])sh.Data);

        HostArray bo = HostArray.From(new bool[,] { { true, false }, { false, true } }, "x");
        Assert.AreEqual(DType.Bool, bo.DType);
        CollectionAssert.AreEqual(new[] { true, false, false, true }, (bool[])bo.Data);
    }

    [TestMethod]
    public void FromEmptyArrayKeepsShape()
    {
        HostArray e = HostArray.From(new float[0, 5], "x");
        CollectionAssert.AreEqual(new long[] { 0, 5 }, e.Shape);
        Assert.AreEqual(0L, e.Length);
    }

    // ---- jagged arrays --------------------------------------------------------------------------------

    [TestMethod]
    public void FromJaggedArray()
    {
        HostArray a = HostArray.From(new[] { new[] { 1f, 2f }, new[] { 3f, 4f }, new[] { 5f, 6f } }, "x");
        Assert.AreEqual(DType.Float32, a.DType);
        CollectionAssert.AreEqual(new long[] { 3, 2 }, a.Shape);
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, (float[])a.Data);

        HostArray deep = HostArray.From(new[] { new[] { new[] { 1, 2 }, new[] { 3, 4 } }, new[] { new[] { 5, 6 }, new[] { 7, 8 } } }, "y");
        Assert.AreEqual(DType.Int32, deep.DType);
        CollectionAssert.AreEqual(new long[] { 2, 2, 2 }, deep.Shape);
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, (int[])deep.Data);

        HostArray mixed = HostArray.From(new[] { new float[,] { { 1, 2 } }, new float[,] { { 3, 4 } } }, "z");
        CollectionAssert.AreEqual(new long[] { 2, 1, 2 }, mixed.Shape);
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f, 4f }, (float[])mixed.Data);
    }

    [TestMethod]
    public void RaggedJaggedArrayNamesArgumentAndRow()
    {
        var ragged = new[] { new[] { 1f, 2f }, new[] { 3f, 4f }, new[] { 5f }, new[] { 6f, 7f } };
        var e = Assert.ThrowsExactly<ArgumentException>(() => HostArray.From(ragged, "features"));
        Assert.AreEqual("features", e.ParamName);
        StringAssert.Contains(e.Message, "'features'");
        StringAssert.Contains(e.Message, "features[2] has length 1");
        StringAssert.Contains(e.Message, "first row has length 2");

        var deep = new[] { new[] { new[] { 1, 2 } }, new[] { new[] { 3, 4 }, new[] { 5, 6 } } };
        var e2 = Assert.ThrowsExactly<ArgumentException>(() => HostArray.From(deep, "y"));
        StringAssert.Contains(e2.Message, "y[1] has length 2");

        var deeper = new[] { new[] { new[] { 1, 2 } }, new[] { new[] { 3 } } };
        var e3 = Assert.ThrowsExactly<ArgumentException>(() => HostArray.From(deeper, "y"));
        StringAssert.Contains(e3.Message, "y[1][0] has length 1");

        var withNull = new[] { new[] { 1f }, null! };
        var e4 = Assert.ThrowsExactly<ArgumentException>(() => HostArray.From(withNull, "w"));
        StringAssert.Contains(e4.Message, "w[1] is null");
    }

    [TestMethod]
    public void UnsupportedValuesNameArgumentTypeAndAcceptedTypes()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => HostArray.From("hello", "inputs"));
        Assert.AreEqual("inputs", e.ParamName);
        StringAssert.Contains(e.Message, "'inputs'");
        StringAssert.Contains(e.Message, "string");
        StringAssert.Contains(e.Message, "NDArray");
        StringAssert.Contains(e.Message, "float[,]");

        var e2 = Assert.ThrowsExactly<ArgumentException>(() => HostArray.From(new uint[] { 1 }, "y"));
        StringAssert.Contains(e2.Message, "uint[]");

        var e3 = Assert.ThrowsExactly<ArgumentException>(() => HostArray.From(new List<float> { 1f }, "z"));
        StringAssert.Contains(e3.Message, "System.Collections.Generic.List");

        var e4 = Assert.ThrowsExactly<ArgumentException>(() => HostArray.From(new[] { new[] { "a" } }, "s"));
        StringAssert.Contains(e4.Message, "string[][]");

        var e5 = Assert.ThrowsExactly<ArgumentNullException>(() => HostArray.From(null!, "n"));
        Assert.AreEqual("n", e5.ParamName);
    }

    [TestMethod]
    public void FromHostArrayReturnsSameInstance()
    {
        HostArray a = HostArray.Create(new[] { 1f }, 1);
        Assert.AreSame(a, HostArray.From(a, "x"));
    }

    // ---- NumSharp ---------------------------------------------------------------------------------------

    [TestMethod]
    public void FromNDArrayEveryDType()
    {
        (NPTypeCode Code, DType Expected)[] cases =
        [
            (NPTypeCode.Single, DType.Float32), (NPTypeCode.Double, DType.Float64), (NPTypeCode.Half, DType.Float16),
            (NPTypeCode.SByte, DType.Int8), (NPTypeCode.Int16, DType.Int16), (NPTypeCode.Int32, DType.Int32),
            (NPTypeCode.Int64, DType.Int64), (NPTypeCode.Byte, DType.UInt8),
        ];
        foreach (var (code, expected) in cases)
        {
            using NDArray range = np.arange(6);
            using NDArray typed = range.astype(code);
            using NDArray nd = typed.reshape(2, 3);
            HostArray a = HostArray.From(nd, "x");
            Assert.AreEqual(expected, a.DType, code.ToString());
            CollectionAssert.AreEqual(new long[] { 2, 3 }, a.Shape);
            CollectionAssert.AreEqual(new long[] { 0, 1, 2, 3, 4, 5 }, a.ToArray<long>(), code.ToString());
        }

        using NDArray flags = np.array(new[] { true, false, true });
        HostArray b = HostArray.From(flags, "x");
        Assert.AreEqual(DType.Bool, b.DType);
        CollectionAssert.AreEqual(new[] { true, false, true }, (bool[])b.Data);
    }

    [TestMethod]
    public void FromNDArrayScalar()
    {
        using NDArray scalar = NDArray.Scalar(2.5);
        HostArray a = HostArray.From(scalar, "x");
        Assert.AreEqual(DType.Float64, a.DType);
        Assert.AreEqual(0, a.Rank);
        Assert.AreEqual(1L, a.Length);
        Assert.AreEqual(2.5, ((double[])a.Data)[0]);
    }

    [TestMethod]
    public void FromSlicedAndTransposedNDArrayCopiesInLogicalOrder()
    {
        using NDArray range = np.arange(24);
        using NDArray typed = range.astype(NPTypeCode.Single);
        using NDArray a = typed.reshape(2, 3, 4);

        using NDArray strided = a[":, 1:, ::2"];
        HostArray s = HostArray.From(strided, "x");
        CollectionAssert.AreEqual(new long[] { 2, 2, 2 }, s.Shape);
        CollectionAssert.AreEqual(new float[] { 4, 6, 8, 10, 16, 18, 20, 22 }, (float[])s.Data);

        using NDArray rows = a["1:"];
        HostArray r = HostArray.From(rows, "x");
        CollectionAssert.AreEqual(new long[] { 1, 3, 4 }, r.Shape);
        CollectionAssert.AreEqual(Enumerable.Range(12, 12).Select(v => (float)v).ToArray(), (float[])r.Data);

        using NDArray transposed = a.T;
        HostArray t = HostArray.From(transposed, "x");
        CollectionAssert.AreEqual(new long[] { 4, 3, 2 }, t.Shape);
        CollectionAssert.AreEqual(new float[] { 0, 12, 4, 16, 8, 20, 1, 13 }, ((float[])t.Data)[..8]);

        using NDArray reversed = a["::-1, ::-1, 3"];
        HostArray rv = HostArray.From(reversed, "x");
        CollectionAssert.AreEqual(new long[] { 2, 3 }, rv.Shape);
        CollectionAssert.AreEqual(new float[] { 23, 19, 15, 11, 7, 3 }, (float[])rv.Data);
    }

    [TestMethod]
    public void FromUnsupportedNDArrayDTypeSuggestsAstype()
    {
        using NDArray range = np.arange(3);
        using NDArray u = range.astype(NPTypeCode.UInt32);
        var e = Assert.ThrowsExactly<ArgumentException>(() => HostArray.From(u, "labels"));
        StringAssert.Contains(e.Message, "'labels'");
        StringAssert.Contains(e.Message, "UInt32");
        StringAssert.Contains(e.Message, "astype");
    }

    [TestMethod]
    public void ToNDArrayHasDTypeShapeValuesAndOwnsItsData()
    {
        HostArray a = HostArray.Create(new[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        using NDArray nd = a.ToNDArray();
        Assert.AreEqual(NPTypeCode.Int32, nd.typecode);
        CollectionAssert.AreEqual(new long[] { 3, 2 }, nd.shape);
        Assert.AreEqual(6, nd.GetInt32(2, 1));
        Assert.AreEqual(3, nd.GetInt32(1, 0));

        ((int[])a.Data)[0] = 100;
        Assert.AreEqual(1, nd.GetInt32(0, 0), "ToNDArray must copy");

        foreach (DType dtype in new[] { DType.Float32, DType.Float64, DType.Float16, DType.Int8, DType.Int16, DType.Int64, DType.UInt8, DType.Bool })
        {
            HostArray c = a.AsType(dtype);
            using NDArray n = c.ToNDArray();
            Assert.AreEqual(dtype.ClrType(), n.dtype, dtype.Name());
            HostArray back = HostArray.From(n, "n");
            Assert.AreEqual(dtype, back.DType);
            CollectionAssert.AreEqual(c.Data, back.Data, dtype.Name());
        }

        using NDArray scalar = HostArray.Create(new[] { 7L }).ToNDArray();
        Assert.AreEqual(0, scalar.ndim);
        Assert.AreEqual(7L, scalar.GetInt64());
    }

    // ---- Create / shape checks ------------------------------------------------------------------------

    [TestMethod]
    public void CreateChecksShapeAgainstData()
    {
        HostArray a = HostArray.Create(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0 }, 2, 3);
        CollectionAssert.AreEqual(new long[] { 2, 3 }, a.Shape);
        Assert.AreEqual(DType.Float64, a.DType);

        var e = Assert.ThrowsExactly<ArgumentException>(() => HostArray.Create(new float[5], 2, 3));
        StringAssert.Contains(e.Message, "(2, 3) holds 6 elements but the data has 5");

        var e2 = Assert.ThrowsExactly<ArgumentException>(() => HostArray.Create(new float[4]));
        StringAssert.Contains(e2.Message, "scalar");

        var e3 = Assert.ThrowsExactly<ArgumentException>(() => HostArray.Create(new float[4], -2, -2));
        StringAssert.Contains(e3.Message, "negative");

        Assert.ThrowsExactly<ArgumentException>(() => HostArray.Create(new uint[1], 1));

        HostArray s = HostArray.Create(new[] { 3f });
        Assert.AreEqual(0, s.Rank);
    }

    [TestMethod]
    public void ShapePropertyIsACopy()
    {
        HostArray a = HostArray.Create(new float[6], 2, 3);
        a.Shape[0] = 100;
        CollectionAssert.AreEqual(new long[] { 2, 3 }, a.Shape);
        Assert.AreEqual(3L, a.Dim(-1));
        Assert.AreEqual("HostArray(float32, (2, 3))", a.ToString());
    }

    // ---- conversions ----------------------------------------------------------------------------------

    [TestMethod]
    public void ToArrayConverts()
    {
        HostArray f = HostArray.Create(new[] { -1.7f, 0f, 2.9f, 300f, float.NaN }, 5);
        CollectionAssert.AreEqual(new[] { -1, 0, 2, 300, 0 }, f.ToArray<int>());
        CollectionAssert.AreEqual(new byte[] { 0, 0, 2, 255, 0 }, f.ToArray<byte>(), "float → uint8 saturates");
        CollectionAssert.AreEqual(new[] { true, false, true, true, true }, f.ToArray<bool>());
        Assert.AreEqual(2.9f, (float)f.ToArray<double>()[2]);

        HostArray i = HostArray.Create(new[] { 1, 0, 257 }, 3);
        CollectionAssert.AreEqual(new byte[] { 1, 0, 1 }, i.ToArray<byte>(), "int → uint8 wraps");
        CollectionAssert.AreEqual(new[] { 1f, 0f, 257f }, i.ToArray<float>());
        CollectionAssert.AreEqual(new[] { (Half)1, (Half)0, (Half)257 }, i.ToArray<Half>());

        HostArray b = HostArray.Create(new[] { true, false }, 2);
        CollectionAssert.AreEqual(new[] { 1.0, 0.0 }, b.ToArray<double>());
        CollectionAssert.AreEqual(new long[] { 1, 0 }, b.ToArray<long>());

        int[] same = i.ToArray<int>();
        same[0] = 42;
        Assert.AreEqual(1, ((int[])i.Data)[0], "ToArray returns a copy");
    }

    [TestMethod]
    public void AsTypeBFloat16RoundsToBFloat16Precision()
    {
        HostArray f = HostArray.Create(new[] { 1.0f, 1.00390625f, 1.01171875f, 3.14159265f }, 4);
        HostArray bf = f.AsType(DType.BFloat16);
        Assert.AreEqual(DType.BFloat16, bf.DType);
        // bfloat16 keeps 8 significand bits: 1 + 2^-8 ties to even (1.0), 1 + 3·2^-8 ties to even (1 + 2^-6), π → 3.140625.
        CollectionAssert.AreEqual(new[] { 1.0f, 1.0f, 1.015625f, 3.140625f }, (float[])bf.Data);
        Assert.AreSame(f, f.AsType(DType.Float32));
        CollectionAssert.AreEqual((float[])bf.Data, (float[])bf.AsType(DType.Float32).Data);
    }

    // ---- Slice / Take / Reshape -----------------------------------------------------------------------

    [TestMethod]
    public void SliceCopiesRows()
    {
        HostArray a = HostArray.Create(Enumerable.Range(0, 12).ToArray(), 4, 3);
        HostArray s = a.Slice(1, 2);
        CollectionAssert.AreEqual(new long[] { 2, 3 }, s.Shape);
        CollectionAssert.AreEqual(new[] { 3, 4, 5, 6, 7, 8 }, (int[])s.Data);
        ((int[])s.Data)[0] = -1;
        Assert.AreEqual(3, ((int[])a.Data)[3]);

        Assert.AreEqual(0L, a.Slice(4, 0).Length);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => a.Slice(3, 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => a.Slice(-1, 1));
        Assert.ThrowsExactly<InvalidOperationException>(() => HostArray.Create(new[] { 1f }).Slice(0, 1));
    }

    [TestMethod]
    public void TakeGathersRows()
    {
        HostArray a = HostArray.Create(Enumerable.Range(0, 12).Select(v => (double)v).ToArray(), 4, 3);
        HostArray t = a.Take([3, 0, 3]);
        CollectionAssert.AreEqual(new long[] { 3, 3 }, t.Shape);
        CollectionAssert.AreEqual(new double[] { 9, 10, 11, 0, 1, 2, 9, 10, 11 }, (double[])t.Data);

        HostArray labels = HostArray.Create(new byte[] { 10, 11, 12, 13 }, 4);
        CollectionAssert.AreEqual(new byte[] { 13, 12, 11, 10 }, (byte[])labels.Take([3, 2, 1, 0]).Data);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => a.Take([0, 4]));
        StringAssert.Contains(e.Message, "indices[1] = 4");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => a.Take([-1]));
    }

    [TestMethod]
    public void ReshapeSharesData()
    {
        HostArray a = HostArray.Create(new float[6], 6);
        HostArray r = a.Reshape(2, 3);
        CollectionAssert.AreEqual(new long[] { 2, 3 }, r.Shape);
        Assert.AreSame(a.Data, r.Data);
        Assert.ThrowsExactly<ArgumentException>(() => a.Reshape(4, 2));
    }

    // ---- speed ----------------------------------------------------------------------------------------

    [TestMethod]
    public void LargeConversionsAreFast()
    {
        var big = new float[60000, 784];
        big[59999, 783] = 5f;
        big[1, 0] = 2f;

        var watch = Stopwatch.StartNew();
        HostArray a = HostArray.From(big, "x");
        using NDArray nd = a.ToNDArray();
        HostArray back = HostArray.From(nd, "x");
        HostArray shuffled = back.Take(Enumerable.Range(0, 60000).Select(i => (long)(59999 - i)).ToArray());
        watch.Stop();

        Assert.AreEqual(5f, ((float[])back.Data)[^1]);
        Assert.AreEqual(2f, ((float[])back.Data)[784]);
        Assert.AreEqual(5f, ((float[])shuffled.Data)[783]);
        // Each step is a memory copy of 188 MB; element-by-element code would take many seconds.
        Assert.IsTrue(watch.ElapsedMilliseconds < 4000, $"60000×784 conversions took {watch.ElapsedMilliseconds} ms");
    }
}
