using Keras.Layers;

namespace Keras.Engine;

/// <summary>
/// One call of a layer on symbolic tensors: the edge list of a functional graph. A layer called
/// twice (a shared layer) has two nodes and one set of weights.
/// </summary>
internal sealed class Node
{
    internal Node(Layer layer, KerasTensor[] inputs, bool? training)
    {
        Layer = layer;
        Inputs = inputs;
        Training = training;
        Outputs = [];
    }

    /// <summary>The layer called.</summary>
    public Layer Layer { get; }

    /// <summary>The symbolic tensors it was called on.</summary>
    public KerasTensor[] Inputs { get; }

    /// <summary>The symbolic tensors it produced.</summary>
    public KerasTensor[] Outputs { get; internal set; }

    /// <summary>The <c>training</c> argument given explicitly at the call, if any.</summary>
    public bool? Training { get; }

    /// <summary>The layers whose outputs feed this node.</summary>
    public IEnumerable<Node> Parents => Inputs.Select(t => t.Node).OfType<Node>();

    public bool IsInput => Layer is InputLayer;
}

/// <summary>
/// What a layer accepts (Keras's <c>InputSpec</c>): a rank or minimum rank and fixed sizes on given
/// axes. Checked on every call so a bad shape fails with a message naming the layer and both shapes.
/// </summary>
public sealed class InputSpec
{
    /// <summary>Creates a spec.</summary>
    public InputSpec(int? rank = null, int? minRank = null, IReadOnlyDictionary<int, int>? axes = null)
    {
        Rank = rank;
        MinRank = minRank;
        Axes = axes ?? new Dictionary<int, int>();
    }

    /// <summary>Exact rank required, if any.</summary>
    public int? Rank { get; }

    /// <summary>Minimum rank required, if any.</summary>
    public int? MinRank { get; }

    /// <summary>Required sizes by axis (negative axes count from the end).</summary>
    public IReadOnlyDictionary<int, int> Axes { get; }

    internal void Check(string layerName, int inputIndex, Shape shape)
    {
        string Prefix() => $"Input {inputIndex} of layer \"{layerName}\" is incompatible with the layer: ";
        if (Rank is int r && shape.Rank != r)
            throw new ArgumentException(Prefix() + $"expected rank {r}, but received input with shape {shape} (rank {shape.Rank}).");
        if (MinRank is int mr && shape.Rank < mr)
            throw new ArgumentException(Prefix() + $"expected min rank {mr}, but received input with shape {shape} (rank {shape.Rank}).");
        foreach (var (axis, size) in Axes)
        {
            var a = axis < 0 ? axis + shape.Rank : axis;
            if (a < 0 || a >= shape.Rank) continue;
            if (shape[a] != Shape.Unknown && shape[a] != size)
                throw new ArgumentException(Prefix() + $"expected axis {axis} of input shape to have value {size}, but received input with shape {shape}.");
        }
    }
}

/// <summary>
/// The per-call context that lets nested layers inherit <c>training</c> from the outermost call
/// (as Keras does). Thread-static is safe here: a layer call is synchronous, so the value never
/// crosses an <c>await</c>.
/// </summary>
internal static class CallContext
{
    // Thread-static, not AsyncLocal: a layer call is synchronous from start to end (no await inside),
    // so each thread's state covers exactly the call it is running and never leaks to another.
    [ThreadStatic] private static bool? _training;
    [ThreadStatic] private static bool _discardLosses;

    public static bool? Training => _training;

    /// <summary>
    /// True inside <c>Predict</c> and shape inference: loss terms that layers add are dropped rather
    /// than stored on the layer, so concurrent predictions never write shared layer state (and no
    /// layer keeps a tensor whose scope has ended).
    /// </summary>
    public static bool DiscardLosses => _discardLosses;

    public static Restore Enter(bool training)
    {
        var previous = _training;
        _training = training;
        return new Restore(previous, _discardLosses);
    }

    /// <summary>Enters an inference-only call (training false, loss terms discarded).</summary>
    public static Restore EnterInference()
    {
        var restore = new Restore(_training, _discardLosses);
        _training = false;
        _discardLosses = true;
        return restore;
    }

    public readonly struct Restore(bool? previous, bool previousDiscard) : IDisposable
    {
        public void Dispose()
        {
            _training = previous;
            _discardLosses = previousDiscard;
        }
    }
}

/// <summary>Keras-style unique object names: <c>dense</c>, <c>dense_1</c>, … per process (reset by <see cref="Utils.ClearSession"/>).</summary>
internal static class Naming
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, int> Counters = new(StringComparer.Ordinal);

    public static string UniqueName(string prefix)
    {
        lock (Gate)
        {
            Counters.TryGetValue(prefix, out var n);
            Counters[prefix] = n + 1;
            return n == 0 ? prefix : $"{prefix}_{n}";
        }
    }

    public static void Reset()
    {
        lock (Gate) Counters.Clear();
    }

    /// <summary>Keras's <c>to_snake_case</c>: <c>Conv2D</c> → <c>conv2d</c>, <c>BatchNormalization</c> → <c>batch_normalization</c>.</summary>
    public static string ToSnakeCase(string name)
    {
        name = System.Text.RegularExpressions.Regex.Replace(name, @"\W+", "");
        name = System.Text.RegularExpressions.Regex.Replace(name, "(.)([A-Z][a-z]+)", "$1_$2");
        return System.Text.RegularExpressions.Regex.Replace(name, "([a-z])([A-Z])", "$1_$2").ToLowerInvariant();
    }
}
