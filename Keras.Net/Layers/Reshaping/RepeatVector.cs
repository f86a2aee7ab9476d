using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>Repeats a (batch, features) input <c>n</c> times into (batch, n, features) (Keras's <c>RepeatVector</c>).</summary>
public sealed class RepeatVector : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="n">Number of repetitions (non-negative).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public RepeatVector(int n, Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        if (n < 0)
            throw new ArgumentOutOfRangeException(nameof(n), n, $"RepeatVector \"{Name}\": n must be a non-negative integer.");
        N = n;
        InputSpec = new Engine.InputSpec(rank: 2);
        Built = true;
    }

    /// <summary>The repetition factor.</summary>
    public int N { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) =>
        Ops.Repeat(Ops.ExpandDims(inputs, 1), N, 1);

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => new(inputShape[0], N, inputShape[1]);

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static RepeatVector FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(RepeatVector));
        return new RepeatVector(c.RequiredInt("n"), c.InputShape(), c.String("name"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["n"] = N;
        return c;
    }
}
