using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Layers;
using Keras.Models;
using Keras.Saving.Json;

namespace Keras.Saving.Legacy;

/// <summary>
/// Converts the weights of legacy files to the Keras 3 layout of the target layer (Keras 2's
/// <c>preprocess_weights_for_loading</c>, written from its facts): Keras 1's per-gate LSTM/GRU tensors
/// (<c>lstm_1_W_i</c>, <c>lstm_1_U_c</c>, …, assembled by their gate names into the fused i, f, c, o /
/// z, r, h kernels), Keras 1's convolution kernel layouts, and Theano's flipped convolution kernels.
/// Wrappers (Bidirectional, TimeDistributed) convert their inner layers.
/// </summary>
internal static class LegacyWeightConverter
{
    private static readonly HashSet<string> ConvClasses = new(StringComparer.Ordinal)
    {
        "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "ConvLSTM2D",
    };

    /// <summary>The values for <paramref name="layer"/>, in the file's order, converted to Keras 3's form.</summary>
    public static IReadOnlyList<HostArray> Convert(Layer layer, IReadOnlyList<HostArray> values, IReadOnlyList<string> names, LoadContext context, string part)
    {
        var className = KerasLayerOrder.ClassName(layer);
        var subs = layer.SubLayers;
        if (className == "Bidirectional" && subs.Count == 2 && values.Count % 2 == 0)
        {
            int half = values.Count / 2;
            return [.. Convert(subs[0], values.Take(half).ToArray(), names.Take(half).ToArray(), context, part),
                    .. Convert(subs[1], values.Skip(half).ToArray(), names.Skip(half).ToArray(), context, part)];
        }
        if (className == "TimeDistributed" && subs.Count == 1)
            return Convert(subs[0], values, names, context, part);
        if (layer is Model || values.Count == 0) return values;

        var converted = values.ToList();
        JsonObject config;
        try
        {
            config = layer.GetConfig();
        }
        catch (Exception)
        {
            config = new JsonObject();
        }
        var c = new ConfigReader(config, className);
        var channelsFirst = c.String("data_format", "channels_last") == "channels_first";

        if (context.Generation == 1)
        {
            switch (className)
            {
                case "LSTM" when converted.Count == 12:
                    converted = MergeGates(converted, names, ["i", "f", "c", "o"], ["i", "c", "f", "o"], part, context);
                    break;
                case "GRU" when converted.Count == 9:
                    converted = MergeGates(converted, names, ["z", "r", "h"], ["z", "r", "h"], part, context);
                    break;
                case "ConvLSTM2D" when converted.Count == 12:
                    converted = MergeGates(converted, names, ["i", "f", "c", "o"], ["i", "c", "f", "o"], part, context);
                    if (channelsFirst)
                    {
                        converted[0] = HostArrayMath.Transpose(converted[0], 2, 3, 1, 0);
                        converted[1] = HostArrayMath.Transpose(converted[1], 2, 3, 1, 0);
                    }
                    break;
                case "Conv1D" when converted[0].Rank == 4:
                {
                    // Keras 1 stored Conv1D kernels as 2D kernels: (length, 1, in, filters), or (filters, in, length, 1).
                    var shape = converted[0].Shape;
                    var kernelSize = c.Ints("kernel_size", 1)?[0] ?? (int)shape[0];
                    var filters = c.Int("filters", (int)shape[^1]);
                    if (shape[0] != kernelSize || shape[1] != 1 || shape[3] != filters)
                        converted[0] = HostArrayMath.Transpose(converted[0], 2, 3, 1, 0);
                    converted[0] = HostArrayMath.TakeFirst(converted[0], 1);
                    break;
                }
                case "Conv2D" when channelsFirst:
                    converted[0] = HostArrayMath.Transpose(converted[0], 2, 3, 1, 0);
                    break;
                case "Conv2DTranspose":
                    converted[0] = channelsFirst ? HostArrayMath.Transpose(converted[0], 2, 3, 0, 1) : HostArrayMath.Transpose(converted[0], 0, 1, 3, 2);
                    break;
                case "Conv3D" when channelsFirst:
                    converted[0] = HostArrayMath.Transpose(converted[0], 2, 3, 4, 1, 0);
                    break;
            }
        }

        if (ConvClasses.Contains(className))
        {
            if (context.IsTheano)
            {
                converted[0] = FlipKernel(converted[0]);
                if (className == "ConvLSTM2D" && converted.Count > 1) converted[1] = FlipKernel(converted[1]);
            }
            var target = layer.Weights.Count > 0 ? layer.Weights[0].Shape : null;
            if (target is not null && converted[0].Rank == 4 && !new Shape(converted[0].Shape).Equals(target))
            {
                var transposed = HostArrayMath.Transpose(converted[0], 3, 2, 0, 1);
                if (new Shape(transposed.Shape).Equals(target))
                {
                    converted[0] = transposed;
                    if (className == "ConvLSTM2D" && converted.Count > 1) converted[1] = HostArrayMath.Transpose(converted[1], 3, 2, 0, 1);
                }
            }
        }
        return converted;
    }

    // Theano convolved with flipped kernels: reverse every spatial axis (all but the last two).
    private static HostArray FlipKernel(HostArray kernel) =>
        kernel.Rank is >= 3 and <= 5 ? HostArrayMath.Flip(kernel, Enumerable.Range(0, kernel.Rank - 2).ToArray()) : kernel;

    /// <summary>
    /// Fuses per-gate tensors (W_x, U_x, b_x for each gate x) into kernel, recurrent kernel and bias in
    /// <paramref name="targetOrder"/>. Gates are found by the suffix of the file's names
    /// (<c>lstm_1_W_i:0</c>); without such names the file order <paramref name="fileOrder"/> is assumed.
    /// </summary>
    private static List<HostArray> MergeGates(List<HostArray> values, IReadOnlyList<string> names, string[] targetOrder, string[] fileOrder,
        string part, LoadContext context)
    {
        var byKey = new Dictionary<(char Kind, string Gate), HostArray>();
        for (int i = 0; i < values.Count && i < names.Count; i++)
        {
            var n = names[i];
            var colon = n.LastIndexOf(':');
            if (colon >= 0) n = n[..colon];
            var parts = n.Split('_');
            if (parts.Length >= 2 && parts[^2] is "W" or "U" or "b" && targetOrder.Contains(parts[^1]))
                byKey[(parts[^2][0], parts[^1])] = values[i];
        }
        if (byKey.Count != values.Count)
        {
            byKey.Clear();
            for (int g = 0; g < fileOrder.Length; g++)
            {
                byKey[('W', fileOrder[g])] = values[3 * g];
                byKey[('U', fileOrder[g])] = values[3 * g + 1];
                byKey[('b', fileOrder[g])] = values[3 * g + 2];
            }
        }
        try
        {
            return
            [
                HostArrayMath.ConcatLast(targetOrder.Select(g => byKey[('W', g)]).ToArray()),
                HostArrayMath.ConcatLast(targetOrder.Select(g => byKey[('U', g)]).ToArray()),
                HostArrayMath.ConcatLast(targetOrder.Select(g => byKey[('b', g)]).ToArray()),
            ];
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException)
        {
            throw new KerasFileException(context.Source, part, $"the per-gate Keras 1 weights cannot be fused: {e.Message}", e);
        }
    }
}
