using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Layers;

namespace Keras.Models;

/// <summary>
/// A linear stack of layers (Keras's <c>Sequential</c>): one line a layer. Give the first layer an
/// <c>inputShape</c> (or start with an <see cref="InputLayer"/>) to build the model at once;
/// otherwise it builds itself from the data at the first <c>Fit</c>/<c>Predict</c>.
/// </summary>
public sealed class Sequential : Model
{
    private readonly List<Layer> _layers = [];
    private InputLayer? _inputLayer;

    /// <summary>Creates a model from a list of layers (may be empty; add more with <see cref="Add(Layer)"/>).</summary>
    public Sequential(IEnumerable<Layer>? layers = null, string? name = null, bool trainable = true)
        : base(name ?? Naming.UniqueName("sequential"), trainable)
    {
        if (layers is null) return;
        foreach (var layer in layers) Add(layer, rebuild: false);
        TryBuildGraph();
    }

    /// <inheritdoc />
    public override string ClassName => "Sequential";

    /// <summary>The layers, without the input layer (as Keras lists them).</summary>
    public override IReadOnlyList<Layer> Layers => _layers;

    /// <inheritdoc />
    protected internal override IReadOnlyList<Layer> SubLayers => _layers;

    /// <summary>Appends a layer on top of the stack.</summary>
    public void Add(Layer layer) => Add(layer, rebuild: true);

    private void Add(Layer layer, bool rebuild)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is InputLayer input)
        {
            if (_layers.Count > 0 || _inputLayer is not null)
                throw new ArgumentException($"Sequential \"{Name}\": an InputLayer may only be the first layer.", nameof(layer));
            _inputLayer = input;
        }
        else
        {
            if (_layers.Contains(layer))
                throw new ArgumentException($"Sequential \"{Name}\" already contains layer \"{layer.Name}\"; a layer can appear once (wrap it in a functional model to share it).", nameof(layer));
            _layers.Add(layer);
        }
        if (rebuild) TryBuildGraph();
    }

    /// <summary>Removes the last layer.</summary>
    public Layer Pop()
    {
        if (_layers.Count == 0) throw new InvalidOperationException($"Sequential \"{Name}\" has no layers to pop.");
        var last = _layers[^1];
        _layers.RemoveAt(_layers.Count - 1);
        ClearGraph();
        TryBuildGraph();
        return last;
    }

    /// <summary>The sample shape of the input, when known (from an InputLayer or the first layer's inputShape).</summary>
    public Shape? InputSampleShape => _inputLayer?.BatchShape.WithoutBatch() ?? (_layers.Count > 0 ? _layers[0].DeclaredInputShape : null);

    private void TryBuildGraph()
    {
        if (_layers.Count == 0) return;
        if (_inputLayer is null && _layers[0].DeclaredInputShape is { } shape)
            _inputLayer = new InputLayer(shape, name: Naming.UniqueName("input_layer"));
        if (_inputLayer is not null) BuildGraph(_inputLayer);
    }

    private void BuildGraph(InputLayer input)
    {
        Tensors x = input.Tensor;
        foreach (var layer in _layers)
        {
            try
            {
                x = layer.Apply(x);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Sequential \"{Name}\": cannot add layer \"{layer.Name}\" on input shape {x.Single.Shape}: {e.Message}", e);
            }
        }
        SetGraph([input.Tensor], x.Cast<KerasTensor>().ToArray());
    }

    /// <summary>Builds the model for batches of <paramref name="inputShape"/> (batch dimension included; Keras's <c>build</c>).</summary>
    public void Build(Shape inputShape, DType dtype)
    {
        if (IsGraphNetwork) return;
        if (_layers.Count == 0) throw new InvalidOperationException($"Sequential \"{Name}\" has no layers to build.");
        _inputLayer = new InputLayer(inputShape.Slice(1), dtype: dtype.IsFloating() ? dtype : DType.Float32, name: Naming.UniqueName("input_layer"));
        BuildGraph(_inputLayer);
    }

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        if (!IsGraphNetwork && inputShapes.Count == 1) Build(inputShapes[0], DType.Float32);
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        if (!IsGraphNetwork) Build(inputs[0].Shape.With(0, Shape.Unknown), inputs[0].DType);
        return base.Call(inputs, training, mask);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var layers = new JsonArray();
        if (_inputLayer is not null) layers.Add(Serialization.Layer(_inputLayer));
        foreach (var l in _layers) layers.Add(Serialization.Layer(l));
        return new JsonObject { ["name"] = Name, ["trainable"] = Trainable, ["dtype"] = DType.Name(), ["layers"] = layers };
    }
}
