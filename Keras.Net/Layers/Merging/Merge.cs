using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// The base of the elementwise merge layers (Keras's <c>Merge</c>): <see cref="Add"/>, <see cref="Subtract"/>,
/// <see cref="Multiply"/>, <see cref="Average"/>, <see cref="Maximum"/>, <see cref="Minimum"/>, and of
/// <see cref="Concatenate"/> and <see cref="Dot"/>. Inputs are a list of tensors; shapes after the batch
/// axis broadcast as numpy does (right-aligned). Inputs of lower rank get unit axes inserted after the
/// batch axis first, as Keras does. The output mask is the OR of the inputs' masks when every input has one.
/// </summary>
public abstract class Merge : Layer
{
    /// <summary>Creates the layer.</summary>
    protected Merge(string? name, bool trainable, DType dtype)
        : base(name, trainable, dtype)
    {
        SupportsMasking = true;
    }

    /// <summary>Whether inputs of different ranks are expanded to a common rank before merging (set by <see cref="Build(IReadOnlyList{Shape})"/>).</summary>
    private protected bool ReshapeRequired { get; set; }

    /// <summary>The class name used in messages.</summary>
    private protected string Label => $"{GetType().Name} \"{Name}\"";

    /// <inheritdoc />
    public override void Build(Shape inputShape) => Build([inputShape]);

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count < 1)
            throw new ArgumentException($"{Label}: a merge layer should be called on a list of at least 1 input. Received 0 inputs.");
        CheckBatchSizes(inputShapes);
        ElementwiseOutputShape(inputShapes);
        ReshapeRequired = inputShapes.Select(s => s.Rank).Distinct().Count() != 1;
    }

    private protected void CheckBatchSizes(IReadOnlyList<Shape> inputShapes)
    {
        var batch = inputShapes.Where(s => s.Rank > 0 && s[0] != Shape.Unknown).Select(s => s[0]).Distinct().ToArray();
        if (batch.Length > 1)
        {
            throw new ArgumentException(
                $"{Label}: cannot merge tensors with different batch sizes. Received tensors with shapes {string.Join(", ", inputShapes)}.");
        }
    }

    /// <summary>The merge itself, on inputs of equal rank, with each input's mask (or null).</summary>
    private protected abstract Tensor MergeFunction(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks);

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var xs = inputs.ToArray();
        var masks = new Tensor?[xs.Length];
        for (int i = 0; i < xs.Length; i++) masks[i] = mask is not null && i < mask.Count ? mask[i] : xs[i].KerasMask;
        if (ReshapeRequired)
        {
            // Keras expands lower-rank inputs at axis 1; the expanded tensors carry no mask.
            int maxRank = xs.Max(x => x.Rank);
            for (int i = 0; i < xs.Length; i++)
            {
                var x = xs[i];
                for (int r = x.Rank; r < maxRank; r++) x = Ops.ExpandDims(x, 1);
                xs[i] = x;
                masks[i] = null;
            }
        }
        return MergeFunction(xs, masks);
    }

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes) => [ElementwiseOutputShape(inputShapes)];

    /// <summary>Keras's broadcast of the non-batch shapes, with the common batch size (or unknown).</summary>
    private protected Shape ElementwiseOutputShape(IReadOnlyList<Shape> inputShapes)
    {
        var output = inputShapes[0].Slice(1);
        for (int i = 1; i < inputShapes.Count; i++) output = Broadcast(output, inputShapes[i].Slice(1));
        var batch = inputShapes.Where(s => s.Rank > 0 && s[0] != Shape.Unknown).Select(s => s[0]).Distinct().ToArray();
        return output.WithBatch(batch.Length == 1 ? batch[0] : Shape.Unknown);
    }

    private Shape Broadcast(Shape shape1, Shape shape2)
    {
        if (shape1.Rank < shape2.Rank) return Broadcast(shape2, shape1);
        if (shape2.Rank == 0) return shape1;
        var dims = shape1.Slice(0, shape1.Rank - shape2.Rank).ToList();
        for (int k = 0; k < shape2.Rank; k++)
        {
            int i = shape1[shape1.Rank - shape2.Rank + k], j = shape2[k];
            if (i == Shape.Unknown || j == Shape.Unknown) dims.Add(Shape.Unknown);
            else if (i == 1) dims.Add(j);
            else if (j == 1) dims.Add(i);
            else if (i != j)
                throw new ArgumentException($"{Label}: inputs have incompatible shapes. Received shapes {shape1} and {shape2}.");
            else dims.Add(i);
        }
        return new Shape(dims.ToArray());
    }

    /// <summary>The OR of the inputs' masks when every input has one (Keras's <c>Merge.compute_mask</c>); otherwise none.</summary>
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask)
    {
        var masks = MasksOf(inputs, mask);
        if (masks.Any(m => m is null)) return null;
        var output = masks[0]!;
        for (int i = 1; i < masks.Length; i++) output = BoolMask.Or(output, masks[i]!);
        return new Tensors(output);
    }

    private protected static Tensor?[] MasksOf(Tensors inputs, Tensors? mask) =>
        Enumerable.Range(0, inputs.Count).Select(i => mask is not null && i < mask.Count ? mask[i] : inputs[i].KerasMask).ToArray();

    /// <summary>Keras's <c>_apply_merge_op_and_or_mask</c>: merges with <paramref name="op"/>, letting masked steps take the other operand.</summary>
    private protected static Tensor MergeWithMasks(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, Func<Tensor, Tensor, Tensor> op)
    {
        Tensor? output = null, outputMask = null;
        for (int i = 0; i < inputs.Count; i++)
        {
            var x = inputs[i];
            var mask = masks[i] is { } m ? Ops.BroadcastTo(Ops.ExpandDims(BoolMask.ToBool(m), -1), x.Shape) : null;
            if (output is null)
            {
                output = x;
                outputMask = mask;
                continue;
            }
            if (mask is not null) x = Ops.Where(mask, x, output);
            if (outputMask is not null) output = Ops.Where(outputMask, output, x);
            outputMask = mask is not null && outputMask is not null ? BoolMask.Or(outputMask, mask) : null;
            output = op(output, x);
        }
        return output!;
    }

    /// <summary>Reads the base layer arguments of a merge layer's config.</summary>
    private protected static (string? Name, bool Trainable, DType DType) Args(JsonObject config, string owner) =>
        new ConfigReader(config, owner).LayerArgs();
}
