using System.Collections;
using System.Text;

namespace Keras;

/// <summary>
/// A tensor shape as Keras writes it: a tuple of dimensions where an unknown dimension
/// (<c>None</c> in Keras, usually the batch) is <see cref="Unknown"/> (-1).
/// Immutable; compares by value.
/// </summary>
public sealed class Shape : IReadOnlyList<int>, IEquatable<Shape>
{
    /// <summary>The marker of an unknown dimension (Keras's <c>None</c>).</summary>
    public const int Unknown = -1;

    private readonly int[] _dims;

    /// <summary>Creates a shape; use <see cref="Unknown"/> (-1) for a dimension that is not known.</summary>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        foreach (var d in dims)
        {
            if (d < Unknown)
                throw new ArgumentException($"Shape dimensions must be >= 0 or -1 (unknown); got {Format(dims)}.", nameof(dims));
        }
        _dims = (int[])dims.Clone();
    }

    /// <summary>Creates a shape from 64-bit dimensions (as runtimes report them).</summary>
    public Shape(IReadOnlyList<long> dims) : this(dims.Select(d => checked((int)d)).ToArray())
    {
    }

    /// <summary>The scalar shape <c>()</c>.</summary>
    public static Shape Scalar { get; } = new();

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims.Length;

    /// <inheritdoc />
    public int Count => _dims.Length;

    /// <summary>The dimension at <paramref name="index"/>; negative indices count from the end.</summary>
    public int this[int index] => _dims[index < 0 ? index + _dims.Length : index];

    /// <summary>True when every dimension is known.</summary>
    public bool IsFullyDefined => Array.TrueForAll(_dims, d => d != Unknown);

    /// <summary>Number of elements; throws when a dimension is unknown.</summary>
    public long Size
    {
        get
        {
            long n = 1;
            foreach (var d in _dims)
            {
                if (d == Unknown)
                    throw new InvalidOperationException($"Shape {this} has an unknown dimension; its size is not defined.");
                n = checked(n * d);
            }
            return n;
        }
    }

    /// <summary>The dimensions as an array (a copy).</summary>
    public int[] ToArray() => (int[])_dims.Clone();

    /// <summary>The dimensions as 64-bit integers (as runtimes take them).</summary>
    public long[] ToLongArray() => Array.ConvertAll(_dims, d => (long)d);

    /// <summary>This shape with <paramref name="batch"/> prepended (Keras's <c>(None,) + shape</c>).</summary>
    public Shape WithBatch(int batch = Unknown) => new(_dims.Prepend(batch).ToArray());

    /// <summary>This shape without its first (batch) dimension.</summary>
    public Shape WithoutBatch() => Rank == 0
        ? throw new InvalidOperationException("A scalar shape has no batch dimension.")
        : new Shape(_dims[1..]);

    /// <summary>This shape with dimension <paramref name="axis"/> replaced.</summary>
    public Shape With(int axis, int value)
    {
        var dims = ToArray();
        dims[axis < 0 ? axis + dims.Length : axis] = value;
        return new Shape(dims);
    }

    /// <summary>The dimensions from <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive).</summary>
    public Shape Slice(int start, int? end = null)
    {
        var e = end ?? Rank;
        if (start < 0) start += Rank;
        if (e < 0) e += Rank;
        return new Shape(_dims[start..e]);
    }

    /// <summary>Concatenates two shapes.</summary>
    public Shape Concat(Shape other) => new(_dims.Concat(other._dims).ToArray());

    /// <summary>True when <paramref name="other"/> can describe the same tensors (unknown dims match anything).</summary>
    public bool IsCompatibleWith(Shape other)
    {
        if (other.Rank != Rank) return false;
        for (int i = 0; i < Rank; i++)
        {
            if (_dims[i] != Unknown && other._dims[i] != Unknown && _dims[i] != other._dims[i]) return false;
        }
        return true;
    }

    /// <inheritdoc />
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)_dims).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _dims.GetEnumerator();

    /// <inheritdoc />
    public bool Equals(Shape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in _dims) h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>Keras's notation: <c>(None, 784)</c>, <c>(10,)</c>, <c>()</c>.</summary>
    public override string ToString() => Format(_dims);

    internal static string Format(IReadOnlyList<int> dims)
    {
        var sb = new StringBuilder("(");
        for (int i = 0; i < dims.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(dims[i] == Unknown ? "None" : dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (dims.Count == 1) sb.Append(',');
        return sb.Append(')').ToString();
    }

    internal static string Format(IReadOnlyList<long> dims) => Format(dims.Select(d => (int)d).ToArray());

    public static bool operator ==(Shape? a, Shape? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(Shape? a, Shape? b) => !(a == b);

    public static implicit operator Shape(int dim) => new(dim);

    public static implicit operator Shape(int[] dims) => new(dims);

    public static implicit operator Shape((int, int) dims) => new(dims.Item1, dims.Item2);

    public static implicit operator Shape((int, int, int) dims) => new(dims.Item1, dims.Item2, dims.Item3);

    public static implicit operator Shape((int, int, int, int) dims) => new(dims.Item1, dims.Item2, dims.Item3, dims.Item4);
}
