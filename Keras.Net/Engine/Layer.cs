using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Initializers;

namespace Keras.Layers;

/// <summary>
/// The base of every layer (Keras's <c>keras.layers.Layer</c>). Life cycle: constructor arguments →
/// <see cref="Build(Shape)"/> (creates weights with <see cref="AddWeight"/>, once, from the first
/// input shape) → <see cref="Call"/> (the computation) → <see cref="ComputeOutputShape(Shape)"/> →
/// <see cref="GetConfig"/>. Call a layer with <see cref="Apply(Tensors, bool?, Tensors?)"/>: on concrete tensors it computes;
/// on symbolic <see cref="KerasTensor"/>s it records a node of a functional graph.
/// </summary>
public abstract class Layer : IDisposable
{
    private readonly List<Variable> _trainable = [];
    private readonly List<Variable> _nonTrainable = [];
    private readonly List<Layer> _tracked = [];
    private bool _trainableFlag;
    private bool _fieldsDiscovered;
    private readonly object _buildGate = new();

    /// <summary>Creates a layer.</summary>
    /// <param name="name">Unique name; by default the snake_case class name with a counter (<c>dense_1</c>).</param>
    /// <param name="trainable">Whether the layer's weights are trained.</param>
    /// <param name="dtype">The dtype of the layer's weights and computations.</param>
    /// <param name="inputShape">For the first layer of a <c>Sequential</c> model: the shape of one sample (no batch dimension).</param>
    protected Layer(string? name = null, bool trainable = true, DType dtype = DType.Float32, Shape? inputShape = null)
    {
        Name = string.IsNullOrEmpty(name) ? Naming.UniqueName(Naming.ToSnakeCase(GetType().Name)) : name;
        _trainableFlag = trainable;
        DType = dtype;
        DeclaredInputShape = inputShape;
    }

    /// <summary>The layer's unique name.</summary>
    public string Name { get; protected set; }

    /// <summary>The dtype of weights and computations.</summary>
    public DType DType { get; }

    /// <summary>The sample shape given with <c>inputShape</c> (first layer of a Sequential model).</summary>
    public Shape? DeclaredInputShape { get; }

    /// <summary>Whether <see cref="Build(Shape)"/> has run.</summary>
    public bool Built { get; protected set; }

    /// <summary>What the layer accepts; checked on every call.</summary>
    public InputSpec? InputSpec { get; protected set; }

    /// <summary>Whether the layer passes masks through (or consumes them).</summary>
    public bool SupportsMasking { get; protected set; }

    /// <summary>
    /// Whether the layer's weights are trained. Setting it applies to every nested layer, as in
    /// Keras (a frozen model freezes its layers).
    /// </summary>
    public virtual bool Trainable
    {
        get => _trainableFlag;
        set
        {
            _trainableFlag = value;
            foreach (var v in _trainable) v.SetTrainable(value);
            foreach (var l in SubLayers) l.Trainable = value;
        }
    }

    internal List<Node> InboundNodes { get; } = [];

    /// <summary>
    /// True when the layer carries state from one call to the next (a stateful RNN); a layer that
    /// contains one is stateful too. Keras's <c>stateful</c>.
    /// </summary>
    public virtual bool Stateful => SubLayers.Any(l => l.Stateful);

    /// <summary>The layers this layer contains (tracked explicitly or found in its fields).</summary>
    protected internal virtual IReadOnlyList<Layer> SubLayers
    {
        get
        {
            DiscoverFieldLayers();
            return _tracked;
        }
    }

    /// <summary>All weights: own trainable, own non-trainable, then those of nested layers.</summary>
    public IReadOnlyList<Variable> Weights =>
        Distinct(_trainable.Concat(_nonTrainable).Concat(SubLayers.SelectMany(l => l.Weights)));

    /// <summary>The weights the optimizer updates (none when <see cref="Trainable"/> is false).</summary>
    public IReadOnlyList<Variable> TrainableWeights => Trainable
        ? Distinct(_trainable.Concat(SubLayers.SelectMany(l => l.TrainableWeights)))
        : [];

