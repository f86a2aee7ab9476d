using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>Repeats each step of (batch, steps, features) inputs <c>size</c> times along the steps axis (Keras's <c>UpSampling1D</c>).</summary>
public sealed class UpSampling1D : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="size">Upsampling factor (positive).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public UpSampling1D(int size = 2, Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        if (size <= 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"UpSampling1D \"{Name}\": size should be a positive integer.");
        Size = size;
        InputSpec = new Engine.InputSpec(rank: 3);
        Built = true;
    }

    /// <summary>The upsampling factor.</summary>
    public int Size { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) => Ops.Repeat(inputs, Size, 1);

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => ReshapingHelpers.UpsampledShape(inputShape, [Size], 1);

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static UpSampling1D FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(UpSampling1D));
        return new UpSampling1D(c.Int("size", 2), c.InputShape(), c.String("name"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["size"] = Size;
        return c;
    }
}
