using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Runs an RNN cell over the time axis of (batch, time, features) inputs (Keras's <c>RNN</c>, the
/// base of <see cref="SimpleRNN"/>, <see cref="LSTM"/> and <see cref="GRU"/>). A list of cells is
/// stacked (<see cref="StackedRNNCells"/>).
/// <para>Outputs: the last output (batch, output_size), or every step's output (batch, time,
/// output_size) with <c>returnSequences</c>; with <c>returnState</c> the final states follow, one
/// tensor per state. Initial states may be given as extra inputs after the sequences
/// (<c>Apply(new Tensors(x, h0, c0))</c> or <see cref="Apply(Tensor, IReadOnlyList{Tensor}, bool?, Tensor?)"/>).</para>
/// <para>Masks (the input's <see cref="Tensor.KerasMask"/> or the <c>mask</c> argument, shape
/// (batch, time)): at a masked step the states keep their previous values and the output repeats the
/// previous output (zeros with <c>zeroOutputForMask</c>), as in Keras.</para>
/// </summary>
public class RNN : Layer
{
    private readonly Layer _cell;
    private Variable[]? _states;
    private Shape? _builtStepShape;

    /// <summary>Creates the layer.</summary>
    /// <param name="cell">The cell: a layer implementing <see cref="IRnnCell"/>.</param>
    /// <param name="returnSequences">Return every step's output rather than the last one.</param>
    /// <param name="returnState">Also return the final states.</param>
    /// <param name="goBackwards">Process the sequence from its end (the returned sequence is in processing order, i.e. reversed).</param>
    /// <param name="stateful">Keep the final states of each batch as the initial states of the next (see <see cref="ResetStates"/>).</param>
    /// <param name="unroll">Accepted for compatibility: the loop is always a host loop of per-step ops, which gives the same values.</param>
    /// <param name="zeroOutputForMask">Output zeros (rather than the previous output) at masked steps.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    /// <param name="inputShape">Sample shape (time, features), for the first layer of a Sequential model.</param>
    public RNN(
        Layer cell,
        bool returnSequences = false,
        bool returnState = false,
        bool goBackwards = false,
        bool stateful = false,
        bool unroll = false,
        bool zeroOutputForMask = false,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32,
        Shape? inputShape = null)
        : base(name, trainable, dtype, inputShape)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (cell is not IRnnCell)
            throw new ArgumentException(
                $"{GetType().Name} \"{Name}\": the cell must implement IRnnCell (an RNN cell has a state size and is called with [inputs, states…]); " +
                $"got {cell.GetType().Name} \"{cell.Name}\".", nameof(cell));
        _cell = Track(cell);
        ReturnSequences = returnSequences;
        ReturnState = returnState;
        GoBackwards = goBackwards;
        Stateful = stateful;
        Unroll = unroll;
        ZeroOutputForMask = zeroOutputForMask;
        SupportsMasking = true;
    }

    /// <summary>Stacks <paramref name="cells"/> in a <see cref="StackedRNNCells"/> and runs them as one cell.</summary>
    public RNN(
        IEnumerable<Layer> cells,
        bool returnSequences = false,
        bool returnState = false,
        bool goBackwards = false,
        bool stateful = false,
        bool unroll = false,
        bool zeroOutputForMask = false,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32,
        Shape? inputShape = null)
        : this(new StackedRNNCells(cells, trainable: trainable, dtype: dtype), returnSequences, returnState, goBackwards, stateful, unroll,
            zeroOutputForMask, name, trainable, dtype, inputShape)
    {
    }

    /// <summary>The cell run at every step.</summary>
    public Layer Cell => _cell;

    private IRnnCell CellInfo => (IRnnCell)_cell;

    public bool ReturnSequences { get; }
    public bool ReturnState { get; }
    public bool GoBackwards { get; }
    public override bool Stateful { get; }
    public bool Unroll { get; }

    /// <summary>Output zeros at masked steps (<see cref="Bidirectional"/> sets it to <see cref="ReturnSequences"/>).</summary>
    public bool ZeroOutputForMask { get; internal set; }

    /// <summary>The size of each state (the cell's, flattened for stacked cells).</summary>
    public IReadOnlyList<int> StateSize => CellInfo.StateSize;

    /// <summary>The states kept between batches by a stateful layer (null before its first call, or when not stateful). Not weights: they are not saved.</summary>
    public IReadOnlyList<Variable>? States => _states;

    /// <summary>The exact input rank required (3 for the built-in layers); null accepts rank 3 or more.</summary>
    protected virtual int? SequenceRank => null;

    private void CheckSequenceShape(Shape shape)
    {
        var spec = SequenceRank is int r ? new InputSpec(rank: r) : new InputSpec(minRank: 3);
        spec.Check(Name, 0, shape);
    }

    /// <inheritdoc />
    public override void Build(Shape inputShape) => Build([inputShape]);

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        var sequences = inputShapes[0];
        CheckSequenceShape(sequences);
        if (Unroll && sequences[1] == Shape.Unknown)
            throw new ArgumentException(
                $"{GetType().Name} \"{Name}\": cannot unroll an RNN when the time dimension is undefined (input shape {sequences}). " +
                "Give the time dimension in the Input shape, or use unroll: false.");
        var step = new Shape(sequences[0]).Concat(sequences.Slice(2));
        _cell.EnsureBuilt([step]);
        _builtStepShape = step;
        RnnSupport.PrefixPaths(Name, _cell.Weights);
    }

    /// <summary>Calls the layer with initial states (Keras's <c>layer(x, initial_state=[…])</c>).</summary>
    public Tensors Apply(Tensor sequences, IReadOnlyList<Tensor> initialState, bool? training = null, Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(initialState);
        return Apply(new Tensors([sequences, .. initialState]), training, mask is null ? null : new Tensors(mask));
    }

    /// <inheritdoc />
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var x = inputs[0];
        CheckSequenceShape(x.Shape);
        CheckFeatures(x.Shape);
        int batch = x.Shape[0], time = x.Shape[1];
        if (time == 0)
            throw new ArgumentException($"{GetType().Name} \"{Name}\": the input has no time steps (shape {x.Shape}).");
        var sequenceMask = mask is { Count: > 0 } ? mask[0] : x.KerasMask;

        using var scope = Ops.Scope();
        Tensor[] states;
        if (inputs.Count > 1)
        {
            CheckInitialStateShapes(inputs.Shapes);
            states = inputs.Skip(1).Select(s => Ops.Cast(s, DType)).ToArray();
        }
        else if (Stateful)
        {
            states = StateVariables(batch).Select(v => Ops.Multiply(v.Value, 1.0)).ToArray();
        }
        else
        {
            states = CellInfo.GetInitialState(batch, DType).Select(s => Ops.Cast(s, DType)).ToArray();
        }

        var (last, sequence, finalStates) = Loop(x, states, sequenceMask, training);

        if (Stateful)
        {
            var vars = StateVariables(batch);
            for (int i = 0; i < vars.Length; i++) vars[i].Assign(finalStates[i]);
        }

        var outputs = new List<Tensor> { scope.Keep(ReturnSequences ? sequence! : last) };
        if (ReturnState) outputs.AddRange(finalStates.Select(s => scope.Keep(s)));
        return new Tensors(outputs);
    }

    private void CheckInitialStateShapes(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count == 1) return;
        var sizes = StateSize;
        if (inputShapes.Count - 1 != sizes.Count)
            throw new ArgumentException(
                $"{GetType().Name} \"{Name}\" has {sizes.Count} state(s) but was given {inputShapes.Count - 1} initial state tensor(s).");
        int batch = inputShapes[0][0];
        for (int i = 0; i < sizes.Count; i++)
        {
            var s = inputShapes[1 + i];
            bool ok = s.Rank == 2 && s[1] == sizes[i] && (s[0] == batch || s[0] == Shape.Unknown || batch == Shape.Unknown);
            if (!ok)
                throw new ArgumentException(
                    $"{GetType().Name} \"{Name}\": initial state {i} should have shape ({(batch == Shape.Unknown ? "None" : batch)}, {sizes[i]}); got {s}.");
        }
    }

    private void CheckFeatures(Shape shape)
    {
        if (_builtStepShape is null) return;
        for (int d = 1; d < _builtStepShape.Rank; d++)
        {
            if (_builtStepShape[d] != Shape.Unknown && shape[d + 1] != _builtStepShape[d])
                throw new ArgumentException(
                    $"Input 0 of layer \"{Name}\" is incompatible with the layer: it was built for steps of shape {_builtStepShape}, " +
                    $"but received input with shape {shape}.");
        }
    }

    /// <summary>The time loop (Keras's <c>backend.rnn</c>): returns the last output, the outputs of every step (with <c>returnSequences</c>) and the final states.</summary>
    private (Tensor Last, Tensor? Sequence, Tensor[] States) Loop(Tensor x, Tensor[] states, Tensor? mask, bool training)
    {
        int batch = x.Shape[0], time = x.Shape[1];
        var sequences = Ops.Cast(x, DType);
        Tensor? boolMask = null;
        if (mask is not null)
        {
            if (!mask.Shape.Equals(new Shape(batch, time)))
                throw new ArgumentException($"{GetType().Name} \"{Name}\": the mask should have shape ({batch}, {time}) (batch, time); got {mask.Shape}.");
            boolMask = mask.DType == DType.Bool ? mask : Ops.Cast(mask, DType.Bool);
        }
        if (GoBackwards)
        {
            sequences = RnnSupport.Reverse(sequences, 1);
            if (boolMask is not null) boolMask = RnnSupport.Reverse(boolMask, 1);
        }

        var sequence = (_cell as IRnnCellKernel)?.Begin(new Shape(batch).Concat(x.Shape.Slice(2)), training);
        if (boolMask is null && time > 0 && sequence?.RunWhole(sequences, states) is { } whole)
        {
            var lastOutput = Ops.Squeeze(Ops.Slice(whole.Outputs, 1, time - 1, 1), 1);
            return (lastOutput, ReturnSequences ? whole.Outputs : null, whole.States);
        }
        var projected = sequence is null ? sequences : sequence.ProjectInputs(sequences);
        var outputs = ReturnSequences ? new Tensor[time] : null;
        Tensor? previous = null, zeros = null, last = null;
        for (int t = 0; t < time; t++)
        {
            var input = RnnSupport.Step(projected, t);
            var result = sequence is null ? RnnSupport.CallUserCell(_cell, input, states, training) : sequence.Step(input, states);
            var output = result[0];
            var newStates = result[1..];
            if (boolMask is not null)
            {
                var keep = Ops.Slice(boolMask, 1, t, 1);   // (batch, 1)
                previous ??= Ops.ZerosLike(output);
                var fallback = ZeroOutputForMask ? (zeros ??= Ops.ZerosLike(output)) : previous;
                output = Ops.Where(Expand(keep, output.Rank), output, fallback);
                for (int i = 0; i < newStates.Length; i++)
                    newStates[i] = Ops.Where(Expand(keep, newStates[i].Rank), newStates[i], states[i]);
                previous = output;
            }
            states = newStates;
            if (outputs is not null) outputs[t] = output;
            last = output;
        }
        return (last!, outputs is null ? null : Ops.Stack(outputs, 1), states);
    }

    // A (batch, 1) mask broadcast against a (batch, …) tensor of the given rank.
    private static Tensor Expand(Tensor keep, int rank)
    {
        if (rank <= 2) return keep;
        var shape = new long[rank];
        Array.Fill(shape, 1L);
        shape[0] = keep.Shape[0];
        return Ops.Reshape(keep, shape);
    }

    private Variable[] StateVariables(int batch)
    {
        if (_states is null)
        {
            using var scope = Ops.Scope();
            var initial = CellInfo.GetInitialState(batch, DType);
            _states = initial.Select((s, i) =>
                new Variable(Ops.Cast(s, DType), "rnn_state", trainable: false, path: $"{Name}/rnn_state{(i == 0 ? "" : "_" + i)}")).ToArray();
        }
        else if (_states[0].Shape[0] != batch)
        {
            throw new InvalidOperationException(
                $"{GetType().Name} \"{Name}\" is stateful and keeps states for batches of {_states[0].Shape[0]} samples, but received a batch of {batch}. " +
                "A stateful RNN needs the same batch size at every call (use a batch size that divides the data, shuffle: false).");
        }
        return _states;
    }

    /// <summary>Sets the kept states of a stateful layer back to zeros (Keras's <c>reset_states</c>).</summary>
    public void ResetStates()
    {
        if (_states is null) return;
        foreach (var v in _states)
        {
            using var zeros = Ops.ZerosLike(v.Value);
            v.Assign(zeros);
        }
    }

    /// <summary>Keras 3's name for <see cref="ResetStates"/>.</summary>
    public void ResetState() => ResetStates();

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        var sequences = inputShapes[0];
        CheckSequenceShape(sequences);
        int batch = sequences[0];
        CheckInitialStateShapes(inputShapes);
        var output = ReturnSequences ? new Shape(batch, sequences[1], CellInfo.OutputSize) : new Shape(batch, CellInfo.OutputSize);
        if (!ReturnState) return [output];
        return [output, .. StateSize.Select(s => new Shape(batch, s))];
    }

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <inheritdoc />
    public override Tensors? ComputeMask(Tensors inputs, Tensors? mask)
    {
        var sequenceMask = mask is { Count: > 0 } ? mask[0] : inputs[0].KerasMask;
        return ReturnSequences && sequenceMask is not null ? new Tensors(sequenceMask) : null;
    }

    /// <summary>Re-creates the layer (and its cell) from its Keras config.</summary>
    public static RNN FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(RNN));
        var (name, trainable, dtype) = c.LayerArgs();
        var f = RnnSupport.Flags(c, nameof(RNN));
        var cellNode = c.Node("cell") ?? throw new FormatException("RNN config: 'cell' is missing.");
        Layer cell = ConfigReader.Items(cellNode) is { } list
            ? new StackedRNNCells(list.Select(n => KerasObjects.Layer((JsonObject)n!)), trainable: trainable, dtype: dtype)
            : KerasObjects.Layer(cellNode as JsonObject ?? throw new FormatException("RNN config: 'cell' must be a serialized layer."));
        // Keras's generic RNN takes activity_regularizer through its base Layer's keyword arguments.
        return new RNN(cell, f.ReturnSequences, f.ReturnState, f.GoBackwards, f.Stateful, f.Unroll, f.ZeroOutputForMask,
            name, trainable, dtype, c.InputShape()) { ActivityRegularizer = c.Regularizer("activity_regularizer") };
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["return_sequences"] = ReturnSequences;
        c["return_state"] = ReturnState;
        c["go_backwards"] = GoBackwards;
        c["stateful"] = Stateful;
        c["unroll"] = Unroll;
        c["zero_output_for_mask"] = ZeroOutputForMask;
        c["cell"] = Serialization.Layer(_cell);
        if (ActivityRegularizer is not null) c["activity_regularizer"] = RegularizationConfig.Serialize(ActivityRegularizer);
        return c;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _states is not null)
        {
            foreach (var v in _states) v.Dispose();
            _states = null;
        }
        base.Dispose(disposing);
    }
}
