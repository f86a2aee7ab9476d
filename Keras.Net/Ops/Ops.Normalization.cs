namespace Keras;

public static partial class Ops
{
    /// <summary>
    /// Mean and variance of <paramref name="x"/> over <paramref name="axes"/> (Keras's <c>ops.moments</c>).
    /// As Keras's torch backend, the variance is <c>E[x²] − E[x]²</c> (biased); float16 inputs are
    /// reduced in float32 and the results cast back.
    /// </summary>
    public static (Tensor Mean, Tensor Variance) Moments(Tensor x, int[] axes, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(axes);
        var ax = Axes(x, axes)!;
        var original = x.DType;
        bool half = original is DType.Float16 or DType.BFloat16;
        if (half) x = Cast(x, DType.Float32);
        var mean = Mean(x, ax, keepDims: true);
        var variance = Subtract(Mean(Square(x), ax, keepDims: true), Square(mean));
        if (!keepDims)
        {
            foreach (var a in ax.Distinct().OrderDescending())
            {
                mean = Squeeze(mean, a);
                variance = Squeeze(variance, a);
            }
        }
        if (half)
        {
            mean = Cast(Clip(mean, -65504.0, 65504.0), original);
            variance = Cast(Clip(variance, -65504.0, 65504.0), original);
        }
        return (mean, variance);
    }

    /// <summary>
    /// Normalizes <paramref name="x"/> with the given per-channel statistics (Keras's
    /// <c>ops.batch_normalization</c>): <c>(x − mean) · (rsqrt(variance + ε) · scale) + offset</c>, where
    /// the 1-D <paramref name="mean"/>, <paramref name="variance"/>, <paramref name="scale"/> and
    /// <paramref name="offset"/> run along <paramref name="axis"/>.
    /// </summary>
    public static Tensor BatchNormalization(Tensor x, Tensor mean, Tensor variance, int axis, Tensor? offset = null, Tensor? scale = null, double epsilon = 1e-3)
    {
        var a = Axis(x, axis);
        var shape = Enumerable.Repeat(1L, x.Rank).ToArray();
        shape[a] = mean.Shape.Size;
        var inv = Power(Add(Reshape(variance, shape), epsilon), -0.5);
        if (scale is not null) inv = Multiply(inv, Reshape(scale, shape));
        var y = Multiply(Subtract(x, Reshape(mean, shape)), inv);
        return offset is null ? y : Add(y, Reshape(offset, shape));
    }

    /// <summary>
    /// Layer normalization over <paramref name="axes"/> (Keras's <c>ops.layer_normalization</c>):
    /// <c>(x − mean) / sqrt(var + ε) · gamma + beta</c>. Trailing axes use the backend's fused kernel,
    /// as Keras's torch backend does. With <paramref name="rmsScaling"/> (Keras's deprecated option) the
    /// input is scaled by <c>rsqrt(var + ε)</c> without centering, then by gamma.
    /// </summary>
    public static Tensor LayerNormalization(Tensor x, Tensor? gamma, Tensor? beta, int[] axes, double epsilon = 1e-3, bool rmsScaling = false)
    {
        ArgumentNullException.ThrowIfNull(axes);
        var original = x.DType;
        if (original is DType.Float16 or DType.BFloat16) x = Cast(x, DType.Float32);
        var ax = Axes(x, axes)!.Distinct().Order().ToArray();
        int rank = x.Rank;
        var broadcast = Enumerable.Repeat(1L, rank).ToArray();
        foreach (var a in ax) broadcast[a] = x.Shape[a];
        bool lastOnly = ax is [var only] && only == rank - 1;
        Tensor? Broadcast(Tensor? v) => v is null ? null
            : Cast(v.Rank != rank && !lastOnly ? Reshape(v, broadcast) : v, x.DType);

        Tensor outputs;
        bool trailing = ax.Length > 0 && ax[^1] == rank - 1 && ax.Select((a, i) => a - i).Distinct().Count() == 1;
        if (rmsScaling)
        {
            var mean = Mean(x, ax, keepDims: true);
            var variance = Mean(Square(Subtract(x, mean)), ax, keepDims: true);
            outputs = Multiply(x, Power(Add(variance, epsilon), -0.5));
            if (Broadcast(gamma) is { } g) outputs = Multiply(outputs, g);
        }
        else if (trailing)
        {
            var normalized = ax.Select(a => (long)x.Shape[a]).ToArray();
            outputs = B.LayerNormalization(x, normalized, gamma is null ? null : Cast(Reshape(gamma, normalized), x.DType),
                beta is null ? null : Cast(Reshape(beta, normalized), x.DType), epsilon);
        }
        else
        {
            var (mean, variance) = Moments(x, ax, keepDims: true);
            var inv = Power(Add(variance, epsilon), -0.5);
            if (Broadcast(gamma) is { } g) inv = Multiply(inv, g);
            var res = Multiply(Negative(mean), inv);
            if (Broadcast(beta) is { } b) res = Add(res, b);
            outputs = Add(Multiply(x, inv), res);
        }
        return Cast(outputs, original);
    }

    /// <summary>
    /// Root-mean-square normalization over <paramref name="axes"/> (Keras's <c>ops.rms_normalization</c>):
    /// <c>x · rsqrt(mean(x²) + ε) · scale</c>.
    /// </summary>
    public static Tensor RmsNormalization(Tensor x, Tensor? scale, int[] axes, double epsilon = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(axes);
        var original = x.DType;
        if (original is DType.Float16 or DType.BFloat16) x = Cast(x, DType.Float32);
        var ax = Axes(x, axes)!.Distinct().Order().ToArray();
        int rank = x.Rank;
        var outputs = Multiply(x, Power(Add(Mean(Square(x), ax, keepDims: true), epsilon), -0.5));
        if (scale is not null)
        {
            var s = Cast(scale, x.DType);
            bool trailing = ax.Length > 0 && ax[^1] == rank - 1 && ax.Select((a, i) => a - i).Distinct().Count() == 1;
            if (!trailing)
            {
                var broadcast = Enumerable.Repeat(1L, rank).ToArray();
                foreach (var a in ax) broadcast[a] = x.Shape[a];
                s = Reshape(s, broadcast);
            }
            else
            {
                s = Reshape(s, ax.Select(a => (long)x.Shape[a]).ToArray());
            }
            outputs = Multiply(outputs, s);
        }
        return Cast(outputs, original);
    }
}
