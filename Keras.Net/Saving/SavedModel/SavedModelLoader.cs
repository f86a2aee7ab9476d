using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Layers;
using Keras.Models;
using Keras.Saving.Json;
using Keras.Saving.Legacy;

namespace Keras.Saving.SavedModel;

/// <summary>
/// Loads Keras models saved by TensorFlow 2.x as SavedModel folders (<c>model.save(dir, save_format="tf")</c>):
/// the architecture comes from the Keras metadata (<c>keras_metadata.pb</c> from TF 2.5, or the object graph's
/// <c>SavedUserObject.metadata</c> in TF 2.3/2.4) and is rebuilt with the Keras config deserializer; the weights
/// come from the tensor bundle in <c>variables/</c>, mapped from each Keras layer's object-graph node
/// (its <c>variables</c> list) through the checkpoint's object graph to checkpoint keys. TensorFlow graphs
/// themselves are never run.
/// </summary>
internal static class SavedModelLoader
{
    private const string CheckpointGraphKey = "_CHECKPOINTABLE_OBJECT_GRAPH";

    public static Model Load(string path, bool compile, bool safeMode)
    {
        var dir = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path)) ?? path;
        var pbPath = Path.Combine(dir, "saved_model.pb");
        if (!File.Exists(pbPath))
        {
            if (File.Exists(Path.Combine(dir, "saved_model.pbtxt")))
                throw new KerasFileException(Path.Combine(dir, "saved_model.pbtxt"), "SavedModel", "is a text-format SavedModel; only binary saved_model.pb files are supported.");
            throw new KerasFileException(pbPath, "file", "is missing.");
        }
        var nodes = ProtoMessages.ObjectGraph(ReadFile(pbPath), pbPath);

        // Keras metadata per object-graph node: keras_metadata.pb (TF >= 2.5) or the user objects (TF 2.3/2.4).
        var metadata = new Dictionary<int, (string Identifier, string Json, string Source)>();
        var kerasMetadataPath = Path.Combine(dir, "keras_metadata.pb");
        if (File.Exists(kerasMetadataPath))
        {
            foreach (var n in ProtoMessages.KerasMetadata(ReadFile(kerasMetadataPath), kerasMetadataPath))
                metadata[n.NodeId] = (n.Identifier, n.Metadata, kerasMetadataPath);
        }
        else if (nodes is not null)
        {
            for (int i = 0; i < nodes.Count; i++)
            {
                if (nodes[i].UserIdentifier is { } id && id.StartsWith("_tf_keras", StringComparison.Ordinal) && !string.IsNullOrEmpty(nodes[i].UserMetadata))
                    metadata[i] = (id, nodes[i].UserMetadata!, pbPath);
            }
        }
        if (!metadata.TryGetValue(0, out var root) || string.IsNullOrWhiteSpace(root.Json))
            throw new KerasFileException(path, "SavedModel", "is a TensorFlow SavedModel without Keras metadata; running raw TF graphs is not supported.");

        var rootJson = ModelFiles.ParseJson(root.Json, root.Source, "root node's Keras metadata") as JsonObject
            ?? throw new KerasFileException(root.Source, "root node's Keras metadata", "is not a JSON object.");
        var modelConfig = rootJson["model_config"] as JsonObject;
        if (modelConfig is null && rootJson["config"] is JsonObject cfg && rootJson["class_name"] is not null)
            modelConfig = new JsonObject { ["class_name"] = rootJson["class_name"]!.DeepClone(), ["config"] = cfg.DeepClone() };
        if (modelConfig is null)
        {
            throw new KerasFileException(root.Source, "root node's Keras metadata",
                $"has no model config (class '{rootJson["class_name"]}'): a subclassed model saved without get_config cannot be rebuilt.");
        }
        var kerasVersion = rootJson["keras_version"]?.ToString();
        var backend = rootJson["backend"]?.ToString();
        var variables = Path.Combine(dir, "variables");
        long? weightBytes = Directory.Exists(variables) ? new DirectoryInfo(variables).EnumerateFiles().Sum(f => f.Length) : null;
        var model = ModelFiles.FromSerialized(modelConfig, root.Source, safeMode, kerasVersion, backend, weightBytes);
        try
        {
            if (model.Weights.Count > 0)
            {
                if (nodes is null) throw new KerasFileException(pbPath, "object_graph_def", "is missing, so the weights cannot be matched to the Keras layers.");
                var context = new LoadContext(dir, safeMode, LoadContext.DetectGeneration(kerasVersion, modelConfig), backend, kerasVersion);
                var plan = PlanWeights(model, dir, nodes, metadata, context);
                plan.Apply();
            }
            if (compile && rootJson["training_config"] is JsonObject tc && tc.Count > 0) CompileConfig.Restore(model, tc);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    private static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KerasFileException(path, "file", $"cannot be read: {e.Message}", e);
        }
    }

    private static WeightPlan PlanWeights(Model model, string dir, List<SavedNode> nodes, Dictionary<int, (string Identifier, string Json, string Source)> metadata, LoadContext context)
    {
        var variablesDir = Path.Combine(dir, "variables");
        if (!Directory.Exists(variablesDir))
            throw new KerasFileException(variablesDir, "folder", $"is missing, but model \"{model.Name}\" has {model.Weights.Count} weight(s).");
        var bundle = TensorBundle.Open(Path.Combine(variablesDir, "variables"));
        if (!bundle.Entries.TryGetValue(CheckpointGraphKey, out var graphEntry))
            throw new KerasFileException(bundle.IndexPath, CheckpointGraphKey, "is missing: a name-based (TF1) checkpoint cannot be matched to Keras layers.");
        var ckptPath = bundle.IndexPath;
        var ckpt = ProtoMessages.TrackableGraph(bundle.ReadScalarString(graphEntry), ckptPath);
        var savedToCkpt = MatchGraphs(nodes, ckpt);

        // Layer names from the metadata, preferring the root's direct children.
        var names = new Dictionary<int, string>();
        foreach (var (id, m) in metadata)
        {
            if (id == 0 || id >= nodes.Count || m.Identifier == "_tf_keras_metric") continue;
            if (ModelFiles.ParseJson(m.Json, m.Source, $"node {id}'s Keras metadata") is JsonObject o && o["name"]?.ToString() is { } n) names[id] = n;
        }
        var rootChildren = nodes[0].Children.Select(c => c.NodeId).ToHashSet();

        var plan = new WeightPlan(ckptPath, skipMismatch: false);
        foreach (var layer in KerasLayerOrder.Of(model))
        {
            if (layer.Weights.Count == 0) continue;
            var candidates = names.Where(kv => kv.Value == layer.Name).Select(kv => kv.Key).ToList();
            if (candidates.Count == 0)
                throw new KerasFileException(dir, $"layer '{layer.Name}'", "has weights, but the SavedModel's Keras metadata has no layer of that name.");
            int nodeId = candidates.FirstOrDefault(rootChildren.Contains, candidates[0]);
            var part = $"layer '{layer.Name}' (object graph node {nodeId})";
            var variables = VariablesOf(nodes, nodeId, dir, part);
            var values = new List<HostArray>();
            var keys = new List<string>();
            foreach (var v in variables)
            {
                if (!savedToCkpt.TryGetValue(v, out var ck) || !ckpt[ck].Attributes.TryGetValue("VARIABLE_VALUE", out var key))
                    throw new KerasFileException(ckptPath, part, $"variable node {v} ('{nodes[v].VariableName}') has no value in the checkpoint.");
                if (!bundle.Entries.TryGetValue(key, out var entry))
                    throw new KerasFileException(ckptPath, part, $"checkpoint key '{key}' is missing from the index.");
                values.Add(bundle.Read(entry));
                keys.Add(nodes[v].VariableName is { Length: > 0 } vn ? vn : key);
            }
            PlanLayer(layer, values, keys, $"{part} in {ckptPath}", plan, context);
        }
        return plan;
    }

    // The layer's variables in Keras order: its "variables" list (children "0", "1", …), else its direct variable children.
    private static List<int> VariablesOf(List<SavedNode> nodes, int nodeId, string dir, string part)
    {
        var node = nodes[nodeId];
        var list = node.Children.FirstOrDefault(c => c.LocalName == "variables");
        IEnumerable<int> ids;
        if (list is not null)
        {
            if (list.NodeId >= nodes.Count) throw new KerasFileException(dir, part, $"refers to node {list.NodeId}, beyond the {nodes.Count} nodes of the object graph.");
            ids = nodes[list.NodeId].Children
                .Select(c => (Index: int.TryParse(c.LocalName, out var i) ? i : -1, c.NodeId))
                .Where(c => c.Index >= 0).OrderBy(c => c.Index).Select(c => c.NodeId);
        }
        else
        {
            ids = node.Children.Select(c => c.NodeId).Where(i => i < nodes.Count && nodes[i].IsVariable);
        }
        var result = ids.ToList();
        foreach (var id in result)
        {
            if (id >= nodes.Count || !nodes[id].IsVariable)
                throw new KerasFileException(dir, part, $"lists node {id} among its variables, but it is not a variable.");
        }
        return result;
    }

    // Pairs SavedObjectGraph nodes with checkpoint nodes by walking both from the root along equal child names.
    private static Dictionary<int, int> MatchGraphs(List<SavedNode> saved, List<TrackableNode> ckpt)
    {
        var map = new Dictionary<int, int>();
        if (saved.Count == 0 || ckpt.Count == 0) return map;
        var queue = new Queue<(int Saved, int Ckpt)>();
        queue.Enqueue((0, 0));
        map[0] = 0;
        while (queue.Count > 0)
        {
            var (s, c) = queue.Dequeue();
            var savedChildren = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var child in saved[s].Children) savedChildren.TryAdd(child.LocalName, child.NodeId);
            foreach (var child in ckpt[c].Children)
            {
                if (!savedChildren.TryGetValue(child.LocalName, out var sid) || sid >= saved.Count || child.NodeId >= ckpt.Count) continue;
                if (map.ContainsKey(sid)) continue;
                map[sid] = child.NodeId;
                queue.Enqueue((sid, child.NodeId));
            }
        }
        return map;
    }

    private static void PlanLayer(Layer layer, IReadOnlyList<HostArray> values, IReadOnlyList<string> names, string part, WeightPlan plan, LoadContext context)
    {
        var converted = LegacyWeightConverter.Convert(layer, values, names, context, part);
        // tf.keras lists a layer's variables as trainable then non-trainable; fall back to the layer's own order.
        var legacyOrder = layer.TrainableWeights.Concat(layer.NonTrainableWeights).ToArray();
        foreach (var targets in new[] { legacyOrder, layer.Weights.ToArray() })
        {
            if (targets.Length != converted.Count) continue;
            if (!targets.Select(t => t.Shape).SequenceEqual(converted.Select(v => new Shape(v.Shape)))) continue;
            for (int i = 0; i < targets.Length; i++) plan.Add(targets[i], converted[i], $"{part} weight '{names[Math.Min(i, names.Count - 1)]}'");
            return;
        }
        if (legacyOrder.Length != converted.Count)
        {
            plan.Mismatch(part, $"the SavedModel holds {converted.Count} variable(s) {WeightPlan.Shapes(converted.Select(v => new Shape(v.Shape)))} " +
                $"({string.Join(", ", names)}) but the layer has {legacyOrder.Length} {WeightPlan.Shapes(legacyOrder.Select(w => w.Shape))}.");
            return;
        }
        for (int i = 0; i < legacyOrder.Length; i++) plan.Add(legacyOrder[i], converted[i], $"{part} weight '{names[i]}'");
    }
}
