using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Keras.Fuzz;

/// <summary>
/// Structure-aware mutations of Keras configs: the JSON tree gets wrong types, negative or huge sizes, unknown
/// class names, wrong dtypes, broken node references, duplicated or missing layers and keys, or an injected
/// Lambda layer carrying Python code (which safe mode must refuse); YAML files also get alias bombs, Python
/// tags, duplicate keys and deep nesting.
/// </summary>
public static class JsonMutations
{
    private static readonly string[] ShapeKeys =
    [
        "batch_shape", "batch_input_shape", "input_shape", "shape", "kernel_size", "strides", "pool_size", "dilation_rate",
        "target_shape", "dims", "size", "cropping", "padding", "output_shape", "noise_shape", "build_input_shape",
    ];

    private static readonly string[] SizeKeys =
    [
        "units", "filters", "input_dim", "output_dim", "num_heads", "key_dim", "value_dim", "n", "axis", "depth_multiplier",
        "groups", "input_length", "output_mode", "num_tokens", "rate", "momentum", "epsilon", "seed",
    ];

    private static readonly string[] ClassNames =
    [
        "NoSuchLayer", "", "Dense", "Conv2D", "LSTM", "GRU", "Embedding", "InputLayer", "Functional", "Sequential", "Model",
        "Lambda", "TimeDistributed", "Bidirectional", "__tuple__", "__keras_tensor__", "DTypePolicy", "Add", "Concatenate",
        "BatchNormalization", "MultiHeadAttention", "keras.layers>Dense", "my_package>MyLayer", "Reshape", "Flatten",
    ];

    private static readonly string[] DTypes =
    [
        "float128", "string", "complex64", "int4", "uint64", "bfloat16", "float16", "float64", "int8", "bool", "", "mixed_float16",
        "mixed_bfloat16", "object", "float32\u0000",
    ];

    // Boundary values for sizes: negative, zero, beyond int (refused while reading the config) and fractional.
    // The largest size that reads as an int is kept at 4096 so that weights built from it stay small: configs
    // are not yet checked against a weight budget before the weights are allocated (see README).
    private static readonly JsonNode?[] Boundary =
    [
        -1, 0, 1, -2147483648, 2147483648L, 1099511627776L, 9.2e18, 1e300, -1e300, 0.5, -0.5, 4096, 3,
    ];

    /// <summary>A mutated JSON architecture file.</summary>
    public static (string Op, string Detail, byte[] Bytes) MutateJsonFile(byte[] original, Random rng)
    {
        int pick = rng.Next(20);
        if (pick < 13 && TryParse(original) is { } root)
        {
            var (op, detail, mutated) = MutateTree(root, rng);
            var text = mutated?.ToJsonString(new JsonSerializerOptions { WriteIndented = rng.Next(2) == 0 }) ?? "null";
            return ($"json-tree:{op}", detail, Encoding.UTF8.GetBytes(text));
        }
        if (pick < 15) return TextSpecials(original, rng, yaml: false);
        return ByteMutations.Mutate(original, rng);
    }

    /// <summary>A mutated YAML architecture file.</summary>
    public static (string Op, string Detail, byte[] Bytes) MutateYamlFile(byte[] original, Random rng)
    {
        int pick = rng.Next(20);
        if (pick < 10 && YamlToJson(Encoding.UTF8.GetString(original)) is { } root)
        {
            var (op, detail, mutated) = MutateTree(root, rng);
            return ($"yaml-tree:{op}", detail, Encoding.UTF8.GetBytes(Keras.Saving.Json.Yaml.Write(mutated)));
        }
        if (pick < 14) return TextSpecials(original, rng, yaml: true);
        return ByteMutations.Mutate(original, rng);
    }

