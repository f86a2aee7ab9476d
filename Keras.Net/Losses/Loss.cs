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

    /// <summary>The reduced loss: weighted by <paramref name="sampleWeight"/> (if any), then reduced.</summary>
    public Tensor Compute(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        var values = Call(yTrue, yPred);
        if (sampleWeight is not null)
        {
            var w = Ops.Cast(sampleWeight, values.DType);
            while (w.Rank < values.Rank) w = Ops.ExpandDims(w, -1);
            while (w.Rank > values.Rank && w.Shape[-1] == 1) w = Ops.Squeeze(w, -1);
            values = Ops.Multiply(values, w);
            if (Reduction == "mean_with_sample_weight")
                return Ops.Divide(Ops.Sum(values), Ops.Sum(Ops.BroadcastTo(w, values.Shape)));
        }
        return Reduction switch
        {
            "none" => values,
            "sum" => Ops.Sum(values),
            _ => Ops.Mean(values),
        };
    }

    /// <summary>The constructor arguments, as Keras records them.</summary>
    public virtual JsonObject GetConfig() => new() { ["name"] = Name, ["reduction"] = Reduction };

    public static implicit operator Loss(string name) => Get(name);

    /// <summary>A loss by its Keras name or alias.</summary>
    public static Loss Get(string name) => name switch
    {
        "mse" or "mean_squared_error" or "MeanSquaredError" => new MeanSquaredError(),
        "mae" or "mean_absolute_error" or "MeanAbsoluteError" => new MeanAbsoluteError(),
        "binary_crossentropy" or "BinaryCrossentropy" => new BinaryCrossentropy(),
        "categorical_crossentropy" or "CategoricalCrossentropy" => new CategoricalCrossentropy(),
        "sparse_categorical_crossentropy" or "SparseCategoricalCrossentropy" => new SparseCategoricalCrossentropy(),
        _ => throw new ArgumentException(
            $"Unknown loss '{name}'. Known: mse, mae, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy.", nameof(name)),
    };

    /// <summary>Keras's fuzz factor (<c>keras.config.epsilon()</c>).</summary>
    protected const double Epsilon = 1e-7;
}

/// <summary>A loss from a C# function of (yTrue, yPred) returning per-sample values.</summary>
public sealed class LossFunctionWrapper(Func<Tensor, Tensor, Tensor> fn, string name = "custom_loss", string reduction = "sum_over_batch_size")
    : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => fn(yTrue, yPred);
}

/// <summary>Mean of squared errors over the last axis.</summary>
public sealed class MeanSquaredError(string reduction = "sum_over_batch_size", string name = "mean_squared_error") : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) =>
        Ops.Mean(Ops.Square(Ops.Subtract(yPred, LossUtils.Match(yTrue, yPred))), -1);
}

/// <summary>Mean of absolute errors over the last axis.</summary>
public sealed class MeanAbsoluteError(string reduction = "sum_over_batch_size", string name = "mean_absolute_error") : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) =>
        Ops.Mean(Ops.Abs(Ops.Subtract(yPred, LossUtils.Match(yTrue, yPred))), -1);
}

internal static class LossUtils
{
    /// <summary>Casts targets to the predictions' dtype and gives (batch,) targets a trailing axis when predictions are (batch, 1).</summary>
    public static Tensor Match(Tensor yTrue, Tensor yPred)
    {
        var t = Ops.Cast(yTrue, yPred.DType);
        if (t.Rank == yPred.Rank - 1 && yPred.Shape[-1] == 1) t = Ops.ExpandDims(t, -1);
        if (!t.Shape.Equals(yPred.Shape) && t.Rank == yPred.Rank)
        {
            // Broadcasting is allowed, but a plain mismatch is a user error worth naming.
            for (int i = 0; i < t.Rank; i++)
            {
                if (t.Shape[i] != yPred.Shape[i] && t.Shape[i] != 1 && yPred.Shape[i] != 1)
                    throw new ArgumentException($"Targets of shape {yTrue.Shape} do not match predictions of shape {yPred.Shape}.");
            }
        }
        return t;
    }
}
