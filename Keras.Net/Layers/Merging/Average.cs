using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>Elementwise mean of a list of inputs (Keras's <c>Average</c>): their sum divided by their count.</summary>
public sealed class Average : Merge
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the layer is trainable (it has no weights).</param>
    /// <param name="dtype">Compute dtype.</param>
    public Average(string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype)
    {
    }

    private protected override Tensor MergeFunction(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        var output = inputs[0];
        for (int i = 1; i < inputs.Count; i++) output = Ops.Add(output, inputs[i]);
        return Ops.Divide(output, Ops.Scalar(inputs.Count, output.DType.IsFloating() ? output.DType : DType.Float32));
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Average FromConfig(JsonObject config)
    {
        var (name, trainable, dtype) = Args(config, nameof(Average));
        return new Average(name, trainable, dtype);
    }
}
