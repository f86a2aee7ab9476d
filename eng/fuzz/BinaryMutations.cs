using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Keras.Fuzz;

/// <summary>
/// Same-length edits of text embedded in binary files (the JSON <c>model_config</c> inside an HDF5 file, the
/// Keras metadata inside SavedModel protobufs, layer and weight names): offsets and lengths around the text stay
/// valid, so the mutant gets past the container and reaches the config and name handling.
/// </summary>
public static class EmbeddedText
{
    /// <summary>Printable ASCII runs of at least <paramref name="minLength"/> bytes.</summary>
    public static List<(int Start, int Length)> Runs(byte[] data, int minLength = 4)
    {
        var runs = new List<(int, int)>();
        int start = -1;
        for (int i = 0; i <= data.Length; i++)
        {
            bool printable = i < data.Length && data[i] >= 0x20 && data[i] < 0x7F;
            if (printable && start < 0) start = i;
            else if (!printable && start >= 0)
            {
                if (i - start >= minLength) runs.Add((start, i - start));
                start = -1;
            }
        }
        return runs;
    }

    /// <summary>Rewrites one token of embedded text in place, or null when the data holds no text.</summary>
    public static (string Op, string Detail, byte[] Bytes)? Mutate(byte[] data, Random rng)
    {
        var runs = Runs(data);
        if (runs.Count == 0) return null;
        // Prefer JSON text (it drives model building), then identifiers.
        var json = runs.Where(r => r.Length > 16 && data.AsSpan(r.Start, r.Length).IndexOf("\":"u8) >= 0).ToList();
        var (start, length) = json.Count > 0 && rng.Next(3) != 0 ? json[rng.Next(json.Count)] : runs[rng.Next(runs.Count)];
        var text = Encoding.ASCII.GetString(data, start, length);
        var tokens = Regex.Matches(text, "-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|\"[^\"\\\\]*\"").Cast<Match>().ToList();
        var copy = (byte[])data.Clone();
        if (tokens.Count > 0 && rng.Next(5) != 0)
        {
            var token = tokens[rng.Next(tokens.Count)];
            string replacement;
            if (token.Value.StartsWith('"'))
            {
                int n = token.Length - 2;
                replacement = rng.Next(4) switch
                {
                    0 when n >= 1 => "\"" + new string('Z', n) + "\"",
                    1 when n >= 2 => "\"" + token.Value[1..^2] + (char)('a' + rng.Next(26)) + "\"",
                    2 => "1" + new string(' ', token.Length - 1),
                    _ => "\"" + RandomLetters(rng, n) + "\"",
                };
            }
            else
            {
                int n = token.Length;
                replacement = rng.Next(5) switch
                {
                    0 => new string('9', n),
                    1 when n >= 2 => "-" + new string('9', n - 1),
                    2 when n >= 3 => "1e" + new string('9', n - 2),
                    3 => "0" + new string(' ', n - 1),
                    _ => n >= 2 ? "-1" + new string(' ', n - 2) : "0",
                };
            }
            Encoding.ASCII.GetBytes(replacement).CopyTo(copy, start + token.Index);
            return ("embedded-text", $"{token.Value} → {replacement.TrimEnd()} at byte {start + token.Index}", copy);
        }
        // A structural character or one identifier character.
        int pos = start + rng.Next(length);
        var structural = "{}[],:\" 0aZ";
        char c = structural[rng.Next(structural.Length)];
        copy[pos] = (byte)c;
        return ("embedded-char", $"byte {pos} '{(char)data[pos]}' → '{c}'", copy);
    }

    private static string RandomLetters(Random rng, int n) => new(Enumerable.Range(0, n).Select(_ => (char)('a' + rng.Next(26))).ToArray());
}

/// <summary>HDF5 mutations: byte edits aimed at object headers, B-trees, heaps and attribute names, and embedded text.</summary>
public static class Hdf5Mutations
{
    private static readonly string[] Signatures = ["OHDR", "OCHK", "TREE", "HEAP", "SNOD", "GCOL", "FRHP", "FSHD", "BTHD", "BTLF", "FHIB", "FHDB", "BTIN"];

    private static readonly string[] Names =
    [
        "layer_names", "weight_names", "model_config", "training_config", "keras_version", "backend", "model_weights",
        "optimizer_weights", "vars", "layers", "kernel", "bias", "name",
    ];

