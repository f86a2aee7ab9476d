using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Elementwise minimum of a list of inputs (Keras's <c>Minimum</c>). A masked step of an input takes the
/// running result instead, and a masked step of the running result takes the input (Keras's
/// <c>_apply_merge_op_and_or_mask</c>).
/// </summary>
public sealed class Minimum : Merge
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the layer is trainable (it has no weights).</param>
    /// <param name="dtype">Compute dtype.</param>
    public Minimum(string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype)
    {
    }

    private protected override Tensor MergeFunction(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks) =>
        MergeWithMasks(inputs, masks, Ops.Minimum);

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Minimum FromConfig(JsonObject config)
    {
        var (name, trainable, dtype) = Args(config, nameof(Minimum));
        return new Minimum(name, trainable, dtype);
    }
}
