namespace Keras.Layers;

/// <summary>Logical operations on Keras masks (bool tensors), built from <see cref="Ops"/>, with broadcasting.</summary>
internal static class BoolMask
{
    /// <summary>The mask as a bool tensor (non-zero is true, as Keras's <c>cast(mask, "bool")</c>).</summary>
    public static Tensor ToBool(Tensor mask) => Ops.Cast(mask, DType.Bool);

    private static Tensor False => Ops.Full(Shape.Scalar, 0, DType.Bool);

    private static Tensor True => Ops.Full(Shape.Scalar, 1, DType.Bool);

    /// <summary><c>a AND b</c>.</summary>
    public static Tensor And(Tensor a, Tensor b) => Ops.Where(ToBool(a), ToBool(b), False);

    /// <summary><c>a OR b</c>.</summary>
    public static Tensor Or(Tensor a, Tensor b) => Ops.Where(ToBool(a), True, ToBool(b));

    /// <summary><c>NOT a</c>.</summary>
    public static Tensor Not(Tensor a) => Ops.Equal(ToBool(a), False);

    /// <summary>Whether any entry along <paramref name="axis"/> is true (the axis is removed).</summary>
    public static Tensor Any(Tensor mask, int axis) =>
        Ops.Greater(Ops.Max(Ops.Cast(ToBool(mask), DType.Float32), axis), Ops.Scalar(0.0));
}