    /// <summary>The byte ranges that hold HDF5 structure (superblock, signatures, attribute and link names).</summary>
    public static List<(int Start, int Length)> Structure(byte[] data)
    {
        var hot = new List<(int Start, int Length)> { (0, Math.Min(data.Length, 128)) };
        foreach (var s in Signatures) ByteMutations.AddAround(hot, data, Encoding.ASCII.GetBytes(s), 0, 96);
        foreach (var n in Names) ByteMutations.AddAround(hot, data, Encoding.ASCII.GetBytes(n), 48, 48);
        return hot;
    }

    /// <summary>One HDF5 mutation.</summary>
    public static (string Op, string Detail, byte[] Bytes) Mutate(byte[] data, Random rng)
    {
        int pick = rng.Next(10);
        if (pick < 3 && EmbeddedText.Mutate(data, rng) is { } text) return text;
        if (pick < 8) return ByteMutations.Mutate(data, rng, Structure(data));
        return ByteMutations.Mutate(data, rng);
    }
}

/// <summary>
/// <c>.keras</c> archive mutations: entries rewritten (config/metadata JSON trees, the inner weights file),
/// entries added with escaping names, dropped, duplicated or compressed, zip header fields patched, or raw bytes.
/// </summary>
public static class ZipMutations
{
    private static readonly string[] EvilNames =
    [
        "../evil.txt", "/etc/evil", "C:\\evil.txt", "a/../../evil", "..\\..\\evil", "model.weights.h5/../../x", "./../x", "\u0000x",
    ];

    /// <summary>One archive mutation.</summary>
    public static (string Op, string Detail, byte[] Bytes) Mutate(byte[] data, Random rng)
    {
        var entries = ReadEntries(data);
        int pick = rng.Next(100);
        if (entries is not null)
        {
            if (pick < 25 && Find(entries, "config.json") is int c)
            {
                var (op, detail, bytes) = JsonMutations.MutateJsonFile(entries[c].Bytes, rng);
                entries[c] = (entries[c].Name, bytes);
                return ($"zip/config.json:{op}", detail, Write(entries, rng.Next(8) == 0));
            }
            if (pick < 30 && Find(entries, "metadata.json") is int m)
            {
                var (op, detail, bytes) = JsonMutations.MutateJsonFile(entries[m].Bytes, rng);
                entries[m] = (entries[m].Name, bytes);
                return ($"zip/metadata.json:{op}", detail, Write(entries, false));
            }
            if (pick < 52 && Find(entries, "model.weights.h5") is int w)
            {
                var (op, detail, bytes) = Hdf5Mutations.Mutate(entries[w].Bytes, rng);
                entries[w] = (entries[w].Name, bytes);
                return ($"zip/model.weights.h5:{op}", detail, Write(entries, false));
            }
            if (pick < 64) return EntrySet(entries, rng);
        }
        if (pick < 76) return PatchHeader(data, rng);
        return ByteMutations.Mutate(data, rng, Structure(data));
    }

    private static int? Find(List<(string Name, byte[] Bytes)> entries, string name)
    {
        int i = entries.FindIndex(e => e.Name == name);
        return i < 0 ? null : i;
    }

    private static (string, string, byte[]) EntrySet(List<(string Name, byte[] Bytes)> entries, Random rng)
    {
        switch (rng.Next(6))
        {
            case 0:
            case 1:
            {
                var name = EvilNames[rng.Next(EvilNames.Length)];
                if (rng.Next(2) == 0 && entries.Count > 0)
                {
                    int i = rng.Next(entries.Count);
                    var old = entries[i].Name;
                    entries[i] = (name + "/" + old, entries[i].Bytes);
                    return ("zip-escaping-name", $"entry '{old}' renamed '{name}/{old}'", Write(entries, false));
                }
                entries.Add((name, "{}"u8.ToArray()));
                return ("zip-escaping-name", $"entry '{name}' added", Write(entries, false));
            }
            case 2:
            {
                int i = rng.Next(entries.Count);
                var name = entries[i].Name;
                entries.RemoveAt(i);
                return ("zip-drop-entry", name, Write(entries, false));
            }
            case 3:
            {
                int i = rng.Next(entries.Count);
                entries.Insert(rng.Next(entries.Count + 1), entries[i]);
                return ("zip-duplicate-entry", entries[i].Name, Write(entries, false));
            }
            case 4:
            {
                int i = rng.Next(entries.Count);
                var renamed = entries[i].Name.ToUpperInvariant();
                entries[i] = (renamed, entries[i].Bytes);
                return ("zip-rename-entry", renamed, Write(entries, false));
            }
            default:
                return ("zip-deflate", "all entries deflated", Write(entries, true));
        }
    }

