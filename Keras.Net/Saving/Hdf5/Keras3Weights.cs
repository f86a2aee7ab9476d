using Keras.Data;
using Keras.Layers;
using Keras.Models;
using PureHDF;

namespace Keras.Saving.Hdf5;

/// <summary>
/// Keras 3's weights layout (<c>model.weights.h5</c>, also inside <c>.keras</c> archives):
/// <c>layers/&lt;key&gt;/vars/0..n</c>, where the key is the snake_case class name numbered in
/// <c>model.layers</c> order, sublayers nested under their attribute names
/// (<c>layers/bidirectional/forward_layer/cell/vars</c>), each <c>vars</c> group carrying the object's
/// name in a <c>name</c> attribute, and the optimizer's state in <c>optimizer/vars</c>.
/// </summary>
internal static class Keras3Weights
{
    /// <summary>Whether the file uses this layout (rather than the legacy <c>layer_names</c> one).</summary>
    public static bool IsKeras3Layout(H5Archive archive) =>
        !archive.HasAttribute(archive.Root, "layer_names", "root") && archive.TryGroup("model_weights") is null
        && (archive.TryGroup("layers") is not null || archive.TryGroup("vars") is not null);

    // ------------------------------------------------------------------ reading

    /// <summary>Plans the model's weights from the file.</summary>
    public static void Plan(Model model, H5Archive archive, WeightPlan plan, bool byName)
    {
        PlanModel(model, archive, archive.Root, "", plan, byName);
    }

