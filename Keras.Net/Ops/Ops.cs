using Keras.Backend;
using Keras.Data;

namespace Keras;

/// <summary>
/// Runtime-neutral tensor operations (Keras's <c>keras.ops</c>). Layers, losses, metrics and
/// optimizers are written against these; each call goes to the current <see cref="IBackend"/>.
/// Negative axes count from the end, as in Keras.
/// </summary>
public static partial class Ops
{
    private static IBackend B => KerasBackend.Current;

    // ---- creation ----

    /// <summary>Converts an array-like (NDArray, .NET array, HostArray, Tensor) to a tensor (Keras's <c>convert_to_tensor</c>).</summary>
    public static Tensor ConvertToTensor(object value, DType? dtype = null, string argumentName = "value") => value switch
    {
        Tensor t when dtype is null || t.DType == dtype => t,
        Tensor t => Cast(t, dtype.Value),
        Variable v => dtype is null || v.DType == dtype ? v.Value : Cast(v.Value, dtype.Value),
        float f => Scalar(f, dtype ?? DType.Float32),
        double d => Scalar(d, dtype ?? DType.Float32),
        int i => Scalar(i, dtype ?? DType.Int32),
        long l => Scalar(l, dtype ?? DType.Int64),
        _ => B.FromHost(HostArray.From(value, argumentName), dtype),
    };

    /// <summary>A tensor from a host array.</summary>
    public static Tensor FromHost(HostArray array, DType? dtype = null) => B.FromHost(array, dtype);

    /// <summary>A tensor holding <paramref name="data"/> with the given shape.</summary>
    public static Tensor Constant(float[] data, Shape shape) => B.FromHost(HostArray.Create(data, shape.ToLongArray()));

