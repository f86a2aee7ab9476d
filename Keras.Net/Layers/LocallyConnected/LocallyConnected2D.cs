using System.Text.Json.Nodes;
using Keras.Constraints;
using Keras.Initializers;
using Keras.Regularizers;

namespace Keras.Layers;

/// <summary>
/// 2-D locally-connected layer (Keras 2's <c>LocallyConnected2D</c>): like <c>Conv2D</c> with
/// valid padding over inputs (batch, rows, cols, channels) (or channels first), but with a separate filter bank at every
/// output position. Kernel (output_rows × output_cols, kh × kw × channels, filters), bias (output_rows, output_cols, filters) — Keras 2's <c>implementation=1</c> layout, so the
/// weights of Keras 2 models load as they are.
/// </summary>
public sealed class LocallyConnected2D : BaseLocallyConnected
{
    /// <summary>Creates the layer.</summary>
    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Window size: one int for every spatial axis, or one per axis.</param>
    /// <param name="strides">Strides (default 1).</param>
    /// <param name="padding">Only <c>valid</c>.</param>
    /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
    /// <param name="activation">Activation by name or instance; default linear.</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Kernel initializer (default <c>glorot_uniform</c>).</param>
    /// <param name="biasInitializer">Bias initializer (default <c>zeros</c>).</param>
    /// <param name="kernelRegularizer">Penalty on the kernel added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the bias added to the loss.</param>
    /// <param name="activityRegularizer">Penalty on the output added to the loss.</param>
    /// <param name="kernelConstraint">Projection of the kernel after each optimizer update.</param>
    /// <param name="biasConstraint">Projection of the bias after each optimizer update.</param>
    /// <param name="implementation">Keras 2's weight layout; only 1 is supported.</param>
    /// <param name="inputShape">Sample shape, for the first layer of a Sequential model.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    /// <param name="dtype">Weights' dtype.</param>
    public LocallyConnected2D(
        int filters,
        Shape kernelSize,
        Shape? strides = null,
        string padding = "valid",
        string? dataFormat = null,
        ActivationFunction? activation = null,
        bool useBias = true,
        Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null,
        Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null,
        Constraint? biasConstraint = null,
        int implementation = 1,
        Shape? inputShape = null,
        string? name = null,
        bool trainable = true,
        DType dtype = DType.Float32)
        : base(2, filters, kernelSize, strides, padding, dataFormat, activation, useBias, kernelInitializer, biasInitializer,
            kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, implementation, inputShape, name, trainable, dtype)
    {
    }

    /// <summary>Re-creates the layer from its Keras 2 config.</summary>
    public static LocallyConnected2D FromConfig(JsonObject config)
    {
        var a = ReadConfig(config, nameof(LocallyConnected2D), 2);
        return new LocallyConnected2D(a.Filters, a.KernelSize, a.Strides, a.Padding, a.DataFormat, a.Activation, a.UseBias,
            a.KernelInitializer, a.BiasInitializer, a.KernelRegularizer, a.BiasRegularizer, a.ActivityRegularizer,
            a.KernelConstraint, a.BiasConstraint, a.Implementation, a.InputShape, a.Name, a.Trainable, a.DType);
    }
}
