using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Keras.Data;

namespace Keras.Examples.Serving;

/// <summary>A request the example refuses with 400: the message, and the expected and actual shapes where they apply.</summary>
public sealed class InvalidRequestException(string message, string? expected = null, string? actual = null) : Exception(message)
{
    /// <summary>What the model expects, e.g. <c>(None, 28, 28)</c>.</summary>
    public string? Expected { get; } = expected;

    /// <summary>What the request sent, e.g. <c>(2, 28, 27)</c>.</summary>
    public string? Actual { get; } = actual;
}

/// <summary>
/// Reads TF Serving's row format (<c>{"instances": [instance, ...]}</c>, each instance a nested array of the
/// model's sample shape) into one batch, and writes <c>{"predictions": [...]}</c>. Floats are read and written
/// in their shortest round-trip form, so a float survives the trip through JSON bit for bit.
/// </summary>
public static class PredictCodec
{
    /// <summary>Validates <paramref name="root"/> against the model's input and returns it as a batch.</summary>
    /// <param name="root">The request body.</param>
    /// <param name="inputShape">The model's input shape, batch first.</param>
    /// <param name="dtype">The model's input dtype (float32, float64, int32 or int64).</param>
    /// <param name="maxInstances">The most instances one request may carry.</param>
    /// <exception cref="InvalidRequestException">The body does not match; the message names where and how.</exception>
    public static HostArray ReadInstances(JsonElement root, Shape inputShape, DType dtype, int maxInstances)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidRequestException($"The body must be a JSON object {{\"instances\": [...]}}; got {Describe(root)}.");
        if (!root.TryGetProperty("instances", out var instances))
            throw new InvalidRequestException("The body has no \"instances\" member; send {\"instances\": [instance, ...]}.");
        if (instances.ValueKind != JsonValueKind.Array)
            throw new InvalidRequestException($"\"instances\" must be an array of instances; got {Describe(instances)}.");
        int n = instances.GetArrayLength();
        if (n == 0) throw new InvalidRequestException("\"instances\" is empty; send at least one instance.");
        if (n > maxInstances)
            throw new InvalidRequestException($"\"instances\" has {n} instances; this server accepts at most {maxInstances} a request.");

        // Unknown sample dimensions (None) take the first instance's size; every instance must then agree.
        var expected = inputShape.WithoutBatch().ToArray();
        var first = Probe(instances[0]);
        if (first.Length == expected.Length)
        {
            for (int d = 0; d < expected.Length; d++)
            {
                if (expected[d] == Shape.Unknown) expected[d] = first[d];
            }
        }

        if (!first.AsSpan().SequenceEqual(expected)) throw ShapeMismatch(0, first, expected, n, inputShape);