    /// <summary>The weights the optimizer leaves alone.</summary>
    public IReadOnlyList<Variable> NonTrainableWeights => Trainable
        ? Distinct(_nonTrainable.Concat(SubLayers.SelectMany(l => l.NonTrainableWeights)))
        : Weights;

    private static List<Variable> Distinct(IEnumerable<Variable> vs) => vs.Distinct(ReferenceEqualityComparer.Instance).Cast<Variable>().ToList();

    /// <summary>Number of scalars in all weights.</summary>
    public long CountParams()
    {
        if (!Built && Weights.Count == 0)
            throw new InvalidOperationException($"Layer \"{Name}\" is not built yet, so it has no weights to count. Call it on data or build it first.");
        return Weights.Sum(w => w.Shape.Size);
    }

    /// <summary>The output of the layer's first call on symbolic tensors.</summary>
    public Tensors Output => InboundNodes.Count > 0
        ? new Tensors(InboundNodes[0].Outputs)
        : throw new InvalidOperationException($"Layer \"{Name}\" has never been called on symbolic inputs, so it has no output.");

    /// <summary>The input of the layer's first call on symbolic tensors.</summary>
    public Tensors Input => InboundNodes.Count > 0
        ? new Tensors(InboundNodes[0].Inputs)
        : throw new InvalidOperationException($"Layer \"{Name}\" has never been called on symbolic inputs, so it has no input.");

    // ---------------------------------------------------------------- weights

    /// <summary>
    /// Creates a weight owned by this layer (call it from <see cref="Build(Shape)"/>). Trainable
    /// weights are updated by the optimizer; non-trainable ones by the layer itself.
    /// </summary>
    protected Variable AddWeight(string name, Shape shape, Initializer? initializer = null, bool trainable = true, DType? dtype = null,
        Regularizers.Regularizer? regularizer = null, Constraints.Constraint? constraint = null)
    {
        if (!shape.IsFullyDefined)
            throw new ArgumentException($"Layer \"{Name}\": weight '{name}' needs a fully known shape; got {shape}.", nameof(shape));
        initializer ??= DType.IsFloating() ? new GlorotUniform() : new Zeros();
        WeightBudget.Charge(Name, name, shape, dtype ?? DType);
        Variable v;
        // The scope frees the initializer's temporaries too (the variable keeps its own copy).
        using (Ops.NoGrad())
        using (Ops.Scope())
        {
            var init = initializer.Call(shape, dtype ?? DType);
            v = new Variable(init, name, trainable && _trainableFlag, $"{Name}/{name}") { Regularizer = regularizer, Constraint = constraint };
        }
        (trainable ? _trainable : _nonTrainable).Add(v);
        return v;
    }

    /// <summary>Tracks a nested layer so its weights are part of this layer's (fields are found automatically).</summary>
    protected T Track<T>(T layer) where T : Layer
    {
        lock (_tracked)
        {
            if (!_tracked.Contains(layer)) _tracked.Add(layer);
        }
        return layer;
    }

    // Subclassed layers and models hold their sublayers in fields, as Python attributes; find them
    // once so their weights are tracked without ceremony.
    private static readonly ConcurrentDictionary<Type, FieldInfo[]> LayerFields = new();

    private void DiscoverFieldLayers()
    {
        if (Volatile.Read(ref _fieldsDiscovered)) return;
        lock (_tracked)
        {
            if (_fieldsDiscovered) return;
            TrackFieldLayers();
            Volatile.Write(ref _fieldsDiscovered, true);
        }
    }

    private void TrackFieldLayers()
    {
        var fields = LayerFields.GetOrAdd(GetType(), static t =>
        {
            var list = new List<FieldInfo>();
            for (var type = t; type is not null && type != typeof(Layer); type = type.BaseType)
            {
                if (type.Assembly == typeof(Layer).Assembly && type.Namespace == "Keras.Models") continue;
                foreach (var f in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (typeof(Layer).IsAssignableFrom(f.FieldType) || typeof(IEnumerable<Layer>).IsAssignableFrom(f.FieldType))
                        list.Add(f);
                }
            }
            return list.ToArray();
        });
        foreach (var f in fields)
        {
            switch (f.GetValue(this))
            {
                case Layer l when !ReferenceEquals(l, this):
                    Track(l);
                    break;
                case IEnumerable<Layer> ls:
                    foreach (var l in ls) if (!ReferenceEquals(l, this)) Track(l);
                    break;
            }
        }
    }

