using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Keras.Saving.Json;

/// <summary>
/// Architecture as YAML (Keras 2's <c>to_yaml</c>/<c>model_from_yaml</c>): the same document as the JSON
/// config. Plain scalars are typed as YAML 1.1 resolves them (null, booleans, integers, floats);
/// PyYAML's <c>!!python/tuple</c> sequences read as lists.
/// </summary>
/// <remarks>
/// Reading treats the text as untrusted: it is converted from the parser's event stream with an explicit
/// stack (no recursion), nesting deeper than <see cref="MaxDepth"/> is refused, aliases are expanded against
/// a node budget (so an "alias bomb" is refused, not expanded), and tags that ask for Python objects are refused.
/// </remarks>
internal static class Yaml
{
    /// <summary>Deepest nesting of mappings and sequences accepted.</summary>
    public const int MaxDepth = 256;

    /// <summary>Nodes a document may hold beyond one per character of its text (aliases expand into copies).</summary>
    private const long NodeAllowance = 100_000;

    // Standard YAML tags and the PyYAML tags of plain data; every other tag (python/object, python/name, …) names code.
    private static readonly HashSet<string> DataTags = new(StringComparer.Ordinal)
    {
        "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:python/tuple",
        "tag:yaml.org,2002:python/list", "tag:yaml.org,2002:python/dict", "tag:yaml.org,2002:python/unicode",
        "tag:yaml.org,2002:python/str", "tag:yaml.org,2002:python/int", "tag:yaml.org,2002:python/long",
        "tag:yaml.org,2002:python/float", "tag:yaml.org,2002:python/bool", "tag:yaml.org,2002:python/none",
    };

    private sealed class Frame(JsonNode container, string? anchor)
    {
        public JsonNode Container { get; } = container;
        public string? Anchor { get; } = anchor;
        public string? PendingKey { get; set; }
        public long Size { get; set; } = 1;
    }

