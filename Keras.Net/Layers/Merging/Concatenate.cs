using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Concatenates a list of inputs along <c>axis</c> (Keras's <c>Concatenate</c>). All other dimensions must
/// match. Masks are concatenated too (an unmasked input counts as all valid) and reduced over the last axis,
/// as Keras does.
/// </summary>
public sealed class Concatenate : Merge
{
    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The concatenation axis (negative counts from the end; default -1).</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the layer is trainable (it has no weights).</param>
    /// <param name="dtype">Compute dtype.</param>
    public Concatenate(int axis = -1, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype)
    {
        Axis = axis;
    }

    /// <summary>The concatenation axis.</summary>
    public int Axis { get; }

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count < 1)
            throw new ArgumentException($"{Label}: a Concatenate layer should be called on a list of at least 1 input. Received 0 inputs.");
        // Every shape without the concatenation axis must agree (unknown dimensions match anything).
        var reduced = inputShapes.Select(s =>
        {
            var dims = s.ToList();
            int a = Axis < 0 ? Axis + dims.Count : Axis;
            if (a >= 0 && a < dims.Count) dims.RemoveAt(a);
            return dims;
        }).ToArray();
        bool ok = reduced.Select(r => r.Count).Distinct().Count() == 1;
        if (ok)
        {
            for (int d = 0; d < reduced[0].Count && ok; d++)
                ok = reduced.Select(r => r[d]).Where(v => v != Shape.Unknown).Distinct().Count() <= 1;
        }
        if (!ok)
        {
            throw new ArgumentException(
                $"{Label}: a Concatenate layer requires inputs with matching shapes except for the concatenation axis ({Axis}). " +
                $"Received: input_shape=[{string.Join(", ", inputShapes)}].");
        }
        ReshapeRequired = false;
    }

    private protected override Tensor MergeFunction(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        var dtype = inputs.Select(x => x.DType).FirstOrDefault(d => d.IsFloating(), inputs[0].DType);
        return Ops.Concatenate(inputs.Select(x => Ops.Cast(x, dtype)).ToArray(), Axis);
    }

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        var output = inputShapes[0].ToArray();
        int a = Axis < 0 ? Axis + output.Length : Axis;
        if (a < 0 || a >= output.Length)
            throw new ArgumentOutOfRangeException(nameof(inputShapes), $"{Label}: axis {Axis} is out of range for input shape {inputShapes[0]}.");
        foreach (var shape in inputShapes.Skip(1))
        {
            int b = Axis < 0 ? Axis + shape.Rank : Axis;
            if (output[a] == Shape.Unknown || shape[b] == Shape.Unknown)
            {
                output[a] = Shape.Unknown;
                break;
            }
            output[a] += shape[b];
        }
        return [new Shape(output)];
    }

    /// <summary>
    /// The concatenated masks (Keras's <c>Concatenate.compute_mask</c>): each mask is broadcast to its input's
    /// shape (all true for an unmasked input), concatenated along the axis, then reduced with ANY over the last axis.
    /// </summary>
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask)
    {
        var masks = MasksOf(inputs, mask);
        if (masks.All(m => m is null)) return null;
        var full = new Tensor[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            var x = inputs[i];
            full[i] = masks[i] switch
            {
                null => Ops.Full(x.Shape, 1, DType.Bool),
                var m when m.Rank < x.Rank => Ops.BroadcastTo(Ops.ExpandDims(BoolMask.ToBool(m), -1), x.Shape),
                var m => BoolMask.ToBool(m),
            };
        }
        return new Tensors(BoolMask.Any(Ops.Concatenate(full, Axis), -1));
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Concatenate FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(Concatenate));
        var (name, trainable, dtype) = c.LayerArgs();
        return new Concatenate(c.Int("axis", -1), name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = Axis;
        return c;
    }
}