    // ---------------------------------------------------------------- losses

    private readonly List<Tensor> _losses = [];

    /// <summary>
    /// Adds a loss term computed in <see cref="Call"/> (Keras's <c>add_loss</c>, e.g. activity
    /// regularization). Training adds every layer's losses of the current step to the compiled loss.
    /// </summary>
    protected void AddLoss(Tensor loss)
    {
        if (CallContext.DiscardLosses) return;
        lock (_losses) _losses.Add(loss);
    }

    /// <summary>
    /// The loss terms of this layer and its nested layers: those added during the latest call and
    /// the penalties of regularized weights (computed now, as Keras does).
    /// </summary>
    public IReadOnlyList<Tensor> Losses
    {
        get
        {
            var all = new List<Tensor>();
            CollectLosses(all);
            return all;
        }
    }

    private void CollectLosses(List<Tensor> into)
    {
        lock (_losses) into.AddRange(_losses);
        foreach (var v in _trainable) if (v.Regularizer is { } r) into.Add(r.Call(v.Value));
        foreach (var v in _nonTrainable) if (v.Regularizer is { } r) into.Add(r.Call(v.Value));
        foreach (var l in SubLayers) l.CollectLosses(into);
    }

    /// <summary>A penalty on the layer's outputs added to the loss at every call (Keras's <c>activity_regularizer</c>).</summary>
    public Regularizers.Regularizer? ActivityRegularizer { get; set; }

    /// <summary>Forgets the loss terms of the previous call (the trainer does this before each step).</summary>
    internal void ClearLosses()
    {
        lock (_losses) _losses.Clear();
        foreach (var l in SubLayers) l.ClearLosses();
    }

    // ---------------------------------------------------------------- life cycle

    /// <summary>Creates the weights for inputs of <paramref name="inputShape"/> (batch dimension included).</summary>
    public virtual void Build(Shape inputShape)
    {
    }

