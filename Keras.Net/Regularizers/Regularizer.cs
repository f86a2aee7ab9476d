using System.Text.Json.Nodes;

namespace Keras.Regularizers;

/// <summary>
/// A penalty on a weight added to the training loss (Keras's <c>keras.regularizers.Regularizer</c>).
/// Layers take one per weight (<c>kernelRegularizer</c>, …); strings convert implicitly (<c>"l2"</c>).
/// </summary>
public abstract class Regularizer
{
    /// <summary>The penalty for <paramref name="x"/> (a scalar tensor).</summary>
    public abstract Tensor Call(Tensor x);

    /// <summary>The registered Keras class name.</summary>
    public virtual string ClassName => GetType().Name;

    /// <summary>The constructor arguments, as Keras records them.</summary>
    public abstract JsonObject GetConfig();

    public static implicit operator Regularizer(string name) => Get(name);

    /// <summary>A regularizer by Keras name with Keras's default factors (<c>l1</c>, <c>l2</c>, <c>l1_l2</c>, <c>orthogonal_regularizer</c>).</summary>
    public static Regularizer Get(string name) => RegularizerRegistry.Get(name);
}
