namespace Keras;

public static partial class Ops
{
    /// <summary>
    /// Einstein summation (Keras's <c>ops.einsum</c>): contracts <paramref name="operands"/> as the
    /// <paramref name="equation"/> says (<c>"ab,bc->ac"</c>; <c>"..."</c> stands for broadcast axes).
    /// Operands of different dtypes are cast to the first floating dtype among them, as Keras's torch
    /// backend casts to the result type.
    /// </summary>
    public static Tensor Einsum(string equation, params Tensor[] operands)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(equation);
        ArgumentNullException.ThrowIfNull(operands);
        if (operands.Length == 0) throw new ArgumentException("einsum needs at least one operand.", nameof(operands));
        var target = operands.Select(o => o.DType).FirstOrDefault(d => d.IsFloating(), operands[0].DType);
        var cast = operands.Select(o => o.DType == target ? o : Cast(o, target)).ToArray();
        return B.Einsum(equation, cast);
    }
}
