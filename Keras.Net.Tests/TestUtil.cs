using Keras.Data;

namespace Keras.Net.Tests;

internal static class TestUtil
{
    /// <summary>A deterministic float array in [-1, 1).</summary>
    public static float[] RandomFloats(int n, int seed)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(r.NextDouble() * 2 - 1);
        return a;
    }

    public static float[,] RandomMatrix(int rows, int cols, int seed)
    {
        var flat = RandomFloats(rows * cols, seed);
        var m = new float[rows, cols];
        Buffer.BlockCopy(flat, 0, m, 0, flat.Length * sizeof(float));
        return m;
    }

    public static void AssertClose(float[] expected, float[] actual, double tolerance, string what = "")
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{what}: length");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.IsTrue(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"{what}: element {i}: expected {expected[i]}, got {actual[i]} (tolerance {tolerance})");
        }
    }

    public static int[] Dims(NumSharp.NDArray a) => a.shape.Select(d => (int)d).ToArray();

    public static float[] Flat(NumSharp.NDArray a) => HostArray.From(a, "a").ToArray<float>();
}