    /// <summary>Parses the first YAML document into JSON nodes.</summary>
    /// <exception cref="KerasFileException">The text is not valid YAML, is empty, nests too deeply, expands beyond
    /// its node budget, or uses keys, anchors or tags that a Keras config cannot hold.</exception>
    public static JsonNode? Parse(string text, string source)
    {
        var parser = new Parser(new StringReader(text));
        long budget = text.Length + NodeAllowance;
        var anchors = new Dictionary<string, (JsonNode? Node, long Size)>(StringComparer.Ordinal);
        var stack = new Stack<Frame>();
        Mark at = Mark.Empty;
        KerasFileException Error(string problem) => new(source, $"YAML line {at.Line}", problem);
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _)) throw new KerasFileException(source, "YAML", "is empty.");
            at = parser.Consume<DocumentStart>().Start;
            if (parser.Accept<DocumentEnd>(out _)) throw new KerasFileException(source, "YAML", "is empty.");
            while (true)
            {
                var e = parser.Consume<ParsingEvent>();
                at = e.Start;
                JsonNode? value;
                long size;
                switch (e)
                {
                    case Scalar scalar:
                        CheckTag(scalar.Tag, Error);
                        if (stack.TryPeek(out var keyed) && keyed.Container is JsonObject && keyed.PendingKey is null)
                        {
                            // A mapping key: kept as written.
                            keyed.PendingKey = scalar.Value;
                            continue;
                        }
                        value = Scalar(scalar.Value, scalar.Style, scalar.Tag.IsEmpty ? null : scalar.Tag.Value);
                        size = 1;
                        Remember(anchors, scalar.Anchor, value, size);
                        break;
                    case SequenceStart sequence:
                        CheckTag(sequence.Tag, Error);
                        Open(stack, new JsonArray(), sequence.Anchor, Error);
                        continue;
                    case MappingStart mapping:
                        CheckTag(mapping.Tag, Error);
                        Open(stack, new JsonObject(), mapping.Anchor, Error);
                        continue;
                    case SequenceEnd or MappingEnd:
                    {
                        var frame = stack.Pop();
                        if (frame.PendingKey is not null) throw Error($"the key '{frame.PendingKey}' has no value.");
                        value = frame.Container;
                        size = frame.Size;
                        if (frame.Anchor is not null) anchors[frame.Anchor] = (value, size);
                        break;
                    }
                    case AnchorAlias alias:
                    {
                        if (!anchors.TryGetValue(alias.Value.Value, out var target))
                            throw Error($"the alias *{alias.Value.Value} refers to an anchor that is not defined before it (or to the node that contains it).");
                        size = target.Size;
                        value = target.Node?.DeepClone();
                        break;
                    }
                    case DocumentEnd:
                        throw Error("ends before its root node is complete.");
                    default:
                        throw Error($"holds a {e.GetType().Name} event where a node was expected.");
                }
                budget -= size;
                if (budget < 0)
                    throw Error($"expands to more than {text.Length + NodeAllowance} nodes (aliases are expanded into copies); the document is refused.");
                if (stack.Count == 0) return value;
                var parent = stack.Peek();
                parent.Size += size;
                if (parent.Container is JsonArray list)
                {
                    list.Add(value);
                }
                else
                {
                    if (parent.PendingKey is null) throw Error("has a mapping key that is not a scalar.");
                    ((JsonObject)parent.Container)[parent.PendingKey] = value;
                    parent.PendingKey = null;
                }
            }
        }
        catch (YamlException e)
        {
            throw new KerasFileException(source, $"YAML line {e.Start.Line}", $"is not valid YAML: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // The parser's own consistency checks on malformed event sequences.
            throw new KerasFileException(source, $"YAML line {at.Line}", $"is not valid YAML: {e.Message}", e);
        }
    }

    private static void Open(Stack<Frame> stack, JsonNode container, AnchorName anchor, Func<string, KerasFileException> error)
    {
        if (stack.TryPeek(out var parent) && parent.Container is JsonObject && parent.PendingKey is null)
            throw error("has a mapping key that is not a scalar.");
        if (stack.Count >= MaxDepth) throw error($"is nested more than {MaxDepth} levels deep.");
        stack.Push(new Frame(container, anchor.IsEmpty ? null : anchor.Value));
    }

    private static void Remember(Dictionary<string, (JsonNode? Node, long Size)> anchors, AnchorName anchor, JsonNode? value, long size)
    {
        if (!anchor.IsEmpty) anchors[anchor.Value] = (value, size);
    }

    private static void CheckTag(TagName tag, Func<string, KerasFileException> error)
    {
        if (tag.IsEmpty || DataTags.Contains(tag.Value)) return;
        throw error($"uses the tag '{tag.Value}'; Keras.Net reads plain data only and never constructs objects a file names.");
    }

    // A scalar typed as YAML 1.1 resolves plain scalars; quoted and block scalars, and !!str, stay strings.
    private static JsonNode? Scalar(string value, ScalarStyle style, string? tag)
    {
        if (tag == "tag:yaml.org,2002:str" || tag == "tag:yaml.org,2002:python/unicode" || tag == "tag:yaml.org,2002:python/str")
            return JsonValue.Create(value);
        // Infinities and NaN (".inf", ".nan", or a number too large for a double) stay text that the config
        // readers parse as numbers: JSON has no literal for them, so a double node could not be written back.
        var node = Scalar(new YamlScalarNode(value) { Style = style });
        return node is JsonValue v && v.TryGetValue<double>(out var d) && !double.IsFinite(d)
            ? JsonValue.Create(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity")
            : node;
    }

    private static JsonNode? Scalar(YamlScalarNode s)
    {
        var v = s.Value ?? "";
        if (s.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded) return JsonValue.Create(v);
        switch (v)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "on" or "On":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE" or "no" or "No" or "off" or "Off":
                return JsonValue.Create(false);
            case ".inf" or ".Inf" or "+.inf":
                return JsonValue.Create(double.PositiveInfinity);
            case "-.inf" or "-.Inf":
                return JsonValue.Create(double.NegativeInfinity);
        }
        if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return l is >= int.MinValue and <= int.MaxValue ? JsonValue.Create((int)l) : JsonValue.Create((double)l);
        if ((v.Contains('.') || v.Contains('e') || v.Contains('E'))
            && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
        return JsonValue.Create(v);
    }

    /// <summary>Writes JSON nodes as block-style YAML (strings quoted where they would otherwise change type).</summary>
    public static string Write(JsonNode? node)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture);
        var emitter = new Emitter(sw);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        Emit(emitter, node);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return sw.ToString();
    }

    private static void Emit(IEmitter e, JsonNode? node)
    {
        switch (node)
        {
            case null:
                e.Emit(new YamlDotNet.Core.Events.Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonObject o:
                e.Emit(new MappingStart(null, null, false, MappingStyle.Block));
                foreach (var (k, v) in o)
                {
                    e.Emit(new YamlDotNet.Core.Events.Scalar(null, null, k, NeedsQuotes(k) ? ScalarStyle.SingleQuoted : ScalarStyle.Plain, true, true));
                    Emit(e, v);
                }
                e.Emit(new MappingEnd());
                break;
            case JsonArray a:
                e.Emit(new SequenceStart(null, null, false, a.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in a) Emit(e, item);
                e.Emit(new SequenceEnd());
                break;
            case JsonValue v when v.TryGetValue<string>(out var s):
                e.Emit(new YamlDotNet.Core.Events.Scalar(null, null, s, NeedsQuotes(s) ? ScalarStyle.SingleQuoted : ScalarStyle.Plain, true, true));
                break;
            case JsonValue v when v.TryGetValue<bool>(out var b):
                e.Emit(new YamlDotNet.Core.Events.Scalar(null, null, b ? "true" : "false", ScalarStyle.Plain, true, false));
                break;
            case JsonValue v:
                var text = v.ToJsonString();
                if (v.TryGetValue<double>(out var d))
                {
                    if (double.IsPositiveInfinity(d)) text = ".inf";
                    else if (double.IsNegativeInfinity(d)) text = "-.inf";
                    else if (double.IsNaN(d)) text = ".nan";
                }
                e.Emit(new YamlDotNet.Core.Events.Scalar(null, null, text, ScalarStyle.Plain, true, false));
                break;
        }
    }

    // A plain scalar that YAML would read as something other than this string.
    private static bool NeedsQuotes(string s) =>
        s.Length == 0 || Scalar(new YamlScalarNode(s)) is not JsonValue jv || !jv.TryGetValue<string>(out var back) || back != s
        || s.IndexOfAny([':', '#', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`']) >= 0
        || char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1]) || s[0] == '-' || s[0] == '?';
}