    // Fields of the local file header (PK\3\4), central directory header (PK\1\2) and end record (PK\5\6): offset, width.
    private static readonly (byte[] Signature, (int Offset, int Width)[] Fields)[] Headers =
    [
        ([0x50, 0x4B, 0x03, 0x04], [(6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2)]),
        ([0x50, 0x4B, 0x01, 0x02], [(8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2), (32, 2), (38, 4), (42, 4)]),
        ([0x50, 0x4B, 0x05, 0x06], [(8, 2), (10, 2), (12, 4), (16, 4), (20, 2)]),
    ];

    private static (string, string, byte[]) PatchHeader(byte[] data, Random rng)
    {
        var spots = new List<(int Position, int Width, string What)>();
        foreach (var (signature, fields) in Headers)
        {
            int from = 0;
            while (from < data.Length)
            {
                int i = data.AsSpan(from).IndexOf(signature);
                if (i < 0) break;
                int at = from + i;
                foreach (var (offset, width) in fields)
                {
                    if (at + offset + width <= data.Length) spots.Add((at + offset, width, $"{Convert.ToHexString(signature)}+{offset}"));
                }
                from = at + 4;
            }
        }
        if (spots.Count == 0) return ByteMutations.Mutate(data, rng);
        var (pos, w, what) = spots[rng.Next(spots.Count)];
        var copy = (byte[])data.Clone();
        ulong value = rng.Next(6) switch
        {
            0 => 0,
            1 => ulong.MaxValue,
            2 => (ulong)rng.Next(1, 64),
            3 => 0x7FFFFFFF,
            4 => 99, // an unknown compression method, or a small size
            _ => ReadLittleEndian(copy, pos, w) + (ulong)rng.Next(1, 4),
        };
        for (int b = 0; b < w; b++) copy[pos + b] = (byte)(value >> (8 * b));
        return ("zip-header-field", $"{what} (byte {pos}, {w} bytes) = 0x{value & (w == 2 ? 0xFFFFUL : 0xFFFFFFFFUL):x}", copy);
    }

    private static ulong ReadLittleEndian(byte[] data, int pos, int width)
    {
        ulong v = 0;
        for (int b = 0; b < width; b++) v |= (ulong)data[pos + b] << (8 * b);
        return v;
    }

    private static List<(int Start, int Length)> Structure(byte[] data)
    {
        var hot = new List<(int Start, int Length)>();
        foreach (var (signature, _) in Headers) ByteMutations.AddAround(hot, data, signature, 0, 46);
        return hot;
    }

    private static List<(string Name, byte[] Bytes)>? ReadEntries(byte[] data)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(data, writable: false), ZipArchiveMode.Read);
            var list = new List<(string, byte[])>();
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                list.Add((e.FullName, ms.ToArray()));
            }
            return list;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static byte[] Write(List<(string Name, byte[] Bytes)> entries, bool deflate)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                var entry = zip.CreateEntry(name, deflate ? CompressionLevel.Fastest : CompressionLevel.NoCompression);
                using var s = entry.Open();
                s.Write(bytes);
            }
        }
        return ms.ToArray();
    }
}

/// <summary>.npy mutations: the header dictionary rewritten with wrong shapes, dtypes and orders, lying length fields and versions, or raw bytes.</summary>
public static class NpyMutations
{
    private static readonly string[] Descrs =
    [
        "'<f4'", "'<f8'", "'>f4'", "'>i8'", "'|b1'", "'|u1'", "'<f2'", "'<i2'", "'|i1'", "'<u4'", "'<U8'", "'|S4'", "'|O'", "'<c8'",
        "'<M8[ns]'", "'V8'", "'<f3'", "'f4'", "''", "'<'", "'float32'", "[('a', '<f4')]", "42", "None", "'|f4'", "'=i4'",
    ];

    private static readonly string[] Orders = ["True", "False", "1", "0", "None", "'False'", "true"];

    /// <summary>One .npy mutation.</summary>
    public static (string Op, string Detail, byte[] Bytes) Mutate(byte[] data, Random rng)
    {
        var parsed = Parse(data);
        int pick = rng.Next(20);
        if (parsed is { } p)
        {
            if (pick < 10) return RewriteHeader(p, rng);
            if (pick < 12)
            {
                var copy = (byte[])data.Clone();
                int width = p.Major == 1 ? 2 : 4;
                long claimed = rng.Next(4) switch
                {
                    0 => 0,
                    1 => p.HeaderLength + rng.Next(1, 200),
                    2 => Math.Max(0, p.HeaderLength - rng.Next(1, 40)),
                    _ => width == 2 ? 0xFFFF : 0xFFFFFFFFL,
                };
                for (int b = 0; b < width; b++) copy[8 + b] = (byte)(claimed >> (8 * b));
                return ("npy-header-length", $"claims {claimed} bytes (really {p.HeaderLength})", copy);
            }
            if (pick < 13)
            {
                var copy = (byte[])data.Clone();
                copy[6] = (byte)rng.Next(0, 5);
                copy[7] = (byte)(rng.Next(3) == 0 ? 1 : 0);
                return ("npy-version", $"{copy[6]}.{copy[7]}", copy);
            }
            return ByteMutations.Mutate(data, rng, [(0, p.DataStart)]);
        }
        return ByteMutations.Mutate(data, rng);
    }

