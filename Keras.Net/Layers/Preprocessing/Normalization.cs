using System.Collections;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Initializers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Normalizes features to <c>(x - mean) / max(sqrt(variance), 1e-7)</c> (Keras's <c>Normalization</c>);
/// with <c>invert</c>, computes <c>mean + x * max(sqrt(variance), 1e-7)</c>. The statistics are either given
/// (<c>mean</c> and <c>variance</c>, broadcast to the kept axes) or learned with <see cref="Adapt"/>, which
/// stores them in the non-trainable weights <c>mean</c>, <c>variance</c> (shape of the kept axes) and
/// <c>count</c> (int32 scalar, kept for compatibility with older files and never updated, as in Keras).
/// </summary>
public sealed class Normalization : Layer
{
    private const double Epsilon = 1e-7; // keras.backend.epsilon()

    private readonly int[] _axis;
    private readonly HostArray? _inputMean;
    private readonly HostArray? _inputVariance;
    private Variable? _adaptMean;
    private Variable? _adaptVariance;
    private Variable? _count;
    private Shape? _buildShape;
    private int[] _keepAxis = [];
    private int[] _reduceAxis = [];
    private int[] _broadcastShape = [];
    private HostArray? _fixedMean;
    private HostArray? _fixedVariance;

    /// <summary>Creates the layer with one feature axis (Keras's default <c>axis=-1</c>).</summary>
    /// <param name="axis">The axis that keeps a separate mean and variance per index.</param>
    /// <param name="mean">Mean (number, .NET array, NDArray, HostArray or tensor), given with <paramref name="variance"/>; null to learn it with <see cref="Adapt"/>.</param>
    /// <param name="variance">Variance, same shape as <paramref name="mean"/>.</param>
    /// <param name="invert">Apply the inverse transformation (de-normalize).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="dtype">Compute (output) dtype.</param>
    public Normalization(int axis = -1, object? mean = null, object? variance = null, bool invert = false,
        Shape? inputShape = null, string? name = null, DType dtype = DType.Float32)
        : this([axis], mean, variance, invert, inputShape, name, dtype)
    {
    }

    /// <summary>Creates the layer with several feature axes, or none (<c>null</c>: one scalar mean and variance).</summary>
    /// <param name="axis">The axes that keep a separate mean and variance per index; null or empty for Keras's <c>axis=None</c>.</param>
    /// <param name="mean">Mean (number, .NET array, NDArray, HostArray or tensor), given with <paramref name="variance"/>; null to learn it with <see cref="Adapt"/>.</param>
    /// <param name="variance">Variance, same shape as <paramref name="mean"/>.</param>
    /// <param name="invert">Apply the inverse transformation (de-normalize).</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="dtype">Compute (output) dtype.</param>
    public Normalization(int[]? axis, object? mean = null, object? variance = null, bool invert = false,
        Shape? inputShape = null, string? name = null, DType dtype = DType.Float32)
        : base(name, true, dtype, inputShape)
    {
        if (!dtype.IsFloating())
            throw new ArgumentException($"Normalization \"{Name}\": dtype must be a floating dtype; got {dtype.Name()}.", nameof(dtype));
        _axis = axis is null ? [] : (int[])axis.Clone();
        Invert = invert;
        if ((mean is null) != (variance is null))
            throw new ArgumentException($"Normalization \"{Name}\": when setting values directly, both mean and variance must be given; got mean={(mean is null ? "null" : "a value")} and variance={(variance is null ? "null" : "a value")}.");
        if (mean is not null)
        {
            _inputMean = ToHostValue(mean, nameof(mean));
            _inputVariance = ToHostValue(variance!, nameof(variance));
            if (!_inputMean.Shape.SequenceEqual(_inputVariance.Shape))
                throw new ArgumentException($"Normalization \"{Name}\": mean and variance must have the same shape; got mean shape {Shape.Format(_inputMean.Shape)} and variance shape {Shape.Format(_inputVariance.Shape)}.");
            if (_inputMean.Rank > _axis.Length)
                throw new ArgumentException($"Normalization \"{Name}\": the rank of mean must be at most the number of axes ({_axis.Length}); got mean shape {Shape.Format(_inputMean.Shape)} for axis ({string.Join(", ", _axis)}).");
        }
        SupportsMasking = true;
    }

    /// <summary>The axes given (empty for <c>axis=None</c>).</summary>
    public int[] Axis => (int[])_axis.Clone();

    /// <summary>Whether the layer de-normalizes.</summary>
    public bool Invert { get; }

    /// <summary>The learned mean (Keras's <c>adapt_mean</c>); null when mean and variance were given or before build.</summary>
    public Variable? AdaptMean => _adaptMean;

    /// <summary>The learned variance (Keras's <c>adapt_variance</c>); null when mean and variance were given or before build.</summary>
    public Variable? AdaptVariance => _adaptVariance;

    /// <summary>The <c>count</c> weight Keras keeps for old files (never updated).</summary>
    public Variable? Count => _count;

    private static HostArray ToHostValue(object value, string argument) => value switch
    {
        double d => HostArray.Create([d]),
        float f => HostArray.Create([(double)f]),
        int i => HostArray.Create([(double)i]),
        long l => HostArray.Create([(double)l]),
        Tensor t => t.ToHost().AsType(DType.Float64),
        Variable v => v.ToHost().AsType(DType.Float64),
        _ => HostArray.From(value, argument).AsType(DType.Float64),
    };

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        int ndim = inputShape.Rank;
        foreach (var a in _axis)
        {
            if (a < -ndim || a >= ndim)
                throw new ArgumentException($"Normalization \"{Name}\": all axis values must be in the range [-ndim, ndim); got inputs with ndim={ndim} and axis=({string.Join(", ", _axis)}).");
        }
        var keep = _axis.Select(a => a < 0 ? a + ndim : a).Order().ToArray();
        if (keep.Distinct().Count() != keep.Length)
            throw new ArgumentException($"Normalization \"{Name}\": axis values must be distinct; got ({string.Join(", ", _axis)}) for inputs of rank {ndim}.");
        foreach (var d in keep)
        {
            if (inputShape[d] == Shape.Unknown)
                throw new ArgumentException($"Normalization \"{Name}\": all axis values to be kept must have a known size; got axis=({string.Join(", ", _axis)}) and inputs of shape {inputShape}, unknown at index {d}.");
        }
        _buildShape = inputShape;
        _keepAxis = keep;
        _reduceAxis = Enumerable.Range(0, ndim).Where(d => Array.IndexOf(keep, d) < 0).ToArray();
        _broadcastShape = Enumerable.Range(0, ndim).Select(d => Array.IndexOf(keep, d) >= 0 ? inputShape[d] : 1).ToArray();
        var meanAndVarShape = new Shape(keep.Select(d => inputShape[d]).ToArray());

        if (_inputMean is null)
        {
            _adaptMean = AddWeight("mean", meanAndVarShape, new Zeros(), trainable: false);
            _adaptVariance = AddWeight("variance", meanAndVarShape, new Ones(), trainable: false);
            _count = AddWeight("count", Shape.Scalar, new Zeros(), trainable: false, dtype: DType.Int32);
        }
        else
        {
            _fixedMean = BroadcastGiven(_inputMean, "mean");
            _fixedVariance = BroadcastGiven(_inputVariance!, "variance");
        }
    }

    // Keras aligns the given values with the kept axes from the right, then broadcasts them.
    private HostArray BroadcastGiven(HostArray given, string argument)
    {
        int ndim = _broadcastShape.Length;
        var expanded = Enumerable.Repeat(1, ndim).ToArray();
        var givenShape = given.Shape;
        for (int i = 1; i <= givenShape.Length; i++)
        {
            int axis = _keepAxis[^i];
            long size = givenShape[^i];
            if (size != 1 && size != _broadcastShape[axis])
                throw new ArgumentException(
                    $"Normalization \"{Name}\": {argument} of shape {Shape.Format(givenShape)} cannot be broadcast to the kept axes of inputs of shape {_buildShape} (statistics shape {new Shape(_keepAxis.Select(d => _broadcastShape[d]).ToArray())}).");
            expanded[axis] = (int)size;
        }
        using var scope = Ops.Scope();
        var t = Ops.Reshape(Ops.FromHost(given), expanded.Select(d => (long)d).ToArray());
        return Ops.BroadcastTo(t, new Shape(_broadcastShape)).ToHost();
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var x = Ops.Cast(inputs, DType);
        CheckBroadcastable(x.Shape);
        Tensor mean, variance;
        if (_fixedMean is not null)
        {
            mean = Ops.FromHost(_fixedMean, DType);
            variance = Ops.FromHost(_fixedVariance!, DType);
        }
        else
        {
            var shape = _broadcastShape.Select(d => (long)d).ToArray();
            mean = Ops.Reshape(Ops.Cast(_adaptMean!.Value, DType), shape);
            variance = Ops.Reshape(Ops.Cast(_adaptVariance!.Value, DType), shape);
        }
        var std = Ops.Maximum(Ops.Sqrt(variance), Ops.Scalar(Epsilon, DType));
        return Invert ? Ops.Add(mean, Ops.Multiply(x, std)) : Ops.Divide(Ops.Subtract(x, mean), std);
    }

    private void CheckBroadcastable(Shape shape)
    {
        int n = Math.Min(shape.Rank, _broadcastShape.Length);
        for (int i = 1; i <= n; i++)
        {
            int b = _broadcastShape[^i];
            if (b != 1 && shape[^i] != b)
                throw new ArgumentException(
                    $"Normalization \"{Name}\": inputs of shape {shape} do not match the statistics, which were built for inputs of shape {_buildShape} with axis=({string.Join(", ", _axis)}).");
        }
    }

    /// <inheritdoc />
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <summary>
    /// Computes the mean and variance of <paramref name="data"/> over every axis but the kept ones and stores
    /// them in the layer's weights (Keras's <c>adapt</c>). <paramref name="data"/> is one array (a NumSharp
    /// <c>NDArray</c>, a .NET array, a <see cref="HostArray"/> or a tensor; its first axis is the batch) or a
    /// sequence of such batches (each may be an <c>(x, y)</c> tuple, whose <c>x</c> is used), combined with the
    /// lack-of-fit formula as Keras does. The variance is the population variance (divided by N).
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer was given mean and variance.</exception>
    /// <exception cref="ArgumentException">The data's kept axes do not match the layer's input shape, or no batch was given.</exception>
    public void Adapt(object data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (_inputMean is not null)
            throw new InvalidOperationException($"Normalization \"{Name}\" was created with mean and variance; Adapt learns them only for a layer created without them.");
        using var scope = Ops.Scope();
        using var noGrad = Ops.NoGrad();
        if (data is IEnumerable sequence && data is not (Tensor or HostArray or Array or NumSharp.NDArray or string))
        {
            AdaptBatches(sequence);
            return;
        }
        var x = ToBatch(data);
        var (mean, variance) = Moments(x);
        _adaptMean!.Assign(Ops.Cast(mean, _adaptMean.DType));
        _adaptVariance!.Assign(Ops.Cast(variance, _adaptVariance.DType));
    }

    private void AdaptBatches(IEnumerable batches)
    {
        Tensor? totalMean = null, totalVar = null;
        long totalCount = 0;
        foreach (var item in batches)
        {
            using var step = Ops.Scope();
            var batch = ToBatch(item is ITuple { Length: > 0 } tuple ? tuple[0] ?? throw new ArgumentException("Normalization.Adapt: a batch is null.") : item);
            var (batchMean, batchVar) = Moments(batch);
            long batchCount = _reduceAxis.Aggregate(1L, (p, d) => p * batch.Shape[d]);
            totalCount += batchCount;
            double batchWeight = (double)batchCount / totalCount;
            double existingWeight = 1.0 - batchWeight;
            totalMean ??= Ops.ZerosLike(batchMean);
            totalVar ??= Ops.ZerosLike(batchVar);
            var newMean = Ops.Add(Ops.Multiply(totalMean, existingWeight), Ops.Multiply(batchMean, batchWeight));
            var newVar = Ops.Add(
                Ops.Multiply(Ops.Add(totalVar, Ops.Square(Ops.Subtract(totalMean, newMean))), existingWeight),
                Ops.Multiply(Ops.Add(batchVar, Ops.Square(Ops.Subtract(batchMean, newMean))), batchWeight));
            totalMean = step.Keep(newMean);
            totalVar = step.Keep(newVar);
        }
        if (totalMean is null)
            throw new ArgumentException("Normalization.Adapt received an empty sequence of batches; pass at least one batch.");
        _adaptMean!.Assign(Ops.Cast(totalMean, _adaptMean.DType));
        _adaptVariance!.Assign(Ops.Cast(totalVar!, _adaptVariance.DType));
    }

    // Converts one batch to float64, building the layer from its shape or checking it against the build shape.
    private Tensor ToBatch(object value)
    {
        var x = Ops.ConvertToTensor(value, DType.Float64, "data");
        if (!Built)
        {
            EnsureBuilt([x.Shape]);
        }
        else if (x.Rank != _buildShape!.Rank || _keepAxis.Any(d => x.Shape[d] != _buildShape[d]))
        {
            throw new ArgumentException(
                $"Normalization \"{Name}\": the layer was built with input shape {_buildShape}, but Adapt received data of incompatible shape {x.Shape}.");
        }
        return x;
    }

    private (Tensor Mean, Tensor Variance) Moments(Tensor x)
    {
        if (_reduceAxis.Length == 0) return (x, Ops.ZerosLike(x));
        var mean = Ops.Mean(x, _reduceAxis);
        var centered = Ops.Subtract(x, Ops.Mean(x, _reduceAxis, keepDims: true));
        return (mean, Ops.Mean(Ops.Square(centered), _reduceAxis));
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Normalization FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Normalization));
        var (name, _, dtype) = c.LayerArgs();
        int[]? axis = c.Node("axis") switch
        {
            null => null,
            JsonValue => [c.RequiredInt("axis")],
            _ => c.Ints("axis"),
        };
        return new Normalization(axis, ReadValue(c, "mean"), ReadValue(c, "variance"), c.Bool("invert", false), c.InputShape(), name, dtype);
    }

    private static HostArray? ReadValue(ConfigReader c, string key)
    {
        var node = c.Node(key);
        if (node is null) return null;
        var dims = new List<long>();
        for (var n = node; ConfigReader.Items(n) is { } items; n = items.Count > 0 ? items[0] : null)
        {
            dims.Add(items.Count);
            if (items.Count == 0) break;
        }
        var values = new List<double>();
        Flatten(node, 0);
        return HostArray.Create(values.ToArray(), dims.ToArray());

        void Flatten(JsonNode? n, int depth)
        {
            if (depth == dims.Count)
            {
                values.Add(ReshapingHelpers.TryNumber(n, out var d) ? d
                    : throw new FormatException($"Normalization config: '{key}' should be a number or a rectangular nested list of numbers but is {node.ToJsonString()}."));
                return;
            }
            var items = ConfigReader.Items(n);
            if (items is null || items.Count != dims[depth])
                throw new FormatException($"Normalization config: '{key}' should be a number or a rectangular nested list of numbers but is {node.ToJsonString()}.");
            foreach (var item in items) Flatten(item, depth + 1);
        }
    }

    private static JsonNode? ToJson(HostArray? value)
    {
        if (value is null) return null;
        var data = value.ToArray<double>();
        var shape = value.Shape;
        int pos = 0;
        return Build(0);

        JsonNode Build(int depth)
        {
            if (depth == shape.Length) return JsonValue.Create(data[pos++]);
            var array = new JsonArray();
            for (long i = 0; i < shape[depth]; i++) array.Add(Build(depth + 1));
            return array;
        }
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = ReshapingHelpers.IntsJson(_axis);
        c["invert"] = Invert;
        c["mean"] = ToJson(_inputMean);
        c["variance"] = ToJson(_inputVariance);
        return c;
    }
}
