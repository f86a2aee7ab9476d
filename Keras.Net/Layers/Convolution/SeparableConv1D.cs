using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;

namespace Keras.Layers;

/// <summary>
/// 1-D separable convolution (Keras's <c>SeparableConv1D</c>): a depthwise convolution of inputs
/// (batch, steps, channels) (or channels first) followed by a pointwise convolution to <c>filters</c> channels.
/// Weights: <c>depthwise_kernel</c> <c>kernel_size + (channels, depth_multiplier)</c>,
/// <c>pointwise_kernel</c> <c>(1,)·1 + (channels × depth_multiplier, filters)</c>, <c>bias</c> <c>(filters,)</c>.
/// </summary>
[Saving.KerasAlias("SeparableConvolution1D")]
public sealed class SeparableConv1D : BaseSeparableConv
{
    /// <summary>Creates the layer.</summary>
    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Window size: one int for every spatial axis, or one per axis.</param>
    /// <param name="strides">Strides (default 1).</param>
    /// <param name="padding"><c>valid</c> or <c>same</c> (TensorFlow's rule: the odd pixel of padding goes at the end).</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="dilationRate">Dilation rate (default 1).</param>
    /// <param name="depthMultiplier">Depthwise output channels per input channel.</param>
    /// <param name="activation">Activation by name or instance; default linear.</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="depthwiseInitializer">Depthwise kernel initializer (default <c>glorot_uniform</c>).</param>
    /// <param name="pointwiseInitializer">Pointwise kernel initializer (default <c>glorot_uniform</c>).</param>
    /// <param name="biasInitializer">Bias initializer (default <c>zeros</c>).</param>
    /// <param name="depthwiseRegularizer">Penalty on the depthwise kernel added to the loss.</param>
    /// <param name="pointwiseRegularizer">Penalty on the pointwise kernel added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the bias added to the loss.</param>
    /// <param name="activityRegularizer">Penalty on the output added to the loss.</param>
    /// <param name="depthwiseConstraint">Projection of the depthwise kernel after each optimizer update.</param>
    /// <param name="pointwiseConstraint">Projection of the pointwise kernel after each optimizer update.</param>
    /// <param name="biasConstraint">Projection of the bias after each optimizer update.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public SeparableConv1D(
        int filters,
        Shape kernelSize,
        Shape? strides = null,
        string padding = "valid",
        string? dataFormat = null,
        Shape? dilationRate = null,
        int depthMultiplier = 1,
        ActivationFunction? activation = null,
        bool useBias = true,
        Initializer? depthwiseInitializer = null,
        Initializer? pointwiseInitializer = null,
        Initializer? biasInitializer = null,
        Regularizer? depthwiseRegularizer = null,
        Regularizer? pointwiseRegularizer = null,
        Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null,
        Constraint? depthwiseConstraint = null,
        Constraint? pointwiseConstraint = null,
        Constraint? biasConstraint = null,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(1, depthMultiplier, filters, kernelSize, strides, padding, dataFormat, dilationRate, activation, useBias,
            depthwiseInitializer, pointwiseInitializer, biasInitializer, depthwiseRegularizer, pointwiseRegularizer, biasRegularizer, activityRegularizer,
            depthwiseConstraint, pointwiseConstraint, biasConstraint, inputShape, name, trainable, dtype)
    {
    }

    /// <summary>Re-creates the layer from its Keras config.</summary>
    public static SeparableConv1D FromConfig(JsonObject config)
    {
        var a = ReadConfig(config, nameof(SeparableConv1D), 1);
        return new SeparableConv1D(a.Filters, a.KernelSize, a.Strides, a.Padding, a.DataFormat, a.DilationRate, a.DepthMultiplier,
            a.Activation, a.UseBias, a.DepthwiseInitializer, a.PointwiseInitializer, a.BiasInitializer, a.DepthwiseRegularizer, a.PointwiseRegularizer, a.BiasRegularizer,
            a.ActivityRegularizer, a.DepthwiseConstraint, a.PointwiseConstraint, a.BiasConstraint, a.InputShape, a.Name, a.Trainable, a.DType);
    }
}
