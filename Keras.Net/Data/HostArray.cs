using System.Globalization;
using System.Text;
using NumSharp;

namespace Keras.Data;

/// <summary>
/// A dense array in host (CPU) memory: a flat, row-major .NET array plus a shape and a dtype.
/// It is the common currency between what users pass at the API edge (.NET arrays, jagged arrays,
/// NumSharp <see cref="NDArray"/>s, .npy files, datasets) and the compute backend.
/// </summary>
/// <remarks>
/// <see cref="Data"/> is a <c>float[]</c>, <c>double[]</c>, <c>Half[]</c>, <c>sbyte[]</c>, <c>short[]</c>,
/// <c>int[]</c>, <c>long[]</c>, <c>byte[]</c> or <c>bool[]</c> (the element type is <see cref="DTypes.ClrType"/>
/// of <see cref="DType"/>; bfloat16 values are held as <c>float</c>s rounded to bfloat16).
/// Operations that return a new <see cref="HostArray"/> copy the data unless documented otherwise.
/// </remarks>
public sealed class HostArray
{
    private const string AcceptedTypes =
        "a Keras.Data.HostArray, a NumSharp.NDArray, a rectangular .NET array of any rank (float[], float[,], float[,,], …) " +
        "or a jagged array (float[][], …) whose element type is float, double, Half, sbyte, short, int, long, byte or bool";

    private readonly long[] _shape;

    private HostArray(Array data, long[] shape, DType dtype)
    {
        Data = data;
        _shape = shape;
        DType = dtype;
    }

    /// <summary>The elements in row-major (C) order; its element type is <c>DType.ClrType()</c>.</summary>
    public Array Data { get; }

    /// <summary>The dimensions (a copy; empty for a scalar).</summary>
    public long[] Shape => (long[])_shape.Clone();

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>Number of elements (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long Length => Data.LongLength;

    /// <summary>Number of dimensions (0 for a scalar).</summary>
    public int Rank => _shape.Length;

    /// <summary>The shape without copying (internal callers must not modify it).</summary>
    internal long[] ShapeView => _shape;

    /// <summary>Size in bytes of one element of <see cref="Data"/>.</summary>
    internal int ElementSize => ArrayBytes.ElementSize(DType.ClrType());

    /// <summary>The size of dimension <paramref name="axis"/> (negative axes count from the end).</summary>
    public long Dim(int axis)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if (a < 0 || a >= Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Axis {axis} is out of range for an array of rank {Rank}.");
        }

        return _shape[a];
    }

    /// <summary>
    /// Converts a value passed at the API edge: a <see cref="HostArray"/> (returned as is), a NumSharp
    /// <see cref="NDArray"/> (any supported dtype and shape, including scalars and sliced/strided views, copied in
    /// logical order), a rectangular .NET array of any rank, or a rectangular jagged array. The data is copied.
    /// </summary>
    /// <param name="value">The value to convert.</param>
    /// <param name="argumentName">The name of the argument the value was passed as, used in error messages.</param>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException">The value is of an unsupported type, or a jagged array is not rectangular.</exception>
    public static HostArray From(object value, string argumentName)
    {
        ArgumentNullException.ThrowIfNull(argumentName);
        return value switch
        {
            null => throw new ArgumentNullException(argumentName, $"Argument '{argumentName}' is null; expected {AcceptedTypes}."),
            HostArray h => h,
            NDArray nd => FromNDArray(nd, argumentName),
            Array a => FromArray(a, argumentName),
            _ => throw Unsupported(value.GetType(), argumentName, null),
        };
    }

