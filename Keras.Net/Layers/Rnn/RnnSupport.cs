using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Engine;
using Keras.Initializers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>Helpers shared by the recurrent layers and cells.</summary>
internal static class RnnSupport
{
    /// <summary>Keras's <c>DropoutRNNCell._create_dropout_mask</c>: <paramref name="count"/> masks of ones with dropout applied (0 or 1/(1-rate)).</summary>
    public static Tensor[] DropoutMasks(Shape shape, double rate, int count, SeedGenerator seeds, DType dtype)
    {
        var masks = new Tensor[count];
        for (int i = 0; i < count; i++)
        {
            // rate 1 drops everything (the scaled form would divide by zero).
            masks[i] = rate >= 1.0
                ? Ops.Zeros(shape, dtype)
                : Ops.Dropout(Ops.Ones(shape, dtype), rate, seeds.Next());
        }
        return masks;
    }

    /// <summary>
    /// A built-in cell called on its own: <c>[x_t, states…]</c> → <c>[output, new states…]</c>, with
    /// fresh dropout masks for this call.
    /// </summary>
    public static Tensors CallCell<TCell>(TCell cell, Tensors inputs, bool training) where TCell : Layer, IRnnCell, IRnnCellKernel
    {
        var sizes = cell.StateSize;
        string label = $"{cell.GetType().Name} \"{cell.Name}\"";
        if (inputs.Count != 1 + sizes.Count)
            throw new ArgumentException($"{label} is called with [inputs, {sizes.Count} state tensor(s)]; got {inputs.Count} tensor(s).");
        var x = inputs[0];
        if (x.Rank != 2)
            throw new ArgumentException($"{label} processes one time step: inputs of shape (batch, features); got {x.Shape}.");
        var states = new Tensor[sizes.Count];
        for (int i = 0; i < states.Length; i++)
        {
            var s = inputs[1 + i];
            if (s.Rank != 2 || s.Shape[0] != x.Shape[0] || s.Shape[1] != sizes[i])
                throw new ArgumentException($"{label}: state {i} should have shape ({x.Shape[0]}, {sizes[i]}); got {s.Shape}.");
            states[i] = Ops.Cast(s, cell.DType);
        }
        var sequence = ((IRnnCellKernel)cell).Begin(x.Shape, training);
        return new Tensors(sequence.Step(sequence.ProjectInputs(x), states));
    }

    /// <summary>A user-written cell's step through its <see cref="Layer.Apply(Tensors, bool?, Tensors?)"/>: <c>[x_t, states…]</c> → <c>[output, new states…]</c>.</summary>
    public static Tensor[] CallUserCell(Layer cell, Tensor input, IReadOnlyList<Tensor> states, bool training)
    {
        var outputs = cell.Apply(new Tensors([input, .. states]), training);
        if (outputs.Count != 1 + states.Count)
            throw new InvalidOperationException(
                $"RNN cell {cell.GetType().Name} \"{cell.Name}\" must return [output, {states.Count} new state(s)] (the output first, then one tensor per state); it returned {outputs.Count} tensor(s).");
        for (int i = 0; i < states.Count; i++)
        {
            if (!outputs[1 + i].Shape.Equals(states[i].Shape))
                throw new InvalidOperationException(
                    $"RNN cell {cell.GetType().Name} \"{cell.Name}\": new state {i} has shape {outputs[1 + i].Shape}, but the state it replaces has shape {states[i].Shape}.");
        }
        return outputs.ToArray();
    }

    /// <summary>Broadcasts a (batch, features) mask over the time axis of (batch, time, features) inputs.</summary>
    public static Tensor ForInputs(Tensor mask, Tensor inputs) => inputs.Rank == 3 ? Ops.ExpandDims(mask, 1) : mask;

    /// <summary>Validates a dropout rate (Keras clamps to [0, 1]; values outside are rejected here).</summary>
    public static double Rate(double rate, string layer, string name, string argument)
    {
        if (!(rate >= 0 && rate <= 1))
            throw new ArgumentOutOfRangeException(argument, rate, $"{layer} \"{name}\": {argument} must be in [0, 1].");
        return rate;
    }

    /// <summary>Validates units.</summary>
    public static int Units(int units, string layer, string? name)
    {
        if (units <= 0)
            throw new ArgumentOutOfRangeException(nameof(units), units, $"{layer} \"{name}\": units must be a positive integer; got {units}.");
        return units;
    }

    /// <summary>Keras's variable paths nest a sublayer's weights under its owner (<c>lstm/lstm_cell/kernel</c>).</summary>
    public static void PrefixPaths(string owner, IEnumerable<Variable> weights)
    {
        foreach (var v in weights)
        {
            if (!v.Path.StartsWith(owner + "/", StringComparison.Ordinal)) v.Path = owner + "/" + v.Path;
        }
    }

    /// <summary>The entries of <paramref name="x"/> along <paramref name="axis"/> in reverse order.</summary>
    public static Tensor Reverse(Tensor x, int axis)
    {
        long n = x.Shape[axis];
        var idx = new long[n];
        for (long i = 0; i < n; i++) idx[i] = n - 1 - i;
        using var indices = Ops.FromHost(HostArray.Create(idx, n));
        return Ops.Take(x, indices, axis);
    }

    /// <summary>Time step <paramref name="t"/> of (batch, time, …): (batch, …).</summary>
    public static Tensor Step(Tensor x, int t) => Ops.Squeeze(Ops.Slice(x, 1, t, 1), 1);

    /// <summary>Columns [index*units, (index+1)*units) of the last axis.</summary>
    public static Tensor Gate(Tensor x, int index, int units) => Ops.Slice(x, -1, (long)index * units, units);

    /// <summary>Rows <paramref name="index"/> of a (2, n) GRU bias.</summary>
    public static Tensor Row(Tensor x, int index) => Ops.Squeeze(Ops.Slice(x, 0, index, 1), 0);

    /// <summary>The activation's Keras name for configs.</summary>
    public static JsonNode Activation(ActivationFunction f) => f.Name;

    /// <summary>The Keras config of an initializer.</summary>
    public static JsonObject Init(Initializer i) => Serialization.Initializer(i);

    /// <summary>Reads the common recurrent-layer flags of a config.</summary>
    public static (bool ReturnSequences, bool ReturnState, bool GoBackwards, bool Stateful, bool Unroll, bool ZeroOutputForMask) Flags(ConfigReader c, string owner)
    {
        if (c.Bool("time_major", false))
            throw new NotSupportedException($"{owner} config: time_major=true (Keras 2) is not supported; inputs are (batch, time, features).");
        return (c.Bool("return_sequences", false), c.Bool("return_state", false), c.Bool("go_backwards", false),
            c.Bool("stateful", false), c.Bool("unroll", false), c.Bool("zero_output_for_mask", false));
    }
}