        long size = 1;
        foreach (var d in expected) size *= d;
        if (size * n > int.MaxValue)
            throw new InvalidRequestException($"The batch would have {size * n} elements; that is more than one request may carry.");
        var target = NewArray(dtype, (int)(size * n));
        var index = new int[expected.Length + 1];
        int offset = 0;
        int i = 0;
        foreach (var instance in instances.EnumerateArray())
        {
            var actual = i == 0 ? first : Probe(instance);
            if (!actual.AsSpan().SequenceEqual(expected)) throw ShapeMismatch(i, actual, expected, n, inputShape);
            index[0] = i;
            Fill(instance, 0, expected, index, dtype, target, ref offset);
            i++;
        }
        long[] batchShape = [n, .. Array.ConvertAll(expected, d => (long)d)];
        return target switch
        {
            float[] f => HostArray.Create(f, batchShape),
            double[] d => HostArray.Create(d, batchShape),
            int[] i32 => HostArray.Create(i32, batchShape),
            _ => HostArray.Create((long[])target, batchShape),
        };
    }

    private static InvalidRequestException ShapeMismatch(int i, int[] actual, int[] expected, int n, Shape inputShape) => new(
        $"instances[{i}] has shape {Format(actual)} but the model expects instances of shape {Format(expected)} (input shape {inputShape}).",
        expected: Format([n, .. expected]), actual: Format([n, .. actual]));

    /// <summary>Writes <c>{"predictions": [...]}</c>: one nested array a row of <paramref name="predictions"/>.</summary>
    public static byte[] WritePredictions(HostArray predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var data = predictions.DType switch
        {
            DType.Float32 or DType.Float64 or DType.Bool or DType.Int64 => predictions,
            DType.Float16 or DType.BFloat16 => predictions.AsType(DType.Float32),
            _ => predictions.AsType(DType.Int64),
        };
        var buffer = new ArrayBufferWriter<byte>(256 + (int)Math.Min(data.Length * 12, 1 << 24));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("predictions");
            var shape = data.Shape;
            if (shape.Length == 0) WriteLeaf(writer, data.Data, 0);
            else
            {
                int offset = 0;
                WriteNested(writer, data.Data, shape, 0, ref offset);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Formats a shape as Keras prints it, with <c>None</c> for unknown dimensions.</summary>
    public static string Format(IReadOnlyList<int> dims) =>
        dims.Count == 1 ? $"({Dim(dims[0])},)" : "(" + string.Join(", ", dims.Select(Dim)) + ")";

    private static string Dim(int d) => d == Shape.Unknown ? "None" : d.ToString(CultureInfo.InvariantCulture);

    // The shape an element claims, following first elements down: [[1, 2], [3, 4]] -> (2, 2).
    private static int[] Probe(JsonElement element)
    {
        var dims = new List<int>();
        while (element.ValueKind == JsonValueKind.Array)
        {
            int length = element.GetArrayLength();
            dims.Add(length);
            if (length == 0) break;
            element = element[0];
        }
        return [.. dims];
    }

    private static void Fill(JsonElement element, int depth, int[] dims, int[] index, DType dtype, Array target, ref int offset)
    {
        if (depth == dims.Length)
        {
            ReadLeaf(element, dtype, target, offset++, index);
            return;
        }
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() != dims[depth])
        {
            throw new InvalidRequestException(
                $"{Path(index, depth + 1)} is {Describe(element)} but the model expects an array of {dims[depth]} there (instances of shape {Format(dims)}); the instance is ragged or mistyped.",
                expected: Format(dims), actual: null);
        }
        int j = 0;
        foreach (var child in element.EnumerateArray())
        {
            index[depth + 1] = j++;
            Fill(child, depth + 1, dims, index, dtype, target, ref offset);
        }
    }

    private static void ReadLeaf(JsonElement e, DType dtype, Array target, int offset, int[] index)
    {
        if (e.ValueKind != JsonValueKind.Number)
            throw new InvalidRequestException($"{Path(index, index.Length)} is {Describe(e)}; the model expects a number ({dtype.Name()}).");
        bool ok;
        switch (dtype)
        {
            case DType.Float32:
                ok = e.TryGetSingle(out var f) && float.IsFinite(f);
                if (ok) ((float[])target)[offset] = f;
                break;
            case DType.Float64:
                ok = e.TryGetDouble(out var d) && double.IsFinite(d);
                if (ok) ((double[])target)[offset] = d;
                break;
            case DType.Int32:
                ok = e.TryGetInt32(out var i32);
                if (ok) ((int[])target)[offset] = i32;
                break;
            default:
                ok = e.TryGetInt64(out var i64);
                if (ok) ((long[])target)[offset] = i64;
                break;
        }
        if (!ok)
            throw new InvalidRequestException($"{Path(index, index.Length)} = {e.GetRawText()} is not a finite {dtype.Name()} value.");
    }

    private static Array NewArray(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new float[length],
        DType.Float64 => new double[length],
        DType.Int32 => new int[length],
        DType.Int64 => new long[length],
        _ => throw new ArgumentException($"Input dtype {dtype.Name()} is not served; expected float32, float64, int32 or int64.", nameof(dtype)),
    };

    private static void WriteNested(Utf8JsonWriter writer, Array data, long[] shape, int depth, ref int offset)
    {
        writer.WriteStartArray();
        for (long k = 0; k < shape[depth]; k++)
        {
            if (depth == shape.Length - 1) WriteLeaf(writer, data, offset++);
            else WriteNested(writer, data, shape, depth + 1, ref offset);
        }
        writer.WriteEndArray();
    }

    // JSON has no NaN or infinity: those are written as the strings "NaN", "Infinity" and "-Infinity".
    private static void WriteLeaf(Utf8JsonWriter writer, Array data, int offset)
    {
        switch (data)
        {
            case float[] f when float.IsFinite(f[offset]): writer.WriteNumberValue(f[offset]); break;
            case float[] f: writer.WriteStringValue(f[offset].ToString(CultureInfo.InvariantCulture)); break;
            case double[] d when double.IsFinite(d[offset]): writer.WriteNumberValue(d[offset]); break;
            case double[] d: writer.WriteStringValue(d[offset].ToString(CultureInfo.InvariantCulture)); break;
            case bool[] b: writer.WriteBooleanValue(b[offset]); break;
            default: writer.WriteNumberValue(((long[])data)[offset]); break;
        }
    }

    private static string Path(int[] index, int count) =>
        "instances" + string.Concat(index.Take(count).Select(k => $"[{k}]"));

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => $"an array of {e.GetArrayLength()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => e.ValueKind.ToString(),
    };
}
