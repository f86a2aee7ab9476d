using System.Text.Json.Nodes;

namespace Keras.Losses;

/// <summary>
/// The base of losses (Keras's <c>keras.losses.Loss</c>): <see cref="Call"/> computes per-sample
/// values; <see cref="Compute"/> applies sample weights and the reduction
/// (<c>sum_over_batch_size</c> by default, <c>sum</c>, <c>mean</c> or <c>none</c>). Strings convert
/// implicitly (<c>"mse"</c>, <c>"categorical_crossentropy"</c>, …).
/// </summary>
public abstract class Loss
{
    /// <summary>Sets the name and reduction.</summary>
    protected Loss(string name, string reduction = "sum_over_batch_size")
    {
        if (reduction is not ("sum_over_batch_size" or "sum" or "mean" or "none" or "mean_with_sample_weight"))
            throw new ArgumentException($"{GetType().Name}: reduction must be sum_over_batch_size, sum, mean, mean_with_sample_weight or none; got '{reduction}'.", nameof(reduction));
        Name = name;
        Reduction = reduction;
    }

    /// <summary>The loss's name (used in logs).</summary>
    public string Name { get; }

    /// <summary>How per-sample values are reduced.</summary>
    public string Reduction { get; }

    /// <summary>Per-sample loss values (the last axis reduced).</summary>
    public abstract Tensor Call(Tensor yTrue, Tensor yPred);

    /// <summary>
    /// The reduced loss (Keras's <c>Loss.__call__</c>): the per-sample values of <see cref="Call"/>,
    /// weighted by <paramref name="sampleWeight"/> (if any) and by the Keras mask of the predictions or
    /// of the values (e.g. <c>ignoreClass</c>), then reduced. With a mask, <c>sum_over_batch_size</c> and
    /// <c>mean</c> average over the unmasked entries only, as Keras does.
    /// </summary>
    public Tensor Compute(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        var inMask = yPred.KerasMask;
        var values = Call(yTrue, yPred);
        var outMask = values.KerasMask;
        Tensor? mask = inMask is null ? outMask
            : outMask is null ? inMask
            : Ops.Multiply(Ops.Cast(inMask, values.DType), Ops.Cast(outMask, values.DType));
        return LossUtils.ReduceWeightedValues(values, sampleWeight, mask, Reduction);
    }

    /// <summary>The constructor arguments, as Keras records them.</summary>
    public virtual JsonObject GetConfig() => new() { ["name"] = Name, ["reduction"] = Reduction };

    public static implicit operator Loss(string name) => Get(name);