    /// <summary>
    /// Wraps <paramref name="data"/> (not copied) as an array of the given shape; an empty shape makes a scalar.
    /// </summary>
    /// <param name="data">The elements in row-major order. Its element type decides the dtype.</param>
    /// <param name="shape">The dimensions; their product must equal <c>data.Length</c>.</param>
    /// <exception cref="ArgumentException">The element type is unsupported, or the shape does not match the data length.</exception>
    public static HostArray Create<T>(T[] data, params long[] shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        DType dtype = DTypes.FromClrType(typeof(T));
        long product = CheckedProduct(shape, nameof(shape));
        if (product != data.LongLength)
        {
            string hint = shape.Length == 0 ? $" An empty shape means a scalar; pass the shape explicitly, e.g. Create(data, {data.LongLength}) for a vector." : "";
            throw new ArgumentException(
                $"Shape {FormatShape(shape)} holds {product} elements but the data has {data.LongLength}.{hint}", nameof(shape));
        }

        return new HostArray(data, (long[])shape.Clone(), dtype);
    }

    /// <summary>A new array of zeros (false for bool).</summary>
    public static HostArray Zeros(DType dtype, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long product = CheckedProduct(shape, nameof(shape));
        return new HostArray(Array.CreateInstance(dtype.ClrType(), product), (long[])shape.Clone(), dtype);
    }

    /// <summary>
    /// Internal constructor for readers that produced a flat array of the right element type.
    /// </summary>
    internal static HostArray Wrap(Array data, long[] shape, DType dtype)
    {
        if (data.GetType().GetElementType() != dtype.ClrType() || data.Rank != 1)
        {
            throw new ArgumentException($"Data of type {data.GetType()} does not hold {dtype.Name()} elements.", nameof(data));
        }

        if (CheckedProduct(shape, nameof(shape)) != data.LongLength)
        {
            throw new ArgumentException($"Shape {FormatShape(shape)} does not match {data.LongLength} elements.", nameof(shape));
        }

        return new HostArray(data, shape, dtype);
    }

    /// <summary>A new NumSharp array with a copy of the data, the same shape and the matching dtype (bfloat16 becomes float32).</summary>
    public NDArray ToNDArray() => new((Array)Data.Clone(), new NumSharp.Shape((long[])_shape.Clone()));

    /// <summary>A NumSharp array that shares <see cref="Data"/> (for arrays this library just created).</summary>
    internal NDArray ToNDArrayShared() => new(Data, new NumSharp.Shape((long[])_shape.Clone()));

    /// <summary>
    /// The elements in row-major order as a new <typeparamref name="T"/>[] (converted if the dtype differs:
    /// float → integer truncates toward zero and saturates, integer → integer wraps, x → bool is x != 0).
    /// </summary>
    public T[] ToArray<T>()
        where T : unmanaged
    {
        DType target = DTypes.FromClrType(typeof(T));
        return (T[])(Data.GetType().GetElementType() == typeof(T) ? Data.Clone() : ElementConvert.Convert(Data, target));
    }

    /// <summary>
    /// The array converted to <paramref name="dtype"/> (same conversion rules as <see cref="ToArray{T}"/>).
    /// Returns this instance when the dtype already matches.
    /// </summary>
    public HostArray AsType(DType dtype)
    {
        if (dtype == DType)
        {
            return this;
        }

        return new HostArray(ElementConvert.Convert(Data, dtype), (long[])_shape.Clone(), dtype);
    }

    /// <summary>The same data (shared, not copied) viewed with another shape of the same number of elements.</summary>
    public HostArray Reshape(params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long product = CheckedProduct(shape, nameof(shape));
        if (product != Length)
        {
            throw new ArgumentException($"Cannot reshape an array of shape {FormatShape(_shape)} ({Length} elements) to {FormatShape(shape)} ({product} elements).", nameof(shape));
        }

        return new HostArray(Data, (long[])shape.Clone(), DType);
    }

