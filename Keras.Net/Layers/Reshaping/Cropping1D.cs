using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Crops entries off the start and end of the time axis (axis 1) of (batch, steps, features) inputs
/// (Keras's <c>Cropping1D</c>).
/// </summary>
public sealed class Cropping1D : Layer
{
    private readonly (int Before, int After)[] _cropping;

    /// <summary>Creates the layer with the same cropping at both ends (Keras's default is 1).</summary>
    /// <param name="cropping">Entries removed at the start and at the end.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public Cropping1D(int cropping = 1, Shape? inputShape = null, string? name = null)
        : this((cropping, cropping), inputShape, name)
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="cropping">(start, end): entries removed at the start and at the end.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    public Cropping1D((int Start, int End) cropping, Shape? inputShape = null, string? name = null)
        : base(name, true, DType.Float32, inputShape)
    {
        _cropping = ReshapingHelpers.CheckPairs([cropping], $"Cropping1D \"{Name}\"", nameof(cropping));
        InputSpec = new Engine.InputSpec(rank: 3);
        Built = true;
    }

    /// <summary>(start, end) cropping.</summary>
    public (int Start, int End) Cropping => _cropping[0];

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) =>
        ReshapingHelpers.Crop(inputs, _cropping, 1, $"Cropping1D \"{Name}\"");

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) =>
        ReshapingHelpers.CroppedShape(inputShape, _cropping, 1, $"Cropping1D \"{Name}\"");

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Cropping1D FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Cropping1D));
        var pairs = ReshapingHelpers.ReadPairs(c, "cropping", 1, nameof(Cropping1D)) ?? [(1, 1)];
        return new Cropping1D(pairs[0], c.InputShape(), c.String("name"));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["cropping"] = new JsonArray(_cropping[0].Before, _cropping[0].After);
        return c;
    }
}
