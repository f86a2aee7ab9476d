using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;

namespace Keras.Layers;

/// <summary>
/// 1-D transposed convolution (Keras's <c>Conv1DTranspose</c>): upsamples inputs (batch, steps, channels)
/// (or channels first) by the strides, the adjoint of a <c>Conv1D</c> with the same arguments.
/// Kernel <c>kernel_size + (filters, input_channels)</c>, bias <c>(filters,)</c>; output sizes as in
/// <see cref="BaseConvTranspose"/>.
/// </summary>
[Saving.KerasAlias("Convolution1DTranspose")]
public sealed class Conv1DTranspose : BaseConvTranspose
{
    /// <summary>Creates the layer.</summary>
    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Window size: one int for every spatial axis, or one per axis.</param>
    /// <param name="strides">Strides, the upsampling factors (default 1).</param>
    /// <param name="padding"><c>valid</c> or <c>same</c>.</param>
    /// <param name="outputPadding">Extra output size at the end of each axis, each less than its stride; null for Keras's default.</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="dilationRate">Dilation rate (default 1).</param>
    /// <param name="activation">Activation by name or instance; default linear.</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Kernel initializer (default <c>glorot_uniform</c>).</param>
    /// <param name="biasInitializer">Bias initializer (default <c>zeros</c>).</param>
    /// <param name="kernelRegularizer">Penalty on the kernel added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the bias added to the loss.</param>
    /// <param name="activityRegularizer">Penalty on the output added to the loss.</param>
    /// <param name="kernelConstraint">Projection of the kernel after each optimizer update.</param>
    /// <param name="biasConstraint">Projection of the bias after each optimizer update.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public Conv1DTranspose(
        int filters,
        Shape kernelSize,
        Shape? strides = null,
        string padding = "valid",
        Shape? outputPadding = null,
        string? dataFormat = null,
        Shape? dilationRate = null,
        ActivationFunction? activation = null,
        bool useBias = true,
        Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null,
        Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null,
        Constraint? biasConstraint = null,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(1, filters, kernelSize, strides, padding, outputPadding, dataFormat, dilationRate, activation, useBias,
            kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint,
            biasConstraint, inputShape, name, trainable, dtype)
    {
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Conv1DTranspose FromConfig(JsonObject config)
    {
        var a = ReadConfig(config, nameof(Conv1DTranspose), 1);
        return new Conv1DTranspose(a.Filters, a.KernelSize, a.Strides, a.Padding, a.OutputPadding, a.DataFormat, a.DilationRate,
            a.Activation, a.UseBias, a.KernelInitializer, a.BiasInitializer, a.KernelRegularizer, a.BiasRegularizer, a.ActivityRegularizer,
            a.KernelConstraint, a.BiasConstraint, a.InputShape, a.Name, a.Trainable, a.DType);
    }
}