    /// <summary>A copy of rows <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1 along axis 0.</summary>
    /// <exception cref="InvalidOperationException">The array is a scalar.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within axis 0.</exception>
    public HostArray Slice(long start, long count)
    {
        RequireAxis0(nameof(Slice));
        long rows = _shape[0];
        if (start < 0 || start > rows)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"Slice start {start} is outside axis 0 of size {rows}.");
        }

        if (count < 0 || count > rows - start)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Slice of {count} rows from row {start} goes past the end of axis 0 (size {rows}).");
        }

        long rowElements = RowElements();
        long[] shape = (long[])_shape.Clone();
        shape[0] = count;
        Array result = Array.CreateInstance(Data.GetType().GetElementType()!, count * rowElements);
        long rowBytes = rowElements * ElementSize;
        ArrayBytes.Copy(Data, start * rowBytes, result, 0, count * rowBytes);
        return new HostArray(result, shape, DType);
    }

    /// <summary>A copy of the rows at <paramref name="indices"/> along axis 0, in that order (rows may repeat).</summary>
    /// <exception cref="InvalidOperationException">The array is a scalar.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside axis 0.</exception>
    public HostArray Take(long[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        RequireAxis0(nameof(Take));
        long rows = _shape[0];
        for (int i = 0; i < indices.Length; i++)
        {
            if ((ulong)indices[i] >= (ulong)rows)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"indices[{i}] = {indices[i]} is outside axis 0 of size {rows}.");
            }
        }

        long rowElements = RowElements();
        long[] shape = (long[])_shape.Clone();
        shape[0] = indices.LongLength;
        Array result = Array.CreateInstance(Data.GetType().GetElementType()!, checked(indices.LongLength * rowElements));
        long rowBytes = rowElements * ElementSize;
        if (rowBytes > 0)
        {
            if (rowBytes <= int.MaxValue)
            {
                int n = (int)rowBytes;
                for (int i = 0; i < indices.Length; i++)
                {
                    ArrayBytes.Span(Data, indices[i] * rowBytes, n).CopyTo(ArrayBytes.Span(result, i * rowBytes, n));
                }
            }
            else
            {
                for (int i = 0; i < indices.Length; i++)
                {
                    ArrayBytes.Copy(Data, indices[i] * rowBytes, result, i * rowBytes, rowBytes);
                }
            }
        }

        return new HostArray(result, shape, DType);
    }

    /// <summary>For example <c>HostArray(float32, (2, 3))</c>.</summary>
    public override string ToString() => $"HostArray({DType.Name()}, {FormatShape(_shape)})";

    /// <summary>Formats a shape the way Python prints a tuple: <c>()</c>, <c>(3,)</c>, <c>(2, 3)</c>.</summary>
    internal static string FormatShape(IReadOnlyList<long> shape) => shape.Count switch
    {
        0 => "()",
        1 => $"({shape[0].ToString(CultureInfo.InvariantCulture)},)",
        _ => "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
    };

    private void RequireAxis0(string operation)
    {
        if (Rank == 0)
        {
            throw new InvalidOperationException($"{operation} works along axis 0, but this array is a scalar (shape ()).");
        }
    }

    private long RowElements()
    {
        long n = 1;
        for (int i = 1; i < _shape.Length; i++)
        {
            n *= _shape[i];
        }

        return n;
    }

    private static long CheckedProduct(long[] shape, string paramName)
    {
        long product = 1;
        foreach (long d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Shape {FormatShape(shape)} has a negative dimension.", paramName);
            }

            try
            {
                product = checked(product * d);
            }
            catch (OverflowException)
            {
                throw new ArgumentException($"Shape {FormatShape(shape)} has too many elements.", paramName);
            }
        }

        if (product > Array.MaxLength)
        {
            throw new ArgumentException($"Shape {FormatShape(shape)} has {product} elements, more than a .NET array can hold ({Array.MaxLength}).", paramName);
        }

        return product;
    }

    // ---- conversions from user values ------------------------------------------------------------------

    private static bool IsSupportedElement(Type t) =>
        t == typeof(float) || t == typeof(double) || t == typeof(Half) || t == typeof(sbyte) || t == typeof(short) ||
        t == typeof(int) || t == typeof(long) || t == typeof(byte) || t == typeof(bool);

    private static ArgumentException Unsupported(Type type, string argumentName, string? detail) =>
        new($"Argument '{argumentName}' is a {FriendlyName(type)}{detail}; expected {AcceptedTypes}.", argumentName);

    /// <summary>The C# spelling of a type: <c>float[,]</c>, <c>int[][]</c>, <c>NumSharp.NDArray</c>.</summary>
    internal static string FriendlyName(Type type)
    {
        var ranks = new StringBuilder();
        while (type.IsArray)
        {
            ranks.Append('[').Append(',', type.GetArrayRank() - 1).Append(']');
            type = type.GetElementType()!;
        }

        string name = type == typeof(float) ? "float" :
            type == typeof(double) ? "double" :
            type == typeof(sbyte) ? "sbyte" :
            type == typeof(short) ? "short" :
            type == typeof(int) ? "int" :
            type == typeof(long) ? "long" :
            type == typeof(byte) ? "byte" :
            type == typeof(bool) ? "bool" :
            type == typeof(ushort) ? "ushort" :
            type == typeof(uint) ? "uint" :
            type == typeof(ulong) ? "ulong" :
            type == typeof(decimal) ? "decimal" :
            type == typeof(char) ? "char" :
            type == typeof(string) ? "string" :
            type == typeof(object) ? "object" :
            type.FullName ?? type.Name;
        return name + ranks;
    }

    private static HostArray FromNDArray(NDArray nd, string argumentName)
    {
        DType dtype = nd.typecode switch
        {
            NPTypeCode.Single => DType.Float32,
            NPTypeCode.Double => DType.Float64,
            NPTypeCode.Half => DType.Float16,
            NPTypeCode.SByte => DType.Int8,
            NPTypeCode.Int16 => DType.Int16,
            NPTypeCode.Int32 => DType.Int32,
            NPTypeCode.Int64 => DType.Int64,
            NPTypeCode.Byte => DType.UInt8,
            NPTypeCode.Boolean => DType.Bool,
            var other => throw new ArgumentException(
                $"Argument '{argumentName}' is a NumSharp.NDArray of dtype {other}, which Keras.Net does not support; " +
                "convert it first, e.g. with .astype(NPTypeCode.Int64) or .astype(NPTypeCode.Single). " +
                "Supported dtypes: float32, float64, float16, int8, int16, int32, int64, uint8, bool.", argumentName),
        };

        long[] shape = (long[])nd.shape.Clone();
        long size = nd.size;
        if (size > Array.MaxLength)
        {
            throw new ArgumentException($"Argument '{argumentName}' has {size} elements, more than a .NET array can hold.", argumentName);
        }

        // NDArray.CopyTo copies in logical (row-major) order, honouring views, strides, offsets and broadcasting.
        Array data = dtype switch
        {
            DType.Float32 => CopyOut<float>(nd, size),
            DType.Float64 => CopyOut<double>(nd, size),
            DType.Float16 => CopyOut<Half>(nd, size),
            DType.Int8 => CopyOut<sbyte>(nd, size),
            DType.Int16 => CopyOut<short>(nd, size),
            DType.Int32 => CopyOut<int>(nd, size),
            DType.Int64 => CopyOut<long>(nd, size),
            DType.UInt8 => CopyOut<byte>(nd, size),
            _ => CopyOut<bool>(nd, size),
        };
        return new HostArray(data, shape, dtype);
    }

    private static T[] CopyOut<T>(NDArray nd, long size)
        where T : unmanaged
    {
        var data = new T[size];
        if (size > 0)
        {
            nd.CopyTo(data);
        }

        return data;
    }

    private static HostArray FromArray(Array array, string argumentName)
    {
        Type elementType = array.GetType().GetElementType()!;
        if (IsSupportedElement(elementType))
        {
            var shape = new long[array.Rank];
            for (int d = 0; d < shape.Length; d++)
            {
                shape[d] = array.GetLongLength(d);
            }

            Array data = Array.CreateInstance(elementType, array.LongLength);
            ArrayBytes.Copy(array, 0, data, 0, ArrayBytes.ByteLength(array));
            return new HostArray(data, shape, DTypes.FromClrType(elementType));
        }

        if (elementType.IsArray)
        {
            return FromJagged(array, argumentName);
        }

        throw Unsupported(array.GetType(), argumentName, null);
    }

    private static HostArray FromJagged(Array root, string argumentName)
    {
        // The shape is read along the first element of every level; every other element must then match it.
        var shape = new List<long>();
        Type type = root.GetType();
        Array? node = root;
        while (true)
        {
            int rank = type.GetArrayRank();
            for (int d = 0; d < rank; d++)
            {
                shape.Add(node?.GetLongLength(d) ?? 0);
            }

            Type element = type.GetElementType()!;
            if (!element.IsArray)
            {
                if (!IsSupportedElement(element))
                {
                    throw Unsupported(root.GetType(), argumentName, null);
                }

                type = element;
                break;
            }

            node = node is { Length: > 0 } ? FirstElement(node) as Array : null;
            type = element;
        }

        Type leafType = type;
        long[] dims = shape.ToArray();
        long total = CheckedProduct(dims, argumentName);
        Array data = Array.CreateInstance(leafType, total);
        int size = ArrayBytes.ElementSize(leafType);
        long offset = 0;
        var trail = new List<(Array Parent, long Index)>(); // the indices leading to the array being filled
        Fill(root, root.GetType(), 0);
        return new HostArray(data, dims, DTypes.FromClrType(leafType));

        void Fill(Array current, Type currentType, int level)
        {
            // `level` indexes into dims; the error path is built from `trail` only when needed.
            int rank = currentType.GetArrayRank();
            Type element = currentType.GetElementType()!;
            if (!element.IsArray)
            {
                ArrayBytes.Copy(current, 0, data, offset * size, current.LongLength * size);
                offset += current.LongLength;
                return;
            }

            long index = 0;
            foreach (object? child in current)
            {
                string Path() => argumentName + string.Concat(trail.Select(t => IndexText(t.Parent, t.Index))) + IndexText(current, index);
                if (child is not Array childArray)
                {
                    throw new ArgumentException($"Argument '{argumentName}' is a jagged array with a null row: {Path()} is null.", argumentName);
                }

                int childRank = element.GetArrayRank();
                for (int d = 0; d < childRank; d++)
                {
                    long expected = dims[level + rank + d];
                    long actual = childArray.GetLongLength(d);
                    if (actual != expected)
                    {
                        string what = childRank == 1 ? "length" : $"length along dimension {d}";
                        throw new ArgumentException(
                            $"Argument '{argumentName}' is a jagged array that is not rectangular: {Path()} has {what} {actual} " +
                            $"but the first row has {what} {expected}. Every row must have the same length.", argumentName);
                    }
                }

                trail.Add((current, index));
                Fill(childArray, element, level + rank);
                trail.RemoveAt(trail.Count - 1);
                index++;
            }
        }
    }

    private static object? FirstElement(Array array)
    {
        foreach (object? o in array)
        {
            return o;
        }

        return null;
    }

    /// <summary>"[3]" for a vector, "[1, 2]" for a multi-dimensional array, from a row-major flat index.</summary>
    private static string IndexText(Array array, long flat)
    {
        if (array.Rank == 1)
        {
            return $"[{flat}]";
        }

        var idx = new long[array.Rank];
        for (int d = array.Rank - 1; d >= 0; d--)
        {
            long len = array.GetLongLength(d);
            idx[d] = len == 0 ? 0 : flat % len;
            flat = len == 0 ? 0 : flat / len;
        }

        return "[" + string.Join(", ", idx) + "]";
    }
}
