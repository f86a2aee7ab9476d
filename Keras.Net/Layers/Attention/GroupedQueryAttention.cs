using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Grouped-query attention (Keras's <c>GroupedQueryAttention</c>, exported as <c>GroupQueryAttention</c>;
/// Ainslie et al., 2023): <c>num_query_heads</c> query heads share <c>num_key_value_heads</c> key/value heads
/// (1: multi-query attention; equal: multi-head attention). Sublayers, as in Keras: <see cref="EinsumDense"/>
/// <c>query</c> (<c>bqm,muh->bquh</c>, kernel <c>(dim, num_query_heads, head_dim)</c>), <c>key</c> and
/// <c>value</c> (<c>bkm,mvh->bkvh</c>, kernel <c>(dim, num_key_value_heads, head_dim)</c>) and
/// <c>attention_output</c> (<c>bquh,uhm->bqm</c>, kernel <c>(num_query_heads, head_dim, dim)</c>).
/// Inputs: <c>[query, value]</c>, <c>[query, value, key]</c> or <c>[query, value, key, attention_mask]</c>, all
/// of rank 3; or <see cref="Apply(Tensor, Tensor, Tensor?, Tensor?, bool?, bool?, bool?)"/>. Call options as in
/// <see cref="MultiHeadAttention"/>; the attention weights have shape <c>(batch, num_query_heads, T, S)</c>.
/// </summary>
[KerasAlias("GroupQueryAttention")]
public sealed class GroupedQueryAttention : Layer, IKerasCallArguments
{
    private readonly SeedGenerator _seeds;
    private EinsumDense? _queryDense;
    private EinsumDense? _keyDense;
    private EinsumDense? _valueDense;
    private EinsumDense? _outputDense;

    /// <summary>Creates the layer.</summary>
    /// <param name="headDim">Size of each attention head.</param>
    /// <param name="numQueryHeads">Number of query heads.</param>
    /// <param name="numKeyValueHeads">Number of key/value heads (must divide <paramref name="numQueryHeads"/>).</param>
    /// <param name="dropout">Dropout rate on the attention weights (training only).</param>
    /// <param name="useBias">Whether the projections have biases.</param>
    /// <param name="kernelInitializer">Initializer of the projection kernels (default <c>glorot_uniform</c>).</param>
    /// <param name="biasInitializer">Initializer of the projection biases (default <c>zeros</c>).</param>
    /// <param name="kernelRegularizer">Penalty on each projection kernel added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on each projection bias added to the loss.</param>
    /// <param name="activityRegularizer">Penalty on the outputs: as in Keras, both this layer's outputs and each projection sublayer's output.</param>
    /// <param name="kernelConstraint">Projection of each kernel after each update.</param>
    /// <param name="biasConstraint">Projection of each bias after each update.</param>
    /// <param name="seed">Seed of the dropout.</param>
    /// <param name="useCausalMask">Default of Keras's <c>use_causal_mask</c> call argument.</param>
    /// <param name="returnAttentionScores">Default of Keras's <c>return_attention_scores</c> call argument.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public GroupedQueryAttention(
        int headDim,
        int numQueryHeads,
        int numKeyValueHeads,
        double dropout = 0.0,
        bool useBias = true,
        Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null,
        Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null,
        Constraint? biasConstraint = null,
        int? seed = null,
        bool useCausalMask = false,
        bool returnAttentionScores = false,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(name, trainable, dtype)
    {
        if (headDim <= 0) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, $"GroupedQueryAttention \"{Name}\": head_dim must be a positive integer.");
        if (numQueryHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numQueryHeads), numQueryHeads, $"GroupedQueryAttention \"{Name}\": num_query_heads must be a positive integer.");
        if (numKeyValueHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numKeyValueHeads), numKeyValueHeads, $"GroupedQueryAttention \"{Name}\": num_key_value_heads must be a positive integer.");
        if (numQueryHeads % numKeyValueHeads != 0)
            throw new ArgumentException($"GroupedQueryAttention \"{Name}\": `num_query_heads` must be divisible by `num_key_value_heads`; got {numQueryHeads} and {numKeyValueHeads}.", nameof(numKeyValueHeads));
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"GroupedQueryAttention \"{Name}\": dropout must be in [0, 1).");
        HeadDim = headDim;
        NumQueryHeads = numQueryHeads;
        NumKeyValueHeads = numKeyValueHeads;
        Dropout = dropout;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        // Keras sets the layer's own activity_regularizer and also hands it to the sublayers.
        ActivityRegularizer = activityRegularizer;
        KernelConstraint = kernelConstraint;
        BiasConstraint = biasConstraint;
        Seed = seed;
        _seeds = new SeedGenerator(seed);
        UseCausalMask = useCausalMask;
        ReturnAttentionScores = returnAttentionScores;
        SupportsMasking = true;
    }

    public int HeadDim { get; }
    public int NumQueryHeads { get; }
    public int NumKeyValueHeads { get; }

    /// <summary>How many query heads share each key/value head.</summary>
    public int NumRepeats => NumQueryHeads / NumKeyValueHeads;

    public double Dropout { get; }
    public bool UseBias { get; }
    public Initializer KernelInitializer { get; }
    public Initializer BiasInitializer { get; }
    public Regularizer? KernelRegularizer { get; }
    public Regularizer? BiasRegularizer { get; }
    public Constraint? KernelConstraint { get; }
    public Constraint? BiasConstraint { get; }
    public int? Seed { get; }

    /// <summary>Whether calls that don't say otherwise apply a causal mask (Keras's <c>use_causal_mask</c>).</summary>
    public bool UseCausalMask { get; set; }

    /// <summary>Whether calls that don't say otherwise also return the attention weights (Keras's <c>return_attention_scores</c>).</summary>
    public bool ReturnAttentionScores { get; set; }

    public EinsumDense? QueryDense => _queryDense;
    public EinsumDense? KeyDense => _keyDense;
    public EinsumDense? ValueDense => _valueDense;
    public EinsumDense? OutputDense => _outputDense;

    /// <summary>Calls the layer with Keras's call arguments (see <see cref="MultiHeadAttention.Apply(Tensor, Tensor, Tensor?, Tensor?, bool?, bool?, bool?)"/>).</summary>
    public Tensors Apply(Tensor query, Tensor value, Tensor? key = null, Tensor? attentionMask = null,
        bool? returnAttentionScores = null, bool? useCausalMask = null, bool? training = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(value);
        var list = new List<Tensor> { query, value };
        if (key is not null || attentionMask is not null) list.Add(key ?? value);
        if (attentionMask is not null) list.Add(attentionMask);
        var inputs = new Tensors(list);
        if (inputs.Any(t => t.IsSymbolic))
        {
            AttentionSupport.AdoptForGraph(this, "return_attention_scores", returnAttentionScores, ReturnAttentionScores, v => ReturnAttentionScores = v);
            AttentionSupport.AdoptForGraph(this, "use_causal_mask", useCausalMask, UseCausalMask, v => UseCausalMask = v);
            return Apply(inputs, training);
        }
        using (AttentionSupport.With(this, new AttentionSupport.CallOptions(useCausalMask, returnAttentionScores)))
            return Apply(inputs, training);
    }

    private (Shape Query, Shape Value, Shape Key) Unpack(IReadOnlyList<Shape> shapes)
    {
        if (shapes.Count is < 2 or > 4)
        {
            throw new ArgumentException(
                $"GroupedQueryAttention \"{Name}\" takes [query, value], [query, value, key] or [query, value, key, attention_mask]; got {shapes.Count} inputs.");
        }
        var key = shapes.Count > 2 ? shapes[2] : shapes[1];
        if (shapes[0].Rank != 3 || shapes[1].Rank != 3 || key.Rank != 3)
            throw new ArgumentException($"GroupedQueryAttention \"{Name}\": query, value and key must have rank 3 (batch, steps, features); got {shapes[0]}, {shapes[1]}, {key}.");
        if (!shapes[1].Slice(1, -1).Equals(key.Slice(1, -1)))
        {
            throw new ArgumentException(
                $"GroupedQueryAttention \"{Name}\": all dimensions of `value` and `key`, except the last one, must be equal. " +
                $"Received: value_shape={shapes[1]} and key_shape={key}.");
        }
        return (shapes[0], shapes[1], key);
    }

    /// <inheritdoc />
    public override void Build(Shape inputShape) =>
        throw new ArgumentException($"GroupedQueryAttention \"{Name}\" needs at least [query, value]; got a single input of shape {inputShape}.");

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        var (queryShape, valueShape, keyShape) = Unpack(inputShapes);
        int featureDim = queryShape[-1];
        if (featureDim == Shape.Unknown)
            throw new ArgumentException($"GroupedQueryAttention \"{Name}\": the query's last dimension must be known; got {queryShape}.");
        _queryDense = Track(MakeDense("bqm,muh->bquh", [Shape.Unknown, NumQueryHeads, HeadDim], "uh", "query"));
        _queryDense.EnsureBuilt([queryShape]);
        _keyDense = Track(MakeDense("bkm,mvh->bkvh", [Shape.Unknown, NumKeyValueHeads, HeadDim], "vh", "key"));
        _keyDense.EnsureBuilt([keyShape]);
        _valueDense = Track(MakeDense("bkm,mvh->bkvh", [Shape.Unknown, NumKeyValueHeads, HeadDim], "vh", "value"));
        _valueDense.EnsureBuilt([valueShape]);
        _outputDense = Track(MakeDense("bquh,uhm->bqm", [Shape.Unknown, featureDim], "m", "attention_output"));
        _outputDense.EnsureBuilt([new Shape(Shape.Unknown, Shape.Unknown, NumQueryHeads, HeadDim)]);
    }

    private EinsumDense MakeDense(string equation, int[] outputShape, string biasAxes, string name) =>
        new(equation, outputShape, biasAxes: UseBias ? biasAxes : null, kernelInitializer: KernelInitializer,
            biasInitializer: BiasInitializer, kernelRegularizer: KernelRegularizer, biasRegularizer: BiasRegularizer,
            activityRegularizer: ActivityRegularizer, kernelConstraint: KernelConstraint, biasConstraint: BiasConstraint,
            name: name, trainable: Trainable, dtype: DType);

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Unpack(inputs.Shapes);
        Tensor? MaskAt(int i) => mask is not null && i < mask.Count ? mask[i] : inputs[i].KerasMask;
        var options = AttentionSupport.For(this);
        bool causal = options?.UseCausalMask ?? UseCausalMask;
        bool returnScores = options?.ReturnAttentionScores ?? ReturnAttentionScores;
        Tensor query = inputs[0], value = inputs[1];
        Tensor key = inputs.Count > 2 ? inputs[2] : value;

        // Keras's _compute_attention_mask.
        Tensor? auto = null;
        if (MaskAt(0) is { } qm) auto = Ops.ExpandDims(BoolMask.ToBool(qm), -1);
        if (MaskAt(1) is { } vm) auto = And(auto, Ops.ExpandDims(BoolMask.ToBool(vm), -2));
        if (inputs.Count > 2 && MaskAt(2) is { } km) auto = And(auto, Ops.ExpandDims(BoolMask.ToBool(km), -2));
        if (causal) auto = And(auto, AttentionSupport.CausalMask(query.Shape[1], value.Shape[1]));
        Tensor? attentionMask = inputs.Count > 3 ? BoolMask.ToBool(inputs[3]) : null;
        if (auto is not null) attentionMask = attentionMask is null ? auto : BoolMask.And(attentionMask, auto);

        var q = _queryDense!.Apply(query);                  // (B, T, Hq, D)
        var k = RepeatHeads(_keyDense!.Apply(key));         // (B, S, Hq, D)
        var v = RepeatHeads(_valueDense!.Apply(value));     // (B, S, Hq, D)

        bool fused = !(Dropout > 0.0 || returnScores);
        if (attentionMask is not null)
            while (attentionMask.Rank < 4) attentionMask = Ops.ExpandDims(attentionMask, -3);
        q = Ops.Multiply(q, Ops.Scalar(1.0 / Math.Sqrt(HeadDim), q.DType));
        var scores = Ops.Einsum("bquh,bkuh->buqk", q, k);   // (B, Hq, T, S)
        var weights = fused ? AttentionSupport.FusedPathSoftmax(scores, attentionMask) : AttentionSupport.MaskedSoftmax(scores, attentionMask, [-1]);
        var dropped = Dropout > 0.0 && training ? Ops.Dropout(weights, Dropout, _seeds.Next()) : weights;
        var output = _outputDense!.Apply(Ops.Einsum("buqk,bkuh->bquh", dropped, v));
        return returnScores ? new Tensors(output, weights) : new Tensors(output);

        static Tensor And(Tensor? a, Tensor b) => a is null ? b : BoolMask.And(a, b);
    }

    // ops.repeat(x, num_repeats, axis=2): each key/value head repeated in place (h0, h0, h1, h1, …).
    private Tensor RepeatHeads(Tensor x)
    {
        if (NumRepeats == 1) return x;
        var s = x.Shape;
        var expanded = Ops.BroadcastTo(Ops.ExpandDims(x, 3), new Shape(s[0], s[1], s[2], NumRepeats, s[3]));
        return Ops.Reshape(expanded, s[0], s[1], (long)s[2] * NumRepeats, s[3]);
    }

    /// <summary>The query's mask (Keras's default <c>compute_mask</c> with the query as first argument).</summary>
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask)
    {
        var queryMask = mask is not null && mask.Count > 0 ? mask[0] : inputs[0].KerasMask;
        return queryMask is null ? null : new Tensors(queryMask);
    }

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        var (queryShape, valueShape, keyShape) = Unpack(inputShapes);
        if (queryShape[-1] != valueShape[-1])
        {
            throw new ArgumentException(
                $"GroupedQueryAttention \"{Name}\": the last dimension of `query_shape` and `value_shape` must be equal, but are " +
                $"{queryShape[-1]}, {valueShape[-1]}. Received: query_shape={queryShape}, value_shape={valueShape}.");
        }
        if (!ReturnAttentionScores) return [queryShape];
        return [queryShape, new Shape(queryShape[0], NumQueryHeads, queryShape[1], keyShape[1])];
    }

    /// <inheritdoc />
    void Saving.IKerasCallArguments.ApplyCallArguments(IReadOnlyDictionary<string, JsonNode?> arguments) =>
        AttentionSupport.ApplyCallArguments(this, arguments, () => ReturnAttentionScores, v => ReturnAttentionScores = v,
            () => UseCausalMask, v => UseCausalMask = v);

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static GroupedQueryAttention FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(GroupedQueryAttention));
        var (name, trainable, dtype) = c.LayerArgs();
        if (c.Bool("use_gate", false))
            throw new NotSupportedException($"GroupedQueryAttention \"{name}\": use_gate=True (Keras 3.15's gated attention) is not supported by Keras.Net yet.");
        if (c.Has("sliding_window"))
            throw new NotSupportedException($"GroupedQueryAttention \"{name}\": sliding_window is not supported by Keras.Net yet.");
        return new GroupedQueryAttention(c.RequiredInt("head_dim"), c.RequiredInt("num_query_heads"), c.RequiredInt("num_key_value_heads"),
            c.Double("dropout", 0.0), c.Bool("use_bias", true), c.Initializer("kernel_initializer", new GlorotUniform()),
            c.Initializer("bias_initializer", new Zeros()),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"),
            c.IntOrNull("seed"), name: name, trainable: trainable, dtype: dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["head_dim"] = HeadDim;
        c["num_query_heads"] = NumQueryHeads;
        c["num_key_value_heads"] = NumKeyValueHeads;
        c["use_bias"] = UseBias;
        c["dropout"] = Dropout;
        c["sliding_window"] = null;
        c["use_gate"] = false;
        c["kernel_initializer"] = Serialization.Initializer(KernelInitializer);
        c["bias_initializer"] = Serialization.Initializer(BiasInitializer);
        c["kernel_regularizer"] = RegularizationConfig.Serialize(KernelRegularizer);
        c["bias_regularizer"] = RegularizationConfig.Serialize(BiasRegularizer);
        c["activity_regularizer"] = RegularizationConfig.Serialize(ActivityRegularizer);
        c["kernel_constraint"] = RegularizationConfig.Serialize(KernelConstraint);
        c["bias_constraint"] = RegularizationConfig.Serialize(BiasConstraint);
        c["seed"] = Seed;
        return c;
    }
}