    /// <summary>
    /// A loss with Keras's defaults by its Keras name, class name or alias (Keras's <c>losses.get</c>):
    /// mse, mae, mape, msle, huber, log_cosh/logcosh, kld/kl_divergence, poisson, cosine_similarity, hinge,
    /// squared_hinge, categorical_hinge, bce/binary_crossentropy, categorical_crossentropy,
    /// sparse_categorical_crossentropy, binary_focal_crossentropy, categorical_focal_crossentropy, dice, tversky.
    /// </summary>
    public static Loss Get(string name) => name switch
    {
        "mse" or "MSE" or "mean_squared_error" or "MeanSquaredError" => new MeanSquaredError(),
        "mae" or "MAE" or "mean_absolute_error" or "MeanAbsoluteError" => new MeanAbsoluteError(),
        "mape" or "MAPE" or "mean_absolute_percentage_error" or "MeanAbsolutePercentageError" => new MeanAbsolutePercentageError(),
        "msle" or "MSLE" or "mean_squared_logarithmic_error" or "MeanSquaredLogarithmicError" => new MeanSquaredLogarithmicError(),
        "huber" or "huber_loss" or "Huber" => new Huber(),
        "log_cosh" or "logcosh" or "LogCosh" => new LogCosh(),
        "kld" or "KLD" or "kl_divergence" or "kullback_leibler_divergence" or "KLDivergence" => new KLDivergence(),
        "poisson" or "Poisson" => new Poisson(),
        "cosine_similarity" or "CosineSimilarity" => new CosineSimilarity(),
        "hinge" or "Hinge" => new Hinge(),
        "squared_hinge" or "SquaredHinge" => new SquaredHinge(),
        "categorical_hinge" or "CategoricalHinge" => new CategoricalHinge(),
        "bce" or "BCE" or "binary_crossentropy" or "BinaryCrossentropy" => new BinaryCrossentropy(),
        "categorical_crossentropy" or "CategoricalCrossentropy" => new CategoricalCrossentropy(),
        "sparse_categorical_crossentropy" or "SparseCategoricalCrossentropy" => new SparseCategoricalCrossentropy(),
        "binary_focal_crossentropy" or "BinaryFocalCrossentropy" => new BinaryFocalCrossentropy(),
        "categorical_focal_crossentropy" or "CategoricalFocalCrossentropy" => new CategoricalFocalCrossentropy(),
        "dice" or "Dice" => new Dice(),
        "tversky" or "Tversky" => new Tversky(),
        _ => throw new ArgumentException(
            $"Unknown loss '{name}'. Known: mse, mae, mape, msle, huber, log_cosh, kld, kl_divergence, poisson, cosine_similarity, hinge, " +
            "squared_hinge, categorical_hinge, bce, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy, " +
            "binary_focal_crossentropy, categorical_focal_crossentropy, dice, tversky (or their Keras class names).", nameof(name)),
    };

    /// <summary>
    /// A built-in loss from its Keras class name (or alias) and <c>get_config()</c> dictionary (Keras's
    /// <c>Loss.from_config</c>); missing keys take Keras's defaults. <c>reduction</c> <c>"auto"</c> (Keras 2) and
    /// null mean <c>sum_over_batch_size</c> and <c>none</c>.
    /// </summary>
    public static Loss FromConfig(string className, JsonObject? config)
    {
        var probe = Get(className); // validates the name and gives the class
        if (config is null || config.Count == 0) return probe;
        var c = new Saving.ConfigReader(config, className);
        var reduction = config.TryGetPropertyValue("reduction", out var r) && r is null ? "none" : c.String("reduction") ?? "sum_over_batch_size";
        if (reduction == "auto") reduction = "sum_over_batch_size";
        var name = c.String("name") ?? probe.Name;
        int[]? Axes()
        {
            var node = c.Node("axis");
            if (node is null) return null;
            if (node is JsonValue) return [c.Int("axis", -1)];
            return c.Ints("axis");
        }
        return probe switch
        {
            MeanSquaredError => new MeanSquaredError(reduction, name),
            MeanAbsoluteError => new MeanAbsoluteError(reduction, name),
            MeanAbsolutePercentageError => new MeanAbsolutePercentageError(reduction, name),
            MeanSquaredLogarithmicError => new MeanSquaredLogarithmicError(reduction, name),
            Huber => new Huber(c.Double("delta", 1.0), reduction, name),
            LogCosh => new LogCosh(reduction, name),
            KLDivergence => new KLDivergence(reduction, name),
            Poisson => new Poisson(reduction, name),
            CosineSimilarity => new CosineSimilarity(c.Int("axis", -1), reduction, name),
            Hinge => new Hinge(reduction, name),
            SquaredHinge => new SquaredHinge(reduction, name),
            CategoricalHinge => new CategoricalHinge(reduction, name),
            BinaryCrossentropy => new BinaryCrossentropy(c.Bool("from_logits", false), c.Double("label_smoothing", 0), c.Int("axis", -1), reduction, name),
            CategoricalCrossentropy => new CategoricalCrossentropy(c.Bool("from_logits", false), c.Double("label_smoothing", 0), c.Int("axis", -1), reduction, name),
            SparseCategoricalCrossentropy => new SparseCategoricalCrossentropy(c.Bool("from_logits", false), c.IntOrNull("ignore_class"), c.Int("axis", -1), reduction, name),
            BinaryFocalCrossentropy => new BinaryFocalCrossentropy(c.Bool("apply_class_balancing", false), c.Double("alpha", 0.25), c.Double("gamma", 2.0),
                c.Bool("from_logits", false), c.Double("label_smoothing", 0), c.Int("axis", -1), reduction, name),
            CategoricalFocalCrossentropy => c.Node("alpha") is JsonArray alphas
                ? new CategoricalFocalCrossentropy(alphas.Select(a => a!.GetValue<double>()).ToArray(), c.Double("gamma", 2.0), c.Bool("from_logits", false),
                    c.Double("label_smoothing", 0), c.Int("axis", -1), reduction, name)
                : new CategoricalFocalCrossentropy(c.Double("alpha", 0.25), c.Double("gamma", 2.0), c.Bool("from_logits", false),
                    c.Double("label_smoothing", 0), c.Int("axis", -1), reduction, name),
            Dice => new Dice(reduction, name, Axes()),
            Tversky => new Tversky(c.Double("alpha", 0.5), c.Double("beta", 0.5), reduction, name, Axes()),
            _ => throw new ArgumentException($"Loss '{className}' cannot be built from a config.", nameof(className)),
        };
    }

