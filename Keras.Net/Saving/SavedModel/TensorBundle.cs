using System.Buffers.Binary;
using Keras.Data;

namespace Keras.Saving.SavedModel;

/// <summary>One tensor's entry in a bundle's index (a <c>BundleEntryProto</c>).</summary>
internal sealed record BundleEntry(string Key, int DType, long[] Shape, int ShardId, long Offset, long Size, uint Crc32C);

/// <summary>
/// A TensorFlow tensor bundle (<c>variables/variables.index</c> + <c>variables.data-NNNNN-of-MMMMM</c>):
/// the index is a LevelDB table (footer, index block, data blocks with restart points and shared-prefix
/// keys, raw or Snappy blocks whose masked CRC-32C is checked) mapping keys to <c>BundleEntryProto</c>s;
/// the data files hold the raw little-endian bytes, each tensor checked against its CRC-32C.
/// </summary>
internal sealed class TensorBundle
{
    private const ulong TableMagic = 0xdb4775248b80fb57UL;
    private const int FooterLength = 48;

    private readonly string _prefix;
    private readonly int _numShards;

    private TensorBundle(string prefix, int numShards, Dictionary<string, BundleEntry> entries)
    {
        _prefix = prefix;
        _numShards = numShards;
        Entries = entries;
    }

    public string IndexPath => _prefix + ".index";

    public IReadOnlyDictionary<string, BundleEntry> Entries { get; }

