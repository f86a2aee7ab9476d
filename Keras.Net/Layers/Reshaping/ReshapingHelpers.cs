using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>Argument checks, shape arithmetic and config forms shared by the cropping, padding and upsampling layers.</summary>
internal static class ReshapingHelpers
{
    public static string CheckDataFormat(string dataFormat, string owner) =>
        dataFormat is "channels_last" or "channels_first"
            ? dataFormat
            : throw new ArgumentException($"{owner}: data_format must be channels_last or channels_first; got '{dataFormat}'.", nameof(dataFormat));

    /// <summary>Checks (before, after) pairs are non-negative; returns a copy.</summary>
    public static (int Before, int After)[] CheckPairs((int Before, int After)[] pairs, string owner, string argument)
    {
        foreach (var (b, a) in pairs)
        {
            if (b < 0 || a < 0)
                throw new ArgumentException($"{owner}: {argument} cannot be negative; got {Format(pairs)}.", argument);
        }
        return ((int, int)[])pairs.Clone();
    }

    public static int[] CheckPositive(int[] values, string owner, string argument)
    {
        foreach (var v in values)
        {
            if (v <= 0)
                throw new ArgumentException($"{owner}: {argument} must contain positive integers; got ({string.Join(", ", values)}).", argument);
        }
        return (int[])values.Clone();
    }

    public static string Format((int Before, int After)[] pairs) =>
        pairs.Length == 1 ? $"({pairs[0].Before}, {pairs[0].After})" : "(" + string.Join(", ", pairs.Select(p => $"({p.Before}, {p.After})")) + ")";

    /// <summary>The first spatial axis: 1 for channels_last, 2 for channels_first.</summary>
    public static int FirstSpatialAxis(string dataFormat) => dataFormat == "channels_first" ? 2 : 1;

    /// <summary>Output shape after cropping; throws when a crop leaves nothing (as Keras).</summary>
    public static Shape CroppedShape(Shape input, (int Before, int After)[] cropping, int firstAxis, string owner)
    {
        var dims = input.ToArray();
        for (int i = 0; i < cropping.Length; i++)
        {
            int d = dims[firstAxis + i];
            if (d == Shape.Unknown) continue;
            int left = d - cropping[i].Before - cropping[i].After;
            if (left <= 0)
                throw new ArgumentException(
                    $"{owner}: values in cropping should be smaller than the corresponding spatial dimension of the input; got input shape {input} and cropping {Format(cropping)}.");
            dims[firstAxis + i] = left;
        }
        return new Shape(dims);
    }

    public static Tensor Crop(Tensor x, (int Before, int After)[] cropping, int firstAxis, string owner)
    {
        var outShape = CroppedShape(x.Shape, cropping, firstAxis, owner);
        for (int i = 0; i < cropping.Length; i++)
            x = Ops.Slice(x, firstAxis + i, cropping[i].Before, outShape[firstAxis + i]);
        return x;
    }

    public static Shape PaddedShape(Shape input, (int Before, int After)[] padding, int firstAxis)
    {
        var dims = input.ToArray();
        for (int i = 0; i < padding.Length; i++)
        {
            if (dims[firstAxis + i] != Shape.Unknown) dims[firstAxis + i] += padding[i].Before + padding[i].After;
        }
        return new Shape(dims);
    }

    public static Tensor Pad(Tensor x, (int Before, int After)[] padding, int firstAxis)
    {
        var all = new (int, int)[x.Rank];
        for (int i = 0; i < padding.Length; i++) all[firstAxis + i] = padding[i];
        return Ops.Pad(x, all);
    }

    public static Shape UpsampledShape(Shape input, int[] size, int firstAxis)
    {
        var dims = input.ToArray();
        for (int i = 0; i < size.Length; i++)
        {
            if (dims[firstAxis + i] != Shape.Unknown) dims[firstAxis + i] *= size[i];
        }
        return new Shape(dims);
    }

    /// <summary>A JSON number as a double, whether it was parsed or built in memory from an int, long, float or double.</summary>
    public static bool TryNumber(JsonNode? node, out double value)
    {
        value = 0;
        if (node is not JsonValue v) return false;
        if (v.TryGetValue<double>(out var d)) value = d;
        else if (v.TryGetValue<int>(out var i)) value = i;
        else if (v.TryGetValue<long>(out var l)) value = l;
        else if (v.TryGetValue<float>(out var f)) value = f;
        else return false;
        return true;
    }

    public static JsonArray PairsJson((int Before, int After)[] pairs) => new(pairs.Select(p => (JsonNode)new JsonArray(p.Before, p.After)).ToArray());

    public static JsonArray IntsJson(int[] values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    /// <summary>
    /// Reads Keras's cropping/padding forms for <paramref name="dims"/> spatial axes: an int (all sides), a list
    /// of <paramref name="dims"/> ints (symmetric per axis) or of <paramref name="dims"/> pairs; for one axis
    /// also a single pair. Null when the key is absent.
    /// </summary>
    public static (int Before, int After)[]? ReadPairs(ConfigReader c, string key, int dims, string owner)
    {
        var node = c.Node(key);
        if (node is null) return null;
        if (node is JsonValue)
        {
            int v = c.RequiredInt(key);
            return Enumerable.Repeat((v, v), dims).ToArray();
        }
        var items = ConfigReader.Items(node) ?? throw Bad();
        if (dims == 1 && items.Count == 2 && items.All(i => i is JsonValue))
            return [(ToInt(items[0]), ToInt(items[1]))];
        if (items.Count != dims) throw Bad();
        var result = new (int, int)[dims];
        for (int i = 0; i < dims; i++)
        {
            if (items[i] is JsonValue v)
            {
                int s = ToInt(v);
                result[i] = (s, s);
            }
            else if (ConfigReader.Items(items[i]) is { Count: 2 } pair)
            {
                result[i] = (ToInt(pair[0]), ToInt(pair[1]));
            }
            else
            {
                throw Bad();
            }
        }
        return result;

        FormatException Bad() => new($"{owner} config: '{key}' should be an int, {dims} ints or {dims} pairs of ints but is {node.ToJsonString()}.");
        int ToInt(JsonNode? n) => TryNumber(n, out var d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue ? (int)d : throw Bad();
    }
}
