// Keras.Layers.Identity (this layer) and Keras.Initializers.Identity share Keras's class name. Code
// outside Keras.Layers that imports both namespaces (Saving/KerasObjects.cs) means the initializer;
// this assembly-wide alias keeps it unambiguous there. Code in Keras.Layers finds the layer first.

using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Returns its inputs unchanged (Keras's <c>Identity</c>), masks included; a placeholder where no
/// operation is to be performed.
/// </summary>
public sealed class Identity : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public Identity(Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        SupportsMasking = true;
        Built = true;
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) => inputs;

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes) => inputShapes.ToArray();

    // Each output has its input's shape and dtype.
    private protected override (Shape Shape, DType DType)[] ComputeOutputSpecs(IReadOnlyList<Shape> shapes, IReadOnlyList<DType> dtypes) =>
        shapes.Select((s, i) => (s, dtypes[i])).ToArray();

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Identity FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Identity));
        var (name, trainable, dtype) = c.LayerArgs();
        return new Identity(c.InputShape(), name, trainable, dtype);
    }
}
