using System.Collections;

namespace Keras;

/// <summary>
/// One or more tensors passed to or returned by a layer. Converts implicitly from and to a
/// single <see cref="Tensor"/>, so single-input layers read and write plain tensors.
/// </summary>
public sealed class Tensors : IReadOnlyList<Tensor>
{
    private readonly Tensor[] _items;

    /// <summary>Wraps the given tensors (at least one).</summary>
    public Tensors(params Tensor[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Length == 0) throw new ArgumentException("Tensors needs at least one tensor.", nameof(items));
        foreach (var t in items) ArgumentNullException.ThrowIfNull(t, nameof(items));
        _items = items;
    }

    /// <summary>Wraps the given tensors (at least one).</summary>
    public Tensors(IEnumerable<Tensor> items) : this(items.ToArray())
    {
    }

    /// <inheritdoc />
    public Tensor this[int index] => _items[index];

    /// <inheritdoc />
    public int Count => _items.Length;

    /// <summary>The single tensor; throws when there are several.</summary>
    public Tensor Single => _items.Length == 1
        ? _items[0]
        : throw new InvalidOperationException($"Expected a single tensor but got {_items.Length}.");

    /// <summary>True when every tensor is symbolic.</summary>
    public bool IsSymbolic => Array.TrueForAll(_items, t => t.IsSymbolic);

    /// <summary>The shapes of the tensors.</summary>
    public IReadOnlyList<Shape> Shapes => Array.ConvertAll(_items, t => t.Shape);

    /// <inheritdoc />
    public IEnumerator<Tensor> GetEnumerator() => ((IEnumerable<Tensor>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public static implicit operator Tensors(Tensor tensor) => new(tensor);

    public static implicit operator Tensors(Tensor[] tensors) => new(tensors);

    public static implicit operator Tensors(List<Tensor> tensors) => new(tensors.ToArray());

    public static implicit operator Tensor(Tensors tensors) => tensors.Single;

    /// <inheritdoc />
    public override string ToString() => _items.Length == 1 ? _items[0].ToString() : $"[{string.Join(", ", _items.Select(t => t.ToString()))}]";
}
