using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Elementwise product of a list of inputs (Keras's <c>Multiply</c>). Masked steps of an input count as 1;
/// when every input is masked, steps masked in all inputs are 0 in the output.
/// </summary>
public sealed class Multiply : Merge
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the layer is trainable (it has no weights).</param>
    /// <param name="dtype">Compute dtype.</param>
    public Multiply(string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype)
    {
    }

    private protected override Tensor MergeFunction(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        bool hasOutputMask = masks.All(m => m is not null);
        Tensor? output = null, outputMask = null;
        for (int i = 0; i < inputs.Count; i++)
        {
            var x = inputs[i];
            if (masks[i] is { } m)
            {
                var mask = Ops.BroadcastTo(Ops.ExpandDims(BoolMask.ToBool(m), -1), x.Shape);
                x = Ops.Where(mask, x, Ops.Full(Shape.Scalar, 1, x.DType));
                if (hasOutputMask) outputMask = outputMask is null ? mask : BoolMask.Or(outputMask, mask);
            }
            output = output is null ? x : Ops.Multiply(output, x);
        }
        if (hasOutputMask && outputMask is not null)
            output = Ops.Where(outputMask, output!, Ops.Full(Shape.Scalar, 0, output!.DType));
        return output!;
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Multiply FromConfig(JsonObject config)
    {
        var (name, trainable, dtype) = Args(config, nameof(Multiply));
        return new Multiply(name, trainable, dtype);
    }
}
