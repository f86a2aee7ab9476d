using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Permutes the axes of each sample (Keras's <c>Permute</c>): <c>dims</c> is a permutation of 1..n, counted
/// from 1 as in Keras (the batch axis 0 stays first); <c>(2, 1)</c> swaps the first two sample axes.
/// </summary>
public sealed class Permute : Layer
{
    private readonly int[] _dims;

    /// <summary>Creates the layer.</summary>
    /// <param name="dims">Permutation of 1..n (1-based, batch axis excluded).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public Permute(int[] dims, Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length == 0 || !dims.Order().SequenceEqual(Enumerable.Range(1, dims.Length)))
            throw new ArgumentException(
                $"Permute \"{Name}\": dims must be a permutation of consecutive indices starting from 1; got ({string.Join(", ", dims)}).", nameof(dims));
        _dims = (int[])dims.Clone();
        InputSpec = new Engine.InputSpec(rank: dims.Length + 1);
        Built = true;
    }

    /// <summary>The permutation (1-based).</summary>
    public int[] Dims => (int[])_dims.Clone();

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) =>
        Ops.Transpose(inputs, [0, .. _dims]);

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => new([inputShape[0], .. _dims.Select(d => inputShape[d])]);

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Permute FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Permute));
        var dims = c.Ints("dims") ?? throw new FormatException("Permute config: 'dims' is missing.");
        return new Permute(dims, c.InputShape(), c.String("name"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["dims"] = ReshapingHelpers.IntsJson(_dims);
        return c;
    }
}
