using Keras.Saving;
using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Constraints;

namespace Keras.Layers;

/// <summary>
/// Parametric rectified linear unit (Keras's <c>PReLU</c>): <c>relu(x) - alpha * relu(-x)</c> with a
/// learned <c>alpha</c> of the input's shape without the batch axis, size 1 along
/// <c>shared_axes</c>.
/// </summary>
public sealed class PReLU : Layer
{
    private Variable? _alpha;

    /// <summary>Creates the layer.</summary>
    /// <param name="alphaInitializer">Initializer of <c>alpha</c> (default zeros).</param>
    /// <param name="alphaRegularizer">Penalty on alpha added to the loss.</param>
    /// <param name="alphaConstraint">Constraint applied to alpha after each update.</param>
    /// <param name="sharedAxes">Input axes (1 = first axis after the batch) along which one alpha is shared, e.g. <c>[1, 2]</c> for one alpha per channel of an image.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether alpha is trained.</param>
    /// <param name="dtype">The layer's dtype.</param>
    public PReLU(Initializer? alphaInitializer = null, Regularizer? alphaRegularizer = null, Constraint? alphaConstraint = null, int[]? sharedAxes = null,
        Shape? inputShape = null, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (sharedAxes is not null)
        {
            foreach (var a in sharedAxes)
            {
                if (a < 1)
                    throw new ArgumentOutOfRangeException(nameof(sharedAxes), a,
                        $"PReLU \"{Name}\": shared_axes are input axes counted from 1 (axis 0 is the batch); got {a}.");
            }
        }
        AlphaInitializer = alphaInitializer ?? new Zeros();
        AlphaRegularizer = alphaRegularizer;
        AlphaConstraint = alphaConstraint;
        SharedAxes = sharedAxes?.ToArray();
        SupportsMasking = true;
    }

    /// <summary>Initializer of alpha.</summary>
    public Initializer AlphaInitializer { get; }

    /// <summary>Penalty on alpha, or null.</summary>
    public Regularizer? AlphaRegularizer { get; }

    /// <summary>Constraint on alpha, or null.</summary>
    public Constraint? AlphaConstraint { get; }

    /// <summary>The shared axes, or null.</summary>
    public int[]? SharedAxes { get; }

    /// <summary>The learned slopes; null before build.</summary>
    public Variable? Alpha => _alpha;

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        var paramShape = inputShape.Slice(1).ToArray();
        if (SharedAxes is not null)
        {
            foreach (var a in SharedAxes)
            {
                if (a >= inputShape.Rank)
                    throw new ArgumentException($"PReLU \"{Name}\": shared axis {a} is out of range for input shape {inputShape}.");
                paramShape[a - 1] = 1;
            }
        }
        if (paramShape.Any(d => d == Shape.Unknown))
            throw new ArgumentException($"PReLU \"{Name}\": every non-shared axis of the input must be known to create alpha; got input shape {inputShape}.");
        _alpha = AddWeight("alpha", new Shape(paramShape), AlphaInitializer, regularizer: AlphaRegularizer, constraint: AlphaConstraint);
        var axes = new Dictionary<int, int>();
        if (SharedAxes is { Length: > 0 })
        {
            for (int i = 1; i < inputShape.Rank; i++)
                if (!SharedAxes.Contains(i)) axes[i] = inputShape[i];
        }
        InputSpec = new InputSpec(rank: inputShape.Rank, axes: axes);
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (x.DType.IsFloating()) x = Ops.Cast(x, DType);
        var pos = Ops.Relu(x);
        var neg = Ops.Multiply(Ops.Negative(_alpha!.Value), Ops.Relu(Ops.Negative(x)));
        return Ops.Add(pos, neg);
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static PReLU FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(PReLU));
        var (name, trainable, dtype) = c.LayerArgs();
        var shared = c.Node("shared_axes") is JsonValue ? [c.RequiredInt("shared_axes")] : c.Ints("shared_axes");
        return new PReLU(c.Initializer("alpha_initializer", new Zeros()), c.Regularizer("alpha_regularizer"), c.Constraint("alpha_constraint"),
            shared, c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["alpha_initializer"] = Serialization.Initializer(AlphaInitializer);
        c["alpha_regularizer"] = RegularizationConfig.Serialize(AlphaRegularizer);
        c["alpha_constraint"] = RegularizationConfig.Serialize(AlphaConstraint);
        c["shared_axes"] = SharedAxes is null ? null : new JsonArray(SharedAxes.Select(a => (JsonNode)a).ToArray());
        return c;
    }
}
