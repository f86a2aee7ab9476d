using Keras.Saving;
using System.Text.Json.Nodes;
using Keras.Engine;

namespace Keras.Layers;

/// <summary>
/// Applies a layer (or a whole model) to every time step of a sequence (Keras's
/// <c>TimeDistributed</c>): inputs (batch, time, …) are folded to (batch × time, …), passed through
/// the layer, and unfolded — one set of weights for all steps.
/// </summary>
public sealed class TimeDistributed : Layer
{
    /// <summary>Wraps <paramref name="layer"/>.</summary>
    public TimeDistributed(Layer layer, string? name = null, Shape? inputShape = null)
        : base(name, true, DType.Float32, inputShape)
    {
        Layer = Track(layer ?? throw new ArgumentNullException(nameof(layer)));
        InputSpec = new Engine.InputSpec(minRank: 3);
        SupportsMasking = true;
    }

    /// <summary>The wrapped layer.</summary>
    public Layer Layer { get; }


    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        if (inputShape.Rank < 3)
            throw new ArgumentException($"TimeDistributed \"{Name}\" needs inputs of rank >= 3 (batch, time, …); got {inputShape}.");
        Layer.EnsureBuilt([new Shape(Shape.Unknown).Concat(inputShape.Slice(2))]);
        // Keras nests the wrapped layer's variable paths under the wrapper (td_dense/dense/kernel).
        RnnSupport.PrefixPaths(Name, Layer.Weights);
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        long batch = x.Shape[0], time = x.Shape[1];
        var folded = Ops.Reshape(x, [batch * time, .. x.Shape.Slice(2).ToLongArray()]);
        Tensors? foldedMask = null;
        if (mask is { Count: > 0 } && mask[0] is { } m)
        {
            // Keras passes each step's slice of the mask to the wrapped layer; folded, that is mask[b, t] for row b·time + t.
            if (m.Rank < 2 || m.Shape[0] != batch || m.Shape[1] != time)
                throw new ArgumentException($"TimeDistributed \"{Name}\" should be passed a mask of shape ({batch}, {time}, …); got {m.Shape}.");
            foldedMask = new Tensors(Ops.Reshape(m, [batch * time, .. m.Shape.Slice(2).ToLongArray()]));
        }
        Tensor y = Layer.Apply(new Tensors(folded), training, foldedMask);
        return Ops.Reshape(y, [batch, time, .. y.Shape.Slice(1).ToLongArray()]);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        var inner = Layer.ComputeOutputShape(new Shape(Shape.Unknown).Concat(inputShape.Slice(2)));
        return new Shape(inputShape[0], inputShape[1]).Concat(inner.Slice(1));
    }

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => Layer.ComputeOutputDType(inputDTypes);

    /// <summary>Re-creates the layer (and the layer it wraps) from its Keras config.</summary>
    public static TimeDistributed FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(TimeDistributed));
        var inner = c.Node("layer") as JsonObject ?? throw new FormatException("TimeDistributed config: 'layer' is missing.");
        return new TimeDistributed(KerasObjects.Layer(inner), c.String("name"), c.InputShape());
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["layer"] = Serialization.Layer(Layer);
        return c;
    }
}