    private sealed record Npy(int Major, int HeaderLength, string Header, int DataStart, byte[] Data);

    private static Npy? Parse(byte[] data)
    {
        if (data.Length < 10 || data[0] != 0x93) return null;
        int major = data[6];
        int width = major == 1 ? 2 : 4;
        if (data.Length < 8 + width) return null;
        int length = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(8));
        int start = 8 + width + length;
        if (start > data.Length) return null;
        return new Npy(major, length, Encoding.Latin1.GetString(data, 8 + width, length), start, data[start..]);
    }

    private static (string, string, byte[]) RewriteHeader(Npy p, Random rng)
    {
        var descr = Regex.Match(p.Header, "'descr':\\s*('[^']*'|[^,]*)").Groups[1].Value;
        var order = Regex.Match(p.Header, "'fortran_order':\\s*([A-Za-z]+)").Groups[1].Value;
        var shapeText = Regex.Match(p.Header, "'shape':\\s*\\(([^)]*)\\)").Groups[1].Value;
        var dims = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        string what;
        string shape = "(" + string.Join(", ", dims) + (dims.Count == 1 ? ",)" : ")");
        string extra = "";
        switch (rng.Next(10))
        {
            case 0:
            case 1:
                descr = Descrs[rng.Next(Descrs.Length)];
                what = $"descr {descr}";
                break;
            case 2:
                order = Orders[rng.Next(Orders.Length)];
                what = $"fortran_order {order}";
                break;
            case 3:
            case 4:
            case 5:
            {
                var d = new List<string>(dims);
                string[] values = ["0", "-1", "1", "2", "4611686018427387904", "1099511627776", "2147483648", "3.0", "'3'", "None", "65536"];
                switch (rng.Next(4))
                {
                    case 0 when d.Count > 0:
                        d[rng.Next(d.Count)] = values[rng.Next(values.Length)];
                        break;
                    case 1:
                        d.Insert(rng.Next(d.Count + 1), values[rng.Next(values.Length)]);
                        break;
                    case 2 when d.Count > 0:
                        d.RemoveAt(rng.Next(d.Count));
                        break;
                    default:
                        d = Enumerable.Repeat("1", rng.Next(2) == 0 ? 65 : 3).ToList();
                        break;
                }
                shape = "(" + string.Join(", ", d) + (d.Count == 1 ? ",)" : ")");
                what = $"shape {shape}";
                break;
            }
            case 6:
                shape = rng.Next(2) == 0 ? "[" + string.Join(", ", dims) + "]" : "(" + string.Join(", ", dims);
                what = $"shape written {shape}";
                break;
            case 7:
                extra = rng.Next(2) == 0 ? "'extra': 1, " : "'descr': '<f8', ";
                what = $"extra key {extra.Trim()}";
                break;
            case 8:
            {
                var text = $"{{'descr': {descr}, 'fortran_order': {order}, 'shape': {shape}, }}";
                var cut = text[..rng.Next(text.Length)];
                return ("npy-header", $"dictionary cut to '{cut}'", Build(p.Major, cut, p.Data));
            }
            default:
                return ("npy-header", "dictionary without 'shape'", Build(p.Major, $"{{'descr': {descr}, 'fortran_order': {order}, }}", p.Data));
        }
        var header = $"{{{extra}'descr': {descr}, 'fortran_order': {order}, 'shape': {shape}, }}";
        return ("npy-header", what, Build(p.Major, header, p.Data));
    }

    private static byte[] Build(int major, string dict, byte[] data)
    {
        int width = major == 1 ? 2 : 4;
        int prefix = 8 + width;
        int pad = 64 - ((prefix + dict.Length + 1) % 64);
        var header = dict + new string(' ', pad) + "\n";
        var bytes = new byte[prefix + header.Length + data.Length];
        bytes[0] = 0x93;
        "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = (byte)major;
        if (width == 2) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)header.Length);
        Encoding.Latin1.GetBytes(header).CopyTo(bytes, prefix);
        data.CopyTo(bytes, prefix + header.Length);
        return bytes;
    }
}

