using Keras.Data;
using PureHDF;
using PureHDF.VOL.Native;

namespace Keras.Saving.Hdf5;

/// <summary>
/// A read-only HDF5 file (through PureHDF) with the few operations Keras's formats need: groups,
/// string attributes in every form Keras versions wrote (fixed- or variable-length, scalar or array,
/// an empty <c>float64</c> array standing for "no names"), and numeric datasets as <see cref="HostArray"/>s.
/// Every failure becomes a <see cref="KerasFileException"/> naming the file and the object.
/// </summary>
internal sealed class H5Archive : IDisposable
{
    private static readonly byte[] Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n'];

    /// <summary>The most a chunked (compressed) dataset may expand relative to the whole file.</summary>
    private const long MaxExpansion = 1032;

    private readonly NativeFile _file;
    private readonly long _length;

    private H5Archive(NativeFile file, string displayPath, long length)
    {
        _file = file;
        DisplayPath = displayPath;
        _length = length;
    }

    /// <summary>The file name used in messages.</summary>
    public string DisplayPath { get; }

    /// <summary>The root group.</summary>
    public IH5Group Root => _file;

    /// <summary>True when the bytes start with the HDF5 signature (at offset 0; Keras never writes a user block).</summary>
    public static bool HasSignature(ReadOnlySpan<byte> head) => head.Length >= 8 && head[..8].SequenceEqual(Signature);

