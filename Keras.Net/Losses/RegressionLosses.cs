using System.Text.Json.Nodes;

namespace Keras.Losses;

/// <summary>
/// <c>100 * mean(|(t - p) / max(|t|, epsilon)|)</c> over the last axis (Keras's <c>MeanAbsolutePercentageError</c>).
/// </summary>
public sealed class MeanAbsolutePercentageError(string reduction = "sum_over_batch_size", string name = "mean_absolute_percentage_error")
    : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.MeanAbsolutePercentageError(yTrue, yPred);
}

/// <summary>
/// <c>mean((log(max(p, eps) + 1) - log(max(t, eps) + 1))²)</c> over the last axis (Keras's <c>MeanSquaredLogarithmicError</c>).
/// </summary>
public sealed class MeanSquaredLogarithmicError(string reduction = "sum_over_batch_size", string name = "mean_squared_logarithmic_error")
    : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.MeanSquaredLogarithmicError(yTrue, yPred);
}

/// <summary>
/// The Huber loss (Keras's <c>Huber</c>): quadratic (<c>0.5 e²</c>) for errors up to <c>delta</c>, linear
/// (<c>delta |e| - 0.5 delta²</c>) beyond, averaged over the last axis.
/// </summary>
public sealed class Huber(double delta = 1.0, string reduction = "sum_over_batch_size", string name = "huber_loss") : Loss(name, reduction)
{
    /// <summary>Where the loss turns from quadratic to linear.</summary>
    public double Delta { get; } = delta;

    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.Huber(yTrue, yPred, Delta);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["delta"] = Delta;
        return c;
    }
}

/// <summary>The mean over the last axis of <c>log(cosh(p - t))</c> (Keras's <c>LogCosh</c>).</summary>
public sealed class LogCosh(string reduction = "sum_over_batch_size", string name = "log_cosh") : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.LogCosh(yTrue, yPred);
}

/// <summary>
/// The negative cosine similarity of targets and predictions along <c>axis</c> (Keras's <c>CosineSimilarity</c>
/// loss): -1 for identical directions, 0 when orthogonal or when either vector is zero.
/// </summary>
public sealed class CosineSimilarity(int axis = -1, string reduction = "sum_over_batch_size", string name = "cosine_similarity") : Loss(name, reduction)
{
    /// <summary>The axis the similarity is computed along.</summary>
    public int Axis { get; } = axis;

    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => Ops.Negative(LossFunctions.CosineSimilarity(yTrue, yPred, Axis));

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = Axis;
        return c;
    }
}

/// <summary><c>mean(max(1 - t p, 0))</c>; 0/1 targets become -1/1 (Keras's <c>Hinge</c>).</summary>
public sealed class Hinge(string reduction = "sum_over_batch_size", string name = "hinge") : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.Hinge(yTrue, yPred);
}

/// <summary><c>mean(max(1 - t p, 0)²)</c>; 0/1 targets become -1/1 (Keras's <c>SquaredHinge</c>).</summary>
public sealed class SquaredHinge(string reduction = "sum_over_batch_size", string name = "squared_hinge") : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.SquaredHinge(yTrue, yPred);
}

/// <summary><c>max(max((1 - t) p) - sum(t p) + 1, 0)</c> over the last axis (Keras's <c>CategoricalHinge</c>).</summary>
public sealed class CategoricalHinge(string reduction = "sum_over_batch_size", string name = "categorical_hinge") : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.CategoricalHinge(yTrue, yPred);
}

/// <summary>
/// The Dice loss for segmentation (Keras's <c>Dice</c>): <c>1 - 2 sum(t p) / (sum(t) + sum(p) + eps)</c>,
/// summed over <c>axis</c>; with no axis (the default) over everything, one value for the whole batch.
/// </summary>
public sealed class Dice : Loss
{
    /// <summary>Creates the loss; <paramref name="axis"/> lists the axes summed over (e.g. <c>[1, 2, 3]</c> for one value per image).</summary>
    public Dice(string reduction = "sum_over_batch_size", string name = "dice", int[]? axis = null) : base(name, reduction) =>
        Axis = axis?.ToArray();

    /// <summary>The axes the sums run over; null for all.</summary>
    public int[]? Axis { get; }

    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.Dice(yTrue, yPred, Axis);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = Axis is null ? null : new JsonArray(Axis.Select(a => (JsonNode)a).ToArray());
        return c;
    }
}

/// <summary>
/// The Tversky loss (Keras's <c>Tversky</c>): <c>1 - I / (I + alpha sum((1 - p) t) + beta sum(p (1 - t)) + eps)</c>
/// with <c>I = sum(t p)</c>; <c>alpha = beta = 0.5</c> gives the Dice loss.
/// </summary>
public sealed class Tversky : Loss
{
    /// <summary>Creates the loss; <paramref name="axis"/> lists the axes summed over (all when null).</summary>
    public Tversky(double alpha = 0.5, double beta = 0.5, string reduction = "sum_over_batch_size", string name = "tversky", int[]? axis = null)
        : base(name, reduction)
    {
        Alpha = alpha;
        Beta = beta;
        Axis = axis?.ToArray();
    }

    public double Alpha { get; }
    public double Beta { get; }

    /// <summary>The axes the sums run over; null for all.</summary>
    public int[]? Axis { get; }

    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.Tversky(yTrue, yPred, Alpha, Beta, Axis);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["alpha"] = Alpha;
        c["beta"] = Beta;
        c["axis"] = Axis is null ? null : new JsonArray(Axis.Select(a => (JsonNode)a).ToArray());
        return c;
    }
}
