using System.Buffers.Binary;
using System.IO.Compression;
using Keras.Data;
using NumSharp;

namespace Keras.Datasets;

/// <summary>
/// Reads IDX files, the format of MNIST and Fashion-MNIST (<c>train-images-idx3-ubyte</c>, …), plain or gzip-compressed.
/// </summary>
/// <remarks>
/// An IDX file starts with the magic number <c>0x0000TTNN</c> (TT: element type, NN: number of dimensions), then
/// one big-endian 32-bit size per dimension, then the elements in row-major order, big-endian.
/// Element types: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
/// Files are validated before the data is allocated; every problem is a <see cref="KerasFileException"/>.
/// </remarks>
public static class Idx
{
    /// <summary>Reads an IDX file (gzip-compressed or not; detected from its content, not its name).</summary>
    /// <exception cref="KerasFileException">The file is malformed.</exception>
    public static HostArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream, path);
    }

    /// <summary>Reads an IDX array (gzip-compressed or not) from <paramref name="stream"/>, which must hold exactly one array.</summary>
    /// <param name="stream">The stream to read.</param>
    /// <param name="nameForErrors">Names the source in error messages.</param>
    /// <exception cref="KerasFileException">The data is malformed.</exception>
    public static HostArray Read(Stream stream, string nameForErrors)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(nameForErrors);
        string file = nameForErrors;

        var head = new byte[4];
        int got = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        if (got >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            using var gzip = new GZipStream(new PrefixedStream(head.AsSpan(0, got).ToArray(), stream), CompressionMode.Decompress);
            try
            {
                return ReadRaw(gzip, gzip.ReadAtLeast(head, 4, throwOnEndOfStream: false), head, file);
            }
            catch (InvalidDataException e)
            {
                throw new KerasFileException(file, "gzip", $"the gzip data is corrupt: {e.Message}", e);
            }
        }

        return ReadRaw(stream, got, head, file);
    }

    /// <summary>Reads an IDX file as a NumSharp array.</summary>
    /// <exception cref="KerasFileException">The file is malformed.</exception>
    public static NDArray Load(string path) => Read(path).ToNDArrayShared();

    private static HostArray ReadRaw(Stream stream, int got, byte[] magic, string file)
    {
        if (got < 4)
        {
            throw new KerasFileException(file, "magic", $"the file is too short ({got} bytes) to be an IDX file.");
        }

        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new KerasFileException(file, "magic",
                $"not an IDX file: it should start with 0x0000 followed by a type code and a rank, found 0x{Convert.ToHexString(magic)}.");
        }

        DType dtype = magic[2] switch
        {
            0x08 => DType.UInt8,
            0x09 => DType.Int8,
            0x0B => DType.Int16,
            0x0C => DType.Int32,
            0x0D => DType.Float32,
            0x0E => DType.Float64,
            var code => throw new KerasFileException(file, "magic",
                $"unknown IDX element type code 0x{code:X2} (known: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)."),
        };

        int rank = magic[3];
        if (rank > 32)
        {
            throw new KerasFileException(file, "shape", $"the file claims {rank} dimensions; at most 32 are supported.");
        }

        var dimBytes = new byte[rank * 4];
        if (stream.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false) < dimBytes.Length)
        {
            throw new KerasFileException(file, "shape", $"the file is truncated inside the {rank} dimension sizes.");
        }

        var shape = new long[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.AsSpan(i * 4));
            if (d > int.MaxValue)
            {
                throw new KerasFileException(file, "shape", $"dimension {i} has the invalid size {d}.");
            }

            shape[i] = d;
            count = count == 0 || d == 0 ? 0 : count > Array.MaxLength / d ? long.MaxValue : count * d;
            if (count > Array.MaxLength)
            {
                throw new KerasFileException(file, "shape",
                    $"the shape {HostArray.FormatShape(shape[..(i + 1)])}… has more elements than a .NET array can hold ({Array.MaxLength}).");
            }
        }

        string what = $"shape {HostArray.FormatShape(shape)} of {dtype.Name()}";
        Array data = UntrustedReader.ReadElements(stream, dtype.ClrType(), count, file, what);
        if (BitConverter.IsLittleEndian)
        {
            ArrayBytes.ReverseEndianness(data);
        }

        return HostArray.Wrap(data, shape, dtype);
    }

    /// <summary>Replays a few already-read bytes before the rest of a stream (so gzip detection needs no seeking).</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : Stream
    {
        private int _prefixPos;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefixPos < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _prefixPos);
                prefix.AsSpan(_prefixPos, n).CopyTo(buffer);
                _prefixPos += n;
                return n;
            }

            return inner.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
