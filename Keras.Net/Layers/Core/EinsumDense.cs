using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Keras.Constraints;
using Keras.Engine;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// A dense layer whose computation is an einsum (Keras's <c>EinsumDense</c>):
/// <c>activation(einsum(equation, inputs, kernel) + bias)</c>. The equation has the form
/// <c>ab,bc->ac</c>, <c>...ab,bc->...ac</c> or <c>ab...,bc->ac...</c>; the kernel's shape follows from the
/// input shape and <c>output_shape</c> as Keras's <c>_analyze_einsum_string</c> derives it, and the bias
/// spans the output axes named in <c>bias_axes</c> (with unit axes in between, from the first of them to
/// the end). For example <c>new EinsumDense("abc,cde->abde", [-1, 4, 8], biasAxes: "de")</c> on a
/// <c>(batch, 6, 16)</c> input has a kernel of shape (16, 4, 8) and a bias of shape (4, 8).
/// </summary>
public sealed class EinsumDense : Layer
{
    private Variable? _kernel;
    private Variable? _bias;

    /// <summary>Creates the layer.</summary>
    /// <param name="equation">The einsum equation of input and kernel.</param>
    /// <param name="outputShape">The output shape without the batch axis and the axes of the ellipsis; <c>-1</c> (<see cref="Shape.Unknown"/>) for a dimension taken from the input.</param>
    /// <param name="activation">Activation by name or instance; default linear.</param>
    /// <param name="biasAxes">The output axes (letters of the equation's output) the bias spans; null for no bias.</param>
    /// <param name="kernelInitializer">Initializer of the kernel (default <c>glorot_uniform</c>).</param>
    /// <param name="biasInitializer">Initializer of the bias (default <c>zeros</c>).</param>
    /// <param name="kernelRegularizer">Penalty on the kernel added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the bias added to the loss.</param>
    /// <param name="activityRegularizer">Penalty on the output added to the loss.</param>
    /// <param name="kernelConstraint">Projection of the kernel after each update.</param>
    /// <param name="biasConstraint">Projection of the bias after each update.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public EinsumDense(
        string equation,
        int[] outputShape,
        ActivationFunction? activation = null,
        string? biasAxes = null,
        Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null,
        Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null,
        Constraint? biasConstraint = null,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(name, trainable, dtype, inputShape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(equation);
        ArgumentNullException.ThrowIfNull(outputShape);
        if (Parse(equation) is null)
        {
            throw new ArgumentException(
                $"EinsumDense \"{Name}\": invalid einsum equation '{equation}'. Equations must be in the form " +
                "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....", nameof(equation));
        }
        foreach (var d in outputShape)
        {
            if (d < Shape.Unknown || d == 0)
                throw new ArgumentOutOfRangeException(nameof(outputShape), $"EinsumDense \"{Name}\": output_shape entries must be positive or -1 (unknown); got [{string.Join(", ", outputShape)}].");
        }
        if (biasAxes is not null && biasAxes.Length == 0) biasAxes = null;
        Equation = equation;
        PartialOutputShape = (int[])outputShape.Clone();
        BiasAxes = biasAxes;
        Activation = activation ?? Activations.Linear;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
        KernelConstraint = kernelConstraint;
        BiasConstraint = biasConstraint;
    }

    /// <summary>Creates the layer with a single output dimension.</summary>
    public EinsumDense(string equation, int outputShape, ActivationFunction? activation = null, string? biasAxes = null,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null, Shape? inputShape = null,
        string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : this(equation, [outputShape], activation, biasAxes, kernelInitializer, biasInitializer,
            kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, inputShape, name, trainable, dtype)
    {
    }

    public string Equation { get; }

    /// <summary>The <c>output_shape</c> argument (-1 for unknown dimensions).</summary>
    public IReadOnlyList<int> PartialOutputShape { get; }

    public string? BiasAxes { get; }
    public ActivationFunction Activation { get; }
    public Initializer KernelInitializer { get; }
    public Initializer BiasInitializer { get; }
    public Regularizer? KernelRegularizer { get; }
    public Regularizer? BiasRegularizer { get; }
    public Constraint? KernelConstraint { get; }
    public Constraint? BiasConstraint { get; }

    /// <summary>The kernel; null before the layer is built.</summary>
    public Variable? Kernel => _kernel;

    /// <summary>The bias; null before build or without <c>bias_axes</c>.</summary>
    public Variable? Bias => _bias;

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        var (kernelShape, biasShape, _) = Analyze(inputShape);
        if (kernelShape.Any(d => d == Shape.Unknown))
        {
            throw new ArgumentException(
                $"EinsumDense \"{Name}\": the kernel shape {Shape.Format(kernelShape)} derived from equation '{Equation}', input shape {inputShape} " +
                $"and output_shape {Shape.Format(PartialOutputShape.ToArray())} has unknown dimensions; give them in output_shape or the input shape.");
        }
        _kernel = AddWeight("kernel", new Shape(kernelShape), KernelInitializer, regularizer: KernelRegularizer, constraint: KernelConstraint);
        if (biasShape is not null)
        {
            if (biasShape.Any(d => d == Shape.Unknown))
                throw new ArgumentException($"EinsumDense \"{Name}\": the bias shape {Shape.Format(biasShape)} has unknown dimensions; give them in output_shape.");
            _bias = AddWeight("bias", new Shape(biasShape), BiasInitializer, regularizer: BiasRegularizer, constraint: BiasConstraint);
        }
        InputSpec = new InputSpec(rank: inputShape.Rank);
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var y = Ops.Einsum(Equation, Ops.Cast(inputs, DType), _kernel!);
        if (_bias is not null) y = Ops.Add(y, _bias);
        return Activation.IsLinear ? y : Activation.Call(y);
    }

