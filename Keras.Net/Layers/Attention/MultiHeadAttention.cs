using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Engine;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Multi-head attention (Keras's <c>MultiHeadAttention</c>, "Attention is all you need"). Query, key and
/// value are projected per head by the <see cref="EinsumDense"/> sublayers <c>query</c> (kernel
/// <c>(dim, num_heads, key_dim)</c>), <c>key</c> (<c>(dim, num_heads, key_dim)</c>) and <c>value</c>
/// (<c>(dim, num_heads, value_dim)</c>); scaled dot-product attention runs over <c>attention_axes</c>;
/// <c>attention_output</c> (kernel <c>(num_heads, value_dim, out)</c>) projects back. Weights, in Keras's
/// order: query kernel, query bias, key kernel, key bias, value kernel, value bias, output kernel, output bias.
/// <para>
/// Inputs (the generic <see cref="Layer.Apply(Tensors, bool?, Tensors?)"/> path): <c>[query, value]</c>,
/// <c>[query, value, key]</c> or <c>[query, value, key, attention_mask]</c>. Or call
/// <see cref="Apply(Tensor, Tensor, Tensor?, Tensor?, bool?, bool?, bool?)"/> with Keras's call arguments.
/// Keras masks carried by the inputs (<see cref="Tensor.KerasMask"/>) are combined with the attention mask
/// and the causal mask as Keras does; the output carries the query's mask.
/// </para>
/// <para>
/// Keras's call arguments <c>use_causal_mask</c> and <c>return_attention_scores</c> are also layer options
/// (<see cref="UseCausalMask"/>, <see cref="ReturnAttentionScores"/>) used by calls that don't give them;
/// with <c>return_attention_scores</c> the layer has two outputs, the second the attention weights of shape
/// <c>(batch, num_heads, query attention dims…, key attention dims…)</c>.
/// </para>
/// </summary>
public sealed class MultiHeadAttention : Layer, IKerasCallArguments
{
    private readonly SeedGenerator _seeds;
    private EinsumDense? _queryDense;
    private EinsumDense? _keyDense;
    private EinsumDense? _valueDense;
    private EinsumDense? _outputDense;
    private int[]? _attentionAxes;
    private string _dotProductEquation = "";
    private string _combineEquation = "";
    private int[] _normAxes = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="numHeads">Number of attention heads.</param>
    /// <param name="keyDim">Size of each head for query and key.</param>
    /// <param name="valueDim">Size of each head for value (default <paramref name="keyDim"/>).</param>
    /// <param name="dropout">Dropout rate on the attention weights (training only).</param>
    /// <param name="useBias">Whether the projections have biases.</param>
    /// <param name="outputShape">The output's shape after the batch and query axes (default: the query's last dimension).</param>
    /// <param name="attentionAxes">The axes attention runs over (default: all but batch, heads and features).</param>
    /// <param name="kernelInitializer">Initializer of the projection kernels (default <c>glorot_uniform</c>).</param>
    /// <param name="biasInitializer">Initializer of the projection biases (default <c>zeros</c>).</param>
    /// <param name="kernelRegularizer">Penalty on each projection kernel added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on each projection bias added to the loss.</param>
    /// <param name="activityRegularizer">Penalty on each projection's output (Keras passes it to the four <see cref="EinsumDense"/> sublayers; the layer's own output is not penalized).</param>
    /// <param name="kernelConstraint">Projection of each kernel after each update.</param>
    /// <param name="biasConstraint">Projection of each bias after each update.</param>
    /// <param name="seed">Seed of the dropout.</param>
    /// <param name="useCausalMask">Default of Keras's <c>use_causal_mask</c> call argument: query step i attends only to key steps j ≤ i.</param>
    /// <param name="returnAttentionScores">Default of Keras's <c>return_attention_scores</c> call argument: also output the attention weights.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public MultiHeadAttention(
        int numHeads,
        int keyDim,
        int? valueDim = null,
        double dropout = 0.0,
        bool useBias = true,
        int[]? outputShape = null,
        int[]? attentionAxes = null,
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
        if (numHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numHeads), numHeads, $"MultiHeadAttention \"{Name}\": num_heads must be a positive integer.");
        if (keyDim <= 0) throw new ArgumentOutOfRangeException(nameof(keyDim), keyDim, $"MultiHeadAttention \"{Name}\": key_dim must be a positive integer.");
        if (valueDim is <= 0) throw new ArgumentOutOfRangeException(nameof(valueDim), valueDim, $"MultiHeadAttention \"{Name}\": value_dim must be a positive integer.");
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"MultiHeadAttention \"{Name}\": dropout must be in [0, 1).");
        if (outputShape is { Length: 0 }) outputShape = null;
        if (outputShape is not null && outputShape.Any(d => d <= 0))
            throw new ArgumentOutOfRangeException(nameof(outputShape), $"MultiHeadAttention \"{Name}\": output_shape entries must be positive; got [{string.Join(", ", outputShape)}].");
        NumHeads = numHeads;
        KeyDim = keyDim;
        ValueDim = valueDim ?? keyDim;
        Dropout = dropout;
        UseBias = useBias;
        OutputShape = outputShape is null ? null : (int[])outputShape.Clone();
        _attentionAxes = attentionAxes is { Length: > 0 } ? (int[])attentionAxes.Clone() : null;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        SublayerActivityRegularizer = activityRegularizer;
        KernelConstraint = kernelConstraint;
        BiasConstraint = biasConstraint;
        Seed = seed;
        _seeds = new SeedGenerator(seed);
        UseCausalMask = useCausalMask;
        ReturnAttentionScores = returnAttentionScores;
        SupportsMasking = true;
    }

    public int NumHeads { get; }
    public int KeyDim { get; }
    public int ValueDim { get; }
    public double Dropout { get; }
    public bool UseBias { get; }

    /// <summary>The <c>output_shape</c> argument (null: the query's last dimension).</summary>
    public IReadOnlyList<int>? OutputShape { get; }

    /// <summary>The attention axes: as given before the layer is built, normalized (non-negative) after; null for the default before build.</summary>
    public IReadOnlyList<int>? AttentionAxes => _attentionAxes;

    public Initializer KernelInitializer { get; }
    public Initializer BiasInitializer { get; }
    public Regularizer? KernelRegularizer { get; }
    public Regularizer? BiasRegularizer { get; }

    /// <summary>
    /// Keras's <c>activity_regularizer</c> argument: applied to the outputs of the four projection sublayers
    /// (Keras keeps it privately and hands it to them), not to this layer's output.
    /// </summary>
    public Regularizer? SublayerActivityRegularizer { get; }

    public Constraint? KernelConstraint { get; }
    public Constraint? BiasConstraint { get; }
    public int? Seed { get; }

    /// <summary>Whether calls that don't say otherwise apply a causal mask (Keras's <c>use_causal_mask</c> call argument).</summary>
    public bool UseCausalMask { get; set; }

    /// <summary>Whether calls that don't say otherwise also return the attention weights (Keras's <c>return_attention_scores</c> call argument).</summary>
    public bool ReturnAttentionScores { get; set; }

    /// <summary>The query projection (null before build).</summary>
    public EinsumDense? QueryDense => _queryDense;

    /// <summary>The key projection (null before build).</summary>
    public EinsumDense? KeyDense => _keyDense;

    /// <summary>The value projection (null before build).</summary>
    public EinsumDense? ValueDense => _valueDense;

    /// <summary>The output projection (null before build).</summary>
    public EinsumDense? OutputDense => _outputDense;

    /// <summary>
    /// Calls the layer with Keras's call arguments. On concrete tensors the options apply to this call only;
    /// on symbolic tensors they are recorded as the layer's options (a layer's symbolic calls share them).
    /// </summary>
    /// <param name="query">Query, <c>(batch, T, dim)</c>.</param>
    /// <param name="value">Value, <c>(batch, S, dim)</c>.</param>
    /// <param name="key">Key, <c>(batch, S, dim)</c>; default <paramref name="value"/>.</param>
    /// <param name="attentionMask">Boolean <c>(batch, T, S)</c> mask: which query steps may attend to which key steps (broadcasts over heads).</param>
    /// <param name="returnAttentionScores">Also return the attention weights (two outputs).</param>
    /// <param name="useCausalMask">Apply a causal mask.</param>
    /// <param name="training">Training mode (dropout on the attention weights).</param>
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

    /// <inheritdoc />
    public override void Build(Shape inputShape) =>
        throw new ArgumentException($"MultiHeadAttention \"{Name}\" needs at least [query, value]; got a single input of shape {inputShape}.");

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        var (queryShape, valueShape, keyShape) = Unpack(inputShapes);
        int queryRank = queryShape.Rank;
        if (queryRank < 3 || valueShape.Rank < 3 || keyShape.Rank < 3)
            throw new ArgumentException($"MultiHeadAttention \"{Name}\": query, value and key need rank 3 or more (batch, steps…, features); got {queryShape}, {valueShape}, {keyShape}.");

        var (eq, bias, outputRank) = BuildProjectionEquation(queryRank - 1, boundDims: 1, outputDims: 2);
        _queryDense = Track(MakeDense(eq, ProjectionOutputShape(outputRank - 1, [NumHeads, KeyDim]), bias, "query"));
        _queryDense.EnsureBuilt([queryShape]);
        (eq, bias, outputRank) = BuildProjectionEquation(keyShape.Rank - 1, boundDims: 1, outputDims: 2);
        _keyDense = Track(MakeDense(eq, ProjectionOutputShape(outputRank - 1, [NumHeads, KeyDim]), bias, "key"));
        _keyDense.EnsureBuilt([keyShape]);
        (eq, bias, outputRank) = BuildProjectionEquation(valueShape.Rank - 1, boundDims: 1, outputDims: 2);
        _valueDense = Track(MakeDense(eq, ProjectionOutputShape(outputRank - 1, [NumHeads, ValueDim]), bias, "value"));
        _valueDense.EnsureBuilt([valueShape]);

        BuildAttention(outputRank);

        var outShape = OutputShape?.ToArray() ?? [queryShape[-1]];
        if (outShape.Any(d => d == Shape.Unknown))
            throw new ArgumentException($"MultiHeadAttention \"{Name}\": the query's last dimension must be known; got query shape {queryShape}.");
        (eq, bias, outputRank) = BuildProjectionEquation(queryRank - 1, boundDims: 2, outputDims: outShape.Length);
        _outputDense = Track(MakeDense(eq, ProjectionOutputShape(outputRank - 1, outShape), bias, "attention_output"));
        var outputDenseInput = _queryDense.ComputeOutputShape(queryShape).With(-1, ValueDim);
        _outputDense.EnsureBuilt([outputDenseInput]);
    }

    private EinsumDense MakeDense(string equation, int[] outputShape, string biasAxes, string name) =>
        new(equation, outputShape, biasAxes: UseBias ? biasAxes : null, kernelInitializer: KernelInitializer,
            biasInitializer: BiasInitializer, kernelRegularizer: KernelRegularizer, biasRegularizer: BiasRegularizer,
            activityRegularizer: SublayerActivityRegularizer, kernelConstraint: KernelConstraint, biasConstraint: BiasConstraint,
            name: name, trainable: Trainable, dtype: DType);

    private (Shape Query, Shape Value, Shape Key) Unpack(IReadOnlyList<Shape> shapes)
    {
        if (shapes.Count is < 2 or > 4)
        {
            throw new ArgumentException(
                $"MultiHeadAttention \"{Name}\" takes [query, value], [query, value, key] or [query, value, key, attention_mask]; got {shapes.Count} inputs.");
        }
        var key = shapes.Count > 2 ? shapes[2] : shapes[1];
        if (!shapes[1].Slice(1, -1).Equals(key.Slice(1, -1)))
        {
            throw new ArgumentException(
                $"MultiHeadAttention \"{Name}\": all dimensions of `value` and `key`, except the last one, must be equal. " +
                $"Received: value_shape={shapes[1]} and key_shape={key}.");
        }
        return (shapes[0], shapes[1], key);
    }

    /// <summary>Keras's <c>_build_attention</c>: normalizes the attention axes and builds the einsum equations.</summary>
    private void BuildAttention(int rank)
    {
        _attentionAxes = _attentionAxes is null
            ? Enumerable.Range(1, rank - 3).ToArray()
            : _attentionAxes.Select(a => a >= 0 ? a : rank - 1 + a).ToArray();
        foreach (var a in _attentionAxes)
        {
            if (a <= 0 || a >= rank - 2)
                throw new ArgumentException($"MultiHeadAttention \"{Name}\": attention axis {a} is out of range for projected inputs of rank {rank} (batch and heads/features axes cannot be attention axes).");
        }
        (_dotProductEquation, _combineEquation, int scoresRank) = BuildAttentionEquation(rank, _attentionAxes);
        _normAxes = Enumerable.Range(scoresRank - _attentionAxes.Length, _attentionAxes.Length).ToArray();
    }

    private static char Letter(int i) => (char)('a' + i);

    /// <summary>Keras's <c>_build_attention_equation</c>.</summary>
    internal static (string Dot, string Combine, int ScoresRank) BuildAttentionEquation(int rank, int[] attnAxes)
    {
        var target = new string(Enumerable.Range(0, rank).Select(Letter).ToArray());
        var batchDims = Enumerable.Range(0, rank).Where(i => !attnAxes.Contains(i) && i != rank - 1).ToArray();
        int offset = rank;
        var source = new char[rank];
        for (int i = 0; i < rank; i++)
            source[i] = batchDims.Contains(i) || i == rank - 1 ? target[i] : Letter(offset++);
        var product = new string(batchDims.Select(i => target[i]).Concat(attnAxes.Select(i => target[i])).Concat(attnAxes.Select(i => source[i])).ToArray());
        var src = new string(source);
        return ($"{src},{target}->{product}", $"{product},{src}->{target}", product.Length);
    }

    /// <summary>Keras's <c>_build_proj_equation</c>.</summary>
    internal static (string Equation, string BiasAxes, int OutputRank) BuildProjectionEquation(int freeDims, int boundDims, int outputDims)
    {
        string input = "", kernel = "", output = "", bias = "";
        int offset = 0;
        for (int i = 0; i < freeDims; i++)
        {
            input += Letter(i + offset);
            output += Letter(i + offset);
        }
        offset += freeDims;
        for (int i = 0; i < boundDims; i++)
        {
            input += Letter(i + offset);
            kernel += Letter(i + offset);
        }
        offset += boundDims;
        for (int i = 0; i < outputDims; i++)
        {
            kernel += Letter(i + offset);
            output += Letter(i + offset);
            bias += Letter(i + offset);
        }
        return ($"{input},{kernel}->{output}", bias, output.Length);
    }

    /// <summary>Keras's <c>_get_output_shape</c>: unknown leading dimensions, then the known last ones.</summary>
    private static int[] ProjectionOutputShape(int outputRank, int[] knownLastDims) =>
        Enumerable.Repeat(Shape.Unknown, outputRank - knownLastDims.Length).Concat(knownLastDims).ToArray();

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
        var queryMask = MaskAt(0);
        var attentionMask = ComputeAttentionMask(query, value, queryMask, MaskAt(1), inputs.Count > 2 ? MaskAt(2) : null,
            inputs.Count > 3 ? inputs[3] : null, causal);

        var q = _queryDense!.Apply(query);   // (B, T, N, key_dim)
        var k = _keyDense!.Apply(key);       // (B, S, N, key_dim)
        var v = _valueDense!.Apply(value);   // (B, S, N, value_dim)
        var (output, scores) = ComputeAttention(q, k, v, attentionMask, training, returnScores);
        output = _outputDense!.Apply(output);
        return returnScores ? new Tensors(output, scores!) : new Tensors(output);
    }

    /// <summary>Keras's <c>_compute_attention_mask</c>: query (B,T,1), value and key (B,1,S) masks, the causal mask and the attention mask, ANDed.</summary>
    private static Tensor? ComputeAttentionMask(Tensor query, Tensor value, Tensor? queryMask, Tensor? valueMask, Tensor? keyMask,
        Tensor? attentionMask, bool useCausalMask)
    {
        Tensor? auto = null;
        if (queryMask is not null) auto = Ops.ExpandDims(BoolMask.ToBool(queryMask), -1);
        if (valueMask is not null)
        {
            var m = Ops.ExpandDims(BoolMask.ToBool(valueMask), -2);
            auto = auto is null ? m : BoolMask.And(auto, m);
        }
        if (keyMask is not null)
        {
            var m = Ops.ExpandDims(BoolMask.ToBool(keyMask), -2);
            auto = auto is null ? m : BoolMask.And(auto, m);
        }
        if (useCausalMask)
        {
            var m = AttentionSupport.CausalMask(query.Shape[1], value.Shape[1]);
            auto = auto is null ? m : BoolMask.And(auto, m);
        }
        if (attentionMask is not null) attentionMask = BoolMask.ToBool(attentionMask);
        if (auto is not null) attentionMask = attentionMask is null ? auto : BoolMask.And(attentionMask, auto);
        return attentionMask;
    }

    /// <summary>Keras's <c>_compute_attention</c>, in its fused-kernel path (no dropout, no scores, rank 4) or its explicit path.</summary>
    private (Tensor Output, Tensor? Scores) ComputeAttention(Tensor query, Tensor key, Tensor value, Tensor? attentionMask, bool training, bool returnScores)
    {
        bool fused = !(Dropout > 0.0 || returnScores || query.Rank != 4);
        if (attentionMask is not null)
        {
            int expansionAxis = -_attentionAxes!.Length * 2 - 1;
            int scoresRank = _normAxes[^1] + 1;
            while (attentionMask.Rank < scoresRank) attentionMask = Ops.ExpandDims(attentionMask, expansionAxis);
        }
        query = Ops.Multiply(query, Ops.Scalar(1.0 / Math.Sqrt(KeyDim), query.DType));
        var scores = Ops.Einsum(_dotProductEquation, key, query);
        Tensor weights;
        if (fused)
        {
            weights = AttentionSupport.FusedPathSoftmax(scores, attentionMask);
        }
        else
        {
            weights = AttentionSupport.MaskedSoftmax(scores, attentionMask, _normAxes);
        }
        var dropped = Dropout > 0.0 && training ? Ops.Dropout(weights, Dropout, _seeds.Next()) : weights;
        var output = Ops.Einsum(_combineEquation, dropped, value);
        return (output, fused ? null : weights);
    }

    /// <summary>The query's mask (Keras sets it on the attention output).</summary>
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask)
    {
        var queryMask = mask is not null && mask.Count > 0 ? mask[0] : inputs[0].KerasMask;
        return queryMask is null ? null : new Tensors(queryMask);
    }

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        var (queryShape, _, keyShape) = Unpack(inputShapes);
        var output = OutputShape is null ? queryShape : queryShape.Slice(0, -1).Concat(new Shape(OutputShape.ToArray()));
        if (!ReturnAttentionScores) return [output];
        // Scores: (batch dims and heads of the projected query, query attention dims, key attention dims).
        int rank = queryShape.Rank + 1;
        var axes = _attentionAxes is null
            ? Enumerable.Range(1, rank - 3).ToArray()
            : _attentionAxes.Select(a => a >= 0 ? a : rank - 1 + a).ToArray();
        var projectedQuery = queryShape.Slice(0, -1).Concat(new Shape(NumHeads, KeyDim));
        var projectedKey = keyShape.Slice(0, -1).Concat(new Shape(NumHeads, KeyDim));
        var dims = Enumerable.Range(0, rank).Where(i => !axes.Contains(i) && i != rank - 1).Select(i => projectedQuery[i])
            .Concat(axes.Select(a => projectedQuery[a])).Concat(axes.Select(a => projectedKey[a])).ToArray();
        return [output, new Shape(dims)];
    }

    /// <inheritdoc />
    void Saving.IKerasCallArguments.ApplyCallArguments(IReadOnlyDictionary<string, JsonNode?> arguments) =>
        AttentionSupport.ApplyCallArguments(this, arguments, () => ReturnAttentionScores, v => ReturnAttentionScores = v,
            () => UseCausalMask, v => UseCausalMask = v);

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static MultiHeadAttention FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(MultiHeadAttention));
        var (name, trainable, dtype) = c.LayerArgs();
        if (c.Bool("use_gate", false))
            throw new NotSupportedException($"MultiHeadAttention \"{name}\": use_gate=True (Keras 3.15's gated attention) is not supported by Keras.Net yet.");
        if (c.Has("sliding_window"))
            throw new NotSupportedException($"MultiHeadAttention \"{name}\": sliding_window is not supported by Keras.Net yet.");
        return new MultiHeadAttention(
            c.RequiredInt("num_heads"), c.RequiredInt("key_dim"), c.IntOrNull("value_dim"), c.Double("dropout", 0.0), c.Bool("use_bias", true),
            c.Ints("output_shape", repeat: 1), c.Ints("attention_axes", repeat: 1),
            c.Initializer("kernel_initializer", new GlorotUniform()), c.Initializer("bias_initializer", new Zeros()),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"),
            c.IntOrNull("seed"), name: name, trainable: trainable, dtype: dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["num_heads"] = NumHeads;
        c["key_dim"] = KeyDim;
        c["value_dim"] = ValueDim;
        c["dropout"] = Dropout;
        c["use_bias"] = UseBias;
        c["use_gate"] = false;
        c["output_shape"] = OutputShape is null ? null : new JsonArray(OutputShape.Select(d => (JsonNode)d).ToArray());
        c["attention_axes"] = _attentionAxes is null ? null : new JsonArray(_attentionAxes.Select(d => (JsonNode)d).ToArray());
        c["sliding_window"] = null;
        c["kernel_initializer"] = Serialization.Initializer(KernelInitializer);
        c["bias_initializer"] = Serialization.Initializer(BiasInitializer);
        c["kernel_regularizer"] = RegularizationConfig.Serialize(KernelRegularizer);
        c["bias_regularizer"] = RegularizationConfig.Serialize(BiasRegularizer);
        c["activity_regularizer"] = RegularizationConfig.Serialize(SublayerActivityRegularizer);
        c["kernel_constraint"] = RegularizationConfig.Serialize(KernelConstraint);
        c["bias_constraint"] = RegularizationConfig.Serialize(BiasConstraint);
        c["seed"] = Seed;
        return c;
    }
}
