using Keras.Saving;
using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Softmax activation layer (Keras's <c>Softmax</c>) over one axis or several. With a mask (1 = keep,
/// 0 = masked; broadcast against the inputs), masked positions get a large negative number (-1e9, or
/// -3e4 for float16) added before the softmax, as Keras does, so they receive ~0 probability.
/// </summary>
public sealed class Softmax : Layer
{
    private readonly bool _axisIsList;

    /// <summary>Creates the layer normalising along one axis.</summary>
    /// <param name="axis">The axis (negative counts from the end).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public Softmax(int axis = -1, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : this([axis], false, inputShape, name, trainable, dtype)
    {
    }

    /// <summary>Creates the layer normalising jointly over several axes.</summary>
    /// <param name="axes">The axes (at least one; negative counts from the end).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Unused (no weights); kept for Keras's config.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public Softmax(int[] axes, Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : this(axes, true, inputShape, name, trainable, dtype)
    {
    }

    private Softmax(int[] axes, bool isList, Shape? inputShape, string? name, bool trainable, DType dtype)
        : base(name, trainable, dtype, inputShape)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length == 0)
            throw new ArgumentException($"Softmax \"{Name}\": axis needs at least one axis.", nameof(axes));
        if (axes.Distinct().Count() != axes.Length)
            throw new ArgumentException($"Softmax \"{Name}\": axis has repeated entries [{string.Join(", ", axes)}].", nameof(axes));
        Axes = axes.ToArray();
        _axisIsList = isList;
        SupportsMasking = true;
        Built = true;
    }

    /// <summary>The normalisation axes.</summary>
    public IReadOnlyList<int> Axes { get; }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        foreach (var a in Axes)
        {
            if (a < -x.Rank || a >= x.Rank)
                throw new ArgumentException($"Softmax \"{Name}\": axis {a} is out of range for input shape {x.Shape}.");
        }
        if (mask is { Count: > 0 } && mask[0] is { } m)
        {
            if (!Broadcastable(m.Shape, x.Shape))
                throw new ArgumentException($"Softmax \"{Name}\": the mask of shape {m.Shape} does not broadcast to the inputs of shape {x.Shape}.");
            double large = x.DType == DType.Float16 ? -3e4 : -1e9;
            var adder = Ops.Multiply(Ops.Add(Ops.Negative(Ops.Cast(m, x.DType)), 1.0), large);
            x = Ops.Add(x, adder);
        }
        if (Axes.Count > 1)
            return Ops.Exp(Ops.Subtract(x, Ops.LogSumExp(x, Axes.ToArray(), keepDims: true)));
        return Ops.Softmax(x, Axes[0]);
    }

    private static bool Broadcastable(Shape a, Shape b)
    {
        if (a.Rank > b.Rank) return false;
        for (int i = 1; i <= a.Rank; i++)
            if (a[^i] != 1 && a[^i] != b[^i]) return false;
        return true;
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config (<c>axis</c> an integer or a list).</summary>
    public static Softmax FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Softmax));
        var (name, trainable, dtype) = c.LayerArgs();
        if (ConfigReader.Items(c.Node("axis")) is not null)
            return new Softmax(c.Ints("axis")!, c.InputShape(), name, trainable, dtype);
        return new Softmax(c.Int("axis", -1), c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = _axisIsList ? new JsonArray(Axes.Select(a => (JsonNode)a).ToArray()) : Axes[0];
        return c;
    }
}
