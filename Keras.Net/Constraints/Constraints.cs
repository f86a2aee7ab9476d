using System.Text.Json.Nodes;

namespace Keras.Constraints;

/// <summary>Caps the norm of each slice along <c>axis</c> at <c>maxValue</c> (Keras's <c>MaxNorm</c>).</summary>
public sealed class MaxNorm(double maxValue = 2.0, int axis = 0) : Constraint
{
    public double MaxValue { get; } = maxValue;
    public int Axis { get; } = axis;

    public override Tensor Call(Tensor w)
    {
        var norms = Norms.Of(w, Axis);
        var desired = Ops.Clip(norms, 0, MaxValue);
        return Ops.Multiply(w, Ops.Divide(desired, Ops.Add(norms, Norms.Epsilon)));
    }

    public override JsonObject GetConfig() => new() { ["max_value"] = MaxValue, ["axis"] = Axis };
}

/// <summary>Keeps the norm of each slice along <c>axis</c> within [min, max], moving a <c>rate</c> of the way (Keras's <c>MinMaxNorm</c>).</summary>
public sealed class MinMaxNorm(double minValue = 0.0, double maxValue = 1.0, double rate = 1.0, int axis = 0) : Constraint
{
    public double MinValue { get; } = minValue;
    public double MaxValue { get; } = maxValue;
    public double Rate { get; } = rate;
    public int Axis { get; } = axis;

    public override Tensor Call(Tensor w)
    {
        var norms = Norms.Of(w, Axis);
        var desired = Ops.Add(Ops.Multiply(Ops.Clip(norms, MinValue, MaxValue), Rate), Ops.Multiply(norms, 1.0 - Rate));
        return Ops.Multiply(w, Ops.Divide(desired, Ops.Add(norms, Norms.Epsilon)));
    }

    public override JsonObject GetConfig() => new() { ["min_value"] = MinValue, ["max_value"] = MaxValue, ["rate"] = Rate, ["axis"] = Axis };
}

/// <summary>Sets negative weights to zero (Keras's <c>NonNeg</c>).</summary>
public sealed class NonNeg : Constraint
{
    public override Tensor Call(Tensor w) => Ops.Multiply(w, Ops.Cast(Ops.GreaterEqual(w, Ops.Scalar(0, w.DType)), w.DType));
}

/// <summary>Scales each slice along <c>axis</c> to unit norm (Keras's <c>UnitNorm</c>).</summary>
public sealed class UnitNorm(int axis = 0) : Constraint
{
    public int Axis { get; } = axis;

    public override Tensor Call(Tensor w) => Ops.Divide(w, Ops.Add(Norms.Of(w, Axis), Norms.Epsilon));

    public override JsonObject GetConfig() => new() { ["axis"] = Axis };
}

internal static class Norms
{
    /// <summary>Keras's <c>backend.epsilon()</c>, added to norms before dividing.</summary>
    public const double Epsilon = 1e-7;

    public static Tensor Of(Tensor w, int axis) => Ops.Sqrt(Ops.Sum(Ops.Square(w), axis, keepDims: true));
}
