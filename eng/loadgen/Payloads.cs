using System.Buffers;
using System.Text.Json;
using Keras.Data;
using Keras.Models;

namespace Keras.LoadGen;

/// <summary>One request body and the predictions the served model must return for it, bit for bit.</summary>
internal sealed record Payload(byte[] Body, long[] ExpectedShape, double[] Expected, bool[] ExpectedIsSingle);

/// <summary>Random request bodies for a model, and their expected predictions from single-threaded <c>Model.Predict</c>.</summary>
internal static class Payloads
{
    public static Payload[] Create(Model model, int count, int batch, int seed)
    {
        var input = model.Inputs[0];
        var instance = input.Shape.WithoutBatch();
        if (!instance.IsFullyDefined)
            throw new ArgumentException($"Model \"{model.Name}\" has input shape {input.Shape}; the driver needs every dimension but the batch to be known.");
        var random = new Random(seed);
        var payloads = new Payload[count];
        long[] shape = [batch, .. instance.ToLongArray()];
        int size = checked((int)(batch * instance.Size));
        for (int p = 0; p < count; p++)
        {
            HostArray x = input.DType switch
            {
                DType.Float32 => HostArray.Create(Enumerable.Range(0, size).Select(_ => random.NextSingle()).ToArray(), shape),
                DType.Float64 => HostArray.Create(Enumerable.Range(0, size).Select(_ => random.NextDouble()).ToArray(), shape),
                // Integer inputs (token ids) get 0 and 1, which every vocabulary has.
                DType.Int32 => HostArray.Create(Enumerable.Range(0, size).Select(_ => random.Next(2)).ToArray(), shape),
                DType.Int64 => HostArray.Create(Enumerable.Range(0, size).Select(_ => (long)random.Next(2)).ToArray(), shape),
                _ => throw new ArgumentException($"Model \"{model.Name}\" has a {input.DType.Name()} input; the driver sends float32, float64, int32 or int64."),
            };
            // The reference: the same model, the same batch, one call at a time.
            using var y = model.Predict(x);
            var output = HostArray.From(y, "predictions");
            var (values, single) = Flatten(output);
            payloads[p] = new Payload(Body(x), output.Shape, values, single);
        }
        return payloads;
    }

    /// <summary>Checks a response body against the expected predictions; returns null when equal, else what differs.</summary>
    public static string? Compare(Payload payload, byte[] response)
    {
        using var doc = JsonDocument.Parse(response);
        if (!doc.RootElement.TryGetProperty("predictions", out var predictions))
            return "the response has no \"predictions\"";
        int offset = 0;
        var problem = CompareNested(predictions, payload, 0, ref offset);
        return problem ?? (offset == payload.Expected.Length ? null : $"{offset} values, expected {payload.Expected.Length}");
    }

    private static string? CompareNested(JsonElement e, Payload payload, int depth, ref int offset)
    {
        if (depth == payload.ExpectedShape.Length)
        {
            int k = offset++;
            if (k >= payload.Expected.Length) return "more values than expected";
            var expected = payload.Expected[k];
            double actual;
            if (e.ValueKind == JsonValueKind.String)
            {
                // The server writes NaN and infinities as strings ("NaN", "Infinity", "-Infinity").
                if (!double.TryParse(e.GetString(), System.Globalization.CultureInfo.InvariantCulture, out actual))
                    return $"value {k} is the string {e.GetRawText()}";
                if (double.IsNaN(actual) && double.IsNaN(expected)) return null;
            }
            else if (e.ValueKind != JsonValueKind.Number) return $"value {k} is {e.ValueKind}";
            // Floats are parsed as floats: a float written in its shortest form reads back to the same bits.
            else actual = payload.ExpectedIsSingle[k] ? e.GetSingle() : e.GetDouble();
            return BitConverter.DoubleToInt64Bits(actual) == BitConverter.DoubleToInt64Bits(expected)
                ? null
                : $"value {k}: got {e.GetRawText()}, expected {expected:R}";
        }
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != payload.ExpectedShape[depth])
            return $"at depth {depth}: {e.ValueKind} of {(e.ValueKind == JsonValueKind.Array ? e.GetArrayLength() : 0)}, expected an array of {payload.ExpectedShape[depth]}";
        foreach (var child in e.EnumerateArray())
        {
            if (CompareNested(child, payload, depth + 1, ref offset) is { } problem) return problem;
        }
        return null;
    }

    // Every value widened to double, exactly (float -> double is exact), with which ones were floats.
    private static (double[] Values, bool[] Single) Flatten(HostArray output) => output.Data switch
    {
        float[] f => (Array.ConvertAll(f, v => (double)v), Array.ConvertAll(f, _ => true)),
        double[] d => (d, new bool[d.Length]),
        _ => (output.AsType(DType.Float64).ToArray<double>(), new bool[output.Length]),
    };

    private static byte[] Body(HostArray x)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("instances");
            int offset = 0;
            WriteNested(writer, x.Data, x.Shape, 0, ref offset);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteNested(Utf8JsonWriter writer, Array data, long[] shape, int depth, ref int offset)
    {
        writer.WriteStartArray();
        for (long i = 0; i < shape[depth]; i++)
        {
            if (depth < shape.Length - 1)
            {
                WriteNested(writer, data, shape, depth + 1, ref offset);
                continue;
            }
            switch (data)
            {
                case float[] f: writer.WriteNumberValue(f[offset++]); break;
                case double[] d: writer.WriteNumberValue(d[offset++]); break;
                case int[] n: writer.WriteNumberValue(n[offset++]); break;
                default: writer.WriteNumberValue(((long[])data)[offset++]); break;
            }
        }
        writer.WriteEndArray();
    }
}