/// <summary>
/// SavedModel folder mutations: one file (saved_model.pb, keras_metadata.pb, the variables index or data,
/// fingerprint.pb) mutated or removed; index blocks are edited with their CRC-32C recomputed so that the
/// bundle entries (dtype, shape, offset, size) are parsed.
/// </summary>
public static class SavedModelMutations
{
    /// <summary>One mutation: (operator, detail, relative path → new bytes or null for removed).</summary>
    public static (string Op, string Detail, IReadOnlyDictionary<string, byte[]?> Changes) Mutate(string folder, Random rng, Func<string, byte[]> read)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("assets/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        // Weighted towards the files that carry structure the loader parses.
        var weighted = files.SelectMany(f => Enumerable.Repeat(f, f switch
        {
            "saved_model.pb" => 4,
            "keras_metadata.pb" => 3,
            "variables/variables.index" => 4,
            _ => 1,
        })).ToList();
        var file = weighted[rng.Next(weighted.Count)];
        var data = read(Path.Combine(folder, file));
        if (rng.Next(25) == 0) return ("savedmodel-remove-file", file, new Dictionary<string, byte[]?> { [file] = null });
        (string Op, string Detail, byte[] Bytes) m;
        if (file.EndsWith(".index", StringComparison.Ordinal) && rng.Next(2) == 0 && TableBlocks(data) is { Count: > 0 } blocks)
        {
            m = MutateBlock(data, blocks, rng);
        }
        else if (file.EndsWith(".pb", StringComparison.Ordinal) && rng.Next(3) == 0 && EmbeddedText.Mutate(data, rng) is { } text)
        {
            m = text;
        }
        else
        {
            m = ByteMutations.Mutate(data, rng, file.EndsWith(".pb", StringComparison.Ordinal) || file.EndsWith(".index", StringComparison.Ordinal) ? [(0, data.Length)] : null);
        }
        return ($"savedmodel/{file}:{m.Op}", m.Detail, new Dictionary<string, byte[]?> { [file] = m.Bytes });
    }

    // The (offset, size) of every block of a LevelDB table: the index block, the data blocks it lists, the metaindex block.
    private static List<(int Offset, int Size)>? TableBlocks(byte[] file)
    {
        try
        {
            if (file.Length < 48) return null;
            int pos = file.Length - 48;
            var meta = (Offset: (int)Varint(file, ref pos), Size: (int)Varint(file, ref pos));
            var index = (Offset: (int)Varint(file, ref pos), Size: (int)Varint(file, ref pos));
            var blocks = new List<(int, int)> { meta, index };
            var block = file.AsSpan(index.Offset, index.Size).ToArray();
            if (file[index.Offset + index.Size] != 0) return blocks; // compressed index block: edit it as a whole
            int restarts = (int)BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(block.Length - 4));
            int limit = block.Length - 4 - 4 * restarts;
            int p = 0;
            while (p < limit)
            {
                Varint(block, ref p);
                int nonShared = (int)Varint(block, ref p);
                int valueLength = (int)Varint(block, ref p);
                p += nonShared;
                int v = p;
                blocks.Add(((int)Varint(block, ref v), (int)Varint(block, ref v)));
                p += valueLength;
            }
            return blocks.Where(b => b.Item1 >= 0 && b.Item2 > 0 && b.Item1 + b.Item2 + 5 <= file.Length).ToList();
        }
        catch (IndexOutOfRangeException)
        {
            return null;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static (string, string, byte[]) MutateBlock(byte[] data, List<(int Offset, int Size)> blocks, Random rng)
    {
        var (offset, size) = blocks[rng.Next(blocks.Count)];
        var contents = data.AsSpan(offset, size).ToArray();
        var (op, detail, mutated) = rng.Next(3) switch
        {
            0 => ByteMutations.FlipBits(contents, rng, null),
            1 => ByteMutations.SetInteresting(contents, rng, null),
            _ => ByteMutations.RandomBytes(contents, rng, null),
        };
        var copy = (byte[])data.Clone();
        mutated.CopyTo(copy, offset);
        // Recompute the block's masked CRC-32C over contents + compression type, as LevelDB writes it.
        uint crc = Crc32C(Crc32C(0, mutated), [copy[offset + size]]);
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(offset + size + 1), ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
        return ($"index-block:{op}", $"block at {offset.ToString(CultureInfo.InvariantCulture)} ({size} bytes), CRC fixed: {detail}", copy);
    }

    private static ulong Varint(byte[] data, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new IndexOutOfRangeException("varint too long");
    }

    private static uint Crc32C(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        foreach (var b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }
}
