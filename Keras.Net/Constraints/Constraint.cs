using System.Text.Json.Nodes;

namespace Keras.Constraints;

/// <summary>
/// A projection applied to a weight after every optimizer update (Keras's
/// <c>keras.constraints.Constraint</c>). Layers take one per weight (<c>kernelConstraint</c>, …);
/// strings convert implicitly (<c>"non_neg"</c>).
/// </summary>
public abstract class Constraint
{
    /// <summary>The projected value of <paramref name="w"/>.</summary>
    public abstract Tensor Call(Tensor w);

    /// <summary>The registered Keras class name.</summary>
    public virtual string ClassName => GetType().Name;

    /// <summary>The constructor arguments, as Keras records them.</summary>
    public virtual JsonObject GetConfig() => new();

    public static implicit operator Constraint(string name) => Get(name);

    /// <summary>A constraint by Keras name with Keras's defaults (<c>max_norm</c>, <c>min_max_norm</c>, <c>non_neg</c>, <c>unit_norm</c>).</summary>
    public static Constraint Get(string name) => ConstraintRegistry.Get(name);
}
