using System.Text.Json.Nodes;
using Keras.Engine;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Several RNN cells behaving as one (Keras's <c>StackedRNNCells</c>; <see cref="RNN"/> builds one
/// when given a list of cells): each step feeds the input to the first cell, each cell's output to
/// the next. The states are those of every cell, in order, flattened.
/// </summary>
public sealed class StackedRNNCells : Layer, IRnnCell, IRnnCellKernel
{
    private readonly Layer[] _cells;

    /// <summary>Stacks <paramref name="cells"/> (each a layer implementing <see cref="IRnnCell"/>).</summary>
    public StackedRNNCells(IEnumerable<Layer> cells, string? name = null, bool trainable = true, DType dtype = DType.Float32)
        : base(name, trainable, dtype)
    {
        ArgumentNullException.ThrowIfNull(cells);
        _cells = cells.ToArray();
        if (_cells.Length == 0)
            throw new ArgumentException($"StackedRNNCells \"{Name}\" needs at least one cell.", nameof(cells));
        foreach (var cell in _cells)
        {
            if (cell is null) throw new ArgumentNullException(nameof(cells), $"StackedRNNCells \"{Name}\": a cell is null.");
            if (cell is not IRnnCell)
                throw new ArgumentException($"StackedRNNCells \"{Name}\": all cells must implement IRnnCell (have a state size); {cell.GetType().Name} \"{cell.Name}\" does not.", nameof(cells));
            Track(cell);
        }
    }

    /// <summary>The cells, first to last.</summary>
    public IReadOnlyList<Layer> Cells => _cells;

    /// <inheritdoc />
    public IReadOnlyList<int> StateSize => _cells.SelectMany(c => ((IRnnCell)c).StateSize).ToArray();

    /// <inheritdoc />
    public int OutputSize => ((IRnnCell)_cells[^1]).OutputSize;

    /// <inheritdoc />
    public Tensor[] GetInitialState(int batchSize, DType dtype) =>
        _cells.SelectMany(c => ((IRnnCell)c).GetInitialState(batchSize, dtype)).ToArray();

    /// <inheritdoc />
    public override void Build(Shape inputShape)
    {
        var shape = inputShape;
        foreach (var cell in _cells)
        {
            cell.EnsureBuilt([shape]);
            shape = new Shape(inputShape[0], ((IRnnCell)cell).OutputSize);
        }
        RnnSupport.PrefixPaths(Name, Weights);
    }

    /// <inheritdoc />
    public override void Build(IReadOnlyList<Shape> inputShapes) => Build(inputShapes[0]);

    IRnnSequence IRnnCellKernel.Begin(Shape stepInputShape, bool training)
    {
        var sequences = new IRnnSequence?[_cells.Length];
        var shape = stepInputShape;
        for (int i = 0; i < _cells.Length; i++)
        {
            if (_cells[i] is IRnnCellKernel k) sequences[i] = k.Begin(shape, training);
            shape = new Shape(stepInputShape[0], ((IRnnCell)_cells[i]).OutputSize);
        }
        return new Sequence(_cells, sequences, training);
    }

    // Built-in cells step through their own sequences; user-written cells through Apply.
    private sealed class Sequence(Layer[] cells, IRnnSequence?[] sequences, bool training) : IRnnSequence
    {
        public Tensor ProjectInputs(Tensor inputs) => sequences[0]?.ProjectInputs(inputs) ?? inputs;

        public Tensor[] Step(Tensor projected, IReadOnlyList<Tensor> states)
        {
            var input = projected;
            var newStates = new List<Tensor>();
            int offset = 0;
            for (int i = 0; i < cells.Length; i++)
            {
                int n = ((IRnnCell)cells[i]).StateSize.Count;
                var cellStates = states.Skip(offset).Take(n).ToArray();
                offset += n;
                var s = sequences[i];
                Tensor[] result = s is not null
                    ? s.Step(i == 0 ? input : s.ProjectInputs(input), cellStates)
                    : RnnSupport.CallUserCell(cells[i], input, cellStates, training);
                input = result[0];
                newStates.AddRange(result.Skip(1));
            }
            return [input, .. newStates];
        }
    }

    /// <summary>One step of every cell: inputs are <c>[x_t, states…]</c>; returns <c>[output, new states…]</c>.</summary>
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) => RnnSupport.CallCell(this, inputs, training);

    /// <inheritdoc />
    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        var batch = inputShapes[0][0];
        return [new Shape(batch, OutputSize), .. StateSize.Select(s => new Shape(batch, s))];
    }

    /// <inheritdoc />
    public override DType ComputeOutputDType(IReadOnlyList<DType> inputDTypes) => DType;

    /// <summary>Re-creates the stack (and its cells) from its Keras config.</summary>
    public static StackedRNNCells FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(StackedRNNCells));
        var (name, trainable, dtype) = c.LayerArgs();
        var items = ConfigReader.Items(c.Node("cells")) ?? throw new FormatException("StackedRNNCells config: 'cells' is missing.");
        var cells = items.Select(n => KerasObjects.Layer(n as JsonObject ?? throw new FormatException("StackedRNNCells config: each cell must be a serialized layer."))).ToArray();
        return new StackedRNNCells(cells, name, trainable, dtype);
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["cells"] = new JsonArray(_cells.Select(cell => (JsonNode)Serialization.Layer(cell)).ToArray());
        return c;
    }
}