    private static void PlanModel(Model model, H5Archive archive, IH5Group group, string path, WeightPlan plan, bool byName)
    {
        var layers = KerasLayerOrder.Of(model);
        var keys = KerasLayerOrder.Keys(layers);
        var layersGroup = archive.TryGroup("layers", group);
        Dictionary<string, string>? keyByName = null;
        if (byName && layersGroup is not null)
        {
            keyByName = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var key in archive.ChildNames(layersGroup, path + "layers"))
            {
                if (archive.TryGroup(key + "/vars", layersGroup) is { } vars && archive.StringAttribute(vars, "name", $"{path}layers/{key}/vars") is { } n)
                    keyByName.TryAdd(n, key);
            }
        }
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            string? key = keyByName is null ? keys[i] : keyByName.GetValueOrDefault(layer.Name);
            var part = $"layer '{layer.Name}' ({path}layers/{key ?? keys[i]})";
            var layerGroup = key is null || layersGroup is null ? null : archive.TryGroup(key, layersGroup);
            if (layerGroup is null)
            {
                if (layer.Weights.Count == 0 || byName) continue;
                plan.Mismatch(part, $"is missing from the file, but the layer has {layer.Weights.Count} weight(s).");
                continue;
            }
            if (layer is Model nested) PlanModel(nested, archive, layerGroup, $"{path}layers/{key}/", plan, byName: false);
            else PlanLayer(layer, archive, layerGroup, $"{path}layers/{key}", part, plan);
        }
    }

    /// <summary>Plans one layer's weights from its group: by structure when the keys match, else flattened in Keras's order.</summary>
    public static void PlanLayer(Layer layer, H5Archive archive, IH5Group group, string path, string part, WeightPlan plan)
    {
        var structural = new List<(Variable, HostArray, string)>();
        if (TryStructural(layer, archive, group, path, structural))
        {
            foreach (var (v, a, p) in structural) plan.Add(v, a, $"{part} weight '{p}'");
            return;
        }
        var leaves = Flatten(archive, group, path);
        var weights = layer.Weights;
        if (leaves.Count != weights.Count)
        {
            plan.Mismatch(part,
                $"the file holds {leaves.Count} weight(s) {WeightPlan.Shapes(leaves.Select(l => new Shape(l.Value.Shape)))} but the layer has " +
                $"{weights.Count} {WeightPlan.Shapes(weights.Select(w => w.Shape))}.");
            return;
        }
        for (int i = 0; i < weights.Count; i++) plan.Add(weights[i], leaves[i].Value, $"{part} weight {i} ('{leaves[i].Path}')");
    }

    private static bool TryStructural(Layer layer, H5Archive archive, IH5Group group, string path, List<(Variable, HostArray, string)> result)
    {
        var own = WeightTree.OwnWeights(layer);
        var vars = archive.TryGroup("vars", group);
        var values = vars is null ? [] : VarValues(archive, vars, path + "/vars");
        if (values.Count != own.Count) return false;
        for (int i = 0; i < own.Count; i++)
        {
            if (!new Shape(values[i].Shape).Equals(own[i].Shape)) return false;
            result.Add((own[i], values[i], $"{path}/vars/{i}"));
        }
        foreach (var (key, child) in WeightTree.Children(layer))
        {
            if (child.Weights.Count == 0) continue;
            var childGroup = archive.TryGroup(key, group);
            if (childGroup is null) return false;
            if (child is Model nested)
            {
                result.AddRange(CollectModel(nested, archive, childGroup, $"{path}/{key}/"));
                continue;
            }
            if (!TryStructural(child, archive, childGroup, $"{path}/{key}", result)) return false;
        }
        return true;
    }

    private static List<(Variable, HostArray, string)> CollectModel(Model model, H5Archive archive, IH5Group group, string path)
    {
        var result = new List<(Variable, HostArray, string)>();
        var layers = KerasLayerOrder.Of(model);
        var keys = KerasLayerOrder.Keys(layers);
        var layersGroup = archive.TryGroup("layers", group);
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Weights.Count == 0 || layersGroup is null) continue;
            var g = archive.TryGroup(keys[i], layersGroup);
            if (g is null) continue;
            if (layers[i] is Model m) result.AddRange(CollectModel(m, archive, g, $"{path}layers/{keys[i]}/"));
            else if (TryStructural(layers[i], archive, g, $"{path}layers/{keys[i]}", result)) { }
            else
            {
                var leaves = Flatten(archive, g, $"{path}layers/{keys[i]}");
                var w = layers[i].Weights;
                for (int j = 0; j < Math.Min(w.Count, leaves.Count); j++) result.Add((w[j], leaves[j].Value, leaves[j].Path));
            }
        }
        return result;
    }

    /// <summary>The values of a <c>vars</c> group, in index order.</summary>
    public static IReadOnlyList<HostArray> VarValues(H5Archive archive, IH5Group vars, string path)
    {
        var names = archive.ChildNames(vars, path);
        var indexed = new List<(int Index, string Name)>();
        foreach (var n in names)
        {
            if (!int.TryParse(n, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i))
                throw new KerasFileException(archive.DisplayPath, path, $"holds '{n}', which is not a variable index.");
            indexed.Add((i, n));
        }
        indexed.Sort((a, b) => a.Index.CompareTo(b.Index));
        for (int k = 0; k < indexed.Count; k++)
        {
            if (indexed[k].Index != k)
                throw new KerasFileException(archive.DisplayPath, path, $"variable indices are not 0..{indexed.Count - 1} (found {string.Join(", ", indexed.Select(x => x.Index))}).");
        }
        return indexed.Select(x => archive.ReadArray(x.Name, vars, $"{path}/{x.Name}")).ToArray();
    }

    // HDF5 hard links can form cycles (a group linking to itself or an ancestor): the walk below a layer is
    // bounded in depth and in the number of groups it visits.
    private const int MaxGroupDepth = 64;
    private const int MaxGroupsVisited = 4096;

    /// <summary>All variables below a group in Keras's weights order: own variables, then sublayers in tracking order.</summary>
    private static List<(string Path, HostArray Value)> Flatten(H5Archive archive, IH5Group group, string path)
    {
        int visited = 0;
        return Flatten(archive, group, path, 0, ref visited);
    }

    private static List<(string Path, HostArray Value)> Flatten(H5Archive archive, IH5Group group, string path, int depth, ref int visited)
    {
        if (depth > MaxGroupDepth || ++visited > MaxGroupsVisited)
            throw new KerasFileException(archive.DisplayPath, path, $"nests more groups than a layer can have (over {MaxGroupDepth} deep or {MaxGroupsVisited} in all): the file's links form a cycle or are corrupt.");
        var result = new List<(string, HostArray)>();
        if (archive.TryGroup("vars", group) is { } vars)
        {
            var values = VarValues(archive, vars, path + "/vars");
            for (int i = 0; i < values.Count; i++) result.Add(($"{path}/vars/{i}", values[i]));
        }
        var children = archive.ChildNames(group, path).Where(n => n != "vars").ToList();
        children.Sort((a, b) =>
        {
            int pa = Array.IndexOf(WeightTree.TrackingPriority, a.TrimStart('_')), pb = Array.IndexOf(WeightTree.TrackingPriority, b.TrimStart('_'));
            if (pa < 0) pa = int.MaxValue;
            if (pb < 0) pb = int.MaxValue;
            return pa != pb ? pa.CompareTo(pb) : WeightTree.NaturalCompare(a, b);
        });
        foreach (var child in children)
        {
            if (archive.TryGroup(child, group) is { } g) result.AddRange(Flatten(archive, g, $"{path}/{child}", depth + 1, ref visited));
        }
        return result;
    }

    // ------------------------------------------------------------------ writing

    /// <summary>Builds the Keras 3 weights file for a model (with the optimizer's variables when it is built).</summary>
    public static H5File Build(Model model)
    {
        var file = new H5File();
        foreach (var (k, v) in ModelGroup(model)) file[k] = v;
        if (model.Optimizer is { } optimizer && OptimizerState.KerasOrder(model, optimizer) is { } vars)
        {
            var varsGroup = new H5Group { Attributes = new() { ["name"] = optimizer.Name } };
            for (int i = 0; i < vars.Count; i++) varsGroup[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = H5Data.Dataset(vars[i]);
            file["optimizer"] = new H5Group { ["vars"] = varsGroup };
        }
        return file;
    }

    private static H5Group ModelGroup(Model model)
    {
        var layersGroup = new H5Group();
        var layers = KerasLayerOrder.Of(model);
        var keys = KerasLayerOrder.Keys(layers);
        for (int i = 0; i < layers.Count; i++)
            layersGroup[keys[i]] = layers[i] is Model nested ? ModelGroup(nested) : LayerGroup(layers[i]);
        return new H5Group
        {
            ["layers"] = layersGroup,
            ["vars"] = new H5Group { Attributes = new() { ["name"] = model.Name } },
        };
    }

    private static H5Group LayerGroup(Layer layer)
    {
        var vars = new H5Group { Attributes = new() { ["name"] = layer.Name } };
        var own = WeightTree.OwnWeights(layer);
        for (int i = 0; i < own.Count; i++) vars[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = H5Data.Dataset(own[i].ToHost());
        var group = new H5Group { ["vars"] = vars };
        foreach (var (key, child) in WeightTree.Children(layer))
            group[key] = child is Model nested ? ModelGroup(nested) : LayerGroup(child);
        return group;
    }
}
