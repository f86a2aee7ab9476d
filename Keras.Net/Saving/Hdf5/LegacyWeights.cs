using Keras.Data;
using Keras.Layers;
using Keras.Models;
using Keras.Saving.Json;
using Keras.Saving.Legacy;
using PureHDF;

namespace Keras.Saving.Hdf5;

/// <summary>
/// The legacy HDF5 weights layout of Keras 1–3 (<c>model.save("x.h5")</c> under <c>model_weights</c>,
/// <c>save_weights("x.h5")</c> at the root): a <c>layer_names</c> attribute, one group per layer with a
/// <c>weight_names</c> attribute giving the datasets (paths relative to the group, in the layer's
/// trainable-then-non-trainable order). Weights are always found through those names, in that order.
/// </summary>
internal static class LegacyWeights
{
    /// <summary>
    /// Plans the model's weights from the group that has <c>layer_names</c>. With <c>byName</c> layers pair by
    /// name (layers absent from the file keep their weights); otherwise by order, as Keras does.
    /// </summary>
    public static void Plan(Model model, H5Archive archive, IH5Group group, string groupPath, WeightPlan plan, bool byName, LoadContext context)
    {
        if (!archive.HasAttribute(group, "layer_names", groupPath))
            throw new KerasFileException(archive.DisplayPath, groupPath.Length == 0 ? "root" : groupPath, "has no 'layer_names' attribute, so it holds no Keras weights.");
        var layerNames = archive.StringsAttribute(group, "layer_names", groupPath);
        var fileLayers = new List<(string Name, IReadOnlyList<string> WeightNames, IH5Group Group)>();
        foreach (var name in layerNames)
        {
            var g = archive.TryGroup(name, group)
                ?? throw new KerasFileException(archive.DisplayPath, $"{groupPath}/{name}", $"layer '{name}' is listed in layer_names but its group is missing.");
            var weightNames = archive.StringsAttribute(g, "weight_names", $"{groupPath}/{name}");
            if (weightNames.Count > 0) fileLayers.Add((name, weightNames, g));
        }

        var layers = KerasLayerOrder.Of(model);
        if (byName)
        {
            var byLayerName = layers.GroupBy(l => l.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            foreach (var f in fileLayers)
            {
                if (byLayerName.TryGetValue(f.Name, out var layer)) PlanLayer(layer, archive, f.Group, f.WeightNames, $"{groupPath}/{f.Name}", plan, context);
            }
            return;
        }
        var weighted = layers.Where(l => l.Weights.Count > 0).ToArray();
        if (weighted.Length != fileLayers.Count)
        {
            throw new KerasFileException(archive.DisplayPath, groupPath.Length == 0 ? "layer_names" : $"{groupPath} layer_names",
                $"the file has {fileLayers.Count} layer(s) with weights ({string.Join(", ", fileLayers.Select(f => f.Name))}) but model \"{model.Name}\" has " +
                $"{weighted.Length} ({string.Join(", ", weighted.Select(l => l.Name))}).");
        }
        for (int i = 0; i < weighted.Length; i++)
            PlanLayer(weighted[i], archive, fileLayers[i].Group, fileLayers[i].WeightNames, $"{groupPath}/{fileLayers[i].Name}", plan, context);
    }

    private static void PlanLayer(Layer layer, H5Archive archive, IH5Group group, IReadOnlyList<string> weightNames, string path, WeightPlan plan, LoadContext context)
    {
        var part = $"layer '{layer.Name}' ({path})";
        var values = weightNames.Select(n => archive.ReadArray(n, group, $"{part} weight '{n}'")).ToArray();
        IReadOnlyList<HostArray> converted = LegacyWeightConverter.Convert(layer, values, weightNames, context, part);
        // Keras's legacy order is trainable weights then non-trainable ones; fall back to the layer's own order.
        var legacyOrder = layer.TrainableWeights.Concat(layer.NonTrainableWeights).ToArray();
        var candidates = new[] { legacyOrder, layer.Weights.ToArray() };
        foreach (var targets in candidates)
        {
            if (targets.Length != converted.Count) continue;
            if (!targets.Select(t => t.Shape).SequenceEqual(converted.Select(v => new Shape(v.Shape)))) continue;
            for (int i = 0; i < targets.Length; i++) plan.Add(targets[i], converted[i], $"{part} weight '{(i < weightNames.Count ? weightNames[i] : i.ToString())}'");
            return;
        }
        var weights = layer.Weights;
        if (weights.Count != converted.Count)
        {
            plan.Mismatch(part, $"the file holds {converted.Count} weight(s) {WeightPlan.Shapes(converted.Select(v => new Shape(v.Shape)))} " +
                $"({string.Join(", ", weightNames)}) but the layer has {weights.Count} {WeightPlan.Shapes(weights.Select(w => w.Shape))}.");
            return;
        }
        for (int i = 0; i < legacyOrder.Length; i++)
            plan.Add(legacyOrder[i], converted[i], $"{part} weight '{(i < weightNames.Count ? weightNames[i] : i.ToString())}'");
    }

    // ------------------------------------------------------------------ writing

    /// <summary>The per-layer groups and the <c>layer_names</c> attribute, for <c>model_weights</c> or a weights-only file's root.</summary>
    public static void Fill(H5Group target, Model model, string backend, string kerasVersion)
    {
        var layers = KerasLayerOrder.Of(model);
        var names = new List<string>();
        foreach (var layer in layers)
        {
            names.Add(layer.Name);
            var weights = layer.TrainableWeights.Concat(layer.NonTrainableWeights).ToArray();
            var group = new H5Group();
            var weightNames = UniqueNames(layer, weights);
            for (int i = 0; i < weights.Length; i++) Put(group, weightNames[i], H5Data.Dataset(weights[i].ToHost()));
            group.Attributes["weight_names"] = weightNames.Length == 0
                ? new H5Attribute(Array.Empty<double>(), dimensions: [0])
                : weightNames;
            target[layer.Name] = group;
        }
        target["top_level_model_weights"] = new H5Group { Attributes = new() { ["weight_names"] = new H5Attribute(Array.Empty<double>(), dimensions: [0]) } };
        target.Attributes["layer_names"] = names.ToArray();
        target.Attributes["backend"] = backend;
        target.Attributes["keras_version"] = kerasVersion;
    }

    /// <summary>Keras-style weight paths (<c>layer/sublayer/kernel</c>), made unique within the layer.</summary>
    private static string[] UniqueNames(Layer layer, IReadOnlyList<Variable> weights)
    {
        var owner = new Dictionary<Variable, string>(ReferenceEqualityComparer.Instance);
        void Walk(Layer l, string prefix)
        {
            foreach (var w in WeightTree.OwnWeights(l)) owner.TryAdd(w, $"{prefix}/{w.Name}");
            foreach (var (_, child) in WeightTree.Children(l)) Walk(child, $"{prefix}/{child.Name}");
        }
        Walk(layer, layer.Name);
        var used = new HashSet<string>(StringComparer.Ordinal);
        return weights.Select(w =>
        {
            var name = owner.GetValueOrDefault(w) ?? $"{layer.Name}/{w.Name}";
            var unique = name;
            for (int k = 1; !used.Add(unique); k++) unique = $"{name}_{k}";
            return unique;
        }).ToArray();
    }

    /// <summary>Places a dataset at a relative path, creating the groups on the way.</summary>
    public static void Put(H5Group root, string path, object dataset)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var g = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            if (!g.TryGetValue(parts[i], out var next) || next is not H5Group ng)
            {
                ng = new H5Group();
                g[parts[i]] = ng;
            }
            g = ng;
        }
        g[parts[^1]] = dataset;
    }
}
