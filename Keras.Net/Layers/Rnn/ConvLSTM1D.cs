using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;

namespace Keras.Layers;

/// <summary>
/// 1-D convolutional LSTM (Keras's <c>ConvLSTM1D</c>) over sequences (batch, time, steps, channels) (or, for
/// <c>channels_first</c>, channels before the spatial axes). See <see cref="BaseConvLSTM"/> for the
/// equations, weights and masking.
/// </summary>
public sealed class ConvLSTM1D : BaseConvLSTM
{
    /// <summary>Creates the layer.</summary>
    /// <param name="filters">Number of output channels (of h and c).</param>
    /// <param name="kernelSize">Window size of both convolutions: one int for every spatial axis, or one per axis.</param>
    /// <param name="strides">Strides of the input convolution (default 1).</param>
    /// <param name="padding"><c>valid</c> or <c>same</c> (input convolution; the recurrent one is always <c>same</c>).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="dilationRate">Dilation rate of the input convolution (default 1).</param>
    /// <param name="activation">Cell and output activation (default <c>tanh</c>).</param>
    /// <param name="recurrentActivation">Gate activation (default <c>sigmoid</c>).</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Initializer of <c>kernel</c> (default <c>glorot_uniform</c>).</param>
    /// <param name="recurrentInitializer">Initializer of <c>recurrent_kernel</c> (default <c>orthogonal</c>).</param>
    /// <param name="biasInitializer">Initializer of <c>bias</c> (default <c>zeros</c>).</param>
    /// <param name="unitForgetBias">Whether the forget-gate bias starts at one.</param>
    /// <param name="kernelRegularizer">Penalty on <c>kernel</c> added to the loss.</param>
    /// <param name="recurrentRegularizer">Penalty on <c>recurrent_kernel</c> added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on <c>bias</c> added to the loss.</param>
    /// <param name="activityRegularizer">Penalty on the layer's outputs added to the loss.</param>
    /// <param name="kernelConstraint">Projection of <c>kernel</c> after each optimizer update.</param>
    /// <param name="recurrentConstraint">Projection of <c>recurrent_kernel</c> after each optimizer update.</param>
    /// <param name="biasConstraint">Projection of <c>bias</c> after each optimizer update.</param>
    /// <param name="dropout">Fraction of the inputs dropped in training (one mask per gate, fixed over time).</param>
    /// <param name="recurrentDropout">Fraction of the recurrent state dropped in training.</param>
    /// <param name="seed">Seed of the dropout masks.</param>
    /// <param name="returnSequences">Whether to return the output of every step (batch, time, …) or only the last.</param>
    /// <param name="returnState">Whether to also return the final h and c.</param>
    /// <param name="goBackwards">Whether to process the sequence backwards (outputs come in processing order).</param>
    /// <param name="stateful">Not supported (must be false).</param>
    /// <param name="unroll">Kept for Keras parity.</param>
    /// <param name="zeroOutputForMask">Whether masked steps output zeros rather than the previous output.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public ConvLSTM1D(
        int filters,
        Shape kernelSize,
        Shape? strides = null,
        string padding = "valid",
        string? dataFormat = null,
        Shape? dilationRate = null,
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
        bool zeroOutputForMask = false,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(1, filters, kernelSize, strides, padding, dataFormat, dilationRate, activation, recurrentActivation, useBias,
            kernelInitializer, recurrentInitializer, biasInitializer, unitForgetBias,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
            dropout, recurrentDropout, seed,
            returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask, inputShape, name, trainable, dtype)
    {
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static ConvLSTM1D FromConfig(JsonObject config)
    {
        var a = ReadConfig(config, nameof(ConvLSTM1D), 1);
        return new ConvLSTM1D(a.Filters, a.KernelSize, a.Strides, a.Padding, a.DataFormat, a.DilationRate, a.Activation,
            a.RecurrentActivation, a.UseBias, a.KernelInitializer, a.RecurrentInitializer, a.BiasInitializer, a.UnitForgetBias,
            a.KernelRegularizer, a.RecurrentRegularizer, a.BiasRegularizer, a.ActivityRegularizer, a.KernelConstraint,
            a.RecurrentConstraint, a.BiasConstraint, a.Dropout, a.RecurrentDropout, a.Seed, a.ReturnSequences, a.ReturnState, a.GoBackwards, a.Stateful, a.Unroll,
            a.ZeroOutputForMask, a.InputShape, a.Name, a.Trainable, a.DType);
    }
}
