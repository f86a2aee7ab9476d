using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Passes its input through and adds an activity-regularization loss (Keras's
/// <c>ActivityRegularization</c>): <c>(l1 * sum(|x|) + l2 * sum(x²)) / batch_size</c> on every call,
/// as Keras 3's <c>L1L2</c> activity regularizer normalised by the batch size (the first axis; a
/// scalar input is not divided).
/// </summary>
public sealed class ActivityRegularization : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="l1">L1 factor (≥ 0).</param>
    /// <param name="l2">L2 factor (≥ 0).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public ActivityRegularization(double l1 = 0.0, double l2 = 0.0, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (!(l1 >= 0) || double.IsPositiveInfinity(l1))
            throw new ArgumentOutOfRangeException(nameof(l1), l1, $"ActivityRegularization \"{Name}\": l1 must be a finite number >= 0.");
        if (!(l2 >= 0) || double.IsPositiveInfinity(l2))
            throw new ArgumentOutOfRangeException(nameof(l2), l2, $"ActivityRegularization \"{Name}\": l2 must be a finite number >= 0.");
        L1 = l1;
        L2 = l2;
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>L1 factor.</summary>
    public double L1 { get; }

    /// <summary>L2 factor.</summary>
    public double L2 { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        AddLoss(Penalty(x));
        return x;
    }

    private Tensor Penalty(Tensor x)
    {
        // Keras's L1L2.__call__: start from 0 and add each non-zero term.
        var loss = Ops.Scalar(0.0, x.DType);
        if (L1 != 0) loss = Ops.Add(loss, Ops.Multiply(Ops.Sum(Ops.Abs(x)), L1));
        if (L2 != 0) loss = Ops.Add(loss, Ops.Multiply(Ops.Sum(Ops.Square(x)), L2));
        // Layer.__call__ divides by the batch size (divide_no_nan: an empty batch gives 0).
        if (x.Rank > 0) loss = x.Shape[0] == 0 ? Ops.Scalar(0.0, x.DType) : Ops.Divide(loss, Ops.Scalar(x.Shape[0], x.DType));
        return loss;
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static ActivityRegularization FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(ActivityRegularization));
        var (name, trainable, dtype) = c.LayerArgs();
        return new ActivityRegularization(c.Double("l1", 0.0), c.Double("l2", 0.0), c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["l1"] = L1;
        c["l2"] = L2;
        return c;
    }
}
