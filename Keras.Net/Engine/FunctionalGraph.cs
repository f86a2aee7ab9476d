using Keras.Layers;

namespace Keras.Engine;

/// <summary>
/// The directed acyclic graph of a functional model: its symbolic inputs and outputs and the nodes
/// between them in execution order. Runs the graph on concrete tensors and infers output shapes.
/// </summary>
internal sealed class FunctionalGraph
{
    public FunctionalGraph(IReadOnlyList<KerasTensor> inputs, IReadOnlyList<KerasTensor> outputs, string modelName)
    {
        if (inputs.Count == 0) throw new ArgumentException($"Model \"{modelName}\" needs at least one input.");
        if (outputs.Count == 0) throw new ArgumentException($"Model \"{modelName}\" needs at least one output.");
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Node is not { IsInput: true })
                throw new ArgumentException(
                    $"Model \"{modelName}\": input {i} ({inputs[i]}) is not a model input. Inputs must come from Input(...); " +
                    "to reuse an intermediate tensor, build a separate model.");
        }
        Inputs = inputs.ToArray();
        Outputs = outputs.ToArray();
        Nodes = TopologicalOrder(Outputs, Inputs, modelName);
        var layers = new List<Layer>();
        foreach (var t in Inputs) AddOnce(layers, t.Node!.Layer);
        foreach (var n in Nodes) AddOnce(layers, n.Layer);
        Layers = layers;
    }

    public KerasTensor[] Inputs { get; }
    public KerasTensor[] Outputs { get; }

    /// <summary>Non-input nodes in an order where every node comes after the nodes feeding it.</summary>
    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>Input layers first, then every other layer once, in execution order.</summary>
    public IReadOnlyList<Layer> Layers { get; }

    private static void AddOnce(List<Layer> layers, Layer layer)
    {
        if (!layers.Contains(layer)) layers.Add(layer);
    }

    private static List<Node> TopologicalOrder(KerasTensor[] outputs, KerasTensor[] inputs, string modelName)
    {
        var inputSet = new HashSet<KerasTensor>(inputs, ReferenceEqualityComparer.Instance);
        var order = new List<Node>();
        var done = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var visiting = new HashSet<Node>(ReferenceEqualityComparer.Instance);

        void Visit(KerasTensor t)
        {
            if (inputSet.Contains(t)) return;
            var node = t.Node ?? throw new ArgumentException($"Model \"{modelName}\": tensor {t} was not produced by a layer.");
            if (node.IsInput)
            {
                throw new ArgumentException(
                    $"Graph disconnected in model \"{modelName}\": cannot obtain the value of tensor {t} from input layer " +
                    $"\"{node.Layer.Name}\", which is not among the model's inputs ({string.Join(", ", inputs.Select(i => i.Node!.Layer.Name))}).");
            }
            if (done.Contains(node)) return;
            if (!visiting.Add(node)) throw new InvalidOperationException($"Model \"{modelName}\": the graph has a cycle at layer \"{node.Layer.Name}\".");
            foreach (var input in node.Inputs) Visit(input);
            visiting.Remove(node);
            done.Add(node);
            order.Add(node);
        }

        foreach (var o in outputs) Visit(o);
        return order;
    }

    /// <summary>Runs the graph on concrete inputs (already in input order).</summary>
    public Tensor[] Run(IReadOnlyList<Tensor> inputs, bool training, string modelName)
    {
        if (inputs.Count != Inputs.Length)
            throw new ArgumentException($"Model \"{modelName}\" expects {Inputs.Length} input(s) but received {inputs.Count}.");
        var values = new Dictionary<KerasTensor, Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < Inputs.Length; i++) values[Inputs[i]] = PrepareInput(inputs[i], Inputs[i], i, modelName);
        foreach (var node in Nodes)
        {
            var args = new Tensor[node.Inputs.Length];
            for (int i = 0; i < args.Length; i++) args[i] = values[node.Inputs[i]];
            var outs = node.Layer.Apply(new Tensors(args), node.Training ?? training);
            if (outs.Count != node.Outputs.Length)
                throw new InvalidOperationException($"Layer \"{node.Layer.Name}\" returned {outs.Count} output(s) but its graph node expects {node.Outputs.Length}.");
            for (int i = 0; i < outs.Count; i++) values[node.Outputs[i]] = outs[i];
        }
        return Outputs.Select(o => values[o]).ToArray();
    }

    /// <summary>Checks an input against its Input's shape, adjusts a missing/extra trailing unit axis and casts to the Input's dtype, as Keras does.</summary>
    private static Tensor PrepareInput(Tensor x, KerasTensor spec, int index, string modelName)
    {
        var expected = spec.Shape;
        if (x.Rank == expected.Rank - 1 && expected[-1] == 1) x = Ops.ExpandDims(x, -1);
        else if (x.Rank == expected.Rank + 1 && x.Shape[-1] == 1) x = Ops.Squeeze(x, -1);
        if (!x.Shape.IsCompatibleWith(expected))
        {
            throw new ArgumentException(
                $"Input {index} of model \"{modelName}\" (layer \"{spec.Node!.Layer.Name}\") is incompatible: expected shape {expected}, " +
                $"but received input with shape {x.Shape}.");
        }
        return x.DType == spec.DType ? x : Ops.Cast(x, spec.DType);
    }

    /// <summary>Output shapes for inputs of the given shapes (propagated node by node).</summary>
    public IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        var shapes = new Dictionary<KerasTensor, Shape>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < Inputs.Length; i++) shapes[Inputs[i]] = i < inputShapes.Count ? inputShapes[i] : Inputs[i].Shape;
        foreach (var node in Nodes)
        {
            var outs = node.Layer.ComputeOutputShapes(node.Inputs.Select(t => shapes[t]).ToArray());
            for (int i = 0; i < node.Outputs.Length; i++) shapes[node.Outputs[i]] = outs[i];
        }
        return Outputs.Select(o => shapes[o]).ToArray();
    }
}
