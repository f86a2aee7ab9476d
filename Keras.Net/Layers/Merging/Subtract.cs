using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>Elementwise difference <c>inputs[0] − inputs[1]</c> of exactly two inputs (Keras's <c>Subtract</c>).</summary>
public sealed class Subtract : Merge
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the layer is trainable (it has no weights).</param>
    /// <param name="dtype">Compute dtype.</param>
    public Subtract(string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype)
    {
    }

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        base.Build(inputShapes);
        if (inputShapes.Count != 2)
            throw new ArgumentException($"{Label}: a Subtract layer should be called on exactly 2 inputs. Received {inputShapes.Count} inputs with shapes {string.Join(", ", inputShapes)}.");
    }

    private protected override Tensor MergeFunction(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        if (inputs.Count != 2)
            throw new ArgumentException($"{Label}: a Subtract layer should be called on exactly 2 inputs. Received {inputs.Count}.");
        return Ops.Subtract(inputs[0], inputs[1]);
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Subtract FromConfig(JsonObject config)
    {
        var (name, trainable, dtype) = Args(config, nameof(Subtract));
        return new Subtract(name, trainable, dtype);
    }
}
