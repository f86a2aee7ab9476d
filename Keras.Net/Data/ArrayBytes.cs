using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Keras.Data;

/// <summary>
/// Byte-level access to arrays of primitive element types (any rank), without <c>unsafe</c> code.
/// Only ever used with arrays whose element type is one of the supported unmanaged types.
/// </summary>
internal static class ArrayBytes
{
    /// <summary>Largest span handed out at once (spans are int-indexed; arrays can hold more bytes).</summary>
    private const int Chunk = 1 << 30;

    /// <summary>Size in bytes of one element of <paramref name="elementType"/> (a supported primitive).</summary>
    public static int ElementSize(Type elementType) =>
        elementType == typeof(double) || elementType == typeof(long) ? 8 :
        elementType == typeof(float) || elementType == typeof(int) ? 4 :
        elementType == typeof(Half) || elementType == typeof(short) ? 2 :
        elementType == typeof(sbyte) || elementType == typeof(byte) || elementType == typeof(bool) ? 1 :
        throw new ArgumentException($"Element type {elementType} is not supported.", nameof(elementType));

    /// <summary>Total size in bytes of the elements of <paramref name="array"/>.</summary>
    public static long ByteLength(Array array) =>
        array.LongLength * ElementSize(array.GetType().GetElementType()!);

    /// <summary>A span over <paramref name="count"/> bytes of <paramref name="array"/> starting at byte <paramref name="offset"/>.</summary>
    public static Span<byte> Span(Array array, long offset, int count)
    {
        if (count == 0)
        {
            return default;
        }

        ref byte start = ref MemoryMarshal.GetArrayDataReference(array);
        return MemoryMarshal.CreateSpan(ref Unsafe.Add(ref start, (nint)offset), count);
    }

    /// <summary>Copies <paramref name="count"/> bytes between two (possibly multi-dimensional) primitive arrays.</summary>
    public static void Copy(Array source, long sourceOffset, Array destination, long destinationOffset, long count)
    {
        while (count > 0)
        {
            int n = (int)Math.Min(count, Chunk);
            Span(source, sourceOffset, n).CopyTo(Span(destination, destinationOffset, n));
            sourceOffset += n;
            destinationOffset += n;
            count -= n;
        }
    }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="stream"/>; returns the number of bytes read (less only at end of stream).</summary>
    public static long ReadFrom(Stream stream, Array destination, long offset, long count)
    {
        long total = 0;
        while (count > 0)
        {
            int n = (int)Math.Min(count, Chunk);
            int got = stream.ReadAtLeast(Span(destination, offset, n), n, throwOnEndOfStream: false);
            total += got;
            if (got < n)
            {
                break;
            }

            offset += n;
            count -= n;
        }

        return total;
    }

    /// <summary>Writes the bytes of <paramref name="source"/> to <paramref name="stream"/>.</summary>
    public static void WriteTo(Stream stream, Array source, long offset, long count)
    {
        while (count > 0)
        {
            int n = (int)Math.Min(count, Chunk);
            stream.Write(Span(source, offset, n));
            offset += n;
            count -= n;
        }
    }

    /// <summary>Reverses the byte order of every element of <paramref name="array"/> in place.</summary>
    public static void ReverseEndianness(Array array)
    {
        int size = ElementSize(array.GetType().GetElementType()!);
        if (size == 1)
        {
            return;
        }

        long total = array.LongLength * size;
        // Chunks that are a whole number of elements.
        int chunk = Chunk - (Chunk % size);
        for (long offset = 0; offset < total; offset += chunk)
        {
            Span<byte> bytes = Span(array, offset, (int)Math.Min(chunk, total - offset));
            switch (size)
            {
                case 2:
                    var s = MemoryMarshal.Cast<byte, ushort>(bytes);
                    BinaryPrimitives.ReverseEndianness(s, s);
                    break;
                case 4:
                    var i = MemoryMarshal.Cast<byte, uint>(bytes);
                    BinaryPrimitives.ReverseEndianness(i, i);
                    break;
                default:
                    var l = MemoryMarshal.Cast<byte, ulong>(bytes);
                    BinaryPrimitives.ReverseEndianness(l, l);
                    break;
            }
        }
    }

    /// <summary>Maps every byte of a <c>bool[]</c> to 0 or 1 (a file may store any non-zero byte as true).</summary>
    public static void NormalizeBooleans(bool[] array)
    {
        for (long offset = 0; offset < array.LongLength; offset += Chunk)
        {
            Span<byte> bytes = Span(array, offset, (int)Math.Min(Chunk, array.LongLength - offset));
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] > 1)
                {
                    bytes[i] = 1;
                }
            }
        }
    }
}
