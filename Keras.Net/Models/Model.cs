using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Engine;
using Keras.Layers;
using NumSharp;

namespace Keras.Models;

/// <summary>
/// A model: layers grouped into an object with training and inference (Keras's <c>keras.Model</c>).
/// Build one three ways, as in Keras: functionally, <c>new Model(inputs, outputs)</c> from symbolic
/// tensors; as a <see cref="Sequential"/> stack; or by subclassing and overriding <see cref="Call"/>.
/// A model is itself a layer: call it on tensors, nest it in other models, wrap it in
/// <see cref="TimeDistributed"/>.
/// </summary>
public partial class Model : Layer
{
    private FunctionalGraph? _graph;

    private bool? _statefulCache;

    /// <inheritdoc />
    public override bool Stateful => IsGraphNetwork || Built ? _statefulCache ??= base.Stateful : base.Stateful;

    /// <summary>For subclassed models: define layers as fields and override <see cref="Call"/>.</summary>
    protected Model(string? name = null, bool trainable = true) : base(name, trainable)
    {
    }

    /// <summary>A functional model from symbolic <paramref name="inputs"/> to <paramref name="outputs"/> (Keras's <c>Model(inputs, outputs)</c>).</summary>
    public Model(Tensors inputs, Tensors outputs, string? name = null, bool trainable = true)
        : base(name ?? Naming.UniqueName("functional"), trainable)
    {
        SetGraph(AsSymbolic(inputs, "inputs"), AsSymbolic(outputs, "outputs"));
    }

    private static KerasTensor[] AsSymbolic(Tensors tensors, string what)
    {
        ArgumentNullException.ThrowIfNull(tensors, what);
        return tensors.Select((t, i) => t as KerasTensor ?? throw new ArgumentException(
            $"Model {what}[{i}] must be a symbolic tensor from Input(...) or a layer call on one; got {t}.", what)).ToArray();
    }

    /// <summary>Installs the functional graph (used by the functional constructor and by Sequential).</summary>
    private protected void SetGraph(IReadOnlyList<KerasTensor> inputs, IReadOnlyList<KerasTensor> outputs)
    {
        _graph = new FunctionalGraph(inputs, outputs, Name);
        _statefulCache = null;
        Built = true;
    }

    private protected void ClearGraph()
    {
        _graph = null;
        _statefulCache = null;
        Built = false;
    }

    /// <summary>The Keras class name used in configs (<c>Functional</c>, <c>Sequential</c> or the subclass name).</summary>
    public virtual string ClassName => _graph is not null && GetType() == typeof(Model) ? "Functional" : GetType().Name;

    private protected FunctionalGraph? Graph => _graph;

    /// <summary>True when the model is a graph of layers (functional or built Sequential).</summary>
    public bool IsGraphNetwork => _graph is not null;

    /// <summary>The model's layers, in order (for functional models the input layers come first).</summary>
    public virtual IReadOnlyList<Layer> Layers => _graph?.Layers ?? base.SubLayers;

    /// <inheritdoc />
    protected internal override IReadOnlyList<Layer> SubLayers => _graph?.Layers ?? base.SubLayers;

    /// <summary>The symbolic inputs (empty for a subclassed or unbuilt model).</summary>
    public IReadOnlyList<KerasTensor> Inputs => _graph?.Inputs ?? [];

    /// <summary>The symbolic outputs (empty for a subclassed or unbuilt model).</summary>
    public IReadOnlyList<KerasTensor> Outputs => _graph?.Outputs ?? [];

    /// <summary>Names of the outputs (the layers that produce them), used for per-output losses and metrics.</summary>
    public IReadOnlyList<string> OutputNames => _graph?.Outputs.Select(o => o.Node!.Layer.Name).ToArray() ?? ["output"];

    /// <summary>The layer called <paramref name="name"/>.</summary>
    public Layer GetLayer(string name) =>
        Layers.FirstOrDefault(l => l.Name == name)
        ?? throw new ArgumentException($"No such layer: \"{name}\" in model \"{Name}\". Existing layers are: {string.Join(", ", Layers.Select(l => l.Name))}.", nameof(name));

