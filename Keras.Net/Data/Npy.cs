using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using NumSharp;

namespace Keras.Data;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0).
/// </summary>
/// <remarks>
/// Supported dtypes: <c>&lt;f4 &lt;f8 &lt;f2 |i1 &lt;i2 &lt;i4 &lt;i8 |u1 |b1</c> and their big-endian (<c>&gt;</c>) forms,
/// in C or Fortran order, of any shape including scalars. Files are treated as untrusted: the magic string, version,
/// header, dtype, shape and data length are all validated before the data is allocated, and every problem is
/// reported as a <see cref="KerasFileException"/> naming the file and the part that is wrong.
/// Writing produces exactly what <c>numpy.save</c> produces (version 1.0, or 2.0 for very long headers).
/// </remarks>
public static class Npy
{
    /// <summary>Headers longer than this are refused (NumPy itself refuses more than 10,000 bytes by default).</summary>
    public const int MaxHeaderLength = 1 << 20;

    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private const string SupportedDescrs = "<f4, <f8, <f2, |i1, <i2, <i4, <i8, |u1, |b1 (and the big-endian '>' forms)";

    /// <summary>Reads a .npy file.</summary>
    /// <exception cref="KerasFileException">The file is malformed or holds an unsupported dtype.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static HostArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream, path);
    }

    /// <summary>
    /// Reads a .npy array from <paramref name="stream"/>, which must hold exactly one array (from its current position
    /// to its end).
    /// </summary>
    /// <param name="stream">The stream to read.</param>
    /// <param name="nameForErrors">Names the source in error messages (a path, or e.g. "archive.npz:x_train.npy").</param>
    /// <exception cref="KerasFileException">The data is malformed or holds an unsupported dtype.</exception>
    public static HostArray Read(Stream stream, string nameForErrors)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(nameForErrors);
        string file = nameForErrors;

        // Magic string and version.
        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (got < 6 || !prefix[..6].SequenceEqual(Magic))
        {
            string found = got == 0 ? "an empty file" : "bytes " + Convert.ToHexString(prefix[..got]);
            throw new KerasFileException(file, "magic",
                $"not a .npy file: it should start with the bytes 934E554D5059 (\"\\x93NUMPY\"), found {found}.");
        }

        if (got < 8)
        {
            throw new KerasFileException(file, "version", "the file is truncated after the magic string.");
        }

        int major = prefix[6], minor = prefix[7];
        if (major is < 1 or > 3 || minor != 0)
        {
            throw new KerasFileException(file, "version",
                $"unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0).");
        }

        // Header length and header.
        Span<byte> lengthBytes = stackalloc byte[4];
        int lengthSize = major == 1 ? 2 : 4;
        if (stream.ReadAtLeast(lengthBytes[..lengthSize], lengthSize, throwOnEndOfStream: false) < lengthSize)
        {
            throw new KerasFileException(file, "header", "the file is truncated before the header length.");
        }

        long headerLength = major == 1
            ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes)
            : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderLength)
        {
            throw new KerasFileException(file, "header",
                $"the header claims to be {headerLength} bytes long; more than {MaxHeaderLength} bytes is refused.");
        }

        if (stream.CanSeek && headerLength > stream.Length - stream.Position)
        {
            throw new KerasFileException(file, "header",
                $"the file is truncated: the header is {headerLength} bytes long but only {stream.Length - stream.Position} bytes follow.");
        }

        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false) < headerBytes.Length)
        {
            throw new KerasFileException(file, "header", $"the file is truncated inside the {headerLength}-byte header.");
        }

        string header;
        try
        {
            header = major == 3
                ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(headerBytes)
                : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new KerasFileException(file, "header", "the header is not valid UTF-8.", e);
        }

        Dictionary<string, object?> dict;
        try
        {
            dict = PyLiteral.ParseDict(header);
        }
        catch (FormatException e)
        {
            throw new KerasFileException(file, "header", $"the header is not a valid Python dictionary literal: {e.Message}. Header: {Shorten(header)}", e);
        }

        foreach (string key in dict.Keys)
        {
            if (key is not ("descr" or "fortran_order" or "shape"))
            {
                throw new KerasFileException(file, "header",
                    $"unexpected key '{key}' (a .npy header has exactly the keys 'descr', 'fortran_order' and 'shape'). Header: {Shorten(header)}");
            }
        }

        foreach (string key in new[] { "descr", "fortran_order", "shape" })
        {
            if (!dict.ContainsKey(key))
            {
                throw new KerasFileException(file, "header", $"missing key '{key}'. Header: {Shorten(header)}");
            }
        }

        // dtype.
        if (dict["descr"] is not string descr)
        {
            throw new KerasFileException(file, "dtype",
                $"structured or non-string dtype descriptions ({Shorten(header)}) are not supported; supported dtypes: {SupportedDescrs}.");
        }

        (DType dtype, bool bigEndian) = ParseDescr(descr, file);

        // fortran_order.
        if (dict["fortran_order"] is not bool fortran)
        {
            throw new KerasFileException(file, "header", $"'fortran_order' must be True or False. Header: {Shorten(header)}");
        }

        // shape.
        long[] shape = ParseShape(dict["shape"], file, header);
        long count = 1;
        foreach (long d in shape)
        {
            count *= d; // cannot overflow: checked in ParseShape
        }

        string what = $"shape {HostArray.FormatShape(shape)} of dtype '{descr}'";
        Array data = UntrustedReader.ReadElements(stream, dtype.ClrType(), count, file, what);
        if (bigEndian)
        {
            ArrayBytes.ReverseEndianness(data);
        }

        if (data is bool[] flags)
        {
            ArrayBytes.NormalizeBooleans(flags);
        }

        if (fortran && shape.Length > 1)
        {
            data = FortranToC(data, shape);
        }

        return HostArray.Wrap(data, shape, dtype);
    }

    /// <summary>Reads a .npy file as a NumSharp array.</summary>
    /// <exception cref="KerasFileException">The file is malformed or holds an unsupported dtype.</exception>
    public static NDArray Load(string path) => Read(path).ToNDArrayShared();

    /// <summary>
    /// Writes <paramref name="array"/> to <paramref name="path"/> as a .npy file, atomically: the data goes to a temporary
    /// file in the same folder that replaces <paramref name="path"/> only once it is complete. The path is used as is
    /// (no ".npy" is appended). bfloat16 arrays are written as float32 (NumPy has no bfloat16).
    /// </summary>
    public static void Write(string path, HostArray array)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(array);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' is not a file path.", nameof(path));
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Write(stream, array);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
                // Best effort: the original error matters more.
            }
            catch (UnauthorizedAccessException)
            {
                // Best effort.
            }

            throw;
        }
    }

    /// <summary>Writes <paramref name="array"/> to <paramref name="stream"/> in .npy format.</summary>
    public static void Write(Stream stream, HostArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        byte[] header = BuildHeader(array);
        stream.Write(header);
        if (BitConverter.IsLittleEndian)
        {
            ArrayBytes.WriteTo(stream, array.Data, 0, ArrayBytes.ByteLength(array.Data));
        }
        else
        {
            Array copy = (Array)array.Data.Clone();
            ArrayBytes.ReverseEndianness(copy);
            ArrayBytes.WriteTo(stream, copy, 0, ArrayBytes.ByteLength(copy));
        }
    }

    /// <summary>Writes a NumSharp array to <paramref name="path"/> as a .npy file (atomically, path used as is).</summary>
    public static void Save(string path, NDArray array) => Write(path, HostArray.From(array, nameof(array)));

    /// <summary>The .npy header (magic, version, length, padded dictionary) exactly as <c>numpy.save</c> writes it.</summary>
    internal static byte[] BuildHeader(HostArray array)
    {
        string descr = DescrOf(array.DType);
        long[] shape = array.ShapeView;
        var dict = new StringBuilder();
        dict.Append("{'descr': '").Append(descr).Append("', 'fortran_order': False, 'shape': ")
            .Append(HostArray.FormatShape(shape)).Append(", }");
        // NumPy leaves room to grow the first dimension in place (numpy.lib.format.GROWTH_AXIS_MAX_DIGITS = 21).
        if (shape.Length > 0)
        {
            dict.Append(' ', Math.Max(0, 21 - shape[0].ToString(CultureInfo.InvariantCulture).Length));
        }

        string text = dict.ToString();
        foreach (int major in new[] { 1, 2 })
        {
            int prefixLength = 8 + (major == 1 ? 2 : 4);
            int pad = 64 - ((prefixLength + text.Length + 1) % 64);
            int headerLength = text.Length + pad + 1;
            if (major == 1 && headerLength > ushort.MaxValue)
            {
                continue;
            }

            var bytes = new byte[prefixLength + headerLength];
            Magic.CopyTo(bytes, 0);
            bytes[6] = (byte)major;
            bytes[7] = 0;
            if (major == 1)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLength);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)headerLength);
            }

            Encoding.Latin1.GetBytes(text, bytes.AsSpan(prefixLength));
            bytes.AsSpan(prefixLength + text.Length, pad).Fill((byte)' ');
            bytes[^1] = (byte)'\n';
            return bytes;
        }

        throw new InvalidOperationException("unreachable");
    }

    private static string DescrOf(DType dtype) => dtype switch
    {
        DType.Float32 or DType.BFloat16 => "<f4",
        DType.Float64 => "<f8",
        DType.Float16 => "<f2",
        DType.Int8 => "|i1",
        DType.Int16 => "<i2",
        DType.Int32 => "<i4",
        DType.Int64 => "<i8",
        DType.UInt8 => "|u1",
        DType.Bool => "|b1",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    private static (DType DType, bool BigEndian) ParseDescr(string descr, string file)
    {
        if (descr.Length >= 2)
        {
            char order = descr[0];
            string kind = descr[1..];
            DType? dtype = kind switch
            {
                "f4" => DType.Float32,
                "f8" => DType.Float64,
                "f2" => DType.Float16,
                "i1" => DType.Int8,
                "i2" => DType.Int16,
                "i4" => DType.Int32,
                "i8" => DType.Int64,
                "u1" => DType.UInt8,
                "b1" => DType.Bool,
                _ => null,
            };
            if (dtype is { } dt && order is '<' or '>' or '|' or '=')
            {
                bool singleByte = dt.ItemSize() == 1;
                if (order == '|' && !singleByte)
                {
                    throw new KerasFileException(file, "dtype", $"dtype '{descr}' has no byte order ('|' is only valid for 1-byte types).");
                }

                bool bigEndian = !singleByte && (order == '>' || (order == '=' && !BitConverter.IsLittleEndian));
                return (dt, bigEndian);
            }
        }

        string core = descr.TrimStart('<', '>', '|', '=');
        string what = core.Length > 0 ? core[0] switch
        {
            'U' => "unicode strings",
            'S' or 'a' => "byte strings",
            'O' => "Python objects",
            'c' => "complex numbers",
            'u' => "unsigned integers wider than 8 bits",
            'V' => "raw void records",
            'M' or 'm' => "dates/times",
            'f' => "this floating-point width",
            'i' => "this integer width",
            _ => "an unknown type",
        } : "an unknown type";
        throw new KerasFileException(file, "dtype",
            $"unsupported dtype '{descr}' ({what}); supported dtypes: {SupportedDescrs}.");
    }

    private static long[] ParseShape(object? value, string file, string header)
    {
        if (value is not PyLiteral.PyTuple tuple)
        {
            throw new KerasFileException(file, "shape", $"'shape' must be a tuple of integers. Header: {Shorten(header)}");
        }

        if (tuple.Items.Count > 64)
        {
            throw new KerasFileException(file, "shape", $"the shape has {tuple.Items.Count} dimensions; at most 64 are supported.");
        }

        var shape = new long[tuple.Items.Count];
        BigInteger product = BigInteger.One;
        for (int i = 0; i < shape.Length; i++)
        {
            if (tuple.Items[i] is not BigInteger d)
            {
                throw new KerasFileException(file, "shape", $"shape entry {i} is not an integer. Header: {Shorten(header)}");
            }

            if (d.Sign < 0)
            {
                throw new KerasFileException(file, "shape", $"shape entry {i} is negative ({d}).");
            }

            product *= d;
            if (d > long.MaxValue || product > Array.MaxLength)
            {
                throw new KerasFileException(file, "shape",
                    $"the shape {FormatBigShape(tuple)} has more elements than a .NET array can hold ({Array.MaxLength}).");
            }

            shape[i] = (long)d;
        }

        return shape;
    }

    private static string FormatBigShape(PyLiteral.PyTuple tuple) =>
        "(" + string.Join(", ", tuple.Items.Select(o => Convert.ToString(o, CultureInfo.InvariantCulture))) + (tuple.Items.Count == 1 ? ",)" : ")");

    private static string Shorten(string header)
    {
        string h = header.TrimEnd();
        return h.Length <= 200 ? h : h[..200] + "…";
    }

    private static Array FortranToC(Array data, long[] shape) => data switch
    {
        float[] a => FortranToC(a, shape),
        double[] a => FortranToC(a, shape),
        Half[] a => FortranToC(a, shape),
        sbyte[] a => FortranToC(a, shape),
        short[] a => FortranToC(a, shape),
        int[] a => FortranToC(a, shape),
        long[] a => FortranToC(a, shape),
        byte[] a => FortranToC(a, shape),
        bool[] a => FortranToC(a, shape),
        _ => throw new ArgumentException("Unsupported element type.", nameof(data)),
    };

    /// <summary>Reorders column-major (Fortran) data into row-major (C) order.</summary>
    private static T[] FortranToC<T>(T[] source, long[] shape)
    {
        var result = new T[source.LongLength];
        if (result.Length == 0)
        {
            return result;
        }

        int rank = shape.Length;
        var fStride = new long[rank];
        fStride[0] = 1;
        for (int k = 1; k < rank; k++)
        {
            fStride[k] = fStride[k - 1] * shape[k - 1];
        }

        var index = new long[rank];
        long last = shape[rank - 1], lastStride = fStride[rank - 1];
        long src = 0; // offset of index (with index[rank-1] == 0) in the Fortran layout
        long dst = 0;
        while (true)
        {
            long s = src;
            for (long j = 0; j < last; j++, s += lastStride)
            {
                result[dst++] = source[s];
            }

            // Advance the odometer over all axes but the last.
            int axis = rank - 2;
            while (axis >= 0)
            {
                index[axis]++;
                src += fStride[axis];
                if (index[axis] < shape[axis])
                {
                    break;
                }

                src -= fStride[axis] * index[axis];
                index[axis] = 0;
                axis--;
            }

            if (axis < 0)
            {
                return result;
            }
        }
    }
}
