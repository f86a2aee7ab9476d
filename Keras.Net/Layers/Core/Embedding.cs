using Keras.Saving;
using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Constraints;

namespace Keras.Layers;

/// <summary>
/// Turns non-negative integer indices into dense vectors of fixed size (Keras's <c>Embedding</c>):
/// <c>output = embeddings[inputs]</c>, shape <c>input_shape + (output_dim,)</c>. The weight
/// <c>embeddings</c> has shape (input_dim, output_dim). With <c>mask_zero</c> the output carries the
/// mask <c>inputs != 0</c> for the layers downstream.
/// </summary>
public sealed class Embedding : Layer
{
    private Variable? _embeddings;

    /// <summary>Creates the layer.</summary>
    /// <param name="inputDim">Size of the vocabulary (largest index + 1).</param>
    /// <param name="outputDim">Size of each embedding vector.</param>
    /// <param name="embeddingsInitializer">Initializer of the table (Keras's default <c>"uniform"</c>: U(-0.05, 0.05)).</param>
    /// <param name="embeddingsRegularizer">Penalty on the table added to the loss.</param>
    /// <param name="embeddingsConstraint">Constraint applied to the table after each update.</param>
    /// <param name="maskZero">Whether index 0 is padding: the output then carries the mask <c>inputs != 0</c>.</param>
    /// <param name="activityRegularizer">Penalty on the output added to the loss.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the table is trained.</param>
    /// <param name="dtype">The dtype of the table and the outputs.</param>
    public Embedding(
        int inputDim,
        int outputDim,
        Initializer? embeddingsInitializer = null,
        Regularizer? embeddingsRegularizer = null,
        Constraint? embeddingsConstraint = null,
        bool maskZero = false,
        Regularizer? activityRegularizer = null,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        if (inputDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, $"Embedding \"{Name}\": input_dim must be a positive integer.");
        if (outputDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, $"Embedding \"{Name}\": output_dim must be a positive integer.");
        if (!dtype.IsFloating())
            throw new ArgumentException($"Embedding \"{Name}\": the dtype must be a floating type; got {dtype.Name()}.", nameof(dtype));
        InputDim = inputDim;
        OutputDim = outputDim;
        EmbeddingsInitializer = embeddingsInitializer ?? new RandomUniform();
        MaskZero = maskZero;
        EmbeddingsRegularizer = embeddingsRegularizer;
        ActivityRegularizer = activityRegularizer;
        EmbeddingsConstraint = embeddingsConstraint;
        SupportsMasking = maskZero;
    }

    /// <summary>Size of the vocabulary.</summary>
    public int InputDim { get; }

    /// <summary>Size of each embedding vector.</summary>
    public int OutputDim { get; }

    /// <summary>Initializer of the table.</summary>
    public Initializer EmbeddingsInitializer { get; }

    /// <summary>Whether index 0 is masked out.</summary>
    public bool MaskZero { get; }

    /// <summary>Penalty on the table, or null.</summary>
    public Regularizer? EmbeddingsRegularizer { get; }

    /// <summary>Constraint on the table, or null.</summary>
    public Constraint? EmbeddingsConstraint { get; }

    /// <summary>The table, shape (input_dim, output_dim); null before the layer is built.</summary>
    public Variable? Embeddings => _embeddings;

    /// <inheritdoc />
    public override void Build(Shape inputShape) =>
        _embeddings = AddWeight("embeddings", new Shape(InputDim, OutputDim), EmbeddingsInitializer,
            regularizer: EmbeddingsRegularizer, constraint: EmbeddingsConstraint);

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        // Keras casts anything that is not int32/int64 to int32 (floats truncate toward zero).
        if (x.DType is not (DType.Int32 or DType.Int64)) x = Ops.Cast(x, DType.Int32);
        try
        {
            return Ops.Cast(Ops.EmbeddingLookup(_embeddings!, x), DType);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentOutOfRangeException($"Embedding \"{Name}\" (input_dim={InputDim}): {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask) =>
        MaskZero ? new Tensors(Ops.NotEqual(inputs[0], 0)) : null;

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape.Concat(new Shape(OutputDim));

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Embedding FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Embedding));
        if (c.Has("lora_rank"))
            throw new NotSupportedException($"Embedding config: LoRA (lora_rank={c.Node("lora_rank")!.ToJsonString()}) is not supported by Keras.Net.");
        if (c.Has("quantization_config"))
            throw new NotSupportedException("Embedding config: quantized embeddings (quantization_config) are not supported by Keras.Net.");
        var (name, trainable, dtype) = c.LayerArgs();
        // Keras 2 wrote input_length (deprecated and ignored by Keras 3); batch_input_shape is read by InputShape().
        return new Embedding(c.RequiredInt("input_dim"), c.RequiredInt("output_dim"),
            c.Initializer("embeddings_initializer", new RandomUniform()), c.Regularizer("embeddings_regularizer"),
            c.Constraint("embeddings_constraint"), c.Bool("mask_zero", false), c.Regularizer("activity_regularizer"),
            c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["input_dim"] = InputDim;
        c["output_dim"] = OutputDim;
        c["embeddings_initializer"] = Serialization.Initializer(EmbeddingsInitializer);
        c["embeddings_regularizer"] = RegularizationConfig.Serialize(EmbeddingsRegularizer);
        c["activity_regularizer"] = RegularizationConfig.Serialize(ActivityRegularizer);
        c["embeddings_constraint"] = RegularizationConfig.Serialize(EmbeddingsConstraint);
        c["mask_zero"] = MaskZero;
        c["quantization_config"] = null;
        return c;
    }
}
