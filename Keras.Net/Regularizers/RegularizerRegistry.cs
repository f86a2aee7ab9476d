using System.Text.Json.Nodes;
using Keras.Saving;

namespace Keras.Regularizers;

/// <summary>Name and config lookup for the built-in regularizers.</summary>
internal static class RegularizerRegistry
{
    public static Regularizer Get(string name) => name switch
    {
        "l1" or "L1" => new L1(),
        "l2" or "L2" => new L2(),
        "l1_l2" or "L1L2" => new L1L2(0.01, 0.01),
        "orthogonal_regularizer" or "OrthogonalRegularizer" => new OrthogonalRegularizer(),
        _ => throw new ArgumentException($"Unknown regularizer '{name}'. Known: l1, l2, l1_l2, orthogonal_regularizer.", nameof(name)),
    };

    /// <summary>A regularizer from Keras's serialized form (class name and config).</summary>
    public static Regularizer FromConfig(string className, JsonObject config)
    {
        var c = new ConfigReader(config, className);
        return className switch
        {
            "L1" or "l1" => new L1(c.Double("l1", 0.01)),
            "L2" or "l2" => new L2(c.Double("l2", 0.01)),
            "L1L2" or "l1_l2" => new L1L2(c.Double("l1", 0.0), c.Double("l2", 0.0)),
            "OrthogonalRegularizer" => new OrthogonalRegularizer(c.Double("factor", 0.01), c.String("mode", "rows")!),
            _ => throw new FormatException($"Unknown regularizer class '{className}'. Known: L1, L2, L1L2, OrthogonalRegularizer."),
        };
    }
}
