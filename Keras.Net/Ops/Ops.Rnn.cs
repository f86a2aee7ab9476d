namespace Keras;

public static partial class Ops
{
    /// <summary>
    /// A standard LSTM over a whole sequence in the runtime's fused kernel (see <see cref="Backend.IBackend.FusedLstm"/>),
    /// or null when the runtime has none. Used by <see cref="Layers.LSTM"/> when no dropout or mask applies.
    /// </summary>
    internal static (Tensor Outputs, Tensor H, Tensor C)? FusedLstm(Tensor inputs, Tensor h0, Tensor c0, Tensor kernel, Tensor recurrentKernel, Tensor? bias) =>
        B.FusedLstm(inputs, h0, c0, kernel, recurrentKernel, bias);
}
