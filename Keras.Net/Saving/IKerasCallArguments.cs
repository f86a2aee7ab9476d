using System.Text.Json.Nodes;

namespace Keras.Saving;

/// <summary>
/// For layers whose Keras <c>call</c> takes keyword arguments that a functional config records per
/// node (e.g. MultiHeadAttention's <c>return_attention_scores</c> or <c>use_causal_mask</c>). When a
/// model is rebuilt from a config, the loader hands the node's non-tensor arguments (other than
/// <c>training</c> and <c>mask</c>) to the layer before replaying the call. Layers that do not implement
/// it are only given calls whose extra arguments are absent, null or false; anything else is a clear error.
/// </summary>
public interface IKerasCallArguments
{
    /// <summary>Applies the call's keyword arguments (Keras names, JSON values); throw <see cref="NotSupportedException"/> for values the layer cannot honour.</summary>
    void ApplyCallArguments(IReadOnlyDictionary<string, JsonNode?> arguments);
}