    /// <summary>Opens an HDF5 file from disk (read fully into memory, so the file is not held open).</summary>
    public static H5Archive Open(string path, string? displayPath = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KerasFileException(displayPath ?? path, "file", $"cannot be read: {e.Message}", e);
        }
        return Open(bytes, displayPath ?? path);
    }

    /// <summary>Opens an HDF5 file held in memory.</summary>
    public static H5Archive Open(byte[] bytes, string displayPath)
    {
        if (!HasSignature(bytes))
            throw new KerasFileException(displayPath, "header", "not an HDF5 file (the 8-byte HDF5 signature is missing).");
        H5Precheck.Check(bytes, displayPath);
        try
        {
            var file = H5File.Open(new MemoryStream(bytes, writable: false), leaveOpen: false);
            return new H5Archive(file, displayPath, bytes.LongLength);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw new KerasFileException(displayPath, "header", $"the HDF5 structure cannot be read ({Describe(e)}); the file is truncated or corrupt.", e);
        }
    }

    /// <summary>Exceptions that mean "the bytes are malformed" rather than a bug in the caller.</summary>
    public static bool IsReadFailure(Exception e) => e is not (KerasFileException or OperationCanceledException or StackOverflowException);

    public static string Describe(Exception e) => e switch
    {
        EndOfStreamException => "unexpected end of data",
        OutOfMemoryException => "a size in the file is impossibly large",
        _ => e.Message.Length > 200 ? e.Message[..200] + "…" : e.Message,
    };

    private T Guard<T>(string part, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw new KerasFileException(DisplayPath, part, $"cannot be read ({Describe(e)}); the file is truncated or corrupt.", e);
        }
    }

    /// <summary>The object at <paramref name="path"/> (relative to <paramref name="from"/>, or the root), or null when absent.</summary>
    public IH5Object? TryGet(string path, IH5Group? from = null)
    {
        var group = from ?? Root;
        return Guard(path, () =>
        {
            // Walk one link at a time: names may contain ':' (":0" suffixes) but never '/'.
            IH5Object current = group;
            foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                if (current is not IH5Group g || !g.LinkExists(part)) return null;
                current = g.Get(part);
            }
            return current;
        });
    }

    /// <summary>The group at <paramref name="path"/>, or null when absent (or not a group).</summary>
    public IH5Group? TryGroup(string path, IH5Group? from = null) => TryGet(path, from) as IH5Group;

    /// <summary>The group at <paramref name="path"/>; a missing group is a <see cref="KerasFileException"/>.</summary>
    public IH5Group Group(string path, IH5Group? from = null, string? what = null) =>
        TryGroup(path, from) ?? throw new KerasFileException(DisplayPath, what ?? path, $"the group '{path}' is missing.");

    /// <summary>The names of the groups and datasets directly inside <paramref name="group"/>, in the file's (sorted) order.</summary>
    public IReadOnlyList<string> ChildNames(IH5Group group, string part) =>
        Guard(part, () => group.Children().Select(c => c.Name).ToArray());

    /// <summary>Whether <paramref name="obj"/> has the attribute.</summary>
    public bool HasAttribute(IH5Object obj, string name, string part) => Guard(part, () => obj.AttributeExists(name));

    /// <summary>A string attribute (scalar or one-element array; fixed- or variable-length), or null when absent.</summary>
    public string? StringAttribute(IH5Object obj, string name, string part)
    {
        if (!HasAttribute(obj, name, part)) return null;
        var values = StringsAttribute(obj, name, part);
        return values.Count switch
        {
            1 => values[0],
            _ => throw new KerasFileException(DisplayPath, $"{part} attribute '{name}'", $"expected one string but found {values.Count}."),
        };
    }

    /// <summary>
    /// A string-array attribute such as <c>layer_names</c>/<c>weight_names</c>: fixed-length NUL-padded byte
    /// strings or variable-length strings; an empty numeric array (Keras writes <c>float64[0]</c>) is an empty list.
    /// Absent: an empty list.
    /// </summary>
    public IReadOnlyList<string> StringsAttribute(IH5Object obj, string name, string part)
    {
        if (!HasAttribute(obj, name, part)) return [];
        return Guard($"{part} attribute '{name}'", () =>
        {
            var attribute = obj.Attribute(name);
            var cls = attribute.Type.Class;
            var dims = attribute.Space.Dimensions;
            if (attribute.Space.Type == H5DataspaceType.Null) return [];
            long count = dims.Length == 0 ? 1 : dims.Aggregate(1L, (a, d) => a * (long)d);
            if (cls is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
            {
                if (count == 0) return [];
                throw new KerasFileException(DisplayPath, $"{part} attribute '{name}'", $"expected strings but found {cls} data.");
            }
            if (count == 0) return [];
            if (count > _length) throw new KerasFileException(DisplayPath, $"{part} attribute '{name}'", "declares more strings than the file can hold.");
            string[] values = attribute.Space.Type == H5DataspaceType.Scalar ? [attribute.Read<string>()] : attribute.Read<string[]>();
            return values.Select(v => (v ?? "").TrimEnd('\0')).ToArray();
        });
    }

    /// <summary>Reads a numeric dataset into a host array (row-major, the file's dtype).</summary>
    public HostArray ReadArray(IH5Dataset dataset, string part) => Guard(part, () =>
    {
        var dims = dataset.Space.Type == H5DataspaceType.Scalar ? [] : dataset.Space.Dimensions;
        var shape = dims.Select(d => checked((long)d)).ToArray();
        var type = dataset.Type;
        // Saturating, so that a shape whose product overflows is refused like any other impossible size.
        long count = 1;
        foreach (var d in shape) count = d != 0 && count > long.MaxValue / d ? long.MaxValue : count * d;
        long bytes = type.Size != 0 && count > long.MaxValue / type.Size ? long.MaxValue : count * type.Size;
        // Contiguous data is stored as is; chunked data may be compressed, but DEFLATE (the filter Keras-era
        // files use) cannot expand more than about 1032:1.
        long limit = dataset.Layout.Class == H5DataLayoutClass.Chunked ? Math.Min(_length * MaxExpansion, Array.MaxLength) : _length;
        if (bytes > limit)
            throw new KerasFileException(DisplayPath, part, $"declares {(bytes == long.MaxValue ? "more than 2^63" : bytes)} bytes of data but the {_length}-byte file can hold at most {limit}; it is truncated or corrupt.");
        Array data = (type.Class, type.Size) switch
        {
            (H5DataTypeClass.FloatingPoint, 4) => dataset.Read<float[]>(),
            (H5DataTypeClass.FloatingPoint, 8) => dataset.Read<double[]>(),
            (H5DataTypeClass.FloatingPoint, 2) => Array.ConvertAll(dataset.Read<Half[]>(), h => (float)h),
            (H5DataTypeClass.FixedPoint, 8) => dataset.Read<long[]>(),
            (H5DataTypeClass.FixedPoint, 4) when type.FixedPoint.IsSigned => dataset.Read<int[]>(),
            (H5DataTypeClass.FixedPoint, 4) => Array.ConvertAll(dataset.Read<uint[]>(), v => (long)v),
            (H5DataTypeClass.FixedPoint, 2) when type.FixedPoint.IsSigned => dataset.Read<short[]>(),
            (H5DataTypeClass.FixedPoint, 2) => Array.ConvertAll(dataset.Read<ushort[]>(), v => (int)v),
            (H5DataTypeClass.FixedPoint, 1) when type.FixedPoint.IsSigned => dataset.Read<sbyte[]>(),
            (H5DataTypeClass.FixedPoint, 1) => dataset.Read<byte[]>(),
            _ => throw new KerasFileException(DisplayPath, part, $"holds {type.Class} data of {type.Size} bytes, which is not a weight dtype."),
        };
        if (data.LongLength != count)
            throw new KerasFileException(DisplayPath, part, $"holds {data.LongLength} values but its shape {Shape.Format(shape)} needs {count}.");
        var dtype = DTypes.FromClrType(data.GetType().GetElementType()!);
        return HostArray.Wrap(data, shape, dtype);
    });

    /// <summary>Reads the dataset at <paramref name="path"/> below <paramref name="from"/>.</summary>
    public HostArray ReadArray(string path, IH5Group from, string part) =>
        TryGet(path, from) is IH5Dataset d
            ? ReadArray(d, part)
            : throw new KerasFileException(DisplayPath, part, $"the dataset '{path}' is missing.");

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
