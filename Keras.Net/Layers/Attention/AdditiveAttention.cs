using System.Text.Json.Nodes;
using Keras.Initializers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Additive (Bahdanau-style) attention (Keras's <c>AdditiveAttention</c>): scores are
/// <c>Σ scale · tanh(query + key)</c> over the feature axis, with a learned <c>scale</c> of shape
/// <c>(dim,)</c> when <c>use_scale</c> (default; initialized <c>glorot_uniform</c>). Everything else (inputs,
/// masks, causal mask, dropout, returned scores) is as in <see cref="Attention"/>.
/// </summary>
public sealed class AdditiveAttention : Attention
{
    /// <summary>Creates the layer.</summary>
    /// <param name="useScale">Whether to learn a per-feature <c>scale</c> (default true).</param>
    /// <param name="dropout">Dropout rate on the attention distribution (training only).</param>
    /// <param name="seed">Seed of the dropout.</param>
    /// <param name="useCausalMask">Default of Keras's <c>use_causal_mask</c> call argument.</param>
    /// <param name="returnAttentionScores">Default of Keras's <c>return_attention_scores</c> call argument.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public AdditiveAttention(bool useScale = true, double dropout = 0.0, int? seed = null, bool useCausalMask = false,
        bool returnAttentionScores = false, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(useScale, "dot", dropout, seed, useCausalMask, returnAttentionScores, name, trainable, dtype)
    {
    }

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        Validate(inputShapes.Count);
        int dim = inputShapes[0][-1];
        if (UseScale)
        {
            if (dim == Shape.Unknown)
                throw new ArgumentException($"AdditiveAttention \"{Name}\": the query's last dimension must be known; got {inputShapes[0]}.");
            Scale = AddWeight("scale", new Shape(dim), new GlorotUniform());
        }
    }

    private protected override Tensor CalculateScores(Tensor query, Tensor key)
    {
        var t = Ops.Tanh(Ops.Add(Ops.ExpandDims(query, -2), Ops.ExpandDims(key, -3)));
        return Ops.Sum(Scale is null ? t : Ops.Multiply(Scale, t), -1);
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static new AdditiveAttention FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(AdditiveAttention));
        var (name, trainable, dtype) = c.LayerArgs();
        return new AdditiveAttention(c.Bool("use_scale", true), c.Double("dropout", 0.0), c.IntOrNull("seed"), name: name, trainable: trainable, dtype: dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c.Remove("score_mode");
        return c;
    }
}
