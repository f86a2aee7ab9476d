using System.Text.Json.Nodes;

namespace Keras.Layers;

/// <summary>
/// Shared pieces of the attention layers: per-call options (Keras's call arguments such as
/// <c>use_causal_mask</c> and <c>return_attention_scores</c>), the causal mask and Keras's masked softmax.
/// </summary>
internal static class AttentionSupport
{
    /// <summary>Call arguments of one eager call, overriding the layer's defaults.</summary>
    internal sealed record CallOptions(bool? UseCausalMask, bool? ReturnAttentionScores, Tensor? QueryMask = null, Tensor? ValueMask = null);

    [ThreadStatic] private static List<(Layer Layer, CallOptions Options)>? t_active;

    /// <summary>Makes <paramref name="options"/> the options of <paramref name="layer"/>'s calls on this thread until disposed.</summary>
    public static IDisposable With(Layer layer, CallOptions options)
    {
        t_active ??= [];
        t_active.Add((layer, options));
        return new Pop(layer);
    }

    /// <summary>The options of the call of <paramref name="layer"/> in progress on this thread, if any.</summary>
    public static CallOptions? For(Layer layer)
    {
        if (t_active is null) return null;
        for (int i = t_active.Count - 1; i >= 0; i--)
            if (ReferenceEquals(t_active[i].Layer, layer)) return t_active[i].Options;
        return null;
    }

    private sealed class Pop(Layer layer) : IDisposable
    {
        public void Dispose()
        {
            var list = t_active!;
            for (int i = list.Count - 1; i >= 0; i--)
            {
                if (ReferenceEquals(list[i].Layer, layer))
                {
                    list.RemoveAt(i);
                    return;
                }
            }
        }
    }

    /// <summary>
    /// For a call on symbolic tensors: a functional graph records one set of call options per layer, so the
    /// given options become the layer's defaults (<paramref name="set"/>) on its first symbolic call, and a
    /// later symbolic call must agree with them.
    /// </summary>
    public static void AdoptForGraph(Layer layer, string argument, bool? requested, bool current, Action<bool> set)
    {
        if (requested is not { } value || value == current) return;
        if (layer.InboundNodes.Count > 0)
        {
            throw new InvalidOperationException(
                $"Layer \"{layer.Name}\" was already called on symbolic inputs with {argument}={current.ToString().ToLowerInvariant()}; " +
                $"a functional graph records one {argument} per layer in Keras.Net, so it cannot be called again with " +
                $"{argument}={value.ToString().ToLowerInvariant()}. Use a second layer (or set the option when creating the layer).");
        }
        set(value);
    }

    /// <summary>
    /// Applies a functional config's recorded call arguments (<see cref="Saving.IKerasCallArguments"/>):
    /// <c>return_attention_scores</c> and <c>use_causal_mask</c> become the layer's options; anything else is
    /// not supported.
    /// </summary>
    public static void ApplyCallArguments(Layer layer, IReadOnlyDictionary<string, JsonNode?> arguments,
        Func<bool> getScores, Action<bool> setScores, Func<bool> getCausal, Action<bool> setCausal)
    {
        foreach (var (key, value) in arguments)
        {
            bool? flag = value is JsonValue v && v.TryGetValue<bool>(out var b) ? b : value is null ? false : null;
            var text = value?.ToJsonString() ?? "null";
            try
            {
                switch (key)
                {
                    case "return_attention_scores" when flag is { } f:
                        AdoptForGraph(layer, key, f, getScores(), setScores);
                        break;
                    case "use_causal_mask" when flag is { } f:
                        AdoptForGraph(layer, key, f, getCausal(), setCausal);
                        break;
                    default:
                        throw new NotSupportedException(
                            $"Layer \"{layer.Name}\" ({layer.GetType().Name}) is called with {key}={text}, which Keras.Net does not support.");
                }
            }
            catch (InvalidOperationException e)
            {
                throw new NotSupportedException(e.Message, e);
            }
        }
    }

    /// <summary>Keras's causal mask of shape (1, T, S): query step i may attend to key steps j ≤ i.</summary>
    public static Tensor CausalMask(long queryLength, long valueLength)
    {
        var rows = Ops.Reshape(Ops.Arange(queryLength), 1, queryLength, 1);
        var cols = Ops.Reshape(Ops.Arange(valueLength), 1, 1, valueLength);
        return Ops.GreaterEqual(rows, cols);
    }

    /// <summary>Keras's <c>Softmax</c> over one or several axes (several: <c>exp(x − logsumexp(x))</c>).</summary>
    public static Tensor Softmax(Tensor x, int[] axes) => axes.Length == 1
        ? Ops.Softmax(x, axes[0])
        : Ops.Exp(Ops.Subtract(x, Ops.LogSumExp(x, axes, keepDims: true)));

    /// <summary>
    /// Keras 3's <c>Softmax</c> layer with a mask: masked logits become a large negative number (−1e9;
    /// −3e4 for float16), and masked outputs are zero (so a fully masked row is all zeros).
    /// </summary>
    public static Tensor MaskedSoftmax(Tensor x, Tensor? mask, int[] axes)
    {
        if (mask is null) return Softmax(x, axes);
        var m = BoolMask.ToBool(mask);
        var negative = Ops.Full(Shape.Scalar, x.DType == DType.Float16 ? -3e4 : -1e9, x.DType);
        var outputs = Softmax(Ops.Where(m, x, negative), axes);
        return Ops.Multiply(outputs, Ops.Cast(m, outputs.DType));
    }

    /// <summary>
    /// The softmax of Keras's fused dot-product-attention path (torch <c>scaled_dot_product_attention</c>
    /// with a boolean mask turned into an additive one of −0.7·3.38953e38): masked logits are excluded,
    /// and a fully masked row is uniform.
    /// </summary>
    public static Tensor FusedPathSoftmax(Tensor x, Tensor? mask)
    {
        if (mask is null) return Ops.Softmax(x, -1);
        var negative = Ops.Full(Shape.Scalar, x.DType == DType.Float16 ? -0.7 * 65500.0 : -0.7 * 3.38953e38, x.DType);
        return Ops.Softmax(Ops.Add(x, Ops.Where(BoolMask.ToBool(mask), Ops.ZerosLike(negative), negative)), -1);
    }
}
