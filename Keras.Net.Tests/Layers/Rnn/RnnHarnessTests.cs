using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Saving;

namespace Keras.Net.Tests.Layers.Rnn;

/// <summary>The recurrent layers through the shared layer harness.</summary>
[TestClass]
public class RnnHarnessTests
{
    private static readonly Shape Seq = new(2, 4, 3);

    [TestMethod]
    public void SimpleRnnLast() => LayerHarness.Run(() => new SimpleRNN(5), new LayerExpectation
    {
        InputShapes = [Seq],
        OutputShape = new Shape(2, 5),
        TrainableShapes = [new Shape(3, 5), new Shape(5, 5), new Shape(5)],
    });

    [TestMethod]
    public void SimpleRnnSequencesBackwardsNoBias() => LayerHarness.Run(() => new SimpleRNN(5, useBias: false, returnSequences: true, goBackwards: true, activation: "relu"), new LayerExpectation
    {
        InputShapes = [Seq],
        OutputShape = new Shape(2, 4, 5),
        TrainableShapes = [new Shape(3, 5), new Shape(5, 5)],
    });

    [TestMethod]
    public void LstmSequences() => LayerHarness.Run(() => new LSTM(4, returnSequences: true), new LayerExpectation
    {
        InputShapes = [Seq],
        OutputShape = new Shape(2, 4, 4),
        TrainableShapes = [new Shape(3, 16), new Shape(4, 16), new Shape(16)],
    });

    [TestMethod]
    public void LstmReturnStateWithInitialState() => LayerHarness.Run(() => new LSTM(4, returnState: true), new LayerExpectation
    {
        InputShapes = [Seq, new Shape(2, 4), new Shape(2, 4)],
        OutputShape = new Shape(2, 4),
        TrainableShapes = [new Shape(3, 16), new Shape(4, 16), new Shape(16)],
    });

    [TestMethod]
    public void LstmDropoutDiffersInTraining() => LayerHarness.Run(() => new LSTM(4, dropout: 0.3, recurrentDropout: 0.3, seed: 3), new LayerExpectation
    {
        InputShapes = [Seq],
        OutputShape = new Shape(2, 4),
        TrainableShapes = [new Shape(3, 16), new Shape(4, 16), new Shape(16)],
        TrainingDiffers = true,
    });

    [TestMethod]
    public void GruResetAfter() => LayerHarness.Run(() => new GRU(4, returnSequences: true), new LayerExpectation
    {
        InputShapes = [Seq],
        OutputShape = new Shape(2, 4, 4),
        TrainableShapes = [new Shape(3, 12), new Shape(4, 12), new Shape(2, 12)],
    });

    [TestMethod]
    public void GruResetBeforeBackwards() => LayerHarness.Run(() => new GRU(4, resetAfter: false, goBackwards: true), new LayerExpectation
    {
        InputShapes = [Seq],
        OutputShape = new Shape(2, 4),
        TrainableShapes = [new Shape(3, 12), new Shape(4, 12), new Shape(12)],
    });

    [TestMethod]
    public void GruRecurrentDropoutDiffersInTraining() => LayerHarness.Run(() => new GRU(4, resetAfter: false, recurrentDropout: 0.4, seed: 5), new LayerExpectation
    {
        InputShapes = [Seq],
        OutputShape = new Shape(2, 4),
        TrainableShapes = [new Shape(3, 12), new Shape(4, 12), new Shape(12)],
        TrainingDiffers = true,
    });

