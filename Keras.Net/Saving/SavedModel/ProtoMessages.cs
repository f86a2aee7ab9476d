namespace Keras.Saving.SavedModel;

/// <summary>A child reference in an object graph (<c>ObjectReference</c>: node_id=1, local_name=2).</summary>
internal sealed record ObjectRef(int NodeId, string LocalName);

/// <summary>The parts of a <c>SavedObject</c> (SavedObjectGraph node) the loader uses.</summary>
internal sealed class SavedNode
{
    public List<ObjectRef> Children { get; } = [];
    public string? UserIdentifier { get; set; }
    public string? UserMetadata { get; set; }
    public bool IsVariable { get; set; }
    public string? VariableName { get; set; }
}

/// <summary>A node of a checkpoint's <c>TrackableObjectGraph</c>.</summary>
internal sealed class TrackableNode
{
    public List<ObjectRef> Children { get; } = [];
    public Dictionary<string, string> Attributes { get; } = new(StringComparer.Ordinal);
}

/// <summary>A node of <c>keras_metadata.pb</c> (<c>SavedMetadata.nodes</c>).</summary>
internal sealed record KerasMetadataNode(int NodeId, string NodePath, string Identifier, string Metadata);

/// <summary>Hand-written subsets of the TensorFlow protos (field numbers from tensorflow/core/protobuf).</summary>
internal static class ProtoMessages
{
    /// <summary><c>TensorShapeProto</c>: dim=2 (<c>Dim</c>: size=1), unknown_rank=3.</summary>
    public static long[] Shape(ProtoReader r)
    {
        var dims = new List<long>();
        while (r.Next(out int field))
        {
            if (field == 2)
            {
                var d = r.Message("dim");
                long size = 0;
                while (d.Next(out int f))
                {
                    if (f == 1) size = d.Int64();
                    else d.Skip();
                }
                dims.Add(size);
            }
            else if (field == 3)
            {
                if (r.Bool()) throw r.Error("has an unknown rank.");
            }
            else
            {
                r.Skip();
            }
        }
        return [.. dims];
    }

    /// <summary>
    /// <c>SavedModel</c> (meta_graphs=2) → <c>MetaGraphDef</c> (object_graph_def=7) → <c>SavedObjectGraph</c>
    /// (nodes=1); null when no meta graph has an object graph (a TF1 graph).
    /// </summary>
    public static List<SavedNode>? ObjectGraph(byte[] savedModel, string path)
    {
        var r = new ProtoReader(savedModel, path, "SavedModel");
        while (r.Next(out int field))
        {
            if (field != 2)
            {
                r.Skip();
                continue;
            }
            var meta = r.Message("meta_graphs");
            while (meta.Next(out int mf))
            {
                if (mf != 7)
                {
                    meta.Skip();
                    continue;
                }
                var graph = meta.Message("object_graph_def");
                var nodes = new List<SavedNode>();
                while (graph.Next(out int gf))
                {
                    if (gf == 1) nodes.Add(SavedObject(graph.Message($"nodes[{nodes.Count}]")));
                    else graph.Skip();
                }
                return nodes;
            }
        }
        return null;
    }

    private static SavedNode SavedObject(ProtoReader r)
    {
        var node = new SavedNode();
        while (r.Next(out int field))
        {
            switch (field)
            {
                case 1:
                    node.Children.Add(Reference(r.Message("children")));
                    break;
                case 4:
                {
                    var u = r.Message("user_object");
                    node.UserIdentifier = "";
                    while (u.Next(out int f))
                    {
                        if (f == 1) node.UserIdentifier = u.String();
                        else if (f == 3) node.UserMetadata = u.String();
                        else u.Skip();
                    }
                    break;
                }
                case 7:
                {
                    node.IsVariable = true;
                    var v = r.Message("variable");
                    while (v.Next(out int f))
                    {
                        if (f == 6) node.VariableName = v.String();
                        else v.Skip();
                    }
                    break;
                }
                default:
                    r.Skip();
                    break;
            }
        }
        return node;
    }

    private static ObjectRef Reference(ProtoReader r)
    {
        int id = 0; // proto3 omits node_id 0
        string name = "";
        while (r.Next(out int field))
        {
            if (field == 1) id = r.Int32();
            else if (field == 2) name = r.String();
            else r.Skip();
        }
        if (id < 0) throw r.Error($"has a child reference '{name}' without a valid node id ({id}).");
        return new ObjectRef(id, name);
    }

    /// <summary><c>SavedMetadata</c>: nodes=1 (<c>SavedObject</c>: node_id=2, node_path=3, identifier=4, metadata=5).</summary>
    public static List<KerasMetadataNode> KerasMetadata(byte[] data, string path)
    {
        var r = new ProtoReader(data, path, "SavedMetadata");
        var result = new List<KerasMetadataNode>();
        while (r.Next(out int field))
        {
            if (field != 1)
            {
                r.Skip();
                continue;
            }
            var n = r.Message($"nodes[{result.Count}]");
            int id = 0; // proto3 omits node_id 0
            string nodePath = "", identifier = "", metadata = "";
            while (n.Next(out int f))
            {
                switch (f)
                {
                    case 2: id = n.Int32(); break;
                    case 3: nodePath = n.String(); break;
                    case 4: identifier = n.String(); break;
                    case 5: metadata = n.String(); break;
                    default: n.Skip(); break;
                }
            }
            if (id < 0) throw n.Error($"has an invalid node_id {id}.");
            result.Add(new KerasMetadataNode(id, nodePath, identifier, metadata));
        }
        return result;
    }

    /// <summary><c>TrackableObjectGraph</c>: nodes=1 (children=1, attributes=2 (<c>SerializedTensor</c>: name=1, checkpoint_key=3)).</summary>
    public static List<TrackableNode> TrackableGraph(byte[] data, string path)
    {
        var r = new ProtoReader(data, path, "_CHECKPOINTABLE_OBJECT_GRAPH");
        var nodes = new List<TrackableNode>();
        while (r.Next(out int field))
        {
            if (field != 1)
            {
                r.Skip();
                continue;
            }
            var n = r.Message($"nodes[{nodes.Count}]");
            var node = new TrackableNode();
            while (n.Next(out int f))
            {
                if (f == 1)
                {
                    node.Children.Add(Reference(n.Message("children")));
                }
                else if (f == 2)
                {
                    var a = n.Message("attributes");
                    string name = "", key = "";
                    while (a.Next(out int af))
                    {
                        if (af == 1) name = a.String();
                        else if (af == 3) key = a.String();
                        else a.Skip();
                    }
                    node.Attributes[name] = key;
                }
                else
                {
                    n.Skip();
                }
            }
            nodes.Add(node);
        }
        return nodes;
    }
}
