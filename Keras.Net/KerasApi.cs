using Keras.Layers;

namespace Keras;

/// <summary>
/// Keras's top-level functions. <c>using static Keras.KerasApi;</c> lets C# read like Python:
/// <c>var inputs = Input(shape: 784);</c>
/// </summary>
public static class KerasApi
{
    /// <summary>
    /// A symbolic input for a functional model (Keras's <c>keras.Input</c>).
    /// </summary>
    /// <param name="shape">Shape of one sample (no batch dimension), e.g. <c>784</c> or <c>(20, 784)</c>; -1 for unknown dimensions.</param>
    /// <param name="batchSize">A fixed batch size, if any.</param>
    /// <param name="dtype">The dtype of the data (float32 by default).</param>
    /// <param name="name">The input's name (used to match dictionary inputs).</param>
    public static KerasTensor Input(Shape shape, int? batchSize = null, DType dtype = DType.Float32, string? name = null) =>
        new InputLayer(shape, batchSize, dtype, name).Tensor;
}
