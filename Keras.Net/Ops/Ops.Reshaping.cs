namespace Keras;

public static partial class Ops
{
    /// <summary>
    /// Pads <paramref name="x"/> with <paramref name="constantValue"/> (Keras's <c>ops.pad</c> in constant mode):
    /// <paramref name="padWidth"/> gives, for every axis, how many entries to add before and after.
    /// </summary>
    /// <exception cref="ArgumentException">The list does not have one pair per axis, or a count is negative.</exception>
    public static Tensor Pad(Tensor x, IReadOnlyList<(int Before, int After)> padWidth, double constantValue = 0.0)
    {
        ArgumentNullException.ThrowIfNull(padWidth);
        if (padWidth.Count != x.Rank)
            throw new ArgumentException($"Pad: pad_width needs one (before, after) pair per axis ({x.Rank} for shape {x.Shape}); got {padWidth.Count}.", nameof(padWidth));
        var flat = new long[2 * x.Rank];
        for (int a = 0; a < padWidth.Count; a++)
        {
            var (before, after) = padWidth[a];
            if (before < 0 || after < 0)
                throw new ArgumentException($"Pad: padding must be non-negative; got ({before}, {after}) for axis {a}.", nameof(padWidth));
            flat[2 * a] = before;
            flat[2 * a + 1] = after;
        }
        return B.PadConstant(x, flat, constantValue);
    }

    /// <summary>
    /// Repeats each entry of <paramref name="x"/> along <paramref name="axis"/> <paramref name="repeats"/> times
    /// (Keras's <c>ops.repeat</c> with an integer count): <c>[a, b]</c> becomes <c>[a, a, b, b]</c> for 2.
    /// </summary>
    public static Tensor Repeat(Tensor x, int repeats, int axis)
    {
        if (repeats < 0)
            throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "Repeat: repeats must be non-negative.");
        return B.RepeatElements(x, repeats, Axis(x, axis));
    }
}
