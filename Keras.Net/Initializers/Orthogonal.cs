using System.Text.Json.Nodes;
using Keras.Data;

namespace Keras.Initializers;

/// <summary>
/// A random orthogonal matrix times <c>gain</c> (Keras's <c>Orthogonal</c>): the Q factor of the QR
/// decomposition of a normal matrix, with signs fixed so that R's diagonal is positive. Weights of
/// rank above 2 are treated as (prod(shape[:-1]), shape[-1]) matrices.
/// </summary>
public sealed class Orthogonal(double gain = 1.0, int? seed = null) : RandomInitializer(seed)
{
    /// <summary>The multiplicative factor.</summary>
    public double Gain { get; } = gain;

    /// <summary>The class name Keras 3 writes in configs (<c>OrthogonalInitializer</c> is read as an alias).</summary>
    public override string ClassName => "Orthogonal";

    /// <inheritdoc />
    public override Tensor Call(Shape shape, DType dtype = DType.Float32)
    {
        if (shape.Rank < 2)
            throw new ArgumentException($"Orthogonal initializer needs a shape of rank >= 2; got {shape}.", nameof(shape));
        int cols = shape[^1];
        long rowsL = shape.Size / cols;
        int rows = checked((int)rowsL);
        // Orthonormalise the columns of an (m, n) matrix with m >= n; transpose when rows < cols.
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        double[] a;
        using (var normal = Ops.RandomNormal(new Shape(m, n), 0.0, 1.0, NextSeed(), DType.Float64))
            a = normal.ToArray<double>();
        GramSchmidt(a, m, n);
        var q = new double[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
                q[i * cols + j] = Gain * (rows >= cols ? a[i * n + j] : a[j * n + i]);
        }
        return Ops.FromHost(HostArray.Create(q, shape.ToLongArray()), dtype);
    }

    // Modified Gram-Schmidt on the columns of a row-major (m, n) matrix, in place. It yields the
    // Q of the QR factorisation whose R has a positive diagonal, which is what Keras computes.
    private static void GramSchmidt(double[] a, int m, int n)
    {
        for (int j = 0; j < n; j++)
        {
            for (int k = 0; k < j; k++)
            {
                double dot = 0;
                for (int i = 0; i < m; i++) dot += a[i * n + j] * a[i * n + k];
                for (int i = 0; i < m; i++) a[i * n + j] -= dot * a[i * n + k];
            }
            double norm = 0;
            for (int i = 0; i < m; i++) norm += a[i * n + j] * a[i * n + j];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < m; i++) a[i * n + j] /= norm;
        }
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new() { ["gain"] = Gain, ["seed"] = Seed };
}

/// <summary>The identity matrix times <c>gain</c> (2-D shapes only; rectangular allowed).</summary>
public sealed class Identity(double gain = 1.0) : Initializer
{
    /// <summary>The multiplicative factor.</summary>
    public double Gain { get; } = gain;

    /// <inheritdoc />
    public override Tensor Call(Shape shape, DType dtype = DType.Float32)
    {
        if (shape.Rank != 2)
            throw new ArgumentException($"Identity initializer needs a 2-D shape; got {shape}.", nameof(shape));
        var v = new double[shape[0] * shape[1]];
        for (int i = 0; i < Math.Min(shape[0], shape[1]); i++) v[i * shape[1] + i] = Gain;
        return Ops.FromHost(HostArray.Create(v, shape.ToLongArray()), dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new() { ["gain"] = Gain };
}
