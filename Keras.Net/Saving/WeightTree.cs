using System.Collections.Concurrent;
using System.Reflection;
using Keras.Engine;
using Keras.Layers;
using Keras.Models;

namespace Keras.Saving;

/// <summary>
/// How a layer's weights split into its own variables and those of its sublayers, and the keys Keras 3
/// stores sublayers under (the Python attribute names: <c>cell</c>, <c>forward_layer</c>, <c>layer</c>,
/// <c>query_dense</c>, …). Known Keras structures come from a table; other layers use their field or
/// property names in snake_case.
/// </summary>
internal static class WeightTree
{
    /// <summary>Keras's attribute names for the weighted sublayers of known classes, in tracking order.</summary>
    private static readonly Dictionary<string, string[]> KnownChildren = new(StringComparer.Ordinal)
    {
        ["Bidirectional"] = ["forward_layer", "backward_layer"],
        ["TimeDistributed"] = ["layer"],
        ["RNN"] = ["cell"],
        ["LSTM"] = ["cell"],
        ["GRU"] = ["cell"],
        ["SimpleRNN"] = ["cell"],
        ["ConvLSTM1D"] = ["cell"],
        ["ConvLSTM2D"] = ["cell"],
        ["ConvLSTM3D"] = ["cell"],
        ["MultiHeadAttention"] = ["query_dense", "key_dense", "value_dense", "output_dense"],
        ["GroupedQueryAttention"] = ["query_dense", "key_dense", "value_dense", "output_dense"],
    };

    /// <summary>
    /// Order in which Keras tracks sublayers with these attribute names (used when a file's structure has
    /// to be flattened); names not listed follow in natural order.
    /// </summary>
    public static readonly string[] TrackingPriority =
        ["layers", "cell", "cells", "forward_layer", "backward_layer", "layer", "query_dense", "key_dense", "value_dense", "output_dense"];

    /// <summary>The layer's own weights (not those of its sublayers), in Keras order (trainable first).</summary>
    public static IReadOnlyList<Variable> OwnWeights(Layer layer)
    {
        var nested = new HashSet<Variable>(layer.SubLayers.SelectMany(l => l.Weights), ReferenceEqualityComparer.Instance);
        return layer.Weights.Where(w => !nested.Contains(w)).ToArray();
    }

    /// <summary>The sublayers with their Keras 3 keys.</summary>
    public static IReadOnlyList<(string Key, Layer Layer)> Children(Layer layer)
    {
        var subs = layer.SubLayers;
        if (subs.Count == 0) return [];
        var result = new (string Key, Layer Layer)[subs.Count];
        var used = new HashSet<string>(StringComparer.Ordinal);
        if (KnownChildren.TryGetValue(KerasLayerOrder.ClassName(layer), out var known))
        {
            var weighted = subs.Select((l, i) => (l, i)).Where(p => p.l.Weights.Count > 0).ToArray();
            if (weighted.Length == known.Length)
            {
                for (int k = 0; k < known.Length; k++)
                {
                    result[weighted[k].i] = (known[k], weighted[k].l);
                    used.Add(known[k]);
                }
            }
        }
        var names = FieldNames(layer);
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < subs.Count; i++)
        {
            if (result[i].Layer is not null) continue;
            string key;
            if (names.TryGetValue(subs[i], out var fieldName) && !used.Contains(fieldName)) key = fieldName;
            else
            {
                var baseName = Naming.ToSnakeCase(KerasLayerOrder.ClassName(subs[i]));
                counters.TryGetValue(baseName, out var n);
                do
                {
                    key = n == 0 ? baseName : $"{baseName}_{n}";
                    n++;
                } while (used.Contains(key));
                counters[baseName] = n;
            }
            used.Add(key);
            result[i] = (key, subs[i]);
        }
        return result;
    }

    private static readonly ConcurrentDictionary<Type, FieldInfo[]> Fields = new();

    // Sublayer → snake_case name of the field or auto-property holding it (leading underscores dropped).
    private static Dictionary<Layer, string> FieldNames(Layer layer)
    {
        var map = new Dictionary<Layer, string>(ReferenceEqualityComparer.Instance);
        var fields = Fields.GetOrAdd(layer.GetType(), static t =>
        {
            var list = new List<FieldInfo>();
            for (var type = t; type is not null && type != typeof(Layer) && type != typeof(Model); type = type.BaseType)
            {
                list.AddRange(type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                    .Where(f => typeof(Layer).IsAssignableFrom(f.FieldType)));
            }
            return list.ToArray();
        });
        foreach (var f in fields)
        {
            if (f.GetValue(layer) is not Layer sub || map.ContainsKey(sub)) continue;
            var name = f.Name;
            if (name.StartsWith('<') && name.IndexOf('>') is > 1 and var end) name = name[1..end];
            name = Naming.ToSnakeCase(name.TrimStart('_'));
            if (name.Length > 0) map[sub] = name;
        }
        return map;
    }

    /// <summary>Natural sort key: digits compare as numbers (<c>dense_2</c> before <c>dense_10</c>).</summary>
    public static int NaturalCompare(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsDigit(a[i]) && char.IsDigit(b[j]))
            {
                int si = i, sj = j;
                while (i < a.Length && char.IsDigit(a[i])) i++;
                while (j < b.Length && char.IsDigit(b[j])) j++;
                var na = a[si..i].TrimStart('0');
                var nb = b[sj..j].TrimStart('0');
                int c = na.Length != nb.Length ? na.Length.CompareTo(nb.Length) : string.CompareOrdinal(na, nb);
                if (c != 0) return c;
            }
            else
            {
                int c = a[i].CompareTo(b[j]);
                if (c != 0) return c;
                i++;
                j++;
            }
        }
        return (a.Length - i).CompareTo(b.Length - j);
    }
}