    /// <summary>A scalar tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => B.Full(Shape.Scalar, value, dtype);

    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32) => B.Full(shape, 0, dtype);

    public static Tensor Ones(Shape shape, DType dtype = DType.Float32) => B.Full(shape, 1, dtype);

    public static Tensor Full(Shape shape, double value, DType dtype = DType.Float32) => B.Full(shape, value, dtype);

    public static Tensor ZerosLike(Tensor x) => B.Full(x.Shape, 0, x.DType);

    public static Tensor OnesLike(Tensor x) => B.Full(x.Shape, 1, x.DType);

    public static Tensor Arange(long stop, DType dtype = DType.Int64) => B.Arange(0, stop, 1, dtype);

    public static Tensor Cast(Tensor x, DType dtype) => x.DType == dtype ? x : B.Cast(x, dtype);

    // ---- elementwise ----

    public static Tensor Add(Tensor a, Tensor b) => B.Add(a, b);
    public static Tensor Add(Tensor a, double b) => B.Add(a, b);
    public static Tensor Subtract(Tensor a, Tensor b) => B.Subtract(a, b);
    public static Tensor Multiply(Tensor a, Tensor b) => B.Multiply(a, b);
    public static Tensor Multiply(Tensor a, double b) => B.Multiply(a, b);
    public static Tensor Divide(Tensor a, Tensor b) => B.Divide(a, b);
    public static Tensor Power(Tensor a, double exponent) => B.Power(a, exponent);
    public static Tensor Maximum(Tensor a, Tensor b) => B.Maximum(a, b);
    public static Tensor Minimum(Tensor a, Tensor b) => B.Minimum(a, b);
    public static Tensor Clip(Tensor x, double min, double max) => B.Clip(x, min, max);
    public static Tensor Negative(Tensor x) => B.Negative(x);
    public static Tensor Abs(Tensor x) => B.Abs(x);
    public static Tensor Sign(Tensor x) => B.Sign(x);
    public static Tensor Square(Tensor x) => B.Square(x);
    public static Tensor Sqrt(Tensor x) => B.Sqrt(x);
    public static Tensor Exp(Tensor x) => B.Exp(x);
    public static Tensor Log(Tensor x) => B.Log(x);
    public static Tensor Log1p(Tensor x) => B.Log1p(x);
    public static Tensor Tanh(Tensor x) => B.Tanh(x);
    public static Tensor Floor(Tensor x) => B.Floor(x);
    public static Tensor Round(Tensor x) => B.Round(x);
    public static Tensor Equal(Tensor a, Tensor b) => B.Equal(a, b);
    public static Tensor Greater(Tensor a, Tensor b) => B.Greater(a, b);
    public static Tensor GreaterEqual(Tensor a, Tensor b) => B.GreaterEqual(a, b);
    public static Tensor Less(Tensor a, Tensor b) => B.Less(a, b);
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => B.Where(condition, a, b);

    // ---- neural-network functions (keras.ops.nn) ----

    public static Tensor Relu(Tensor x) => B.Relu(x);
    public static Tensor Relu6(Tensor x) => B.Relu6(x);
    public static Tensor LeakyRelu(Tensor x, double negativeSlope = 0.2) => B.LeakyRelu(x, negativeSlope);
    public static Tensor Elu(Tensor x, double alpha = 1.0) => B.Elu(x, alpha);
    public static Tensor Selu(Tensor x) => B.Selu(x);
    public static Tensor Gelu(Tensor x, bool approximate = true) => B.Gelu(x, approximate);
    public static Tensor Sigmoid(Tensor x) => B.Sigmoid(x);
    public static Tensor HardSigmoid(Tensor x) => B.HardSigmoid(x);
    public static Tensor Silu(Tensor x) => B.Silu(x);
    public static Tensor Mish(Tensor x) => B.Mish(x);
    public static Tensor Softplus(Tensor x) => B.Softplus(x);
    public static Tensor Softsign(Tensor x) => B.Softsign(x);
    public static Tensor Softmax(Tensor x, int axis = -1) => B.Softmax(x, Axis(x, axis));
    public static Tensor LogSoftmax(Tensor x, int axis = -1) => B.LogSoftmax(x, Axis(x, axis));
    public static Tensor LogSumExp(Tensor x, int[] axes, bool keepDims = false) => B.LogSumExp(x, Axes(x, axes)!, keepDims);

    /// <summary>Zeroes each element with probability <paramref name="rate"/> and scales the rest by 1/(1-rate).</summary>
    public static Tensor Dropout(Tensor x, double rate, long seed) => B.Dropout(x, rate, seed);

    // ---- linear algebra and reductions ----

    public static Tensor MatMul(Tensor a, Tensor b) => B.MatMul(a, b);

    /// <summary><c>x @ kernel + bias</c> (bias optional), the affine map of a Dense layer.</summary>
    public static Tensor Dense(Tensor x, Tensor kernel, Tensor? bias = null) => B.Dense(x, kernel, bias);

    public static Tensor Sum(Tensor x, int[]? axes = null, bool keepDims = false) => B.Sum(x, Axes(x, axes), keepDims);
    public static Tensor Sum(Tensor x, int axis, bool keepDims = false) => B.Sum(x, [Axis(x, axis)], keepDims);
    public static Tensor Mean(Tensor x, int[]? axes = null, bool keepDims = false) => B.Mean(x, Axes(x, axes), keepDims);
    public static Tensor Mean(Tensor x, int axis, bool keepDims = false) => B.Mean(x, [Axis(x, axis)], keepDims);
    public static Tensor Max(Tensor x, int[]? axes = null, bool keepDims = false) => B.Max(x, Axes(x, axes), keepDims);
    public static Tensor Max(Tensor x, int axis, bool keepDims = false) => B.Max(x, [Axis(x, axis)], keepDims);
    public static Tensor Min(Tensor x, int[]? axes = null, bool keepDims = false) => B.Min(x, Axes(x, axes), keepDims);
    public static Tensor ArgMax(Tensor x, int axis = -1, bool keepDims = false) => B.ArgMax(x, Axis(x, axis), keepDims);

    /// <summary>Whether each target class index is among the <paramref name="k"/> highest predictions (bool).</summary>
    public static Tensor InTopK(Tensor targets, Tensor predictions, int k) => B.TopKContains(predictions, targets, k);

    // ---- shapes and indexing ----

    /// <summary>Reshapes; one dimension may be -1 (inferred).</summary>
    public static Tensor Reshape(Tensor x, params long[] shape) => B.Reshape(x, shape);

    public static Tensor Transpose(Tensor x, params int[] permutation)
    {
        if (permutation.Length == 0) permutation = Enumerable.Range(0, x.Rank).Reverse().ToArray();
        return B.Transpose(x, Array.ConvertAll(permutation, a => Axis(x, a)));
    }

    public static Tensor ExpandDims(Tensor x, int axis) => B.ExpandDims(x, axis < 0 ? axis + x.Rank + 1 : axis);
    public static Tensor Squeeze(Tensor x, int axis) => B.Squeeze(x, Axis(x, axis));
    public static Tensor Concatenate(IReadOnlyList<Tensor> xs, int axis = -1) => B.Concatenate(xs, Axis(xs[0], axis));
    public static Tensor Stack(IReadOnlyList<Tensor> xs, int axis = 0) => B.Stack(xs, axis < 0 ? axis + xs[0].Rank + 1 : axis);

    /// <summary><paramref name="length"/> entries of <paramref name="x"/> along <paramref name="axis"/> from <paramref name="start"/>.</summary>
    public static Tensor Slice(Tensor x, int axis, long start, long length) => B.Slice(x, Axis(x, axis), start, length);

    /// <summary>Entries of <paramref name="x"/> along <paramref name="axis"/> at the int64 <paramref name="indices"/>.</summary>
    public static Tensor Take(Tensor x, Tensor indices, int axis = 0) => B.Take(x, indices, Axis(x, axis));

    public static Tensor OneHot(Tensor indices, int numClasses, DType dtype = DType.Float32) => B.OneHot(indices, numClasses, dtype);

    public static Tensor BroadcastTo(Tensor x, Shape shape) => B.BroadcastTo(x, shape.ToLongArray());

    // ---- random (explicit seeds keep runs repeatable; see SeedGenerator) ----

    public static Tensor RandomUniform(Shape shape, double minval, double maxval, long seed, DType dtype = DType.Float32) =>
        B.RandomUniform(shape, minval, maxval, dtype, seed);

    public static Tensor RandomNormal(Shape shape, double mean, double stddev, long seed, DType dtype = DType.Float32) =>
        B.RandomNormal(shape, mean, stddev, dtype, seed);

    /// <summary>
    /// Normal values truncated to <c>mean ± 2 stddev</c> (Keras's <c>random.truncated_normal</c>): draws
    /// outside the bounds are redrawn until none is left. Built on seeded normal draws, so the seed
    /// decides the values on every backend.
    /// </summary>
    public static Tensor TruncatedNormal(Shape shape, double mean, double stddev, long seed, DType dtype = DType.Float32)
    {
        using var scope = Scope();
        var work = dtype == DType.Float64 ? DType.Float64 : DType.Float32;
        var z = RandomNormal(shape, 0.0, 1.0, seed, work);
        if (shape.Size > 0)
        {
            var bound = Scalar(2.0, work);
            // Each round leaves a draw outside with probability 0.0455, so a few rounds suffice.
            for (long round = 1; ; round++)
            {
                var outside = Greater(Abs(z), bound);
                if (Max(Cast(outside, DType.Float32)).Item() == 0) break;
                if (round > 64)
                {
                    z = Clip(z, -2.0, 2.0);
                    break;
                }
                z = Where(outside, RandomNormal(shape, 0.0, 1.0, SeedGenerator.Mix(seed, round), work), z);
            }
        }
        return scope.Keep(Cast(Add(Multiply(z, stddev), mean), dtype));
    }

    // ---- autodiff and memory ----

    /// <summary>Blocks gradients through <paramref name="x"/>.</summary>
    public static Tensor StopGradient(Tensor x) => B.StopGradient(x);

    /// <summary>Disables gradient recording until disposed (inference, metric updates, weight updates).</summary>
    public static IDisposable NoGrad() => B.NoGrad();

    /// <summary>
    /// Opens a scope that frees every tensor created inside it when disposed, except those passed to
    /// <see cref="ITensorScope.Keep"/>. <c>Fit</c>/<c>Predict</c> use one per batch.
    /// </summary>
    /// <remarks>A scope belongs to the thread that opened it (the runtime tracks scopes per thread): open
    /// and dispose it on one thread, with no <c>await</c> in between. In async code, put the tensor work in
    /// a synchronous method that opens its own scope, as <c>Predict</c> does.</remarks>
    public static ITensorScope Scope() => B.NewScope();

    // ---- helpers ----

    /// <summary>Normalises a possibly negative axis for a tensor of <paramref name="x"/>'s rank.</summary>
    public static int Axis(Tensor x, int axis) => NormalizeAxis(axis, x.Rank);

    internal static int NormalizeAxis(int axis, int rank)
    {
        var a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1))
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for a tensor of rank {rank}.");
        return a;
    }

    private static int[]? Axes(Tensor x, int[]? axes) => axes?.Select(a => Axis(x, a)).ToArray();
}
