using System.Buffers.Binary;
using System.Text;

namespace Keras.Callbacks;

/// <summary>
/// Writes TensorBoard event files: TFRecord framing (length, masked CRC32C, payload, masked CRC32C)
/// around protobuf-encoded <c>Event</c> messages holding scalar and histogram summaries. Encoded by
/// hand: only the few fields TensorBoard reads are needed.
/// </summary>
internal sealed class TensorBoardEventWriter : IDisposable
{
    private readonly FileStream _file;

    public TensorBoardEventWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        var name = $"events.out.tfevents.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Environment.MachineName}.{Environment.ProcessId}.{Guid.NewGuid():N}.v2";
        Path = System.IO.Path.Combine(directory, name);
        _file = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        var version = new ProtoWriter();
        version.Double(1, WallTime());
        version.String(3, "brain.Event:2");
        WriteRecord(version.ToArray());
    }

    /// <summary>The event file.</summary>
    public string Path { get; }

    private static double WallTime() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    public void Scalar(string tag, double value, long step)
    {
        var v = new ProtoWriter();
        v.String(1, tag);
        v.Float(2, (float)value);
        WriteSummary(v.ToArray(), step);
    }

    public void Histogram(string tag, float[] values, long step, int buckets = 30)
    {
        var h = new ProtoWriter();
        double min = values.Length == 0 ? 0 : values.Min(), max = values.Length == 0 ? 0 : values.Max();
        h.Double(1, min);
        h.Double(2, max);
        h.Double(3, values.Length);
        h.Double(4, values.Sum(x => (double)x));
        h.Double(5, values.Sum(x => (double)x * x));
        var limits = new double[buckets];
        var counts = new double[buckets];
        double width = max > min ? (max - min) / buckets : 1.0;
        for (int i = 0; i < buckets; i++) limits[i] = min + width * (i + 1);
        limits[^1] = Math.Max(limits[^1], max);
        foreach (var x in values)
        {
            int b = max > min ? Math.Min(buckets - 1, (int)((x - min) / width)) : 0;
            counts[b]++;
        }
        h.PackedDoubles(6, limits);
        h.PackedDoubles(7, counts);
        var v = new ProtoWriter();
        v.String(1, tag);
        v.Message(5, h.ToArray());
        WriteSummary(v.ToArray(), step);
    }

    private void WriteSummary(byte[] value, long step)
    {
        var summary = new ProtoWriter();
        summary.Message(1, value);
        var e = new ProtoWriter();
        e.Double(1, WallTime());
        e.Varint(2, (ulong)step);
        e.Message(5, summary.ToArray());
        WriteRecord(e.ToArray());
    }

    private void WriteRecord(byte[] payload)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Masked(header[..8]));
        _file.Write(header);
        _file.Write(payload);
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(payload));
        _file.Write(footer);
    }

    public void Flush() => _file.Flush(flushToDisk: false);

    public void Dispose() => _file.Dispose();
}

/// <summary>The protobuf wire format, for the handful of field kinds event files use.</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }

    public void Varint(int field, ulong value)
    {
        Tag(field, 0);
        Varint(value);
    }

    public void Double(int field, double value)
    {
        Tag(field, 1);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(b, value);
        _buffer.Write(b);
    }

    public void Float(int field, float value)
    {
        Tag(field, 5);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, value);
        _buffer.Write(b);
    }

    public void String(int field, string value) => Message(field, Encoding.UTF8.GetBytes(value));

    public void Message(int field, byte[] bytes)
    {
        Tag(field, 2);
        Varint((ulong)bytes.Length);
        _buffer.Write(bytes);
    }

    public void PackedDoubles(int field, double[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), values[i]);
        Message(field, bytes);
    }

    public byte[] ToArray() => _buffer.ToArray();
}

/// <summary>CRC-32C (Castagnoli), with TFRecord's masking.</summary>
internal static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    public static uint Masked(ReadOnlySpan<byte> data)
    {
        var crc = Compute(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xA282EAD8u);
    }
}
