using System.Buffers.Binary;

namespace Keras.Saving.Hdf5;

/// <summary>
/// Checks the HDF5 structures whose length fields PureHDF trusts when it allocates, before PureHDF sees the
/// file: the superblock (field widths, checksum), every global heap collection (<c>GCOL</c>: variable-length
/// strings such as <c>model_config</c>), every local heap (<c>HEAP</c>: link names), every version 2 object
/// header (<c>OHDR</c>, whose checksum covers its links and attributes) and the attributes of every version 1
/// object header that a group's symbol table (<c>SNOD</c>) or the superblock points to (h5py's layout).
/// A length that runs past its structure or the file would otherwise make PureHDF allocate up to 2 GiB before it
/// notices the file is short; such files are refused here, naming the structure and its byte offset.
/// </summary>
internal static class H5Precheck
{
    private const int AttributeMessage = 0x000C;
    private const int ContinuationMessage = 0x0010;

    /// <summary>Refuses the file when a declared size does not fit in its structure or a checksum fails.</summary>
    /// <exception cref="KerasFileException">The superblock, a heap or an object header is malformed.</exception>
    public static void Check(byte[] file, string displayPath)
    {
        var f = new FileView(file, displayPath);
        try
        {
            f.ReadSuperblock();
            foreach (int at in Occurrences(file, "GCOL"u8)) CheckGlobalHeap(f, at);
            foreach (int at in Occurrences(file, "HEAP"u8)) CheckLocalHeap(f, at);
            foreach (int at in Occurrences(file, "OHDR"u8)) CheckObjectHeader2(f, at);
            foreach (var address in VersionOneHeaders(f)) CheckObjectHeader1(f, address);
        }
        catch (ArgumentOutOfRangeException e)
        {
            // A field read past the end of the file: the structure holding it is truncated.
            throw new KerasFileException(displayPath, "HDF5 structure", "runs past the end of the file; it is truncated or corrupt.", e);
        }
    }

    private sealed class FileView(byte[] bytes, string path)
    {
        public byte[] Bytes { get; } = bytes;
        public string Path { get; } = path;
        public int OffsetSize { get; private set; }
        public int LengthSize { get; private set; }
        public int Version { get; private set; }
        public ulong BaseAddress { get; private set; }
        public ulong RootHeader { get; private set; } = ulong.MaxValue;

        public int Length => Bytes.Length;

        public KerasFileException Error(string part, string problem) => new(Path, part, problem);

        public ulong Read(long at, int size)
        {
            if (at < 0 || at + size > Bytes.Length) throw new ArgumentOutOfRangeException(nameof(at), $"byte {at} + {size} is outside the file");
            return size switch
            {
                1 => Bytes[at],
                2 => BinaryPrimitives.ReadUInt16LittleEndian(Bytes.AsSpan((int)at)),
                4 => BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan((int)at)),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(Bytes.AsSpan((int)at)),
            };
        }

