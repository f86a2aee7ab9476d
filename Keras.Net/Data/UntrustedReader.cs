namespace Keras.Data;

/// <summary>
/// Reads the data section of a file whose header has already been validated, without trusting the
/// header: nothing is allocated for more bytes than the file actually holds.
/// </summary>
internal static class UntrustedReader
{
    /// <summary>Largest chunk read before the final array is allocated (non-seekable streams).</summary>
    private const int ChunkSize = 4 << 20;

    /// <summary>Data up to this size is read straight into the final array.</summary>
    private const int FirstChunkSize = 64 << 10;

    /// <summary>
    /// Reads exactly <paramref name="count"/> elements of <paramref name="elementType"/> (raw bytes, file byte order)
    /// and requires the stream to end right after them.
    /// </summary>
    /// <param name="stream">Positioned at the first data byte.</param>
    /// <param name="elementType">A supported primitive element type.</param>
    /// <param name="count">Number of elements the header announced.</param>
    /// <param name="file">File name for errors.</param>
    /// <param name="what">Describes the announced content for errors, e.g. "shape (3, 4) of dtype &lt;f4".</param>
    public static Array ReadElements(Stream stream, Type elementType, long count, string file, string what)
    {
        int size = ArrayBytes.ElementSize(elementType);
        long bytes = checked(count * size);

        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (remaining < bytes)
            {
                throw Truncated(file, what, bytes, remaining);
            }

            if (remaining > bytes)
            {
                throw new KerasFileException(file, "data",
                    $"{remaining - bytes} unexpected bytes follow the array data ({what} needs {bytes} bytes, the file holds {remaining}).");
            }

            Array array = Array.CreateInstance(elementType, count);
            long got = ArrayBytes.ReadFrom(stream, array, 0, bytes);
            if (got < bytes)
            {
                throw Truncated(file, what, bytes, got);
            }

            return array;
        }

        // Unknown length (compressed or network streams): collect the bytes in bounded chunks so that a
        // header announcing a huge array costs no more memory than the data that is really there.
        if (bytes <= FirstChunkSize)
        {
            Array small = Array.CreateInstance(elementType, count);
            long got = ArrayBytes.ReadFrom(stream, small, 0, bytes);
            if (got < bytes)
            {
                throw Truncated(file, what, bytes, got);
            }

            RequireEnd(stream, file, what, bytes);
            return small;
        }

        var chunks = new List<byte[]>();
        long total = 0;
        while (total < bytes)
        {
            // Chunks grow with the data actually received: 64 KiB, 64 KiB, 128 KiB, … up to ChunkSize.
            int n = (int)Math.Min(bytes - total, Math.Clamp(total, FirstChunkSize, ChunkSize));
            var chunk = new byte[n];
            int got = stream.ReadAtLeast(chunk, n, throwOnEndOfStream: false);
            if (got < n)
            {
                throw Truncated(file, what, bytes, total + got);
            }

            chunks.Add(chunk);
            total += n;
        }

        RequireEnd(stream, file, what, bytes);
        Array result = Array.CreateInstance(elementType, count);
        long offset = 0;
        foreach (byte[] chunk in chunks)
        {
            chunk.AsSpan().CopyTo(ArrayBytes.Span(result, offset, chunk.Length));
            offset += chunk.Length;
        }

        return result;
    }

    private static void RequireEnd(Stream stream, string file, string what, long bytes)
    {
        if (stream.ReadByte() != -1)
        {
            throw new KerasFileException(file, "data",
                $"unexpected bytes follow the array data ({what} needs {bytes} bytes, the file holds more).");
        }
    }

    private static KerasFileException Truncated(string file, string what, long needed, long present) =>
        new(file, "data", $"the file is truncated: {what} needs {needed} bytes of data but only {present} are present.");
}
