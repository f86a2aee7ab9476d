using Google.Protobuf;

namespace Keras.Saving.SavedModel;

/// <summary>
/// A checked reader over one protobuf message (Google.Protobuf's <see cref="CodedInputStream"/>): every
/// length is compared with the bytes left before anything is allocated, and every wire error becomes a
/// <see cref="KerasFileException"/> naming the file and the message.
/// </summary>
internal sealed class ProtoReader
{
    private readonly byte[] _buffer;
    private readonly CodedInputStream _input;
    private WireFormat.WireType _wireType;

    public ProtoReader(byte[] buffer, string file, string part)
    {
        _buffer = buffer;
        _input = new CodedInputStream(buffer);
        File = file;
        Part = part;
    }

    public string File { get; }
    public string Part { get; }

    public KerasFileException Error(string problem, Exception? inner = null) => new(File, Part, problem, inner);

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    public bool Next(out int field)
    {
        uint tag = Guard(() => _input.ReadTag());
        if (tag == 0)
        {
            field = 0;
            return false;
        }
        field = WireFormat.GetTagFieldNumber(tag);
        _wireType = WireFormat.GetTagWireType(tag);
        if (field <= 0) throw Error($"has an invalid field number in tag {tag}.");
        return true;
    }

    /// <summary>The current length-delimited field's bytes (a copy, bounded by the message).</summary>
    public byte[] Bytes()
    {
        Expect(WireFormat.WireType.LengthDelimited);
        // Peek the length varint and check it against the bytes left before Google.Protobuf reads (and allocates).
        int pos = (int)_input.Position;
        ulong length = Snappy.Varint(_buffer, ref pos, p => Error($"is truncated: {p}"));
        if (length > (ulong)(_buffer.Length - pos))
            throw Error($"is truncated: a field claims {length} byte(s) but only {_buffer.Length - pos} remain.");
        var result = Guard(() => _input.ReadBytes()).ToByteArray();
        return result;
    }

    public string String()
    {
        var bytes = Bytes();
        try
        {
            return new System.Text.UTF8Encoding(false, true).GetString(bytes);
        }
        catch (ArgumentException e)
        {
            throw Error("holds a string that is not valid UTF-8.", e);
        }
    }

    public ProtoReader Message(string part) => new(Bytes(), File, $"{Part} > {part}");

    public long Int64()
    {
        Expect(WireFormat.WireType.Varint);
        return Guard(() => _input.ReadInt64());
    }

    public int Int32()
    {
        Expect(WireFormat.WireType.Varint);
        return Guard(() => _input.ReadInt32());
    }

    public bool Bool() => Int64() != 0;

    public uint Fixed32()
    {
        Expect(WireFormat.WireType.Fixed32);
        return Guard(() => _input.ReadFixed32());
    }

    /// <summary>Skips the current field (unknown fields are ignored, as protobuf does).</summary>
    public void Skip()
    {
        if (_wireType == WireFormat.WireType.LengthDelimited)
        {
            Bytes();
            return;
        }
        Guard(() => { _input.SkipLastField(); return 0; });
    }

    private void Expect(WireFormat.WireType type)
    {
        if (_wireType != type) throw Error($"has a field with wire type {_wireType} where {type} was expected.");
    }

    private T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Error($"is not a valid protobuf message ({e.Message}).", e);
        }
    }
}

/// <summary>CRC-32C (Castagnoli), as LevelDB and TensorFlow's tensor bundles use it, with their masking.</summary>
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

    public static uint Extend(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        foreach (var b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    public static uint Compute(ReadOnlySpan<byte> data) => Extend(0, data);

    public static uint Mask(uint crc) => ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

/// <summary>A Snappy (raw format) decompressor for LevelDB table blocks.</summary>
internal static class Snappy
{
    /// <summary>Decompresses <paramref name="input"/>, or says what is wrong.</summary>
    public static byte[] Decompress(ReadOnlySpan<byte> input, Func<string, Exception> error)
    {
        int pos = 0;
        ulong declared = Varint(input, ref pos, error);
        // A copy element of at most 5 bytes yields at most 64 bytes, so no valid stream expands beyond that.
        if (declared > (ulong)input.Length * 64UL + 64 || declared > int.MaxValue / 2)
            throw error($"Snappy block declares {declared} uncompressed bytes, impossible for {input.Length} compressed bytes.");
        var output = new byte[(int)declared];
        int o = 0;
        while (pos < input.Length)
        {
            byte tag = input[pos++];
            int length, offset;
            switch (tag & 3)
            {
                case 0:
                    length = tag >> 2;
                    if (length >= 60)
                    {
                        int extra = length - 59;
                        if (pos + extra > input.Length) throw error("Snappy literal length is truncated.");
                        length = 0;
                        for (int i = 0; i < extra; i++) length |= input[pos + i] << (8 * i);
                        pos += extra;
                        if (length < 0) throw error("Snappy literal length is out of range.");
                    }
                    length += 1;
                    if (length > input.Length - pos || length > output.Length - o) throw error("Snappy literal runs past the end of the block.");
                    input.Slice(pos, length).CopyTo(output.AsSpan(o));
                    pos += length;
                    o += length;
                    continue;
                case 1:
                    if (pos + 1 > input.Length) throw error("Snappy copy is truncated.");
                    length = 4 + ((tag >> 2) & 7);
                    offset = ((tag >> 5) << 8) | input[pos];
                    pos += 1;
                    break;
                case 2:
                    if (pos + 2 > input.Length) throw error("Snappy copy is truncated.");
                    length = (tag >> 2) + 1;
                    offset = input[pos] | (input[pos + 1] << 8);
                    pos += 2;
                    break;
                default:
                    if (pos + 4 > input.Length) throw error("Snappy copy is truncated.");
                    length = (tag >> 2) + 1;
                    offset = (int)(input[pos] | ((uint)input[pos + 1] << 8) | ((uint)input[pos + 2] << 16) | ((uint)input[pos + 3] << 24));
                    pos += 4;
                    break;
            }
            if (offset <= 0 || offset > o) throw error($"Snappy copy refers {offset} byte(s) back from position {o}.");
            if (length > output.Length - o) throw error("Snappy copy runs past the declared length.");
            for (int i = 0; i < length; i++, o++) output[o] = output[o - offset];
        }
        if (o != output.Length) throw error($"Snappy block yields {o} bytes but declares {output.Length}.");
        return output;
    }

    public static ulong Varint(ReadOnlySpan<byte> data, ref int pos, Func<string, Exception> error)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length) throw error("a varint is truncated.");
            byte b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw error("a varint is too long.");
    }
}