    private static JsonNode? TryParse(byte[] bytes)
    {
        try
        {
            return JsonNode.Parse(bytes);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // ------------------------------------------------------------------ tree mutations

    private sealed record Location(JsonNode? Parent, string? Key, int Index, JsonNode? Value, string Path);

    private static List<Location> Locations(JsonNode? root)
    {
        var result = new List<Location>();
        void Walk(JsonNode? node, string path, int depth)
        {
            if (depth > 200 || result.Count > 200_000) return;
            switch (node)
            {
                case JsonObject o:
                    foreach (var (k, v) in o.ToArray())
                    {
                        result.Add(new Location(o, k, -1, v, $"{path}.{k}"));
                        Walk(v, $"{path}.{k}", depth + 1);
                    }
                    break;
                case JsonArray a:
                    for (int i = 0; i < a.Count; i++)
                    {
                        result.Add(new Location(a, null, i, a[i], $"{path}[{i}]"));
                        Walk(a[i], $"{path}[{i}]", depth + 1);
                    }
                    break;
            }
        }
        Walk(root, "$", 0);
        return result;
    }

    private static void Set(Location at, JsonNode? value)
    {
        switch (at.Parent)
        {
            case JsonObject o:
                o[at.Key!] = value;
                break;
            case JsonArray a:
                a[at.Index] = value;
                break;
        }
    }

    private static T Pick<T>(IReadOnlyList<T> items, Random rng) => items[rng.Next(items.Count)];

    private static JsonNode? Boundary1(Random rng) => Pick(Boundary, rng)?.DeepClone();

    /// <summary>
    /// Mutates a parsed config in place (or replaces it) and says how: a wrong-schema value at a key Keras
    /// configs care about, a wrong type anywhere, a removed key, a layer list edit, or an injected Lambda.
    /// </summary>
    public static (string Op, string Detail, JsonNode? Root) MutateTree(JsonNode? root, Random rng)
    {
        var all = Locations(root);
        if (all.Count == 0) return ("replace-root", "root → []", new JsonArray());
        int choice = rng.Next(100);
        if (choice < 40)
        {
            var keyed = all.Where(l => l.Key is not null && (ShapeKeys.Contains(l.Key) || SizeKeys.Contains(l.Key)
                || l.Key is "class_name" or "registered_name" or "dtype" or "input_dtype" or "name" or "inbound_nodes"
                    or "input_layers" or "output_layers" or "keras_history" or "activation" or "kernel_initializer"
                    or "padding" or "data_format" or "return_sequences" or "keras_version" or "module" or "compile_config"
                    or "optimizer" or "loss" or "build_config" or "function" or "trainable")).ToList();
            if (keyed.Count > 0) return SchemaValue(root, Pick(keyed, rng), rng);
        }
        if (choice < 70)
        {
            var at = Pick(all, rng);
            var value = WrongType(at.Value, rng);
            Set(at, value);
            return ("wrong-type", $"{at.Path} = {Show(value)}", root);
        }
        if (choice < 80)
        {
            var keys = all.Where(l => l.Parent is JsonObject).ToList();
            if (keys.Count > 0)
            {
                var at = Pick(keys, rng);
                ((JsonObject)at.Parent!).Remove(at.Key!);
                return ("remove-key", at.Path, root);
            }
        }
        if (choice < 92)
        {
            var lists = all.Where(l => l.Key == "layers" && l.Value is JsonArray { Count: > 0 }).ToList();
            if (lists.Count > 0)
            {
                var at = Pick(lists, rng);
                var layers = (JsonArray)at.Value!;
                int i = rng.Next(layers.Count), j = rng.Next(layers.Count);
                switch (rng.Next(3))
                {
                    case 0:
                        layers.Insert(j, layers[i]?.DeepClone());
                        return ("duplicate-layer", $"{at.Path}[{i}] copied to {j}", root);
                    case 1:
                        layers.RemoveAt(i);
                        return ("remove-layer", $"{at.Path}[{i}]", root);
                    default:
                        var a = layers[i]?.DeepClone();
                        layers[i] = layers[j]?.DeepClone();
                        layers[j] = a;
                        return ("swap-layers", $"{at.Path}[{i}] <-> [{j}]", root);
                }
            }
        }
        {
            // A Lambda layer with Python code in place of a layer: must be refused in safe mode (the default).
            var layerEntries = all.Where(l => l.Value is JsonObject o && o["class_name"] is JsonValue && o["config"] is JsonObject
                && l.Parent is JsonArray).ToList();
            if (layerEntries.Count > 0)
            {
                var at = Pick(layerEntries, rng);
                var old = (JsonObject)at.Value!;
                var name = (old["config"] as JsonObject)?["name"]?.DeepClone() ?? "lambda";
                var lambda = new JsonObject
                {
                    ["module"] = "keras.layers",
                    ["class_name"] = "Lambda",
                    ["config"] = new JsonObject
                    {
                        ["name"] = name,
                        ["function"] = new JsonObject
                        {
                            ["class_name"] = "__lambda__",
                            ["config"] = new JsonObject
                            {
                                ["code"] = "4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMIAAAAdABkAYMBUwApAk7aBWxzIC1sKQHaAmlz",
                                ["defaults"] = null,
                                ["closure"] = null,
                            },
                        },
                    },
                };
                if (old["inbound_nodes"] is { } inbound) lambda["inbound_nodes"] = inbound.DeepClone();
                if (old["name"] is { } n) lambda["name"] = n.DeepClone();
                Set(at, lambda);
                return ("inject-lambda", at.Path, root);
            }
            return ("replace-root", "root → \"x\"", JsonValue.Create("x"));
        }
    }

    private static (string, string, JsonNode?) SchemaValue(JsonNode? root, Location at, Random rng)
    {
        JsonNode? value;
        string key = at.Key!;
        if (key is "class_name" or "registered_name")
        {
            value = Pick(ClassNames, rng);
        }
        else if (key is "dtype" or "input_dtype")
        {
            value = rng.Next(4) == 0
                ? new JsonObject { ["module"] = "keras", ["class_name"] = "DTypePolicy", ["config"] = new JsonObject { ["name"] = Pick(DTypes, rng) } }
                : Pick(DTypes, rng);
        }
        else if (ShapeKeys.Contains(key) && ShapeItems(at.Value) is { Count: > 0 } items && rng.Next(4) != 0)
        {
            // One entry of a shape gets a boundary value, or the shape loses or gains dimensions.
            int i = rng.Next(items.Count);
            switch (rng.Next(4))
            {
                case 0:
                    items.RemoveAt(i);
                    return ("shape-drop-dim", $"{at.Path}[{i}] removed", root);
                case 1:
                    items.Insert(i, Boundary1(rng));
                    return ("shape-add-dim", $"{at.Path}: dimension inserted at {i}", root);
                default:
                    value = rng.Next(5) == 0 ? null : Boundary1(rng);
                    items[i] = value;
                    return ("shape-value", $"{at.Path}[{i}] = {Show(value)}", root);
            }
        }
        else if (key is "inbound_nodes" or "input_layers" or "output_layers" or "keras_history")
        {
            value = rng.Next(4) switch
            {
                0 => new JsonArray("no_such_layer", 0, 0),
                1 => new JsonArray(new JsonArray(new JsonArray("input_layer", 99, 0, new JsonObject()))),
                2 => new JsonArray(new JsonArray("x", -1, -5)),
                _ => WrongType(at.Value, rng),
            };
        }
        else if (key == "name")
        {
            value = rng.Next(3) switch
            {
                0 => "",
                1 => "dense",
                _ => new string('n', 1 + rng.Next(300)),
            };
        }
        else if (key == "function")
        {
            value = new JsonObject { ["class_name"] = "__lambda__", ["config"] = new JsonObject { ["code"] = "AAAA", ["defaults"] = null, ["closure"] = null } };
        }
        else
        {
            value = rng.Next(3) == 0 ? WrongType(at.Value, rng) : Boundary1(rng);
        }
        Set(at, value);
        return ("schema-value", $"{at.Path} = {Show(value)}", root);
    }

    private static JsonArray? ShapeItems(JsonNode? node) => node switch
    {
        JsonArray a => a,
        JsonObject o when o["items"] is JsonArray items => items,
        _ => null,
    };

    private static JsonNode? WrongType(JsonNode? current, Random rng)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            JsonNode? candidate = rng.Next(9) switch
            {
                0 => null,
                1 => "wrong",
                2 => true,
                3 => new JsonArray(),
                4 => new JsonObject(),
                5 => new JsonArray(1, "two", null),
                6 => new JsonObject { ["class_name"] = "NoSuchLayer", ["config"] = new JsonObject() },
                7 => Boundary1(rng),
                _ => new JsonObject { ["__tuple__"] = true, ["items"] = new JsonArray(-1, 2) },
            };
            if (Kind(candidate) != Kind(current)) return candidate;
        }
        return "wrong";
    }

