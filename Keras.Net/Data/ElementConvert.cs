using System.Numerics;

namespace Keras.Data;

/// <summary>
/// Element-wise conversion between the supported element types, with NumPy's <c>astype</c> semantics where they
/// are well defined: integer → integer wraps, float → integer truncates toward zero (saturating at the target's
/// range, NaN → 0), anything → bool is "!= 0", bool → number is 0/1.
/// </summary>
internal static class ElementConvert
{
    /// <summary>Converts <paramref name="source"/> (flat, of a supported element type) to a new flat array of <paramref name="target"/>.</summary>
    public static Array Convert(Array source, DType target)
    {
        Array result = source switch
        {
            float[] a => From(a, target.ClrType()),
            double[] a => From(a, target.ClrType()),
            Half[] a => From(a, target.ClrType()),
            sbyte[] a => From(a, target.ClrType()),
            short[] a => From(a, target.ClrType()),
            int[] a => From(a, target.ClrType()),
            long[] a => From(a, target.ClrType()),
            byte[] a => From(a, target.ClrType()),
            bool[] a => FromBool(a, target.ClrType()),
            _ => throw new ArgumentException($"Element type {source.GetType().GetElementType()} is not supported.", nameof(source)),
        };

        if (target == DType.BFloat16)
        {
            RoundToBFloat16((float[])result);
        }

        return result;
    }

    /// <summary>Rounds every value to the nearest bfloat16 (round half to even), keeping it stored as float32.</summary>
    public static void RoundToBFloat16(float[] values)
    {
        for (long i = 0; i < values.LongLength; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(values[i]);
            if (float.IsNaN(values[i]))
            {
                bits = (bits | 0x0040_0000u) & 0xFFFF_0000u;
            }
            else
            {
                bits += 0x7FFFu + ((bits >> 16) & 1u);
                bits &= 0xFFFF_0000u;
            }

            values[i] = BitConverter.UInt32BitsToSingle(bits);
        }
    }

    private static Array From<TFrom>(TFrom[] a, Type to)
        where TFrom : struct, INumberBase<TFrom>
    {
        if (to == typeof(bool))
        {
            var r = new bool[a.LongLength];
            for (long i = 0; i < a.LongLength; i++)
            {
                r[i] = a[i] != TFrom.Zero;
            }

            return r;
        }

        return to == typeof(float) ? Numeric<TFrom, float>(a) :
            to == typeof(double) ? Numeric<TFrom, double>(a) :
            to == typeof(Half) ? Numeric<TFrom, Half>(a) :
            to == typeof(sbyte) ? Numeric<TFrom, sbyte>(a) :
            to == typeof(short) ? Numeric<TFrom, short>(a) :
            to == typeof(int) ? Numeric<TFrom, int>(a) :
            to == typeof(long) ? Numeric<TFrom, long>(a) :
            to == typeof(byte) ? Numeric<TFrom, byte>(a) :
            throw new ArgumentException($"Element type {to} is not supported.", nameof(to));
    }

    private static TTo[] Numeric<TFrom, TTo>(TFrom[] a)
        where TFrom : struct, INumberBase<TFrom>
        where TTo : struct, INumberBase<TTo>
    {
        if (typeof(TFrom) == typeof(TTo))
        {
            return (TTo[])a.Clone();
        }

        var r = new TTo[a.LongLength];
        if (IsFloating(typeof(TFrom)) && !IsFloating(typeof(TTo)))
        {
            for (long i = 0; i < a.LongLength; i++)
            {
                TFrom v = a[i];
                r[i] = TFrom.IsNaN(v) ? TTo.Zero : TTo.CreateSaturating(v);
            }
        }
        else
        {
            for (long i = 0; i < a.LongLength; i++)
            {
                r[i] = TTo.CreateTruncating(a[i]);
            }
        }

        return r;
    }

    private static Array FromBool(bool[] a, Type to)
    {
        if (to == typeof(bool))
        {
            return a.Clone() as bool[] ?? throw new InvalidOperationException();
        }

        var bytes = new byte[a.LongLength];
        for (long i = 0; i < a.LongLength; i++)
        {
            bytes[i] = a[i] ? (byte)1 : (byte)0;
        }

        return to == typeof(byte) ? bytes : From(bytes, to);
    }

    private static bool IsFloating(Type t) => t == typeof(float) || t == typeof(double) || t == typeof(Half);
}