    /// <summary>
    /// The output shape: Keras's full output shape with each unknown dimension filled from the input or
    /// the kernel when the einsum determines it.
    /// </summary>
    public override Shape ComputeOutputShape(Shape inputShape) => new(Analyze(inputShape).OutputShape);

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    private static Match? Parse(string equation)
    {
        var s = equation.Replace("...", "0", StringComparison.Ordinal);
        foreach (var pattern in Patterns)
        {
            var m = pattern.Regex.Match(s);
            if (m.Success) return m;
        }
        return null;
    }

    // Keras's three accepted forms (matched at the start, as Python's re.match does).
    private static readonly (Regex Regex, bool LeftElided)[] Patterns =
    [
        (new Regex(@"^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", RegexOptions.CultureInvariant), false),
        (new Regex(@"^0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", RegexOptions.CultureInvariant), true),
        (new Regex(@"^([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", RegexOptions.CultureInvariant), false),
    ];

    /// <summary>Keras's <c>_analyze_einsum_string</c>: kernel shape, bias shape (or null) and the full output shape.</summary>
    internal (int[] KernelShape, int[]? BiasShape, int[] OutputShape) Analyze(Shape inputShape)
    {
        var s = Equation.Replace("...", "0", StringComparison.Ordinal);
        Match? match = null;
        bool leftElided = false;
        foreach (var (regex, left) in Patterns)
        {
            var m = regex.Match(s);
            if (m.Success)
            {
                match = m;
                leftElided = left;
                break;
            }
        }
        if (match is null) throw new ArgumentException($"EinsumDense \"{Name}\": invalid einsum equation '{Equation}'.");
        string inputSpec = match.Groups[1].Value, weightSpec = match.Groups[2].Value, outputSpec = match.Groups[3].Value;
        int rank = inputShape.Rank;
        int elided = rank - inputSpec.Length;
        if (elided < 0)
            throw new ArgumentException($"EinsumDense \"{Name}\": input shape {inputShape} has fewer axes than the equation's input '{inputSpec}'.");

        // Keras's full output shape: batch, then the elided axes (on the left) or the given output_shape,
        // then the elided axes (on the right). Keras inserts left-elided axes one by one at position 1;
        // here they keep their input order, which is what the einsum produces.
        var output = new List<int> { inputShape[0] };
        if (elided > 0 && leftElided)
            for (int i = 1; i < elided; i++) output.Add(inputShape[i]);
        output.AddRange(PartialOutputShape);
        if (elided > 0 && !leftElided)
            for (int i = rank - elided; i < rank; i++) output.Add(inputShape[i]);

        int InputIndex(char c) => leftElided ? inputSpec.IndexOf(c) + elided : inputSpec.IndexOf(c);
        int OutputIndex(char c) => leftElided ? outputSpec.IndexOf(c) + elided : outputSpec.IndexOf(c);

        foreach (var c in inputSpec)
        {
            int inputDim = inputShape[InputIndex(c)];
            if (outputSpec.Contains(c))
            {
                int oi = OutputIndex(c);
                if (oi >= output.Count)
                    throw new ArgumentException($"EinsumDense \"{Name}\": output_shape {Shape.Format(PartialOutputShape.ToArray())} has too few entries for equation '{Equation}'.");
                int outputDim = output[oi];
                if (outputDim != Shape.Unknown && inputDim != Shape.Unknown && outputDim != inputDim)
                {
                    throw new ArgumentException(
                        $"EinsumDense \"{Name}\": input shape and output shape do not match at shared dimension '{c}'. " +
                        $"Input shape is {inputDim}, and output shape is {outputDim}.");
                }
                // The einsum takes this size from the input.
                if (outputDim == Shape.Unknown) output[oi] = inputDim;
            }
        }
        foreach (var c in outputSpec)
        {
            if (!inputSpec.Contains(c) && !weightSpec.Contains(c))
            {
                throw new ArgumentException(
                    $"EinsumDense \"{Name}\": dimension '{c}' was specified in the output '{outputSpec}' but has no corresponding dim " +
                    $"in the input spec '{inputSpec}' or weight spec '{weightSpec}'.");
            }
            if (OutputIndex(c) >= output.Count)
                throw new ArgumentException($"EinsumDense \"{Name}\": output_shape {Shape.Format(PartialOutputShape.ToArray())} has too few entries for equation '{Equation}'.");
        }
        var kernel = new List<int>();
        foreach (var c in weightSpec)
        {
            if (inputSpec.Contains(c)) kernel.Add(inputShape[InputIndex(c)]);
            else if (outputSpec.Contains(c)) kernel.Add(output[OutputIndex(c)]);
            else
            {
                throw new ArgumentException(
                    $"EinsumDense \"{Name}\": weight dimension '{c}' did not have a match in either the input spec '{inputSpec}' " +
                    $"or the output spec '{outputSpec}'. For this layer, the weight must be fully specified.");
            }
        }
        // Output letters that come from the kernel get the kernel's size.
        foreach (var c in outputSpec)
        {
            int oi = OutputIndex(c);
            if (output[oi] == Shape.Unknown && weightSpec.Contains(c)) output[oi] = kernel[weightSpec.IndexOf(c)];
        }

        int[]? bias = null;
        if (BiasAxes is not null)
        {
            foreach (var c in BiasAxes)
            {
                if (!outputSpec.Contains(c))
                    throw new ArgumentException($"EinsumDense \"{Name}\": bias dimension '{c}' was requested, but is not part of the output spec '{outputSpec}'.");
            }
            int numLeftElided = leftElided ? elided : 0;
            int first = BiasAxes.Min(c => outputSpec.IndexOf(c));
            var biasList = new List<int>();
            for (int i = first; i < outputSpec.Length; i++)
                biasList.Add(BiasAxes.Contains(outputSpec[i]) ? output[i + numLeftElided] : 1);
            if (!leftElided)
                for (int i = 0; i < elided; i++) biasList.Add(1);
            bias = biasList.ToArray();
        }
        return (kernel.ToArray(), bias, output.ToArray());
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static EinsumDense FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(EinsumDense));
        var (name, trainable, dtype) = c.LayerArgs();
        if (c.Has("lora_rank"))
            throw new NotSupportedException($"EinsumDense \"{name}\": LoRA (lora_rank) is not supported by Keras.Net.");
        if (c.Has("quantization_config"))
            throw new NotSupportedException($"EinsumDense \"{name}\": quantized layers (quantization_config) are not supported by Keras.Net.");
        var outputShape = c.Ints("output_shape", repeat: 1) ?? throw new FormatException("EinsumDense config: 'output_shape' is missing.");
        return new EinsumDense(c.RequiredString("equation"), outputShape, c.Activation(), c.String("bias_axes"),
            c.Initializer("kernel_initializer", new GlorotUniform()), c.Initializer("bias_initializer", new Zeros()),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"),
            c.InputShape(), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["output_shape"] = new JsonArray(PartialOutputShape.Select(d => d == Shape.Unknown ? null : (JsonNode)d).ToArray());
        c["equation"] = Equation;
        c["activation"] = Activation.Name;
        c["bias_axes"] = BiasAxes;
        c["kernel_initializer"] = Serialization.Initializer(KernelInitializer);
        c["bias_initializer"] = Serialization.Initializer(BiasInitializer);
        c["kernel_regularizer"] = RegularizationConfig.Serialize(KernelRegularizer);
        c["bias_regularizer"] = RegularizationConfig.Serialize(BiasRegularizer);
        c["activity_regularizer"] = RegularizationConfig.Serialize(ActivityRegularizer);
        c["kernel_constraint"] = RegularizationConfig.Serialize(KernelConstraint);
        c["bias_constraint"] = RegularizationConfig.Serialize(BiasConstraint);
        c["quantization_config"] = null;
        return c;
    }
}
