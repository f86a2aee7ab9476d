using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>Applies an activation function (Keras's <c>Activation</c> layer).</summary>
public sealed class Activation : Layer
{
    /// <summary>Creates the layer from an activation name (<c>"relu"</c>) or instance.</summary>
    public Activation(ActivationFunction activation, Shape? inputShape = null, string? name = null, DType dtype = DType.Float32)
        : base(name, true, dtype, inputShape)
    {
        Function = activation ?? throw new ArgumentNullException(nameof(activation));
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>The activation applied.</summary>
    public ActivationFunction Function { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) => Function.Call(inputs);

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Activation FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Activation));
        var (name, _, dtype) = c.LayerArgs();
        return new Activation(c.Activation(), c.InputShape(), name, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["activation"] = Function.Name;
        return c;
    }
}
