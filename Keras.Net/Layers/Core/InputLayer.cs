using Keras.Saving;
using System.Text.Json.Nodes;
using Keras.Engine;

namespace Keras.Layers;

/// <summary>
/// The entry point of a functional graph (Keras's <c>InputLayer</c>); usually created through
/// <see cref="KerasApi.Input"/>. Its output is the symbolic tensor a model starts from.
/// </summary>
public sealed class InputLayer : Layer
{
    /// <summary>Creates an input for samples of <paramref name="shape"/> (no batch dimension).</summary>
    /// <param name="shape">Shape of one sample, e.g. <c>784</c> or <c>(28, 28, 1)</c>; -1 marks unknown dimensions.</param>
    /// <param name="batchSize">A fixed batch size, if any.</param>
    /// <param name="dtype">The dtype of the data.</param>
    /// <param name="name">The input's name.</param>
    public InputLayer(Shape shape, int? batchSize = null, DType dtype = DType.Float32, string? name = null)
        : base(name, trainable: true, dtype)
    {
        ArgumentNullException.ThrowIfNull(shape);
        BatchShape = shape.WithBatch(batchSize ?? Shape.Unknown);
        Built = true;
        var node = new Node(this, [], null);
        node.Outputs = [new KerasTensor(BatchShape, dtype, Name, node, 0)];
        InboundNodes.Add(node);
    }

    /// <summary>The full input shape, batch dimension first.</summary>
    public Shape BatchShape { get; }

    /// <summary>The symbolic tensor this input provides.</summary>
    public KerasTensor Tensor => (KerasTensor)InboundNodes[0].Outputs[0];

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) => inputs;

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the input from its Keras config (<c>batch_shape</c>, or Keras 2's <c>batch_input_shape</c>).</summary>
    public static InputLayer FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(InputLayer));
        var batchShape = c.Shape("batch_shape") ?? c.Shape("batch_input_shape")
            ?? (c.Shape("shape") is { } sample ? sample.WithBatch(c.IntOrNull("batch_size") ?? Shape.Unknown) : null)
            ?? throw new FormatException("InputLayer config: no 'batch_shape' or 'batch_input_shape'.");
        int? batch = batchShape.Rank > 0 && batchShape[0] != Shape.Unknown ? batchShape[0] : null;
        return new InputLayer(batchShape.WithoutBatch(), batch, c.DType(), c.String("name"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig() => new()
    {
        ["batch_shape"] = new JsonArray(BatchShape.Select(d => d == Shape.Unknown ? null : (JsonNode)d).ToArray()),
        ["dtype"] = DType.Name(),
        ["sparse"] = false,
        ["ragged"] = false,
        ["name"] = Name,
    };
}
