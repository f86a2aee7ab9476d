using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Exponential linear unit (Keras's <c>ELU</c> layer): <c>x</c> for <c>x &gt; 0</c>,
/// <c>alpha * (exp(x) - 1)</c> otherwise.
/// </summary>
public sealed class ELU : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="alpha">Scale of the negative section.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public ELU(double alpha = 1.0, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (!double.IsFinite(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"ELU \"{Name}\": alpha must be a finite number.");
        Alpha = alpha;
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>Scale of the negative section.</summary>
    public double Alpha { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        return Ops.Elu(x, Alpha);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static ELU FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(ELU));
        var (name, trainable, dtype) = c.LayerArgs();
        return new ELU(c.Double("alpha", 1.0), c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["alpha"] = Alpha;
        return c;
    }
}