        public void ReadSuperblock()
        {
            if (Length < 16) throw Error("superblock", $"is truncated: the file has only {Length} bytes.");
            Version = Bytes[8];
            (int offsets, int lengths) = Version switch
            {
                0 or 1 => (Bytes[13], Bytes[14]),
                2 or 3 => (Bytes[9], Bytes[10]),
                _ => throw Error("superblock", $"has version {Version}; HDF5 superblocks have versions 0 to 3."),
            };
            if (offsets is not (2 or 4 or 8) || lengths is not (2 or 4 or 8))
                throw Error("superblock", $"declares {offsets}-byte offsets and {lengths}-byte lengths; 2, 4 or 8 are supported.");
            OffsetSize = offsets;
            LengthSize = lengths;
            if (Version >= 2)
            {
                // Signature, version, sizes, flags, four addresses, then the checksum of all of it.
                int length = 12 + 4 * offsets;
                if (length + 4 > Length) throw Error("superblock", "is truncated.");
                uint stored = BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(length));
                uint computed = Lookup3(Bytes.AsSpan(0, length));
                if (stored != computed)
                    throw Error("superblock", $"fails its checksum (stored 0x{stored:x8}, computed 0x{computed:x8}): the file is corrupt.");
                return;
            }
            // Version 0/1: 24 (or 28) bytes of fields, base/free-space/EOF/driver addresses, then the root group's symbol table entry.
            int addresses = Version == 0 ? 24 : 28;
            BaseAddress = Read(addresses, offsets);
            RootHeader = Read(addresses + 4 * offsets + offsets, offsets);
        }
    }

    private static List<int> Occurrences(byte[] file, ReadOnlySpan<byte> signature)
    {
        var result = new List<int>();
        int from = 0;
        while (from < file.Length)
        {
            int i = file.AsSpan(from).IndexOf(signature);
            if (i < 0) break;
            result.Add(from + i);
            from += i + signature.Length;
        }
        return result;
    }

    // ------------------------------------------------------------------ heaps

    // GCOL, version 1, 3 reserved bytes, collection size; then objects: index (2), reference count (2),
    // reserved (4), size, data padded to 8 bytes. Walked exactly as PureHDF walks it (it counts the collection's
    // header into the bytes left and stops at object 0), so every size it will allocate is checked.
    private static void CheckGlobalHeap(FileView f, int at)
    {
        int header = 8 + f.LengthSize;
        // The signature may also occur inside weights: only a plausible collection (version 1, zero reserved
        // bytes, at least the 4096 bytes HDF5 always gives one) is checked.
        if (at + header > f.Length || f.Bytes[at + 4] != 1 || f.Bytes[at + 5] != 0 || f.Bytes[at + 6] != 0 || f.Bytes[at + 7] != 0) return;
        var part = $"global heap collection at byte {at}";
        ulong size = f.Read(at + 8, f.LengthSize);
        if (size < 4096) return; // PureHDF refuses such a collection itself
        if (size > (ulong)(f.Length - at))
            throw f.Error(part, $"declares {size} bytes but only {f.Length - at} remain in the file; it is truncated or corrupt.");
        long p = at + header;
        ulong remaining = size;
        while (remaining > (ulong)header)
        {
            if (p + 2 > f.Length) throw f.Error(part, $"has an object at byte {p} that runs past the end of the file.");
            int index = (int)f.Read(p, 2);
            if (index == 0) break; // the free space: PureHDF reads nothing more
            if (p + header > f.Length) throw f.Error(part, $"has an object at byte {p} that runs past the end of the file.");
            ulong objectSize = f.Read(p + 8, f.LengthSize);
            long left = f.Length - p - header;
            if (objectSize > (ulong)left)
                throw f.Error(part, $"object {index} at byte {p} declares {objectSize} bytes but only {left} remain in the file.");
            ulong consumed = (ulong)header + ((objectSize + 7) & ~7UL);
            remaining = unchecked(remaining - consumed);
            p += (long)consumed;
        }
    }

    // HEAP, version 0, 3 reserved bytes, data segment size, offset to the free list, data segment address.
    private static void CheckLocalHeap(FileView f, int at)
    {
        if (at + 8 + 2 * f.LengthSize + f.OffsetSize > f.Length || f.Bytes[at + 4] != 0 || f.Bytes[at + 5] != 0 || f.Bytes[at + 6] != 0 || f.Bytes[at + 7] != 0) return;
        ulong size = f.Read(at + 8, f.LengthSize);
        if (size > (ulong)f.Length)
            throw f.Error($"local heap at byte {at}", $"declares a {size}-byte data segment in a {f.Length}-byte file; it is corrupt.");
    }

    // ------------------------------------------------------------------ object headers

    // Version 2 object headers (what PureHDF and HDF5 1.8+ write) end their first chunk with a Jenkins lookup3
    // checksum: a header whose messages were altered is refused here, before PureHDF decodes message lengths.
    private static void CheckObjectHeader2(FileView f, int at)
    {
        if (at + 6 > f.Length || f.Bytes[at + 4] != 2 || (f.Bytes[at + 5] & 0xC0) != 0) return; // flags bits 6-7 are reserved
        int flags = f.Bytes[at + 5];
        int prefix = 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0);
        int width = 1 << (flags & 3);
        var part = $"object header at byte {at}";
        if (at + prefix + width > f.Length) return;
        ulong chunk = f.Read(at + prefix, width);
        // A chunk that would not fit is no header (the signature bytes inside data) or a truncated one, which PureHDF
        // reports when it reads past the end; neither makes it allocate the declared size.
        if (chunk > (ulong)f.Length || at + prefix + width + (long)chunk + 4 > f.Length) return;
        long end = at + prefix + width + (long)chunk;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(f.Bytes.AsSpan((int)end));
        uint computed = Lookup3(f.Bytes.AsSpan(at, (int)(end - at)));
        if (stored != computed)
            throw f.Error(part, $"fails its checksum (stored 0x{stored:x8}, computed 0x{computed:x8}): the file is corrupt.");
    }

    // The object headers of a version 0/1 file: the root group's (from the superblock) and every object a
    // symbol table node lists (SNOD, version 1, reserved, symbol count, then entries of link-name offset,
    // header address, cache type, reserved and a 16-byte scratch pad).
    private static IEnumerable<ulong> VersionOneHeaders(FileView f)
    {
        if (f.Version >= 2) yield break;
        if (f.RootHeader != ulong.MaxValue) yield return f.RootHeader;
        int entry = 2 * f.OffsetSize + 24;
        foreach (int at in Occurrences(f.Bytes, "SNOD"u8))
        {
            if (at + 8 > f.Length || f.Bytes[at + 4] != 1 || f.Bytes[at + 5] != 0) continue;
            int count = (int)f.Read(at + 6, 2);
            for (int i = 0; i < count && at + 8 + (i + 1) * entry <= f.Length; i++)
                yield return f.Read(at + 8 + i * entry + f.OffsetSize, f.OffsetSize);
        }
    }

    // Version 1 object header: version 1, reserved, message count (2), reference count (4), header size (4),
    // 4 bytes of padding; messages of type (2), size (2), flags (1), 3 reserved bytes and their data, in this
    // chunk and in the chunks that continuation messages point to.
    private static void CheckObjectHeader1(FileView f, ulong relative)
    {
        ulong address = relative + f.BaseAddress;
        if (address >= (ulong)f.Length - 16 || f.Bytes[address] != 1 || f.Bytes[address + 1] != 0) return; // not a version 1 header (PureHDF will say why)
        var chunks = new Queue<(long Start, long Length)>();
        chunks.Enqueue(((long)address + 16, (long)f.Read((long)address + 8, 4)));
        var seen = new HashSet<long>();
        var part = $"object header at byte {address}";
        while (chunks.Count > 0 && seen.Count < 1024)
        {
            var (start, length) = chunks.Dequeue();
            if (!seen.Add(start)) continue;
            if (length < 0 || start + length > f.Length)
                throw f.Error(part, $"declares a {length}-byte message block at byte {start}, past the end of the file.");
            long p = start;
            while (p + 8 <= start + length)
            {
                int type = (int)f.Read(p, 2);
                int size = (int)f.Read(p + 2, 2);
                long data = p + 8;
                if (data + size > start + length)
                    throw f.Error(part, $"has a message of type {type} at byte {p} whose {size} bytes run past the header's end.");
                bool shared = (f.Bytes[p + 4] & 0x02) != 0; // the data is a reference to a shared message
                if (type == AttributeMessage && !shared) CheckAttribute(f, data, size, part);
                else if (type == ContinuationMessage && size >= f.OffsetSize + f.LengthSize)
                    chunks.Enqueue(((long)(f.Read(data, f.OffsetSize) + f.BaseAddress), (long)Math.Min(f.Read(data + f.OffsetSize, f.LengthSize), long.MaxValue)));
                p = data + size;
            }
        }
    }

    // An attribute message (versions 1–3): name, datatype and dataspace sizes, then those parts (padded to 8 bytes
    // in version 1) and the data, whose size the datatype and dataspace imply. PureHDF reads that many bytes.
    private static void CheckAttribute(FileView f, long at, int size, string header)
    {
        int version = f.Bytes[at];
        if (version is < 1 or > 3 || size < 8) return;
        int nameSize = (int)f.Read(at + 2, 2), typeSize = (int)f.Read(at + 4, 2), spaceSize = (int)f.Read(at + 6, 2);
        static long Pad(long n, int version) => version == 1 ? (n + 7) & ~7L : n;
        long name = at + 8 + (version == 3 ? 1 : 0);
        long type = name + Pad(nameSize, version);
        long space = type + Pad(typeSize, version);
        long data = space + Pad(spaceSize, version);
        var part = $"attribute at byte {at} ({header})";
        if (data > at + size) throw f.Error(part, $"declares name, datatype and dataspace sizes ({nameSize}, {typeSize}, {spaceSize}) larger than its {size}-byte message.");
        // Shared datatypes or dataspaces (flags bits 0 and 1) are references, not the descriptions themselves.
        if (typeSize < 8 || spaceSize < 4 || (version >= 2 && (f.Bytes[at + 1] & 0x03) != 0)) return;
        ulong elementSize = f.Read(type + 4, 4);
        int spaceVersion = f.Bytes[space];
        int rank = f.Bytes[space + 1];
        if (spaceVersion == 2 && f.Bytes[space + 3] == 2) return; // the null dataspace holds no data
        long dims = space + (spaceVersion == 1 ? 8 : 4);
        if (dims + (long)rank * f.LengthSize > space + spaceSize)
            throw f.Error(part, $"has a rank-{rank} dataspace that does not fit in its {spaceSize} bytes.");
        // Saturating product: anything beyond the message is refused, however large.
        ulong count = 1;
        for (int i = 0; i < rank; i++)
        {
            ulong d = f.Read(dims + i * f.LengthSize, f.LengthSize);
            count = d != 0 && count > ulong.MaxValue / d ? ulong.MaxValue : count * d;
        }
        ulong bytes = elementSize != 0 && count > ulong.MaxValue / elementSize ? ulong.MaxValue : count * elementSize;
        long available = at + size - data;
        if (bytes > (ulong)available)
            throw f.Error(part, $"declares {(bytes == ulong.MaxValue ? "more than 2^64" : bytes.ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes of data but its message holds {available}.");
    }

    /// <summary>Bob Jenkins' lookup3 <c>hashlittle</c> with seed 0, the checksum of HDF5's version 2 structures.</summary>
    public static uint Lookup3(ReadOnlySpan<byte> k)
    {
        uint a, b, c;
        a = b = c = 0xdeadbeef + (uint)k.Length;
        while (k.Length > 12)
        {
            a += BinaryPrimitives.ReadUInt32LittleEndian(k);
            b += BinaryPrimitives.ReadUInt32LittleEndian(k[4..]);
            c += BinaryPrimitives.ReadUInt32LittleEndian(k[8..]);
            a -= c; a ^= uint.RotateLeft(c, 4); c += b;
            b -= a; b ^= uint.RotateLeft(a, 6); a += c;
            c -= b; c ^= uint.RotateLeft(b, 8); b += a;
            a -= c; a ^= uint.RotateLeft(c, 16); c += b;
            b -= a; b ^= uint.RotateLeft(a, 19); a += c;
            c -= b; c ^= uint.RotateLeft(b, 4); b += a;
            k = k[12..];
        }
        if (k.Length == 0) return c;
        // The last 1–12 bytes, zero-padded (the same sums as lookup3's fall-through switch).
        Span<byte> tail = stackalloc byte[12];
        tail.Clear();
        k.CopyTo(tail);
        a += BinaryPrimitives.ReadUInt32LittleEndian(tail);
        b += BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]);
        c += BinaryPrimitives.ReadUInt32LittleEndian(tail[8..]);
        c ^= b; c -= uint.RotateLeft(b, 14);
        a ^= c; a -= uint.RotateLeft(c, 11);
        b ^= a; b -= uint.RotateLeft(a, 25);
        c ^= b; c -= uint.RotateLeft(b, 16);
        a ^= c; a -= uint.RotateLeft(c, 4);
        b ^= a; b -= uint.RotateLeft(a, 14);
        c ^= b; c -= uint.RotateLeft(b, 24);
        return c;
    }
}