    /// <summary>Opens the bundle whose files start with <paramref name="prefix"/> (e.g. <c>.../variables/variables</c>).</summary>
    public static TensorBundle Open(string prefix)
    {
        var indexPath = prefix + ".index";
        if (!File.Exists(indexPath)) throw new KerasFileException(indexPath, "file", "is missing (the SavedModel's variables index).");
        byte[] index;
        try
        {
            index = File.ReadAllBytes(indexPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KerasFileException(indexPath, "file", $"cannot be read: {e.Message}", e);
        }
        var raw = ReadTable(index, indexPath);
        int numShards = 1;
        var entries = new Dictionary<string, BundleEntry>(StringComparer.Ordinal);
        foreach (var (key, value) in raw)
        {
            if (key.Length == 0)
            {
                numShards = ParseHeader(value, indexPath);
                continue;
            }
            entries[key] = ParseEntry(key, value, indexPath);
        }
        foreach (var e in entries.Values)
        {
            if (e.ShardId < 0 || e.ShardId >= numShards)
                throw new KerasFileException(indexPath, $"entry '{e.Key}'", $"names shard {e.ShardId} but the bundle has {numShards} shard(s).");
        }
        return new TensorBundle(prefix, numShards, entries);
    }

    // ------------------------------------------------------------------ LevelDB table

    private static List<(string Key, byte[] Value)> ReadTable(byte[] file, string path)
    {
        if (file.Length < FooterLength) throw new KerasFileException(path, "footer", $"is missing: the file has {file.Length} bytes, fewer than a table footer's {FooterLength}.");
        var footer = file.AsSpan(file.Length - FooterLength);
        if (BinaryPrimitives.ReadUInt64LittleEndian(footer[40..]) != TableMagic)
            throw new KerasFileException(path, "footer", "has the wrong magic number: not a LevelDB table (is the file truncated?).");
        int pos = 0;
        Func<string, Exception> footerError = p => new KerasFileException(path, "footer", p);
        var (_, _) = Handle(footer, ref pos, footerError); // metaindex: not needed
        var (indexOffset, indexSize) = Handle(footer, ref pos, footerError);
        var indexBlock = ReadBlock(file, indexOffset, indexSize, path, "index block");
        var result = new List<(string, byte[])>();
        foreach (var (handleKey, handleBytes) in BlockEntries(indexBlock, path, "index block"))
        {
            int hp = 0;
            Func<string, Exception> handleError = p => new KerasFileException(path, $"index block entry '{handleKey}'", p);
            var (offset, size) = Handle(handleBytes, ref hp, handleError);
            var part = $"data block at offset {offset}";
            var block = ReadBlock(file, offset, size, path, part);
            foreach (var (k, v) in BlockEntries(block, path, part)) result.Add((k, v));
        }
        return result;
    }

    private static (long Offset, long Size) Handle(ReadOnlySpan<byte> data, ref int pos, Func<string, Exception> error)
    {
        ulong offset = Snappy.Varint(data, ref pos, error);
        ulong size = Snappy.Varint(data, ref pos, error);
        if (offset > long.MaxValue || size > long.MaxValue) throw error("a block handle is out of range.");
        return ((long)offset, (long)size);
    }

    private static byte[] ReadBlock(byte[] file, long offset, long size, string path, string part)
    {
        // Contents, then a 5-byte trailer: compression type and the masked CRC-32C of contents + type.
        if (offset < 0 || size < 0 || offset > file.Length - FooterLength || size > file.Length - FooterLength - offset - 5)
            throw new KerasFileException(path, part, $"lies outside the file (offset {offset}, {size} bytes, file {file.Length} bytes).");
        var contents = file.AsSpan((int)offset, (int)size);
        byte type = file[offset + size];
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)(offset + size + 1), 4));
        uint crc = Crc32C.Extend(Crc32C.Compute(contents), [type]);
        if (Crc32C.Mask(crc) != stored)
            throw new KerasFileException(path, part, $"fails its CRC-32C check (stored 0x{stored:x8}, computed 0x{Crc32C.Mask(crc):x8}): the file is corrupted.");
        return type switch
        {
            0 => contents.ToArray(),
            1 => Snappy.Decompress(contents, p => new KerasFileException(path, part, p)),
            _ => throw new KerasFileException(path, part, $"uses compression type {type}; only raw (0) and Snappy (1) blocks are supported."),
        };
    }

    private static List<(string Key, byte[] Value)> BlockEntries(byte[] block, string path, string part)
    {
        Func<string, Exception> error = p => new KerasFileException(path, part, p);
        if (block.Length < 4) throw error("is too short to hold its restart count.");
        long numRestarts = BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(block.Length - 4));
        long limit = block.Length - 4 - numRestarts * 4;
        if (numRestarts == 0 || limit < 0) throw error($"declares {numRestarts} restart point(s), impossible for {block.Length} bytes.");
        var result = new List<(string, byte[])>();
        var key = Array.Empty<byte>();
        int pos = 0;
        while (pos < limit)
        {
            ulong shared = Snappy.Varint(block, ref pos, error);
            ulong nonShared = Snappy.Varint(block, ref pos, error);
            ulong valueLength = Snappy.Varint(block, ref pos, error);
            // The varints themselves may run into the restart array: then nothing is left for the entry.
            long left = Math.Max(0, limit - pos);
            if (shared > (ulong)key.Length || nonShared > (ulong)left || valueLength > (ulong)left - nonShared)
                throw error($"has a malformed entry at byte {pos} (shared {shared}, non-shared {nonShared}, value {valueLength}).");
            var next = new byte[(int)shared + (int)nonShared];
            Array.Copy(key, next, (int)shared);
            Array.Copy(block, pos, next, (int)shared, (int)nonShared);
            pos += (int)nonShared;
            key = next;
            var value = block.AsSpan(pos, (int)valueLength).ToArray();
            pos += (int)valueLength;
            result.Add((System.Text.Encoding.UTF8.GetString(key), value));
        }
        return result;
    }

    // ------------------------------------------------------------------ protos

    private static int ParseHeader(byte[] value, string path)
    {
        var r = new ProtoReader(value, path, "bundle header");
        int shards = 1;
        while (r.Next(out int field))
        {
            if (field == 1) shards = r.Int32();
            else if (field == 2 && r.Int32() != 0) throw r.Error("says the bundle is big-endian; only little-endian bundles are supported.");
            else if (field != 2) r.Skip();
        }
        if (shards < 1 || shards > 100000) throw r.Error($"declares {shards} shard(s).");
        return shards;
    }

    private static BundleEntry ParseEntry(string key, byte[] value, string path)
    {
        var r = new ProtoReader(value, path, $"entry '{key}'");
        int dtype = 0, shard = 0;
        long offset = 0, size = 0;
        uint crc = 0;
        long[] shape = [];
        while (r.Next(out int field))
        {
            switch (field)
            {
                case 1: dtype = r.Int32(); break;
                case 2: shape = ProtoMessages.Shape(r.Message("shape")); break;
                case 3: shard = r.Int32(); break;
                case 4: offset = r.Int64(); break;
                case 5: size = r.Int64(); break;
                case 6: crc = r.Fixed32(); break;
                case 7: throw r.Error("is a partitioned (sliced) variable; sliced checkpoints are not supported.");
                default: r.Skip(); break;
            }
        }
        if (offset < 0 || size < 0) throw r.Error($"has a negative offset or size ({offset}, {size}).");
        return new BundleEntry(key, dtype, shape, shard, offset, size, crc);
    }

    // ------------------------------------------------------------------ data

    private string DataPath(int shard) => $"{_prefix}.data-{shard:D5}-of-{_numShards:D5}";

    /// <summary>The entry's raw bytes, bounds- and CRC-checked.</summary>
    public byte[] RawBytes(BundleEntry entry, bool checkCrc = true)
    {
        var path = DataPath(entry.ShardId);
        var part = $"tensor '{entry.Key}'";
        if (!File.Exists(path)) throw new KerasFileException(path, "file", $"is missing (it holds {part}).");
        byte[] data;
        try
        {
            using var s = File.OpenRead(path);
            if (entry.Offset > s.Length || entry.Size > s.Length - entry.Offset)
                throw new KerasFileException(path, part, $"lies outside the file (offset {entry.Offset}, {entry.Size} bytes, file {s.Length} bytes): the file is truncated.");
            if (entry.Size > int.MaxValue) throw new KerasFileException(path, part, $"is {entry.Size} bytes, too large to load.");
            data = new byte[entry.Size];
            s.Seek(entry.Offset, SeekOrigin.Begin);
            s.ReadExactly(data);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not KerasFileException)
        {
            throw new KerasFileException(path, part, $"cannot be read: {e.Message}", e);
        }
        uint crc = Crc32C.Mask(Crc32C.Compute(data));
        if (checkCrc && crc != entry.Crc32C)
            throw new KerasFileException(path, part, $"fails its CRC-32C check (index says 0x{entry.Crc32C:x8}, data gives 0x{crc:x8}): the file is corrupted.");
        return data;
    }

    /// <summary>A numeric tensor as a host array.</summary>
    public HostArray Read(BundleEntry entry)
    {
        var part = $"tensor '{entry.Key}'";
        var (dtype, itemSize) = entry.DType switch
        {
            1 => (DType.Float32, 4),
            2 => (DType.Float64, 8),
            3 => (DType.Int32, 4),
            4 => (DType.UInt8, 1),
            5 => (DType.Int16, 2),
            6 => (DType.Int8, 1),
            9 => (DType.Int64, 8),
            10 => (DType.Bool, 1),
            _ => throw new KerasFileException(IndexPath, part, $"has TensorFlow dtype {entry.DType}, which Keras.Net cannot load as a weight."),
        };
        long count = 1;
        foreach (var d in entry.Shape)
        {
            if (d < 0 || (d > 0 && count > long.MaxValue / 8 / d)) throw new KerasFileException(IndexPath, part, $"has an invalid shape [{string.Join(", ", entry.Shape)}].");
            count *= d;
        }
        if (count * itemSize != entry.Size)
            throw new KerasFileException(IndexPath, part, $"has {entry.Size} bytes but shape [{string.Join(", ", entry.Shape)}] of dtype {dtype.Name()} needs {count * itemSize}.");
        var bytes = RawBytes(entry);
        Array data = Array.CreateInstance(dtype.ClrType(), count);
        if (dtype == DType.Bool)
        {
            var b = (bool[])data;
            for (int i = 0; i < bytes.Length; i++) b[i] = bytes[i] != 0;
        }
        else
        {
            Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
        }
        return HostArray.Wrap(data, (long[])entry.Shape.Clone(), dtype);
    }

    /// <summary>A scalar string tensor (varint length, 4-byte length checksum, bytes).</summary>
    public byte[] ReadScalarString(BundleEntry entry)
    {
        var part = $"tensor '{entry.Key}'";
        if (entry.DType != 7) throw new KerasFileException(IndexPath, part, $"has dtype {entry.DType}, not a string.");
        var bytes = RawBytes(entry, checkCrc: false);
        int pos = 0;
        Func<string, Exception> error = p => new KerasFileException(DataPath(entry.ShardId), part, p);
        ulong length = Snappy.Varint(bytes, ref pos, error);
        if (bytes.Length - pos < 4 || length > (ulong)(bytes.Length - pos - 4)) throw error($"claims {length} bytes but the tensor holds {bytes.Length}.");
        // TensorFlow checksums the lengths as fixed-width integers, then the length checksum, then the bytes.
        uint crc = length <= uint.MaxValue
            ? Crc32C.Compute(BitConverter.GetBytes((uint)length))
            : Crc32C.Compute(BitConverter.GetBytes(length));
        uint lengthChecksum = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos, 4));
        if (Crc32C.Mask(crc) != lengthChecksum) throw error("fails its length checksum: the file is corrupted.");
        crc = Crc32C.Extend(crc, bytes.AsSpan(pos, 4 + (int)length));
        if (Crc32C.Mask(crc) != entry.Crc32C)
            throw error($"fails its CRC-32C check (index says 0x{entry.Crc32C:x8}, data gives 0x{Crc32C.Mask(crc):x8}): the file is corrupted.");
        if (pos + 4 + (long)length != bytes.Length) throw error($"has {bytes.Length - pos - 4 - (long)length} unexpected trailing byte(s).");
        return bytes.AsSpan(pos + 4, (int)length).ToArray();
    }
}