    /// <summary>The layer at <paramref name="index"/> in <see cref="Layers"/>.</summary>
    public Layer GetLayer(int index) =>
        index >= 0 && index < Layers.Count
            ? Layers[index]
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"Model \"{Name}\" has {Layers.Count} layers.");

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        if (_graph is null)
        {
            throw new InvalidOperationException(
                $"Model \"{Name}\" has no graph: build it functionally (new Model(inputs, outputs)), as a Sequential, " +
                "or subclass Model and override Call.");
        }
        return new Tensors(_graph.Run(inputs, training, Name));
    }

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        // Functional models are built at construction; subclassed models build their layers on the first call.
    }

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes) =>
        _graph?.ComputeOutputShapes(inputShapes) ?? base.ComputeOutputShapes(inputShapes);

    private protected override (Shape Shape, DType DType)[] ComputeOutputSpecs(IReadOnlyList<Shape> shapes, IReadOnlyList<DType> dtypes)
    {
        if (_graph is null) return base.ComputeOutputSpecs(shapes, dtypes);
        var outShapes = _graph.ComputeOutputShapes(shapes);
        return outShapes.Select((s, i) => (s, _graph.Outputs[i].DType)).ToArray();
    }

    // ---------------------------------------------------------------- weights

    /// <summary>The values of all weights, in <see cref="Layer.Weights"/> order (Keras's <c>get_weights</c>).</summary>
    public IReadOnlyList<NDArray> GetWeights()
    {
        using (ReadingWeights()) return Weights.Select(w => w.Numpy()).ToArray();
    }

    /// <summary>Sets all weights from arrays in <see cref="Layer.Weights"/> order (Keras's <c>set_weights</c>).</summary>
    public void SetWeights(IReadOnlyList<NDArray> weights) =>
        SetWeights(weights.Select((w, i) => HostArray.From(w, $"weights[{i}]")).ToArray());

    /// <summary>Sets all weights from host arrays in <see cref="Layer.Weights"/> order.</summary>
    public void SetWeights(IReadOnlyList<HostArray> weights)
    {
        var vars = Weights;
        if (weights.Count != vars.Count)
        {
            throw new ArgumentException(
                $"SetWeights on model \"{Name}\" got a list of {weights.Count} arrays, but the model has {vars.Count} weights.", nameof(weights));
        }
        for (int i = 0; i < vars.Count; i++)
        {
            var expected = vars[i].Shape;
            var got = new Shape(weights[i].Shape);
            if (!expected.Equals(got))
            {
                throw new ArgumentException(
                    $"SetWeights on model \"{Name}\": weight {i} ('{vars[i].Path}') has shape {expected}, but the array given has shape {got}.", nameof(weights));
            }
        }
        using (WritingWeights())
        {
            for (int i = 0; i < vars.Count; i++) vars[i].Assign(weights[i]);
        }
    }

    // ---------------------------------------------------------------- config

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        if (_graph is null) return base.GetConfig();
        var layers = new JsonArray();
        var nodeIndex = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        foreach (var layer in _graph.Layers)
        {
            for (int i = 0; i < layer.InboundNodes.Count; i++) nodeIndex[layer.InboundNodes[i]] = i;
        }
        JsonArray Ref(KerasTensor t) => new(t.Node!.Layer.Name, nodeIndex[t.Node], t.Index);
        foreach (var layer in _graph.Layers)
        {
            var inbound = new JsonArray();
            foreach (var node in layer.InboundNodes.Where(n => !n.IsInput && _graph.Nodes.Contains(n)))
            {
                inbound.Add(new JsonObject
                {
                    ["args"] = new JsonArray(node.Inputs.Length == 1
                        ? KerasHistory(node.Inputs[0], nodeIndex)
                        : new JsonArray(node.Inputs.Select(t => (JsonNode)KerasHistory(t, nodeIndex)).ToArray())),
                    ["kwargs"] = node.Training is bool tr ? new JsonObject { ["training"] = tr } : new JsonObject(),
                });
            }
            var entry = Serialization.Layer(layer);
            entry["name"] = layer.Name;
            entry["inbound_nodes"] = inbound;
            layers.Add(entry);
        }
        return new JsonObject
        {
            ["name"] = Name,
            ["trainable"] = Trainable,
            ["layers"] = layers,
            ["input_layers"] = _graph.Inputs.Length == 1 ? Ref(_graph.Inputs[0]) : new JsonArray(_graph.Inputs.Select(t => (JsonNode)Ref(t)).ToArray()),
            ["output_layers"] = _graph.Outputs.Length == 1 ? Ref(_graph.Outputs[0]) : new JsonArray(_graph.Outputs.Select(t => (JsonNode)Ref(t)).ToArray()),
        };
    }

    private static JsonObject KerasHistory(KerasTensor t, Dictionary<Node, int> nodeIndex) => new()
    {
        ["class_name"] = "__keras_tensor__",
        ["config"] = new JsonObject
        {
            ["shape"] = new JsonArray(t.Shape.Select(d => d == Shape.Unknown ? null : (JsonNode)d).ToArray()),
            ["dtype"] = t.DType.Name(),
            ["keras_history"] = new JsonArray(t.Node!.Layer.Name, nodeIndex[t.Node], t.Index),
        },
    };

    /// <summary>The architecture as Keras JSON (<c>{"class_name", "config", …}</c>, Keras's <c>to_json</c>).</summary>
    public string ToJson(bool indented = false) =>
        Saving.Json.CallOptions.Annotate(Serialization.Layer(this), this).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = indented });
}
