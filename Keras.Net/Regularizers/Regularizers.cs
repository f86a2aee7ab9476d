using System.Text.Json.Nodes;

namespace Keras.Regularizers;

/// <summary><c>l1 * sum(|x|)</c> (Keras's <c>L1</c>, default factor 0.01).</summary>
public sealed class L1(double l1 = 0.01) : Regularizer
{
    public double Factor { get; } = Validate(l1, nameof(l1));

    public override Tensor Call(Tensor x) => Ops.Multiply(Ops.Sum(Ops.Abs(x)), Factor);

    public override JsonObject GetConfig() => new() { ["l1"] = Factor };

    internal static double Validate(double v, string name) => v >= 0 && double.IsFinite(v)
        ? v
        : throw new ArgumentOutOfRangeException(name, v, $"Regularization factor {name} must be a finite number >= 0.");
}

/// <summary><c>l2 * sum(x²)</c> (Keras's <c>L2</c>, default factor 0.01).</summary>
public sealed class L2(double l2 = 0.01) : Regularizer
{
    public double Factor { get; } = L1.Validate(l2, nameof(l2));

    public override Tensor Call(Tensor x) => Ops.Multiply(Ops.Sum(Ops.Square(x)), Factor);

    public override JsonObject GetConfig() => new() { ["l2"] = Factor };
}

/// <summary><c>l1 * sum(|x|) + l2 * sum(x²)</c> (Keras's <c>L1L2</c>; both factors default to 0).</summary>
public sealed class L1L2(double l1 = 0.0, double l2 = 0.0) : Regularizer
{
    public double L1Factor { get; } = L1.Validate(l1, nameof(l1));
    public double L2Factor { get; } = L1.Validate(l2, nameof(l2));

    public override Tensor Call(Tensor x)
    {
        Tensor total = Ops.Scalar(0, x.DType);
        if (L1Factor > 0) total = Ops.Add(total, Ops.Multiply(Ops.Sum(Ops.Abs(x)), L1Factor));
        if (L2Factor > 0) total = Ops.Add(total, Ops.Multiply(Ops.Sum(Ops.Square(x)), L2Factor));
        return total;
    }

    public override JsonObject GetConfig() => new() { ["l1"] = L1Factor, ["l2"] = L2Factor };
}

/// <summary>
/// Encourages orthogonal rows (or columns) of a 2-D weight (Keras's <c>OrthogonalRegularizer</c>):
/// <c>factor * 0.5 * sum(|off-diagonal of the Gram matrix of normalised rows|) / number of pairs</c>.
/// </summary>
public sealed class OrthogonalRegularizer : Regularizer
{
    public OrthogonalRegularizer(double factor = 0.01, string mode = "rows")
    {
        Factor = L1.Validate(factor, nameof(factor));
        Mode = mode is "rows" or "columns" ? mode : throw new ArgumentException($"OrthogonalRegularizer: mode must be 'rows' or 'columns'; got '{mode}'.", nameof(mode));
    }

    public double Factor { get; }
    public string Mode { get; }

    public override Tensor Call(Tensor x)
    {
        if (x.Rank != 2)
            throw new ArgumentException($"OrthogonalRegularizer needs a 2-D weight; got shape {x.Shape}.");
        int axis = Mode == "rows" ? 1 : 0;
        var normalized = Ops.Divide(x, Ops.Sqrt(Ops.Maximum(Ops.Sum(Ops.Square(x), axis, keepDims: true), Ops.Scalar(1e-12, x.DType))));
        var product = Mode == "rows" ? Ops.MatMul(normalized, Ops.Transpose(normalized)) : Ops.MatMul(Ops.Transpose(normalized), normalized);
        int size = product.Shape[0];
        using var eye = new Initializers.Identity().Call(new Shape(size, size), x.DType);
        var offDiagonal = Ops.Multiply(product, Ops.Add(Ops.Negative(eye), 1.0));
        double pairs = size * (size - 1.0) / 2.0;
        return Ops.Multiply(Ops.Sum(Ops.Abs(offDiagonal)), Factor * 0.5 / Math.Max(pairs, 1.0));
    }

    public override JsonObject GetConfig() => new() { ["factor"] = Factor, ["mode"] = Mode };
}
