using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Dot product of two inputs along one axis of each, sample by sample (Keras's <c>Dot</c>, computed as
/// Keras's <c>batch_dot</c>). The output has the first input's remaining axes, then the second input's
/// remaining non-batch axes; a result with only the batch axis gets a trailing unit axis, so two
/// <c>(batch, n)</c> inputs give <c>(batch, 1)</c>. With <c>normalize</c>, both inputs are first
/// L2-normalized along their dot axes (<c>x · min(rsqrt(Σx²), 1e7)</c>), giving the cosine proximity.
/// </summary>
public sealed class Dot : Merge
{
    /// <summary>Creates the layer with the same axis for both inputs.</summary>
    /// <param name="axes">The axis of both inputs to take the dot product along (not the batch axis; negative counts from the end).</param>
    /// <param name="normalize">Whether to L2-normalize both inputs along the dot axes first.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the layer is trainable (it has no weights).</param>
    /// <param name="dtype">Compute dtype.</param>
    public Dot(int axes, bool normalize = false, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : this([axes], normalize, name, trainable, dtype)
    {
    }

    /// <summary>Creates the layer with one axis per input.</summary>
    /// <param name="axes">One axis (for both inputs) or two (first input's, second input's).</param>
    /// <param name="normalize">Whether to L2-normalize both inputs along the dot axes first.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the layer is trainable (it has no weights).</param>
    /// <param name="dtype">Compute dtype.</param>
    public Dot(int[] axes, bool normalize = false, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length is not (1 or 2))
            throw new ArgumentException($"Dot \"{Name}\": axes should be an integer or a list of two integers. Received: axes=[{string.Join(", ", axes)}].", nameof(axes));
        Axes = (int[])axes.Clone();
        Normalize = normalize;
    }

    /// <summary>The axes as given: one (shared) or two.</summary>
    public IReadOnlyList<int> Axes { get; }

    /// <summary>Whether inputs are L2-normalized along the dot axes first.</summary>
    public bool Normalize { get; }

    /// <summary>The dot axis of each input for inputs of the given ranks (Keras's handling of negative axes).</summary>
    private (int A0, int A1) ResolveAxes(int rank0, int rank1)
    {
        int a0 = Axes[0], a1 = Axes.Count == 2 ? Axes[1] : Axes[0];
        if (a0 < 0) a0 = ((a0 % rank0) + rank0) % rank0;
        if (a1 < 0) a1 = ((a1 % rank1) + rank1) % rank1;
        if (a0 >= rank0 || a1 >= rank1)
            throw new ArgumentException($"{Label}: axes [{string.Join(", ", Axes)}] are out of range for inputs of ranks {rank0} and {rank1}.");
        return (a0, a1);
    }

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count != 2)
            throw new ArgumentException($"{Label}: a Dot layer should be called on a list of 2 inputs. Received {inputShapes.Count} inputs.");
        var (s1, s2) = (inputShapes[0], inputShapes[1]);
        if (s1.Rank < 2 || s2.Rank < 2)
            throw new ArgumentException($"{Label}: cannot do batch_dot on inputs with rank < 2. Received inputs with shapes {s1} and {s2}.");
        CheckBatchSizes(inputShapes);
        var (a0, a1) = ResolveAxes(s1.Rank, s2.Rank);
        if (a0 == 0 || a1 == 0)
            throw new ArgumentException($"{Label}: cannot perform batch_dot over axis 0 (the batch axis). Received axes=[{string.Join(", ", Axes)}].");
        if (s1[a0] != Shape.Unknown && s2[a1] != Shape.Unknown && s1[a0] != s2[a1])
        {
            throw new ArgumentException(
                $"{Label}: incompatible input shapes: axis values {s1[a0]} (at axis {a0}) != {s2[a1]} (at axis {a1}). Full input shapes: {s1}, {s2}.");
        }
        ReshapeRequired = false;
    }

    private protected override Tensor MergeFunction(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        if (inputs.Count != 2)
            throw new ArgumentException($"{Label}: a Dot layer should be called on exactly 2 inputs. Received {inputs.Count}.");
        var (x1, x2) = (inputs[0], inputs[1]);
        var (a0, a1) = ResolveAxes(x1.Rank, x2.Rank);
        if (Normalize)
        {
            x1 = L2Normalize(x1, a0);
            x2 = L2Normalize(x2, a1);
        }
        // batch_dot as one einsum: batch letter 'a', contracted letter 'z'.
        const string letters = "bcdefghijklmnopqrstuvwxy";
        int next = 0;
        var spec1 = new char[x1.Rank];
        var spec2 = new char[x2.Rank];
        for (int i = 0; i < x1.Rank; i++) spec1[i] = i == 0 ? 'a' : i == a0 ? 'z' : letters[next++];
        for (int i = 0; i < x2.Rank; i++) spec2[i] = i == 0 ? 'a' : i == a1 ? 'z' : letters[next++];
        var outSpec = spec1.Where((_, i) => i != a0).Concat(spec2.Where((_, i) => i != 0 && i != a1)).ToArray();
        var result = Ops.Einsum($"{new string(spec1)},{new string(spec2)}->{new string(outSpec)}", x1, x2);
        return outSpec.Length == 1 ? Ops.ExpandDims(result, 1) : result;
    }

    // Keras's ops.normalize(x, axis, order=2): x * min(rsqrt(sum(x²)), 1/epsilon) with epsilon 1e-7.
    private static Tensor L2Normalize(Tensor x, int axis)
    {
        var squareSum = Ops.Sum(Ops.Square(x), axis, keepDims: true);
        var invNorm = Ops.Minimum(Ops.Power(squareSum, -0.5), Ops.Scalar(1.0 / 1e-7, x.DType));
        return Ops.Multiply(x, invNorm);
    }

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count != 2)
            throw new ArgumentException($"{Label}: a Dot layer should be called on a list of 2 inputs. Received {inputShapes.Count} inputs.");
        var (s1, s2) = (inputShapes[0], inputShapes[1]);
        var (a0, a1) = ResolveAxes(s1.Rank, s2.Rank);
        var dims = s1.Where((_, i) => i != a0).Concat(s2.Where((_, i) => i != 0 && i != a1)).ToList();
        if (dims.Count == 1) dims.Add(1);
        return [new Shape(dims.ToArray())];
    }

    /// <summary>Dot has no output mask (Keras's <c>Dot.compute_mask</c>).</summary>
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask) => null;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Dot FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Dot));
        var (name, trainable, dtype) = c.LayerArgs();
        var axes = c.Ints("axes", repeat: 1) ?? throw new FormatException("Dot config: 'axes' is missing.");
        return new Dot(axes, c.Bool("normalize", false), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axes"] = Axes.Count == 1 ? Axes[0] : new JsonArray(Axes[0], Axes[1]);
        c["normalize"] = Normalize;
        return c;
    }
}
