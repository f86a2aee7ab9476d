using Keras.Data;

namespace Keras.Trainers;

/// <summary>Joins per-batch host results into one array along the sample axis.</summary>
internal static class BatchCollector
{
    public static HostArray ConcatenateRows(IReadOnlyList<HostArray> parts)
    {
        if (parts.Count == 1) return parts[0];
        var first = parts[0];
        var rowShape = first.Shape[1..];
        long rows = 0;
        foreach (var p in parts)
        {
            if (p.DType != first.DType || !p.Shape[1..].AsSpan().SequenceEqual(rowShape))
                throw new InvalidOperationException("Batches of one output have different dtypes or shapes; cannot join them.");
            rows += p.Shape[0];
        }
        var data = Array.CreateInstance(first.Data.GetType().GetElementType()!, parts.Sum(p => p.Length));
        long offset = 0;
        int itemSize = Buffer.ByteLength(first.Data) / Math.Max(1, first.Data.Length);
        foreach (var p in parts)
        {
            Buffer.BlockCopy(p.Data, 0, data, (int)(offset * itemSize), Buffer.ByteLength(p.Data));
            offset += p.Length;
        }
        long[] shape = [rows, .. rowShape];
        return data switch
        {
            float[] a => HostArray.Create(a, shape),
            double[] a => HostArray.Create(a, shape),
            int[] a => HostArray.Create(a, shape),
            long[] a => HostArray.Create(a, shape),
            byte[] a => HostArray.Create(a, shape),
            bool[] a => HostArray.Create(a, shape),
            short[] a => HostArray.Create(a, shape),
            sbyte[] a => HostArray.Create(a, shape),
            Half[] a => HostArray.Create(a, shape),
            _ => throw new InvalidOperationException($"Unsupported element type {data.GetType().Name}."),
        };
    }
}