    /// <summary>Keras's fuzz factor (<c>keras.config.epsilon()</c>).</summary>
    protected const double Epsilon = 1e-7;
}

/// <summary>A loss from a C# function of (yTrue, yPred) returning per-sample values.</summary>
public sealed class LossFunctionWrapper(Func<Tensor, Tensor, Tensor> fn, string name = "custom_loss", string reduction = "sum_over_batch_size")
    : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        // Keras's LossFunctionWrapper aligns ranks before calling the function.
        var (t, p) = LossUtils.SqueezeOrExpand(yTrue, yPred);
        return fn(t, p);
    }
}

/// <summary>Mean of squared errors over the last axis.</summary>
public sealed class MeanSquaredError(string reduction = "sum_over_batch_size", string name = "mean_squared_error") : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "MeanSquaredError");
        return Ops.Mean(Ops.Square(Ops.Subtract(p, t)), -1);
    }
}

/// <summary>Mean of absolute errors over the last axis.</summary>
public sealed class MeanAbsoluteError(string reduction = "sum_over_batch_size", string name = "mean_absolute_error") : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred)
    {
        var (t, p) = LossUtils.Align(yTrue, yPred, "MeanAbsoluteError");
        return Ops.Mean(Ops.Abs(Ops.Subtract(p, t)), -1);
    }
}

internal static class LossUtils
{
    /// <summary>
    /// Keras's <c>squeeze_or_expand_to_same_rank</c>: when the ranks differ by one and the longer shape
    /// ends in 1, that axis is squeezed (or, when the other tensor is rank 1, the other gets a trailing axis).
    /// </summary>
    public static (Tensor X1, Tensor X2) SqueezeOrExpand(Tensor x1, Tensor x2)
    {
        if (x1.Rank == x2.Rank) return (x1, x2);
        if (x1.Rank == x2.Rank + 1 && x1.Shape[-1] == 1)
        {
            if (x2.Rank == 1) x2 = Ops.ExpandDims(x2, -1);
            else x1 = Ops.Squeeze(x1, -1);
        }
        else if (x2.Rank == x1.Rank + 1 && x2.Shape[-1] == 1)
        {
            if (x1.Rank == 1) x1 = Ops.ExpandDims(x1, -1);
            else x2 = Ops.Squeeze(x2, -1);
        }
        return (x1, x2);
    }

