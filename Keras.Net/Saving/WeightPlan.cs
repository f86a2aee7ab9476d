using Keras.Data;

namespace Keras.Saving;

/// <summary>
/// The weight assignments a loader decided on. Everything is read and checked first, then assigned in
/// one go, so a file that fails half-way leaves the model as it was.
/// </summary>
internal sealed class WeightPlan
{
    private readonly List<(Variable Variable, HostArray Value)> _items = [];

    public WeightPlan(string source, bool skipMismatch)
    {
        Source = source;
        SkipMismatch = skipMismatch;
    }

    public string Source { get; }
    public bool SkipMismatch { get; }

    /// <summary>Mismatches skipped because of <c>skipMismatch</c> (layer: problem).</summary>
    public List<string> Skipped { get; } = [];

    public int Count => _items.Count;

    /// <summary>Plans <paramref name="value"/> for <paramref name="variable"/>, checking the shape.</summary>
    public void Add(Variable variable, HostArray value, string part)
    {
        var fileShape = new Shape(value.Shape);
        if (!fileShape.Equals(variable.Shape))
        {
            Mismatch(part, $"has shape {fileShape} in the file, but the model's weight '{variable.Path}' has shape {variable.Shape}.");
            return;
        }
        _items.Add((variable, value));
    }

    /// <summary>Reports a mismatch: skipped with <c>skipMismatch</c>, an error otherwise.</summary>
    public void Mismatch(string part, string problem)
    {
        if (SkipMismatch)
        {
            Skipped.Add($"{part}: {problem}");
            return;
        }
        throw new KerasFileException(Source, part, problem);
    }

    /// <summary>Assigns every planned value.</summary>
    public void Apply()
    {
        foreach (var (variable, value) in _items) variable.Assign(value);
    }

    public static string Shapes(IEnumerable<Shape> shapes) => "[" + string.Join(", ", shapes) + "]";
}
