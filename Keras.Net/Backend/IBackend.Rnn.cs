namespace Keras.Backend;

public partial interface IBackend
{
    /// <summary>
    /// A standard LSTM over a whole batch-major sequence in one runtime kernel: Keras's gate order
    /// (i, f, c, o), sigmoid gates, tanh cell and output activations, no dropout and no mask.
    /// <paramref name="inputs"/> is (batch, time, features), <paramref name="kernel"/> (features, 4·units),
    /// <paramref name="recurrentKernel"/> (units, 4·units), <paramref name="bias"/> (4·units) or null.
    /// Returns the output of every step (batch, time, units) and the final h and c (batch, units), with
    /// gradients to every tensor argument; null when the runtime has no fused kernel (the layer then
    /// steps through time itself).
    /// </summary>
    (Tensor Outputs, Tensor H, Tensor C)? FusedLstm(Tensor inputs, Tensor h0, Tensor c0, Tensor kernel, Tensor recurrentKernel, Tensor? bias);
}