    /// <summary>
    /// Casts targets to the predictions' dtype and aligns their ranks (Keras's <c>LossFunctionWrapper</c>);
    /// throws an <see cref="ArgumentException"/> naming both shapes when they cannot broadcast together
    /// (or, with <paramref name="sameShape"/>, when they differ).
    /// </summary>
    public static (Tensor YTrue, Tensor YPred) Align(Tensor yTrue, Tensor yPred, string what, bool sameShape = false)
    {
        var (t, p) = SqueezeOrExpand(Ops.Cast(yTrue, yPred.DType), yPred);
        bool ok = sameShape ? t.Shape.Equals(p.Shape) : Broadcastable(t.Shape, p.Shape);
        if (!ok)
        {
            throw new ArgumentException(
                $"{what}: targets of shape {yTrue.Shape} do not match predictions of shape {yPred.Shape}" +
                (sameShape ? "; they must have the same shape." : "."));
        }
        return (t, p);
    }

    /// <summary>NumPy broadcasting: trailing dimensions must be equal or 1.</summary>
    public static bool Broadcastable(Shape a, Shape b)
    {
        for (int i = 1; i <= Math.Min(a.Rank, b.Rank); i++)
        {
            int da = a[^i], db = b[^i];
            if (da != db && da != 1 && db != 1) return false;
        }
        return true;
    }

    /// <summary><c>a / b</c>, or 0 where <c>b</c> is 0 (Keras's <c>divide_no_nan</c>).</summary>
    public static Tensor DivideNoNan(Tensor a, Tensor b)
    {
        var zero = Ops.Equal(b, Ops.ZerosLike(b));
        var safe = Ops.Where(zero, Ops.OnesLike(b), b);
        return Ops.Where(zero, Ops.ZerosLike(a), Ops.Divide(a, safe));
    }

    /// <summary>
    /// Keras's <c>reduce_weighted_values</c>: merges the mask into the sample weights (under
    /// <c>sum_over_batch_size</c>/<c>mean</c> the unmasked entries weigh total/valid, so the mean is over
    /// valid entries), weights the values, then reduces them.
    /// </summary>
    public static Tensor ReduceWeightedValues(Tensor values, Tensor? sampleWeight, Tensor? mask, string reduction)
    {
        Tensor? w = sampleWeight is null ? null : Ops.Cast(sampleWeight, values.DType);
        if (mask is not null)
        {
            var m = Ops.Cast(mask, values.DType);
            if (reduction is "mean" or "sum_over_batch_size")
                m = Ops.Multiply(m, DivideNoNan(Ops.Scalar(m.Shape.Size, values.DType), Ops.Sum(m)));
            if (w is null)
            {
                w = m;
            }
            else
            {
                (m, w) = SqueezeOrExpand(m, w);
                w = Ops.Multiply(w, m);
            }
        }
        if (w is not null)
        {
            (values, w) = SqueezeOrExpand(values, w);
            // Per-sample weights on per-element values: trailing axes broadcast (tf.keras's broadcast_weights).
            while (w.Rank < values.Rank) w = Ops.ExpandDims(w, -1);
            while (w.Rank > values.Rank && w.Shape[-1] == 1) w = Ops.Squeeze(w, -1);
            if (!Broadcastable(values.Shape, w.Shape) || w.Rank > values.Rank)
            {
                throw new ArgumentException(
                    $"Sample weights of shape {sampleWeight?.Shape ?? w.Shape} do not fit loss values of shape {values.Shape}.");
            }
            values = Ops.Multiply(values, w);
        }
        return ReduceValues(values, w, reduction);
    }

    private static Tensor ReduceValues(Tensor values, Tensor? weights, string reduction)
    {
        if (reduction == "none" || values.Rank == 0 || (values.Rank == 1 && values.Shape[0] == 0)) return values;
        var sum = Ops.Sum(values);
        if (reduction == "sum") return sum;
        if (reduction == "mean_with_sample_weight" && weights is not null)
            return DivideNoNan(sum, Ops.Sum(Ops.BroadcastTo(weights, values.Shape)));
        long n = values.Shape.Size;
        return n > 0 ? Ops.Multiply(sum, 1.0 / n) : sum;
    }
}
