using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Fully-connected RNN whose output is fed back as the next state (Keras's <c>SimpleRNN</c>): an
/// <see cref="RNN"/> of one <see cref="SimpleRNNCell"/> named <c>simple_rnn_cell</c>, whose weights
/// are kernel (input_dim, units), recurrent_kernel (units, units) and bias (units,).
/// </summary>
public sealed class SimpleRNN : RNN
{
    /// <summary>Creates the layer.</summary>
    /// <param name="units">Size of the output and of the state.</param>
    /// <param name="activation">Activation (default <c>tanh</c>; pass <c>"linear"</c> for none).</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Initializer of the kernel (default <c>glorot_uniform</c>).</param>
    /// <param name="recurrentInitializer">Initializer of the recurrent kernel (default <c>orthogonal</c>).</param>
    /// <param name="biasInitializer">Initializer of the bias (default <c>zeros</c>).</param>
    /// <param name="kernelRegularizer">Penalty on the cell's kernel added to the loss.</param>
    /// <param name="recurrentRegularizer">Penalty on the cell's recurrent kernel added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the cell's bias added to the loss.</param>
    /// <param name="activityRegularizer">Penalty on the layer's outputs added to the loss.</param>
    /// <param name="kernelConstraint">Projection of the cell's kernel after each update.</param>
    /// <param name="recurrentConstraint">Projection of the cell's recurrent kernel after each update.</param>
    /// <param name="biasConstraint">Projection of the cell's bias after each update.</param>
    /// <param name="dropout">Fraction of the inputs dropped in training, in [0, 1] (one mask for every step).</param>
    /// <param name="recurrentDropout">Fraction of the recurrent state dropped in training, in [0, 1].</param>
    /// <param name="returnSequences">Return every step's output rather than the last one.</param>
    /// <param name="returnState">Also return the final state.</param>
    /// <param name="goBackwards">Process the sequence from its end.</param>
    /// <param name="stateful">Keep the final state of each batch for the next.</param>
    /// <param name="unroll">Accepted; the values are the same either way.</param>
    /// <param name="seed">Seed of the dropout masks.</param>
    /// <param name="inputShape">Sample shape (time, features), for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public SimpleRNN(
        int units,
        ActivationFunction? activation = null,
        bool useBias = true,
        Initializer? kernelInitializer = null,
        Initializer? recurrentInitializer = null,
        Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null,
        Regularizer? recurrentRegularizer = null,
        Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null,
        Constraint? recurrentConstraint = null,
        Constraint? biasConstraint = null,
        double dropout = 0.0,
        double recurrentDropout = 0.0,
        bool returnSequences = false,
        bool returnState = false,
        bool goBackwards = false,
        bool stateful = false,
        bool unroll = false,
        int? seed = null,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(
            new SimpleRNNCell(RnnSupport.Units(units, nameof(SimpleRNN), name), activation, useBias, kernelInitializer,
                recurrentInitializer, biasInitializer,
                kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                RnnSupport.Rate(dropout, nameof(SimpleRNN), name ?? "simple_rnn", nameof(dropout)),
                RnnSupport.Rate(recurrentDropout, nameof(SimpleRNN), name ?? "simple_rnn", nameof(recurrentDropout)),
                seed, name: "simple_rnn_cell", trainable: trainable, dtype: dtype),
            returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask: false, name, trainable, dtype, inputShape)
    {
        ActivityRegularizer = activityRegularizer;
    }

    /// <summary>The cell (<c>simple_rnn_cell</c>), which holds the weights.</summary>
    public new SimpleRNNCell Cell => (SimpleRNNCell)base.Cell;

    public int Units => Cell.Units;
    public ActivationFunction Activation => Cell.Activation;
    public bool UseBias => Cell.UseBias;
    public Initializer KernelInitializer => Cell.KernelInitializer;
    public Initializer RecurrentInitializer => Cell.RecurrentInitializer;
    public Initializer BiasInitializer => Cell.BiasInitializer;
    public Regularizer? KernelRegularizer => Cell.KernelRegularizer;
    public Regularizer? RecurrentRegularizer => Cell.RecurrentRegularizer;
    public Regularizer? BiasRegularizer => Cell.BiasRegularizer;
    public Constraint? KernelConstraint => Cell.KernelConstraint;
    public Constraint? RecurrentConstraint => Cell.RecurrentConstraint;
    public Constraint? BiasConstraint => Cell.BiasConstraint;
    public double Dropout => Cell.Dropout;
    public double RecurrentDropout => Cell.RecurrentDropout;
    public int? Seed => Cell.Seed;

    /// <inheritdoc />
    protected override int? SequenceRank => 3;

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static new SimpleRNN FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(SimpleRNN));
        var (name, trainable, dtype) = c.LayerArgs();
        var f = RnnSupport.Flags(c, nameof(SimpleRNN));
        var layer = new SimpleRNN(c.RequiredInt("units"),
            c.Has("activation") ? c.Activation() : null,
            c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", new GlorotUniform()),
            c.Initializer("recurrent_initializer", new Orthogonal()),
            c.Initializer("bias_initializer", new Zeros()),
            c.Regularizer("kernel_regularizer"), c.Regularizer("recurrent_regularizer"), c.Regularizer("bias_regularizer"),
            c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("recurrent_constraint"), c.Constraint("bias_constraint"),
            c.Double("dropout", 0), c.Double("recurrent_dropout", 0),
            f.ReturnSequences, f.ReturnState, f.GoBackwards, f.Stateful, f.Unroll, c.IntOrNull("seed"),
            c.InputShape(), name, trainable, dtype);
        layer.ZeroOutputForMask = f.ZeroOutputForMask;
        return layer;
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c.Remove("cell");
        c.Remove("activity_regularizer");
        c["units"] = Units;
        c["activation"] = Activation.Name;
        c["use_bias"] = UseBias;
        c["kernel_initializer"] = RnnSupport.Init(KernelInitializer);
        c["recurrent_initializer"] = RnnSupport.Init(RecurrentInitializer);
        c["bias_initializer"] = RnnSupport.Init(BiasInitializer);
        c["kernel_regularizer"] = RegularizationConfig.Serialize(KernelRegularizer);
        c["recurrent_regularizer"] = RegularizationConfig.Serialize(RecurrentRegularizer);
        c["bias_regularizer"] = RegularizationConfig.Serialize(BiasRegularizer);
        c["activity_regularizer"] = RegularizationConfig.Serialize(ActivityRegularizer);
        c["kernel_constraint"] = RegularizationConfig.Serialize(KernelConstraint);
        c["recurrent_constraint"] = RegularizationConfig.Serialize(RecurrentConstraint);
        c["bias_constraint"] = RegularizationConfig.Serialize(BiasConstraint);
        c["dropout"] = Dropout;
        c["recurrent_dropout"] = RecurrentDropout;
        // Keras 3's SimpleRNN config has no seed, unlike LSTM and GRU; a seed given here is kept only when not null.
        if (Seed is not null) c["seed"] = Seed;
        return c;
    }
}
