using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// Long Short-Term Memory layer (Keras's <c>LSTM</c>, Hochreiter 1997): an <see cref="RNN"/> of one
/// <see cref="LSTMCell"/> named <c>lstm_cell</c>, whose weights are kernel (input_dim, 4·units),
/// recurrent_kernel (units, 4·units) and bias (4·units,), gates i, f, c, o. States [h, c]; with
/// <c>returnState</c> the outputs are <c>[output, h, c]</c>. With the default activations and no dropout or
/// mask, the whole sequence runs in the runtime's fused LSTM kernel (Keras's cuDNN-style fast path), with the
/// same results as stepping through time.
/// </summary>
public sealed class LSTM : RNN
{
    /// <summary>Creates the layer.</summary>
    /// <param name="units">Size of the output and of both states.</param>
    /// <param name="activation">Activation of the candidate and of the output (default <c>tanh</c>; pass <c>"linear"</c> for none).</param>
    /// <param name="recurrentActivation">Activation of the gates (default <c>sigmoid</c>).</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Initializer of the kernel (default <c>glorot_uniform</c>).</param>
    /// <param name="recurrentInitializer">Initializer of the recurrent kernel (default <c>orthogonal</c>).</param>
    /// <param name="biasInitializer">Initializer of the bias (default <c>zeros</c>).</param>
    /// <param name="unitForgetBias">Adds 1 to the forget gate's bias at initialization.</param>
    /// <param name="kernelRegularizer">Penalty on the cell's kernel added to the loss.</param>
    /// <param name="recurrentRegularizer">Penalty on the cell's recurrent kernel added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the cell's bias added to the loss.</param>
    /// <param name="activityRegularizer">Penalty on the layer's outputs added to the loss.</param>
    /// <param name="kernelConstraint">Projection of the cell's kernel after each update.</param>
    /// <param name="recurrentConstraint">Projection of the cell's recurrent kernel after each update.</param>
    /// <param name="biasConstraint">Projection of the cell's bias after each update.</param>
    /// <param name="dropout">Fraction of the inputs dropped in training, in [0, 1] (one mask for every step).</param>
    /// <param name="recurrentDropout">Fraction of the recurrent state dropped in training, in [0, 1].</param>
    /// <param name="seed">Seed of the dropout masks.</param>
    /// <param name="returnSequences">Return every step's output rather than the last one.</param>
    /// <param name="returnState">Also return the final states h and c.</param>
    /// <param name="goBackwards">Process the sequence from its end.</param>
    /// <param name="stateful">Keep the final states of each batch for the next.</param>
    /// <param name="unroll">Accepted; the values are the same either way.</param>
    /// <param name="inputShape">Sample shape (time, features), for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public LSTM(
        int units,
        ActivationFunction? activation = null,
        ActivationFunction? recurrentActivation = null,
        bool useBias = true,
        Initializer? kernelInitializer = null,
        Initializer? recurrentInitializer = null,
        Initializer? biasInitializer = null,
        bool unitForgetBias = true,
        Regularizer? kernelRegularizer = null,
        Regularizer? recurrentRegularizer = null,
        Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null,
        Constraint? recurrentConstraint = null,
        Constraint? biasConstraint = null,
        double dropout = 0.0,
        double recurrentDropout = 0.0,
        int? seed = null,
        bool returnSequences = false,
        bool returnState = false,
        bool goBackwards = false,
        bool stateful = false,
        bool unroll = false,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(
            new LSTMCell(RnnSupport.Units(units, nameof(LSTM), name), activation, recurrentActivation, useBias, kernelInitializer,
                recurrentInitializer, biasInitializer, unitForgetBias,
                kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                RnnSupport.Rate(dropout, nameof(LSTM), name ?? "lstm", nameof(dropout)),
                RnnSupport.Rate(recurrentDropout, nameof(LSTM), name ?? "lstm", nameof(recurrentDropout)),
                seed, name: "lstm_cell", trainable: trainable, dtype: dtype),
            returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask: false, name, trainable, dtype, inputShape)
    {
        ActivityRegularizer = activityRegularizer;
    }

    /// <summary>The cell (<c>lstm_cell</c>), which holds the weights.</summary>
    public new LSTMCell Cell => (LSTMCell)base.Cell;

    public int Units => Cell.Units;
    public ActivationFunction Activation => Cell.Activation;
    public ActivationFunction RecurrentActivation => Cell.RecurrentActivation;
    public bool UseBias => Cell.UseBias;
    public Initializer KernelInitializer => Cell.KernelInitializer;
    public Initializer RecurrentInitializer => Cell.RecurrentInitializer;
    public Initializer BiasInitializer => Cell.BiasInitializer;
    public bool UnitForgetBias => Cell.UnitForgetBias;
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
    public static new LSTM FromConfig(JsonObject config)
    {
        var c = new ConfigReader(config, nameof(LSTM));
        var (name, trainable, dtype) = c.LayerArgs();
        var f = RnnSupport.Flags(c, nameof(LSTM));
        var layer = new LSTM(c.RequiredInt("units"),
            c.Has("activation") ? c.Activation() : null,
            c.Has("recurrent_activation") ? c.Activation("recurrent_activation") : null,
            c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", new GlorotUniform()),
            c.Initializer("recurrent_initializer", new Orthogonal()),
            c.Initializer("bias_initializer", new Zeros()),
            c.Bool("unit_forget_bias", true),
            c.Regularizer("kernel_regularizer"), c.Regularizer("recurrent_regularizer"), c.Regularizer("bias_regularizer"),
            c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("recurrent_constraint"), c.Constraint("bias_constraint"),
            c.Double("dropout", 0), c.Double("recurrent_dropout", 0), c.IntOrNull("seed"),
            f.ReturnSequences, f.ReturnState, f.GoBackwards, f.Stateful, f.Unroll,
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
        c["recurrent_activation"] = RecurrentActivation.Name;
        c["use_bias"] = UseBias;
        c["kernel_initializer"] = RnnSupport.Init(KernelInitializer);
        c["recurrent_initializer"] = RnnSupport.Init(RecurrentInitializer);
        c["bias_initializer"] = RnnSupport.Init(BiasInitializer);
        c["unit_forget_bias"] = UnitForgetBias;
        c["kernel_regularizer"] = RegularizationConfig.Serialize(KernelRegularizer);
        c["recurrent_regularizer"] = RegularizationConfig.Serialize(RecurrentRegularizer);
        c["bias_regularizer"] = RegularizationConfig.Serialize(BiasRegularizer);
        c["activity_regularizer"] = RegularizationConfig.Serialize(ActivityRegularizer);
        c["kernel_constraint"] = RegularizationConfig.Serialize(KernelConstraint);
        c["recurrent_constraint"] = RegularizationConfig.Serialize(RecurrentConstraint);
        c["bias_constraint"] = RegularizationConfig.Serialize(BiasConstraint);
        c["dropout"] = Dropout;
        c["recurrent_dropout"] = RecurrentDropout;
        c["seed"] = Seed;
        return c;
    }
}
