using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Reshapes each sample to <c>target_shape</c> (Keras's <c>Reshape</c>); the batch axis is kept and one
/// entry of the target may be -1, inferred from the sample size.
/// </summary>
public sealed class Reshape : Layer
{
    private readonly int[] _target;

    /// <summary>Creates the layer.</summary>
    /// <param name="targetShape">The sample shape of the output (no batch axis); at most one entry may be -1.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public Reshape(Shape targetShape, Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        ArgumentNullException.ThrowIfNull(targetShape);
        _target = targetShape.ToArray();
        if (_target.Count(d => d == -1) > 1)
            throw new ArgumentException($"Reshape \"{Name}\": target_shape must not contain more than one -1; got {targetShape}.", nameof(targetShape));
        if (_target.Any(d => d == 0 || d < -1))
            throw new ArgumentException($"Reshape \"{Name}\": target_shape entries must be positive integers or a single -1; got {targetShape}.", nameof(targetShape));
        Built = true;
    }

    /// <summary>The target sample shape as given (-1 for the inferred entry).</summary>
    public int[] TargetShape => (int[])_target.Clone();

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        var output = ComputeOutputShape(x.Shape);
        return Ops.Reshape(x, output.ToLongArray());
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        var sample = inputShape.Slice(1);
        var dims = (int[])_target.Clone();
        long known = dims.Where(d => d != -1).Aggregate(1L, (p, d) => p * d);
        int inferAt = Array.IndexOf(dims, -1);
        if (sample.IsFullyDefined)
        {
            long size = sample.Size;
            bool fits = inferAt < 0 ? size == known : size % known == 0;
            if (!fits)
                throw new ArgumentException(
                    $"Reshape \"{Name}\": the total size of the tensor must be unchanged; cannot reshape an input of shape {inputShape} " +
                    $"({size} values per sample) to target_shape {new Shape(_target)}{(inferAt < 0 ? $" ({known} values)" : $" (a multiple of {known} values)")}.");
            if (inferAt >= 0) dims[inferAt] = checked((int)(size / known));
        }
        else if (inferAt >= 0)
        {
            dims[inferAt] = Shape.Unknown;
        }
        return new Shape([inputShape[0], .. dims]);
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Reshape FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Reshape));
        var target = c.Ints("target_shape") ?? throw new FormatException("Reshape config: 'target_shape' is missing.");
        return new Reshape(new Shape(target), c.InputShape(), c.String("name"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["target_shape"] = ReshapingHelpers.IntsJson(_target);
        return c;
    }
}
