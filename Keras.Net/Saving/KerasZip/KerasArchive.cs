using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace Keras.Saving.KerasZip;

/// <summary>
/// Keras 3's <c>.keras</c> archive: a zip with <c>metadata.json</c>, <c>config.json</c> and
/// <c>model.weights.h5</c> (stored, not compressed). Entries are read by name into memory, never
/// extracted by the names they carry, and an archive with an entry that would escape its folder
/// (absolute paths, <c>..</c>) is refused.
/// </summary>
internal sealed class KerasArchive
{
    private const long MaxJsonBytes = 256L << 20;
    private const long MaxWeightsBytes = 8L << 30;
    private const long MaxExpansion = 1032;

    public const string ConfigEntry = "config.json";
    public const string MetadataEntry = "metadata.json";
    public const string WeightsEntry = "model.weights.h5";

    private KerasArchive(JsonObject config, JsonObject? metadata, byte[]? weights)
    {
        Config = config;
        Metadata = metadata;
        Weights = weights;
    }

    /// <summary>The model's serialized config (with <c>compile_config</c>/<c>build_config</c> when Keras wrote them).</summary>
    public JsonObject Config { get; }

    /// <summary>The metadata (<c>keras_version</c>, <c>date_saved</c>), if present.</summary>
    public JsonObject? Metadata { get; }

    /// <summary>The bytes of <c>model.weights.h5</c>, if present.</summary>
    public byte[]? Weights { get; }

    /// <summary>Whether the bytes start like a zip archive.</summary>
    public static bool HasSignature(ReadOnlySpan<byte> head) => head.Length >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4;

    /// <summary>Reads an archive (only the entries Keras.Net needs).</summary>
    public static KerasArchive Read(string path, bool needConfig = true)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
            foreach (var entry in zip.Entries) CheckEntryName(path, entry.FullName);
            var configBytes = ReadEntry(path, zip, ConfigEntry, MaxJsonBytes, required: needConfig);
            var metadataBytes = ReadEntry(path, zip, MetadataEntry, MaxJsonBytes, required: false);
            var weights = ReadEntry(path, zip, WeightsEntry, MaxWeightsBytes, required: false);
            if (weights is null && zip.GetEntry("model.weights.npz") is not null)
                throw new KerasFileException(path, "model.weights.npz", "weights stored as .npz (an old Keras 3 pre-release format) are not supported.");
            var config = configBytes is null ? new JsonObject() : ParseObject(path, ConfigEntry, configBytes);
            var metadata = metadataBytes is null ? null : ParseObject(path, MetadataEntry, metadataBytes);
            return new KerasArchive(config, metadata, weights);
        }
        catch (InvalidDataException e)
        {
            throw new KerasFileException(path, "zip structure", $"is not a valid .keras archive ({e.Message}); the file is truncated or corrupt.", e);
        }
        catch (IOException e) when (e is not KerasFileException)
        {
            throw new KerasFileException(path, "file", $"cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Refuses entry names that would leave the archive's folder if extracted.</summary>
    public static void CheckEntryName(string path, string name)
    {
        var normalized = name.Replace('\\', '/');
        bool escapes = normalized.StartsWith('/') || (normalized.Length >= 2 && normalized[1] == ':')
            || normalized.Split('/').Any(segment => segment == "..") || normalized.Contains('\0');
        if (escapes)
            throw new KerasFileException(path, $"zip entry '{name}'", "points outside the archive's folder (absolute path or '..'); the archive is refused.");
    }

    private static byte[]? ReadEntry(string path, ZipArchive zip, string name, long maxBytes, bool required)
    {
        var entry = zip.GetEntry(name);
        if (entry is null)
        {
            if (required) throw new KerasFileException(path, name, "is missing from the archive.");
            return null;
        }
        if (entry.Length > maxBytes)
            throw new KerasFileException(path, name, $"declares {entry.Length} bytes, more than the {maxBytes} accepted.");
        // Keras stores entries uncompressed; DEFLATE cannot expand more than about 1032:1. A declared size
        // beyond that is a lie, refused before anything is allocated for it.
        if (entry.Length > Math.Max(entry.CompressedLength, 0) * MaxExpansion + 1024)
            throw new KerasFileException(path, name, $"declares {entry.Length} bytes from {entry.CompressedLength} compressed bytes, which no zip method can produce.");
        using var s = entry.Open();
        // Grow with the data actually read rather than trusting the declared size up front.
        using var ms = new MemoryStream((int)Math.Min(entry.Length, 1 << 20));
        var buffer = new byte[81920];
        int n;
        while ((n = s.Read(buffer, 0, buffer.Length)) > 0)
        {
            ms.Write(buffer, 0, n);
            if (ms.Length > maxBytes) throw new KerasFileException(path, name, $"expands beyond {maxBytes} bytes.");
            if (ms.Length > entry.Length) throw new KerasFileException(path, name, $"holds more than the {entry.Length} bytes it declares.");
        }
        if (ms.Length != entry.Length) throw new KerasFileException(path, name, $"holds {ms.Length} bytes but declares {entry.Length}; the archive is corrupt.");
        return ms.ToArray();
    }

    private static JsonObject ParseObject(string path, string entry, byte[] bytes)
    {
        // System.Text.Json checks UTF-8 only when a string is read, which would be long after loading;
        // decode strictly here so invalid text is refused as part of this entry.
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes.AsSpan(bytes.AsSpan().StartsWith(Utf8Bom) ? Utf8Bom.Length : 0));
        }
        catch (DecoderFallbackException e)
        {
            throw new KerasFileException(path, entry, $"is not valid UTF-8 text (byte {e.Index}).", e);
        }
        return ModelFiles.ParseJson(text, path, entry) as JsonObject
            ?? throw new KerasFileException(path, entry, "is not a JSON object.");
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Writes an archive atomically.</summary>
    public static void Write(string path, JsonObject config, JsonObject metadata, Action<Stream> writeWeights)
    {
        byte[] weights;
        using (var ms = new MemoryStream())
        {
            writeWeights(ms);
            weights = ms.ToArray();
        }
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            Add(zip, MetadataEntry, Encoding.UTF8.GetBytes(metadata.ToJsonString()));
            Add(zip, ConfigEntry, Encoding.UTF8.GetBytes(config.ToJsonString()));
            Add(zip, WeightsEntry, weights);
        });
    }

    private static void Add(ZipArchive zip, string name, byte[] bytes)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        using var s = entry.Open();
        s.Write(bytes);
    }
}
