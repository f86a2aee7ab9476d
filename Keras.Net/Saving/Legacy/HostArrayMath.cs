using Keras.Data;

namespace Keras.Saving.Legacy;

/// <summary>Small host-side array rearrangements for converting legacy weights (float32 results).</summary>
internal static class HostArrayMath
{
    private static float[] Floats(HostArray a) => a.AsType(DType.Float32).ToArray<float>();

    /// <summary>Permutes the axes (NumPy's <c>transpose(a, perm)</c>).</summary>
    public static HostArray Transpose(HostArray a, params int[] perm)
    {
        var shape = a.Shape;
        if (perm.Length != shape.Length) throw new ArgumentException($"Cannot transpose an array of shape {Shape.Format(shape)} with {perm.Length} axes.");
        var src = Floats(a);
        var outShape = perm.Select(p => shape[p]).ToArray();
        var srcStrides = Strides(shape);
        var outStrides = Strides(outShape);
        var dst = new float[src.Length];
        var index = new long[shape.Length];
        for (long o = 0; o < dst.LongLength; o++)
        {
            long rem = o, s = 0;
            for (int d = 0; d < outShape.Length; d++)
            {
                long i = rem / outStrides[d];
                rem -= i * outStrides[d];
                s += i * srcStrides[perm[d]];
            }
            dst[o] = src[s];
        }
        return HostArray.Create(dst, outShape);
    }

    /// <summary>Reverses the given axes (NumPy's <c>a[::-1, ...]</c>).</summary>
    public static HostArray Flip(HostArray a, params int[] axes)
    {
        var shape = a.Shape;
        var src = Floats(a);
        var strides = Strides(shape);
        var dst = new float[src.Length];
        for (long o = 0; o < dst.LongLength; o++)
        {
            long rem = o, s = 0;
            for (int d = 0; d < shape.Length; d++)
            {
                long i = rem / strides[d];
                rem -= i * strides[d];
                if (Array.IndexOf(axes, d) >= 0) i = shape[d] - 1 - i;
                s += i * strides[d];
            }
            dst[o] = src[s];
        }
        return HostArray.Create(dst, shape);
    }

    /// <summary>Concatenates along the last axis (all other dimensions equal).</summary>
    public static HostArray ConcatLast(IReadOnlyList<HostArray> parts)
    {
        var lead = parts[0].Shape[..^1];
        foreach (var p in parts)
        {
            if (!p.Shape[..^1].SequenceEqual(lead))
                throw new ArgumentException($"Cannot concatenate arrays of shapes {string.Join(", ", parts.Select(x => Shape.Format(x.Shape)))} on the last axis.");
        }
        long rows = lead.Aggregate(1L, (x, y) => x * y);
        var widths = parts.Select(p => p.Shape[^1]).ToArray();
        long total = widths.Sum();
        var data = parts.Select(Floats).ToArray();
        var dst = new float[rows * total];
        for (long r = 0; r < rows; r++)
        {
            long offset = r * total;
            for (int k = 0; k < parts.Count; k++)
            {
                Array.Copy(data[k], r * widths[k], dst, offset, widths[k]);
                offset += widths[k];
            }
        }
        return HostArray.Create(dst, [.. lead, total]);
    }

    /// <summary>Drops axis <paramref name="axis"/> of size 1... or takes index 0 along it (NumPy's <c>a[:, 0]</c>).</summary>
    public static HostArray TakeFirst(HostArray a, int axis)
    {
        var shape = a.Shape;
        var src = Floats(a);
        long outer = shape[..axis].Aggregate(1L, (x, y) => x * y);
        long inner = shape[(axis + 1)..].Aggregate(1L, (x, y) => x * y);
        var dst = new float[outer * inner];
        for (long o = 0; o < outer; o++) Array.Copy(src, o * shape[axis] * inner, dst, o * inner, inner);
        return HostArray.Create(dst, [.. shape[..axis], .. shape[(axis + 1)..]]);
    }

    private static long[] Strides(long[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= shape[d];
        }
        return strides;
    }
}
