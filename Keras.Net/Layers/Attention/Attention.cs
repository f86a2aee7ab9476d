using System.Text.Json.Nodes;
using Keras.Initializers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Dot-product (Luong-style) attention (Keras's <c>Attention</c>). Inputs <c>[query (B, Tq, dim),
/// value (B, Tv, dim)]</c> or <c>[query, value, key (B, Tv, dim)]</c> (key defaults to value). Scores are
/// <c>query · keyᵀ</c> (times the scalar <c>scale</c> when <c>use_scale</c>), or with
/// <c>score_mode="concat"</c> <c>concat_score_weight · Σ tanh(scale · (query + key))</c>; masked key steps
/// get −1e9 before the softmax; the output is <c>softmax(scores) · value</c>, zero at masked query steps.
/// <para>
/// Masks: the query's and value's Keras masks (<see cref="Tensor.KerasMask"/>), or the masks given to
/// <see cref="Apply(Tensor, Tensor, Tensor?, Tensor?, Tensor?, bool?, bool?, bool?)"/>. The output carries the
/// query mask. Keras's call arguments <c>use_causal_mask</c> (query step i sees value steps j ≤ i) and
/// <c>return_attention_scores</c> (a second output: the attention distribution after masking, softmax and
/// dropout, shape (B, Tq, Tv)) are layer options (<see cref="UseCausalMask"/>, <see cref="ReturnAttentionScores"/>)
/// and arguments of that <c>Apply</c> overload.
/// </para>
/// </summary>
public class Attention : Layer, IKerasCallArguments
{
    private readonly SeedGenerator _seeds;

    /// <summary>Creates the layer.</summary>
    /// <param name="useScale">Whether to learn a scalar <c>scale</c> for the scores.</param>
    /// <param name="scoreMode"><c>"dot"</c> (default) or <c>"concat"</c>.</param>
    /// <param name="dropout">Dropout rate on the attention distribution (training only).</param>
    /// <param name="seed">Seed of the dropout.</param>
    /// <param name="useCausalMask">Default of Keras's <c>use_causal_mask</c> call argument.</param>
    /// <param name="returnAttentionScores">Default of Keras's <c>return_attention_scores</c> call argument.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public Attention(bool useScale = false, string scoreMode = "dot", double dropout = 0.0, int? seed = null,
        bool useCausalMask = false, bool returnAttentionScores = false, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype)
    {
        if (scoreMode is not ("dot" or "concat"))
            throw new ArgumentException($"{GetType().Name} \"{Name}\": invalid value for argument score_mode. Expected one of {{'dot', 'concat'}}. Received: score_mode={scoreMode}.", nameof(scoreMode));
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"{GetType().Name} \"{Name}\": dropout must be in [0, 1).");
        UseScale = useScale;
        ScoreMode = scoreMode;
        Dropout = dropout;
        Seed = seed;
        _seeds = new SeedGenerator(seed);
        UseCausalMask = useCausalMask;
        ReturnAttentionScores = returnAttentionScores;
        SupportsMasking = true;
    }

    public bool UseScale { get; }

    /// <summary><c>"dot"</c> or <c>"concat"</c>.</summary>
    public string ScoreMode { get; }

    public double Dropout { get; }
    public int? Seed { get; }

    /// <summary>Whether calls that don't say otherwise apply a causal mask (Keras's <c>use_causal_mask</c>).</summary>
    public bool UseCausalMask { get; set; }

    /// <summary>Whether calls that don't say otherwise also return the attention distribution (Keras's <c>return_attention_scores</c>).</summary>
    public bool ReturnAttentionScores { get; set; }

    /// <summary>The learned score scale (null without <c>use_scale</c> or before build).</summary>
    public Variable? Scale { get; private protected set; }

    /// <summary>The learned weight of concat scores (null unless <c>score_mode="concat"</c>, or before build).</summary>
    public Variable? ConcatScoreWeight { get; private set; }

    /// <summary>
    /// Calls the layer with Keras's call arguments. On concrete tensors the options apply to this call only;
    /// on symbolic tensors <paramref name="returnAttentionScores"/> and <paramref name="useCausalMask"/> are
    /// recorded as the layer's options, and masks must travel on the inputs.
    /// </summary>
    /// <param name="query">Query, (B, Tq, dim).</param>
    /// <param name="value">Value, (B, Tv, dim).</param>
    /// <param name="key">Key, (B, Tv, dim); default <paramref name="value"/>.</param>
    /// <param name="queryMask">Boolean (B, Tq) mask of the query (Keras's <c>mask[0]</c>); default the query's Keras mask.</param>
    /// <param name="valueMask">Boolean (B, Tv) mask of the value (Keras's <c>mask[1]</c>); default the value's Keras mask.</param>
    /// <param name="returnAttentionScores">Also return the attention distribution.</param>
    /// <param name="useCausalMask">Apply a causal mask.</param>
    /// <param name="training">Training mode (dropout).</param>
    public Tensors Apply(Tensor query, Tensor value, Tensor? key = null, Tensor? queryMask = null, Tensor? valueMask = null,
        bool? returnAttentionScores = null, bool? useCausalMask = null, bool? training = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(value);
        var inputs = key is null ? new Tensors(query, value) : new Tensors(query, value, key);
        if (inputs.Any(t => t.IsSymbolic))
        {
            if (queryMask is not null || valueMask is not null)
            {
                throw new ArgumentException(
                    $"{GetType().Name} \"{Name}\": explicit masks can't be recorded in a functional graph; in a model, masks come from the inputs " +
                    "(e.g. an Embedding with mask_zero or a Masking layer upstream).");
            }
            AttentionSupport.AdoptForGraph(this, "return_attention_scores", returnAttentionScores, ReturnAttentionScores, v => ReturnAttentionScores = v);
            AttentionSupport.AdoptForGraph(this, "use_causal_mask", useCausalMask, UseCausalMask, v => UseCausalMask = v);
            return Apply(inputs, training);
        }
        using (AttentionSupport.With(this, new AttentionSupport.CallOptions(useCausalMask, returnAttentionScores, queryMask, valueMask)))
            return Apply(inputs, training);
    }

    private protected void Validate(int count)
    {
        if (count is < 2 or > 3)
        {
            throw new ArgumentException(
                $"{GetType().Name} \"{Name}\" accepts inputs list of length 2 or 3, namely [query, value] or [query, value, key]. Received length: {count}.");
        }
    }

    /// <inheritdoc />
    public override void Build(Shape inputShape) => Validate(1);

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        Validate(inputShapes.Count);
        if (UseScale) Scale = AddWeight("scale", Shape.Scalar, new Ones());
        if (ScoreMode == "concat") ConcatScoreWeight = AddWeight("concat_score_weight", Shape.Scalar, new Ones());
    }

    /// <summary>Attention scores (B, Tq, Tv) of query (B, Tq, dim) and key (B, Tv, dim).</summary>
    private protected virtual Tensor CalculateScores(Tensor query, Tensor key)
    {
        if (ScoreMode == "dot")
        {
            var scores = Ops.MatMul(query, Ops.Transpose(key, 0, 2, 1));
            return Scale is null ? scores : Ops.Multiply(scores, Scale);
        }
        var sum = Ops.Add(Ops.ExpandDims(query, -2), Ops.ExpandDims(key, -3));
        if (Scale is not null) sum = Ops.Multiply(Scale, sum);
        return Ops.Multiply(ConcatScoreWeight!, Ops.Sum(Ops.Tanh(sum), -1));
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Validate(inputs.Count);
        var options = AttentionSupport.For(this);
        bool causal = options?.UseCausalMask ?? UseCausalMask;
        bool returnScores = options?.ReturnAttentionScores ?? ReturnAttentionScores;
        var (queryMask, valueMask) = Masks(inputs, mask);
        Tensor q = inputs[0], v = inputs[1];
        Tensor k = inputs.Count > 2 ? inputs[2] : v;
        if (q.Rank != 3 || v.Rank != 3 || k.Rank != 3)
            throw new ArgumentException($"{GetType().Name} \"{Name}\": query, value and key must have rank 3 (batch, steps, dim); got {q.Shape}, {v.Shape}, {k.Shape}.");

        var scores = CalculateScores(q, k);
        // Keras's _calculate_score_mask: the value mask as (B, 1, Tv), ANDed with the causal mask.
        Tensor? scoresMask = valueMask is null ? null : Ops.ExpandDims(BoolMask.ToBool(valueMask), -2);
        if (causal)
        {
            var causalMask = AttentionSupport.CausalMask(scores.Shape[-2], scores.Shape[-1]);
            scoresMask = scoresMask is null ? causalMask : BoolMask.And(scoresMask, causalMask);
        }
        // Keras's _apply_scores.
        if (scoresMask is not null)
        {
            double maxValue = scores.DType == DType.Float16 ? 65504.0 : 1.0e9;
            scores = Ops.Subtract(scores, Ops.Multiply(Ops.Cast(BoolMask.Not(scoresMask), scores.DType), maxValue));
        }
        var weights = Ops.Softmax(scores, -1);
        if (training && Dropout > 0) weights = Ops.Dropout(weights, Dropout, _seeds.Next());
        var result = Ops.MatMul(weights, v);
        if (queryMask is not null)
            result = Ops.Multiply(result, Ops.Cast(Ops.ExpandDims(BoolMask.ToBool(queryMask), -1), result.DType));
        return returnScores ? new Tensors(result, weights) : new Tensors(result);
    }

    private (Tensor? Query, Tensor? Value) Masks(Tensors inputs, Tensors? mask)
    {
        var options = AttentionSupport.For(this);
        Tensor? MaskAt(int i) => mask is not null && i < mask.Count ? mask[i] : inputs[i].KerasMask;
        return (options?.QueryMask ?? MaskAt(0), options?.ValueMask ?? MaskAt(1));
    }

    /// <summary>The query mask (Keras's <c>Attention.compute_mask</c>).</summary>
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask) =>
        Masks(inputs, mask).Query is { } q ? new Tensors(q) : null;

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        Validate(inputShapes.Count);
        var (q, v) = (inputShapes[0], inputShapes[1]);
        var output = q.Slice(0, -1).Concat(new Shape(v[-1]));
        return ReturnAttentionScores ? [output, new Shape(q[0], q[1], v[1])] : [output];
    }

    /// <inheritdoc />
    void Saving.IKerasCallArguments.ApplyCallArguments(IReadOnlyDictionary<string, JsonNode?> arguments) =>
        AttentionSupport.ApplyCallArguments(this, arguments, () => ReturnAttentionScores, v => ReturnAttentionScores = v,
            () => UseCausalMask, v => UseCausalMask = v);

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Attention FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Attention));
        var (name, trainable, dtype) = c.LayerArgs();
        if (c.Has("causal"))
        {
            throw new NotSupportedException(
                $"Attention \"{name}\": the Keras 2 'causal' argument is not supported; Keras 3 passes use_causal_mask at call time " +
                "(set UseCausalMask on the layer).");
        }
        return new Attention(c.Bool("use_scale", false), c.String("score_mode") ?? "dot", c.Double("dropout", 0.0), c.IntOrNull("seed"),
            name: name, trainable: trainable, dtype: dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["use_scale"] = UseScale;
        c["score_mode"] = ScoreMode;
        c["dropout"] = Dropout;
        return c;
    }
}
