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
internal static class Yaml
{
    /// <summary>Parses YAML into JSON nodes.</summary>
    public static JsonNode? Parse(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new KerasFileException(source, $"YAML line {e.Start.Line}", $"is not valid YAML: {e.Message}", e);
        }
        if (stream.Documents.Count == 0) throw new KerasFileException(source, "YAML", "is empty.");
        return ToJson(stream.Documents[0].RootNode, 0, source);
    }

    private static JsonNode? ToJson(YamlNode node, int depth, string source)
    {
        if (depth > 256) throw new KerasFileException(source, "YAML", "is nested too deeply.");
        switch (node)
        {
            case YamlMappingNode map:
                var o = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    var key = k is YamlScalarNode ks ? ks.Value ?? "" : throw new KerasFileException(source, $"YAML line {k.Start.Line}", "has a key that is not a scalar.");
                    o[key] = ToJson(v, depth + 1, source);
                }
                return o;
            case YamlSequenceNode seq:
                return new JsonArray(seq.Children.Select(c => ToJson(c, depth + 1, source)).ToArray());
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new KerasFileException(source, $"YAML line {node.Start.Line}", "holds an alias or a node kind that is not supported.");
        }
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
