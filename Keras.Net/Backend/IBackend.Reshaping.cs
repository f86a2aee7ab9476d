namespace Keras.Backend;

public partial interface IBackend
{
    /// <summary>
    /// Pads with a constant (Keras's <c>ops.pad</c>, constant mode). <paramref name="padBeforeAfter"/> holds two
    /// non-negative counts per axis, in axis order: before axis 0, after axis 0, before axis 1, …
    /// </summary>
    Tensor PadConstant(Tensor x, long[] padBeforeAfter, double value);

    /// <summary>Repeats each entry along <paramref name="axis"/> <paramref name="repeats"/> times in place (Keras's <c>ops.repeat</c>).</summary>
    Tensor RepeatElements(Tensor x, long repeats, int axis);
}
