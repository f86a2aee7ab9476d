namespace Keras;

/// <summary>Element types of Keras tensors (Keras's dtype strings: "float32", "int64", …).</summary>
public enum DType
{
    Float32,
    Float64,
    Float16,
    BFloat16,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    Bool,
}

/// <summary>Conversions between <see cref="DType"/>, Keras's dtype names and .NET element types.</summary>
public static class DTypes
{
    /// <summary>Keras's name for a dtype, e.g. <c>"float32"</c>.</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Float16 => "float16",
        DType.BFloat16 => "bfloat16",
        DType.Int8 => "int8",
        DType.Int16 => "int16",
        DType.Int32 => "int32",
        DType.Int64 => "int64",
        DType.UInt8 => "uint8",
        DType.Bool => "bool",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>Parses a Keras/NumPy dtype name (<c>"float32"</c>, <c>"float"</c>, <c>"int64"</c>, …).</summary>
    public static DType Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "float32" or "float" or "single" => DType.Float32,
        "float64" or "double" => DType.Float64,
        "float16" or "half" => DType.Float16,
        "bfloat16" => DType.BFloat16,
        "int8" => DType.Int8,
        "int16" => DType.Int16,
        "int32" or "int" => DType.Int32,
        "int64" or "long" => DType.Int64,
        "uint8" => DType.UInt8,
        "bool" => DType.Bool,
        _ => throw new ArgumentException($"Unknown dtype '{name}'. Expected one of float32, float64, float16, bfloat16, int8, int16, int32, int64, uint8, bool.", nameof(name)),
    };

    /// <summary>True for floating-point dtypes.</summary>
    public static bool IsFloating(this DType dtype) =>
        dtype is DType.Float32 or DType.Float64 or DType.Float16 or DType.BFloat16;

    /// <summary>Size of one element in bytes.</summary>
    public static int ItemSize(this DType dtype) => dtype switch
    {
        DType.Float64 or DType.Int64 => 8,
        DType.Float32 or DType.Int32 => 4,
        DType.Float16 or DType.BFloat16 or DType.Int16 => 2,
        _ => 1,
    };

    /// <summary>The dtype of a .NET element type (float → float32, long → int64, …).</summary>
    public static DType FromClrType(Type type) =>
        type == typeof(float) ? DType.Float32 :
        type == typeof(double) ? DType.Float64 :
        type == typeof(Half) ? DType.Float16 :
        type == typeof(sbyte) ? DType.Int8 :
        type == typeof(short) ? DType.Int16 :
        type == typeof(int) ? DType.Int32 :
        type == typeof(long) ? DType.Int64 :
        type == typeof(byte) ? DType.UInt8 :
        type == typeof(bool) ? DType.Bool :
        throw new ArgumentException($"Element type {type.Name} has no Keras dtype; use float, double, Half, sbyte, short, int, long, byte or bool.", nameof(type));

    /// <summary>The .NET element type of a dtype (bfloat16 has none and maps to float).</summary>
    public static Type ClrType(this DType dtype) => dtype switch
    {
        DType.Float32 or DType.BFloat16 => typeof(float),
        DType.Float64 => typeof(double),
        DType.Float16 => typeof(Half),
        DType.Int8 => typeof(sbyte),
        DType.Int16 => typeof(short),
        DType.Int32 => typeof(int),
        DType.Int64 => typeof(long),
        DType.UInt8 => typeof(byte),
        DType.Bool => typeof(bool),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}