    /// <summary>Creates the weights for several inputs; by default a single input goes to <see cref="Build(Shape)"/> and several need no weights.</summary>
    public virtual void Build(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count == 1) Build(inputShapes[0]);
    }

    /// <summary>Builds the layer for the given input shapes if it is not built yet (thread-safe).</summary>
    public void EnsureBuilt(IReadOnlyList<Shape> inputShapes)
    {
        if (Built) return;
        lock (_buildGate)
        {
            if (Built) return;
            Build(inputShapes);
            Built = true;
        }
    }

    /// <summary>The computation. <paramref name="training"/> is true inside <c>Fit</c>; <paramref name="mask"/> is the inputs' mask, if any.</summary>
    protected abstract Tensors Call(Tensors inputs, bool training, Tensors? mask);

    /// <summary>The output shape for an input shape (batch dimension included; unknown dimensions are -1).</summary>
    public virtual Shape ComputeOutputShape(Shape inputShape) => ComputeOutputShapes([inputShape])[0];

    /// <summary>
    /// The output shapes for several inputs. By default it uses <see cref="ComputeOutputShape(Shape)"/>
    /// when the layer overrides it, and otherwise runs <see cref="Call"/> on placeholder data.
    /// </summary>
    public virtual IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        if (Overrides(GetType(), nameof(ComputeOutputShape)) && inputShapes.Count == 1)
            return [ComputeOutputShape(inputShapes[0])];
        return InferBySampleCall(inputShapes, inputShapes.Select(_ => DType.Float32).ToArray()).Select(s => s.Shape).ToArray();
    }

    /// <summary>The dtype of the outputs for inputs of the given dtypes (default: the layer's dtype for floating inputs).</summary>
    public virtual DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) =>
        inputDTypes.Count > 0 && !inputDTypes[0].IsFloating() ? inputDTypes[0] : DType;

    /// <summary>The mask of the outputs (default: the input mask when the layer supports masking, else none).</summary>
    public virtual Tensors? ComputeMask(Tensors inputs, Tensors? mask) => SupportsMasking ? mask : null;

    /// <summary>The arguments needed to re-create the layer (Keras's <c>get_config</c>).</summary>
    public virtual JsonObject GetConfig() => new()
    {
        ["name"] = Name,
        ["trainable"] = Trainable,
        ["dtype"] = Serialization.DTypePolicy(DType),
    };

    // ---------------------------------------------------------------- calling

    /// <summary>
    /// Calls the layer (Keras's <c>layer(inputs)</c>). Concrete inputs are computed on (building the
    /// layer first if needed); symbolic inputs produce symbolic outputs and a graph node.
    /// </summary>
    /// <param name="inputs">One tensor or several.</param>
    /// <param name="training">Training mode; by default inherited from the enclosing call, else false.</param>
    /// <param name="mask">Input mask; by default the mask the inputs carry.</param>
    public Tensors Apply(Tensors inputs, bool? training = null, Tensors? mask = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        bool anySymbolic = inputs.Any(t => t.IsSymbolic);
        if (anySymbolic)
        {
            if (!inputs.IsSymbolic)
                throw new ArgumentException($"Layer \"{Name}\" was called on a mix of symbolic (KerasTensor) and concrete tensors; use one kind.");
            return CallSymbolic(inputs, training);
        }

        var shapes = inputs.Shapes;
        EnsureBuilt(shapes);
        CheckInputs(shapes);
        mask ??= CollectMask(inputs);
        // The outermost call starts a fresh set of loss terms, as Keras does (not in inference-only calls, which keep none).
        if (CallContext.Training is null && !CallContext.DiscardLosses) ClearLosses();
        bool t = training ?? CallContext.Training ?? false;
        using (CallContext.Enter(t))
        {
            var outputs = Call(inputs, t, mask);
            if (ActivityRegularizer is { } activity)
            {
                // Keras 3 divides the activity penalty by the batch size.
                foreach (var output in outputs)
                {
                    var penalty = activity.Call(output);
                    AddLoss(output.Rank > 0 && output.Shape[0] > 0 ? Ops.Multiply(penalty, 1.0 / output.Shape[0]) : penalty);
                }
            }
            if (mask is not null || SupportsMasking)
            {
                var outMask = ComputeMask(inputs, mask);
                if (outMask is not null)
                {
                    for (int i = 0; i < outputs.Count && i < outMask.Count; i++)
                        outputs[i].KerasMask = outMask[i];
                }
            }
            return outputs;
        }
    }

    /// <summary>Calls the layer on a single concrete input.</summary>
    public Tensor Apply(Tensor input, bool? training = null) => SingleOutput(Apply(new Tensors(input), training));

    /// <summary>Calls the layer on a single symbolic input (functional API): <c>var x = new Dense(64).Apply(inputs);</c></summary>
    public KerasTensor Apply(KerasTensor input, bool? training = null) => (KerasTensor)SingleOutput(Apply(new Tensors(input), training));

    private Tensor SingleOutput(Tensors outputs) => outputs.Count == 1
        ? outputs[0]
        : throw new InvalidOperationException(
            $"Layer \"{Name}\" returned {outputs.Count} outputs; call Apply(new Tensors(x)) to receive all of them.");

    private static Tensors? CollectMask(Tensors inputs)
    {
        Tensor[]? masks = null;
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].KerasMask is { } m)
            {
                masks ??= new Tensor[inputs.Count];
                masks[i] = m;
            }
        }
        // Only a complete set of masks is passed on; layers with partial masks handle them via the tensors.
        return masks is not null && Array.TrueForAll(masks, m => m is not null) ? new Tensors(masks) : null;
    }

    private void CheckInputs(IReadOnlyList<Shape> shapes)
    {
        if (InputSpec is null) return;
        for (int i = 0; i < shapes.Count; i++) InputSpec.Check(Name, i, shapes[i]);
    }

    private Tensors CallSymbolic(Tensors inputs, bool? training)
    {
        var kts = inputs.Cast<KerasTensor>().ToArray();
        var shapes = kts.Select(k => k.Shape).ToArray();
        EnsureBuilt(shapes);
        CheckInputs(shapes);
        var specs = ComputeOutputSpecs(shapes, kts.Select(k => k.DType).ToArray());
        var node = new Node(this, kts, training);
        node.Outputs = specs.Select((s, i) => new KerasTensor(s.Shape, s.DType, null, node, i)).ToArray();
        InboundNodes.Add(node);
        return new Tensors(node.Outputs);
    }

    /// <summary>
    /// Shapes and dtypes of the outputs for symbolic inputs: from <see cref="ComputeOutputShape(Shape)"/>
    /// or <see cref="ComputeOutputShapes"/> when the layer overrides one, else by a sample call.
    /// </summary>
    private protected virtual (Shape Shape, DType DType)[] ComputeOutputSpecs(IReadOnlyList<Shape> shapes, IReadOnlyList<DType> dtypes)
    {
        var type = GetType();
        if ((Overrides(type, nameof(ComputeOutputShape)) && shapes.Count == 1) || OverridesShapes(type))
        {
            var dtype = ComputeOutputDType(dtypes);
            return ComputeOutputShapes(shapes).Select(s => (s, dtype)).ToArray();
        }
        return InferBySampleCall(shapes, dtypes);
    }

    private static readonly ConcurrentDictionary<Type, bool> OverridesShapesCache = new();

    private static bool OverridesShapes(Type type) => OverridesShapesCache.GetOrAdd(type, static t =>
        t.GetMethod(nameof(ComputeOutputShapes), [typeof(IReadOnlyList<Shape>)])!.DeclaringType != typeof(Layer));

    private static readonly ConcurrentDictionary<(Type, string), bool> OverrideCache = new();

    private static bool Overrides(Type type, string method) => OverrideCache.GetOrAdd((type, method), static key =>
        key.Item1.GetMethods(BindingFlags.Instance | BindingFlags.Public)
            .Any(m => m.Name == key.Item2 && m.DeclaringType != typeof(Layer) && m.GetParameters() is [{ ParameterType: var p }] && p == typeof(Shape)));

    /// <summary>
    /// Infers output shapes and dtypes by running <see cref="Call"/> on zeros, twice when a dimension
    /// is unknown (with different sizes), marking output dimensions that change as unknown.
    /// </summary>
    private protected (Shape Shape, DType DType)[] InferBySampleCall(IReadOnlyList<Shape> shapes, IReadOnlyList<DType> dtypes)
    {
        bool anyUnknown = shapes.Any(s => !s.IsFullyDefined);
        var first = SampleCall(shapes, dtypes, 2);
        if (!anyUnknown) return first;
        var second = SampleCall(shapes, dtypes, 3);
        return first.Select((o, i) =>
        {
            var dims = o.Shape.ToArray();
            for (int d = 0; d < dims.Length; d++)
                if (d < second[i].Shape.Rank && second[i].Shape[d] != dims[d]) dims[d] = Shape.Unknown;
            return (new Shape(dims), o.DType);
        }).ToArray();
    }

    private (Shape Shape, DType DType)[] SampleCall(IReadOnlyList<Shape> shapes, IReadOnlyList<DType> dtypes, int unknownSize)
    {
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        var inputs = shapes.Select((s, i) => Ops.Zeros(new Shape(s.Select(d => d == Shape.Unknown ? unknownSize : d).ToArray()), dtypes[i])).ToArray();
        using (CallContext.EnterInference())
        {
            var outputs = Call(new Tensors(inputs), false, null);
            return outputs.Select(o => (o.Shape, o.DType)).ToArray();
        }
    }

    // ---------------------------------------------------------------- disposal

    /// <summary>Releases the native memory of the layer's own weights and of its nested layers.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases native memory.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        foreach (var v in _trainable.Concat(_nonTrainable)) v.Dispose();
        foreach (var l in SubLayers) l.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"<{GetType().Name} name={Name}, built={Built}>";
}
