namespace Keras.Backend;

public partial interface IBackend
{
    /// <summary>Einstein summation of operands of one dtype (<c>"ab,bc->ac"</c>, <c>"...ab,bc->...ac"</c>).</summary>
    Tensor Einsum(string equation, IReadOnlyList<Tensor> operands);
}