    [TestMethod]
    public void LstmCellOneStep() => LayerHarness.Run(() => new LSTMCell(4), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3), new Shape(2, 4), new Shape(2, 4)],
        OutputShape = new Shape(2, 4),
        TrainableShapes = [new Shape(3, 16), new Shape(4, 16), new Shape(16)],
    });

    [TestMethod]
    public void GruCellOneStep() => LayerHarness.Run(() => new GRUCell(4), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3), new Shape(2, 4)],
        OutputShape = new Shape(2, 4),
        TrainableShapes = [new Shape(3, 12), new Shape(4, 12), new Shape(2, 12)],
    });

    [TestMethod]
    public void SimpleRnnCellOneStep() => LayerHarness.Run(() => new SimpleRNNCell(4), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3), new Shape(2, 4)],
        OutputShape = new Shape(2, 4),
        TrainableShapes = [new Shape(3, 4), new Shape(4, 4), new Shape(4)],
    });

    [TestMethod]
    public void StackedCellsOneStep() => LayerHarness.Run(() => new StackedRNNCells([new LSTMCell(4), new GRUCell(2)]), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3), new Shape(2, 4), new Shape(2, 4), new Shape(2, 2)],
        OutputShape = new Shape(2, 2),
        TrainableShapes = [new Shape(3, 16), new Shape(4, 16), new Shape(16), new Shape(4, 6), new Shape(2, 6), new Shape(2, 6)],
    });

    [TestMethod]
    public void GenericRnnOfACell() => LayerHarness.Run(() => new RNN(new GRUCell(3), returnSequences: true), new LayerExpectation
    {
        InputShapes = [Seq],
        OutputShape = new Shape(2, 4, 3),
        TrainableShapes = [new Shape(3, 9), new Shape(3, 9), new Shape(2, 9)],
    });

    [TestMethod]
    public void GenericRnnOfStackedCells() => LayerHarness.Run(() => new RNN([new SimpleRNNCell(5), new LSTMCell(2)], returnState: true), new LayerExpectation
    {
        InputShapes = [Seq],
        OutputShape = new Shape(2, 2),
        TrainableShapes = [new Shape(3, 5), new Shape(5, 5), new Shape(5), new Shape(5, 8), new Shape(2, 8), new Shape(8)],
    });

    [TestMethod]
    public void GenericRnnOfAUserCell()
    {
        KerasObjects.RegisterLayer<MinimalRnnCell>();
        LayerHarness.Run(() => new RNN(new MinimalRnnCell(3), returnSequences: true), new LayerExpectation
        {
            InputShapes = [Seq],
            OutputShape = new Shape(2, 4, 3),
            TrainableShapes = [new Shape(3, 3), new Shape(3, 3)],
        });
    }

    [TestMethod]
    public void BidirectionalConcat() => LayerHarness.Run(() => new Bidirectional(new LSTM(3, returnSequences: true)), new LayerExpectation
    {
        InputShapes = [Seq],
        OutputShape = new Shape(2, 4, 6),
        TrainableShapes = [new Shape(3, 12), new Shape(3, 12), new Shape(12), new Shape(3, 12), new Shape(3, 12), new Shape(12)],
    });

    [TestMethod]
    public void BidirectionalSumOfGru() => LayerHarness.Run(() => new Bidirectional(new GRU(3), mergeMode: "sum"), new LayerExpectation
    {
        InputShapes = [Seq],
        OutputShape = new Shape(2, 3),
        TrainableShapes = [new Shape(3, 9), new Shape(3, 9), new Shape(2, 9), new Shape(3, 9), new Shape(3, 9), new Shape(2, 9)],
    });

    [TestMethod]
    public void BidirectionalNoMergeWithStates() => LayerHarness.Run(() => new Bidirectional(new SimpleRNN(3, returnState: true), mergeMode: null), new LayerExpectation
    {
        InputShapes = [Seq, new Shape(2, 3), new Shape(2, 3)],
        OutputShape = new Shape(2, 3),
        TrainableShapes = [new Shape(3, 3), new Shape(3, 3), new Shape(3), new Shape(3, 3), new Shape(3, 3), new Shape(3)],
    });
}

/// <summary>Keras's documentation example of a user-written cell: <c>output = x·W + h·U</c>.</summary>
public sealed class MinimalRnnCell : Layer, IRnnCell
{
    private Variable? _kernel;
    private Variable? _recurrent;

    public MinimalRnnCell(int units, string? name = null) : base(name)
    {
        Units = units;
    }

    public int Units { get; }

    public IReadOnlyList<int> StateSize => [Units];

    public Variable Kernel => _kernel!;

    public Variable Recurrent => _recurrent!;

    public override void Build(Shape inputShape)
    {
        _kernel = AddWeight("kernel", new Shape(inputShape[-1], Units), new Keras.Initializers.RandomUniform(-0.5, 0.5));
        _recurrent = AddWeight("recurrent_kernel", new Shape(Units, Units), new Keras.Initializers.RandomUniform(-0.5, 0.5));
    }

    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        var output = Ops.Add(Ops.MatMul(inputs[0], _kernel!), Ops.MatMul(inputs[1], _recurrent!));
        return new Tensors(output, output);
    }

    public override IReadOnlyList<Shape> ComputeOutputShapes(IReadOnlyList<Shape> inputShapes) =>
        [new Shape(inputShapes[0][0], Units), new Shape(inputShapes[0][0], Units)];

    public static MinimalRnnCell FromConfig(JsonObject config) =>
        new((int)config["units"]!, (string?)config["name"]);

    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["units"] = Units;
        return c;
    }
}
