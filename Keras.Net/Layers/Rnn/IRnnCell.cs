namespace Keras.Layers;

/// <summary>
/// An RNN cell (Keras's cell protocol): a <see cref="Layer"/> that processes one time step. Called
/// with <c>[input_t, state_1, …, state_n]</c> (input_t of shape (batch, features), each state
/// (batch, <see cref="StateSize"/>[i])), it returns <c>[output_t, new_state_1, …, new_state_n]</c>.
/// Give a cell to <see cref="RNN"/> to run it over a sequence. Built-in cells are
/// <see cref="SimpleRNNCell"/>, <see cref="LSTMCell"/>, <see cref="GRUCell"/> and
/// <see cref="StackedRNNCells"/>; a user-written cell subclasses <see cref="Layer"/> and implements
/// this interface (register it with <c>KerasObjects.RegisterLayer</c> so configs holding it load).
/// </summary>
public interface IRnnCell
{
    /// <summary>The size of each state tensor (Keras's <c>state_size</c>, one entry per state).</summary>
    IReadOnlyList<int> StateSize { get; }

    /// <summary>The size of the output (Keras's <c>output_size</c>); by default the first state's size.</summary>
    int OutputSize => StateSize[0];

    /// <summary>The states at the start of a sequence (Keras's <c>get_initial_state</c>); by default zeros.</summary>
    Tensor[] GetInitialState(int batchSize, DType dtype) =>
        StateSize.Select(s => Ops.Zeros(new Shape(batchSize, s), dtype)).ToArray();
}

/// <summary>
/// The fast path of the built-in cells: dropout masks drawn once per sequence (Keras's
/// <c>DropoutRNNCell</c> caches them for every step of a call), the input projection of every time
/// step computed at once, then one recurrent step per time step.
/// </summary>
internal interface IRnnCellKernel
{
    /// <summary>Starts a sequence of inputs of <paramref name="stepInputShape"/> (batch, features): draws its dropout masks when training.</summary>
    IRnnSequence Begin(Shape stepInputShape, bool training);
}

/// <summary>One sequence of a built-in cell (its dropout masks); not shared between calls, so calls may overlap.</summary>
internal interface IRnnSequence
{
    /// <summary>The input projection (dropout, kernel and input bias) of inputs (…, features): one step or a whole sequence.</summary>
    Tensor ProjectInputs(Tensor inputs);

    /// <summary>One step from the projected input: returns <c>[output, new states…]</c>.</summary>
    Tensor[] Step(Tensor projected, IReadOnlyList<Tensor> states);

    /// <summary>
    /// The whole (unmasked) sequence (batch, time, features) at once in a fused runtime kernel: the output
    /// of every step and the final states; null when this cell or the runtime cannot (the loop then steps).
    /// </summary>
    (Tensor Outputs, Tensor[] States)? RunWhole(Tensor sequence, IReadOnlyList<Tensor> states) => null;
}
