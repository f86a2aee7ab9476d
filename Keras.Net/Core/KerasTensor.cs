using Keras.Data;
using Keras.Engine;
using Keras.Layers;

namespace Keras;

/// <summary>
/// A symbolic tensor: a shape and dtype with no values, produced by <see cref="KerasApi.Input"/>
/// and by calling layers on symbolic tensors. Calling a layer on it records a graph node; a
/// functional <see cref="Models.Model"/> is built from its inputs and outputs.
/// </summary>
public sealed class KerasTensor : Tensor
{
    internal KerasTensor(Shape shape, DType dtype, string? name, Node? node, int index)
    {
        Shape = shape;
        DType = dtype;
        Name = name;
        Node = node;
        Index = index;
    }

    /// <inheritdoc />
    public override Shape Shape { get; }

    /// <inheritdoc />
    public override DType DType { get; }

    /// <summary>The tensor's name (the input's name for model inputs).</summary>
    public string? Name { get; }

    /// <inheritdoc />
    public override bool IsSymbolic => true;

    /// <summary>The graph node that produced this tensor.</summary>
    internal Node? Node { get; set; }

    /// <summary>The position of this tensor among its node's outputs.</summary>
    internal int Index { get; set; }

    /// <summary>The layer that produced this tensor.</summary>
    public Layer? Layer => Node?.Layer;

    /// <inheritdoc />
    public override HostArray ToHost() => throw Symbolic();

    /// <inheritdoc />
    public override double Item() => throw Symbolic();

    /// <inheritdoc />
    public override void Dispose()
    {
        // Symbolic tensors hold no native memory.
    }

    private InvalidOperationException Symbolic() => new(
        $"{this} is symbolic (a KerasTensor used to build a functional model) and has no values. " +
        "Build a Model from it and call Predict, or call the layers on concrete data.");

    /// <inheritdoc />
    public override string ToString() =>
        $"<KerasTensor shape={Shape}, dtype={DType.Name()}{(Name is null ? "" : $", name={Name}")}>";
}
