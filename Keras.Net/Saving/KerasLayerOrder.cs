using Keras.Engine;
using Keras.Layers;
using Keras.Models;
using Keras.Saving.Json;

namespace Keras.Saving;

/// <summary>
/// Keras's <c>model.layers</c> order, which both weight formats depend on (Keras 3 keys
/// <c>layers/dense_1</c> are numbered in it; legacy files pair layers by it). For functional models it
/// is computed the way Keras's <c>map_graph</c> does (by decreasing depth, then traversal order from the
/// outputs), which is also the order of the layers in the configs Keras writes; a model rebuilt from a
/// config gets it back whatever order its config lists the layers in. (Keras 3.15 also counts its mask
/// op nodes in the depths; they can only reorder layers next to an input that feeds a mask.)
/// </summary>
internal static class KerasLayerOrder
{
    /// <summary>The model's layers in Keras's order.</summary>
    public static IReadOnlyList<Layer> Of(Model model)
    {
        if (model is Sequential) return model.Layers;
        if (!model.IsGraphNetwork) return model.Layers;
        return MapGraph(model.Inputs, model.Outputs).Where(l => l is not OpLayer).ToArray();
    }

    /// <summary>Keras 3's keys for the layers: snake_case class names, numbered from the second of a kind (<c>dense</c>, <c>dense_1</c>).</summary>
    public static IReadOnlyList<string> Keys(IReadOnlyList<Layer> layers)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var keys = new string[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            var baseName = Naming.ToSnakeCase(ClassName(layers[i]));
            counts.TryGetValue(baseName, out var n);
            counts[baseName] = n + 1;
            keys[i] = n == 0 ? baseName : $"{baseName}_{n}";
        }
        return keys;
    }

    /// <summary>The Keras class name of a layer (<c>Functional</c>/<c>Sequential</c> for models).</summary>
    public static string ClassName(Layer layer) => layer switch
    {
        Model m => m.ClassName,
        OpLayer op => op.OpName,
        _ => layer.GetType().Name,
    };

    // keras/src/ops/function.py: map_graph + _build_map.
    private static List<Layer> MapGraph(IReadOnlyList<KerasTensor> inputs, IReadOnlyList<KerasTensor> outputs)
    {
        var inputSet = new HashSet<KerasTensor>(inputs, ReferenceEqualityComparer.Instance);
        var finished = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var inProgress = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var nodesInDecreasingDepth = new List<Node>();
        var layerIndices = new Dictionary<Layer, int>(ReferenceEqualityComparer.Instance);

        void BuildMap(KerasTensor tensor)
        {
            var node = tensor.Node;
            if (node is null || finished.Contains(node) || inProgress.Contains(node)) return;
            if (!layerIndices.ContainsKey(node.Layer)) layerIndices[node.Layer] = layerIndices.Count;
            inProgress.Add(node);
            if (!node.IsInput && !inputSet.Contains(tensor))
                foreach (var t in node.Inputs) BuildMap(t);
            finished.Add(node);
            inProgress.Remove(node);
            nodesInDecreasingDepth.Add(node);
        }

        foreach (var o in outputs) BuildMap(o);

        var nodeDepths = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        var layerDepths = new Dictionary<Layer, int>(ReferenceEqualityComparer.Instance);
        for (int i = nodesInDecreasingDepth.Count - 1; i >= 0; i--)
        {
            var node = nodesInDecreasingDepth[i];
            if (!nodeDepths.TryGetValue(node, out var depth)) nodeDepths[node] = depth = 0;
            depth = Math.Max(depth, layerDepths.GetValueOrDefault(node.Layer, 0));
            layerDepths[node.Layer] = depth;
            nodeDepths[node] = depth;
            foreach (var parent in node.Parents)
                nodeDepths[parent] = Math.Max(depth + 1, nodeDepths.GetValueOrDefault(parent, 0));
        }
        foreach (var input in inputs)
        {
            var layer = input.Node?.Layer;
            if (layer is not null && !layerDepths.ContainsKey(layer))
            {
                layerDepths[layer] = 0;
                layerIndices[layer] = -1;
            }
        }
        return layerDepths
            .GroupBy(kv => kv.Value)
            .OrderByDescending(g => g.Key)
            .SelectMany(g => g.Select(kv => kv.Key).OrderBy(l => layerIndices[l]))
            .ToList();
    }
}