    private static int Kind(JsonNode? n) => n switch
    {
        null => 0,
        JsonObject => 1,
        JsonArray => 2,
        JsonValue v when v.TryGetValue<string>(out _) => 3,
        JsonValue v when v.TryGetValue<bool>(out _) => 4,
        _ => 5,
    };

    private static string Show(JsonNode? n)
    {
        var s = n?.ToJsonString() ?? "null";
        return s.Length > 80 ? s[..80] + "…" : s;
    }

    // ------------------------------------------------------------------ text-level specials

    private static (string, string, byte[]) TextSpecials(byte[] original, Random rng, bool yaml)
    {
        var text = Encoding.UTF8.GetString(original);
        switch (rng.Next(yaml ? 8 : 4))
        {
            case 0:
            {
                int depth = rng.Next(2) == 0 ? 600 : 20000;
                var nested = yaml
                    ? $"class_name: Sequential\nconfig:\n  layers: {new string('[', depth)}{new string(']', depth)}\n"
                    : $"{{\"class_name\": \"Sequential\", \"config\": {{\"layers\": {new string('[', depth)}{new string(']', depth)}}}}}";
                return ("deep-nesting", $"{depth} nested lists", Encoding.UTF8.GetBytes(nested));
            }
            case 1:
            {
                var huge = Pick(new[] { "1e999999", "-1e999999", "123456789012345678901234567890", "NaN", "Infinity", "0x10", "1_000", "-0" }, rng);
                var replaced = ReplaceOneNumber(text, huge, rng);
                return ("number-text", $"a number → {huge}", Encoding.UTF8.GetBytes(replaced));
            }
            case 2:
            {
                var bytes = (byte[])original.Clone();
                if (bytes.Length > 0) bytes[rng.Next(bytes.Length)] = Pick(new byte[] { 0xC3, 0xFF, 0x80, 0x00, 0xED }, rng);
                return ("invalid-utf8", "one byte replaced by a stray UTF-8 lead/continuation byte", bytes);
            }
            case 3:
                return ("empty-document", "whitespace only", Encoding.UTF8.GetBytes(yaml ? "---\n...\n" : "  \n"));
            case 4:
            {
                // Billion laughs: nine levels of ten aliases each.
                var sb = new StringBuilder("l0: &l0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
                int levels = rng.Next(2) == 0 ? 9 : 5;
                for (int i = 1; i <= levels; i++)
                    sb.Append($"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
                sb.Append($"class_name: Sequential\nconfig:\n  name: bomb\n  layers: *l{levels}\n");
                return ("alias-bomb", $"{levels} levels of 10 aliases", Encoding.UTF8.GetBytes(sb.ToString()));
            }
            case 5:
            {
                var tag = Pick(new[] { "!!python/object/apply:os.system [\"echo pwned\"]", "!!python/name:os.system", "!!binary aGVsbG8=", "!<tag:yaml.org,2002:python/tuple> [1, 2]" }, rng);
                var replaced = ReplaceOneScalarLine(text, tag, rng);
                return ("yaml-tag", tag, Encoding.UTF8.GetBytes(replaced));
            }
            case 6:
            {
                var lines = text.Split('\n').ToList();
                int i = rng.Next(Math.Max(1, lines.Count));
                if (lines.Count > 0) lines.Insert(i, lines[i]);
                return ("duplicate-line", $"line {i} repeated (duplicate key)", Encoding.UTF8.GetBytes(string.Join('\n', lines)));
            }
            default:
            {
                var extra = Pick(new[] { "\n---\nclass_name: Sequential\n", "\n<<: *nothing\n", "\n? [a, b]\n: c\n", "\nkey: &a value\nother: *a\n", "\n%YAML 9.9\n" }, rng);
                return ("yaml-syntax", extra.Trim(), Encoding.UTF8.GetBytes(text + extra));
            }
        }
    }

    private static string ReplaceOneNumber(string text, string replacement, Random rng)
    {
        var spans = new List<(int Start, int Length)>();
        for (int i = 0; i < text.Length; i++)
        {
            if (!char.IsAsciiDigit(text[i]) || (i > 0 && (char.IsAsciiLetterOrDigit(text[i - 1]) || text[i - 1] == '_'))) continue;
            int j = i;
            while (j < text.Length && (char.IsAsciiDigit(text[j]) || text[j] is '.' or 'e' or 'E' or '-' or '+')) j++;
            spans.Add((i, j - i));
            i = j;
        }
        if (spans.Count == 0) return text + replacement;
        var (s, l) = spans[rng.Next(spans.Count)];
        return string.Concat(text.AsSpan(0, s), replacement, text.AsSpan(s + l));
    }

    private static string ReplaceOneScalarLine(string text, string value, Random rng)
    {
        var lines = text.Split('\n');
        var candidates = Enumerable.Range(0, lines.Length).Where(i => lines[i].TrimEnd().Length > 0 && !lines[i].TrimEnd().EndsWith(':') && lines[i].Contains(": ")).ToList();
        if (candidates.Count == 0) return text + "\nx: " + value + "\n";
        int k = candidates[rng.Next(candidates.Count)];
        lines[k] = lines[k][..(lines[k].IndexOf(": ", StringComparison.Ordinal) + 2)] + value;
        return string.Join('\n', lines);
    }

    // ------------------------------------------------------------------ YAML <-> JSON (for tree mutations)

    /// <summary>Parses a YAML document into JSON nodes (plain scalars typed as YAML 1.1 does), or null when it does not parse.</summary>
    public static JsonNode? YamlToJson(string text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode, 0);
        }
        catch (YamlException)
        {
            return null;
        }
    }

    private static JsonNode? Convert(YamlNode node, int depth)
    {
        if (depth > 200) return null;
        switch (node)
        {
            case YamlMappingNode map:
                var o = new JsonObject();
                foreach (var (k, v) in map.Children) o[(k as YamlScalarNode)?.Value ?? "?"] = Convert(v, depth + 1);
                return o;
            case YamlSequenceNode seq:
                return new JsonArray(seq.Children.Select(c => Convert(c, depth + 1)).ToArray());
            case YamlScalarNode s when s.Style is ScalarStyle.Plain:
                var v2 = s.Value ?? "";
                if (v2 is "" or "~" or "null") return null;
                if (v2 is "true" or "false") return JsonValue.Create(v2 == "true");
                if (long.TryParse(v2, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
                if (double.TryParse(v2, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return JsonValue.Create(d);
                return JsonValue.Create(v2);
            case YamlScalarNode s:
                return JsonValue.Create(s.Value ?? "");
            default:
                return null;
        }
    }
}
