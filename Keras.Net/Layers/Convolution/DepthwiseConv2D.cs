using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;

namespace Keras.Layers;

/// <summary>
/// 2-D depthwise convolution (Keras's <c>DepthwiseConv2D</c>): each channel of inputs (batch, rows, cols, channels)
/// (or channels first) is convolved with its own <c>depth_multiplier</c> filters, giving
/// channels × depth_multiplier output channels. Kernel <c>kernel_size + (channels, depth_multiplier)</c>.
/// </summary>
public sealed class DepthwiseConv2D : BaseDepthwiseConv
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">Window size: one int for every spatial axis, or one per axis.</param>
    /// <param name="strides">Strides (default 1).</param>
    /// <param name="padding"><c>valid</c> or <c>same</c> (TensorFlow's rule: the odd pixel of padding goes at the end).</param>
    /// <param name="depthMultiplier">Output channels per input channel.</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="dilationRate">Dilation rate (default 1).</param>
    /// <param name="activation">Activation by name or instance; default linear.</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="depthwiseInitializer">Kernel initializer (default <c>glorot_uniform</c>).</param>
    /// <param name="biasInitializer">Bias initializer (default <c>zeros</c>).</param>
    /// <param name="depthwiseRegularizer">Penalty on the depthwise kernel added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the bias added to the loss.</param>
    /// <param name="activityRegularizer">Penalty on the output added to the loss.</param>
    /// <param name="depthwiseConstraint">Projection of the depthwise kernel after each optimizer update.</param>
    /// <param name="biasConstraint">Projection of the bias after each optimizer update.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public DepthwiseConv2D(
        Shape kernelSize,
        Shape? strides = null,
        string padding = "valid",
        int depthMultiplier = 1,
        string? dataFormat = null,
        Shape? dilationRate = null,
        ActivationFunction? activation = null,
        bool useBias = true,
        Initializer? depthwiseInitializer = null,
        Initializer? biasInitializer = null,
        Regularizer? depthwiseRegularizer = null,
        Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null,
        Constraint? depthwiseConstraint = null,
        Constraint? biasConstraint = null,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(2, depthMultiplier, kernelSize, strides, padding, dataFormat, dilationRate, activation, useBias,
            depthwiseInitializer, biasInitializer, depthwiseRegularizer, biasRegularizer, activityRegularizer, depthwiseConstraint,
            biasConstraint, inputShape, name, trainable, dtype)
    {
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static DepthwiseConv2D FromConfig(JsonObject config)
    {
        var a = ReadConfig(config, nameof(DepthwiseConv2D), 2);
        return new DepthwiseConv2D(a.KernelSize, a.Strides, a.Padding, a.DepthMultiplier, a.DataFormat, a.DilationRate, a.Activation,
            a.UseBias, a.DepthwiseInitializer, a.BiasInitializer, a.DepthwiseRegularizer, a.BiasRegularizer, a.ActivityRegularizer,
            a.DepthwiseConstraint, a.BiasConstraint, a.InputShape, a.Name, a.Trainable, a.DType);
    }
}
