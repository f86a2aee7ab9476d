using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Constraints;

/// <summary>Name and config lookup for the built-in constraints.</summary>
internal static class ConstraintRegistry
{
    public static Constraint Get(string name) => name switch
    {
        "max_norm" or "MaxNorm" => new MaxNorm(),
        "min_max_norm" or "MinMaxNorm" => new MinMaxNorm(),
        "non_neg" or "NonNeg" => new NonNeg(),
        "unit_norm" or "UnitNorm" => new UnitNorm(),
        _ => throw new ArgumentException($"Unknown constraint '{name}'. Known: max_norm, min_max_norm, non_neg, unit_norm.", nameof(name)),
    };

    /// <summary>A constraint from Keras's serialized form (class name and config).</summary>
    public static Constraint FromConfig(string className, JsonObject config)
    {
        var c = new ConfigReader(config, className);
        return className switch
        {
            "MaxNorm" => new MaxNorm(c.Double("max_value", 2.0), c.Int("axis", 0)),
            "MinMaxNorm" => new MinMaxNorm(c.Double("min_value", 0.0), c.Double("max_value", 1.0), c.Double("rate", 1.0), c.Int("axis", 0)),
            "NonNeg" => new NonNeg(),
            "UnitNorm" => new UnitNorm(c.Int("axis", 0)),
            _ => throw new FormatException($"Unknown constraint class '{className}'. Known: MaxNorm, MinMaxNorm, NonNeg, UnitNorm."),
        };
    }
}
