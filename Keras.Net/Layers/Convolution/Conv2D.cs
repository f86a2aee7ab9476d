using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;
using Keras.Saving;

namespace Keras.Layers;

/// <summary>
/// 2-D convolution (Keras's <c>Conv2D</c>): convolves a kernel over inputs (batch, rows, cols, channels) (or
/// channels first) to produce <c>filters</c> output channels, then adds a bias and applies the activation.
/// Kernel shape <c>kernel_size + (input_channels / groups, filters)</c>, bias shape <c>(filters,)</c>.
/// </summary>
[KerasAlias("Convolution2D")]
public sealed class Conv2D : BaseConv
{
    /// <summary>Creates the layer.</summary>
    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Window size: one int for every spatial axis, or one per axis.</param>
    /// <param name="strides">Strides (default 1); strides &gt; 1 cannot be combined with a dilation rate &gt; 1.</param>
    /// <param name="padding"><c>valid</c> or <c>same</c> (TensorFlow's rule: the odd pixel of padding goes at the end).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="dilationRate">Dilation rate (default 1).</param>
    /// <param name="groups">Number of groups the input channels are split into; each is convolved with filters / groups filters.</param>
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
    public Conv2D(
        int filters,
        Shape kernelSize,
        Shape? strides = null,
        string padding = "valid",
        string? dataFormat = null,
        Shape? dilationRate = null,
        int groups = 1,
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
        : base(2, filters, kernelSize, strides, padding, dataFormat, dilationRate, groups, activation, useBias,
            kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint,
            inputShape, name, trainable, dtype)
    {
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static Conv2D FromConfig(JsonObject config)
    {
        var a = ReadConfig(config, nameof(Conv2D), 2);
        return new Conv2D(a.Filters, a.KernelSize, a.Strides, a.Padding, a.DataFormat, a.DilationRate, a.Groups, a.Activation,
            a.UseBias, a.KernelInitializer, a.BiasInitializer, a.KernelRegularizer, a.BiasRegularizer, a.ActivityRegularizer,
            a.KernelConstraint, a.BiasConstraint, a.InputShape, a.Name, a.Trainable, a.DType);
    }
}
