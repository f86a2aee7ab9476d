namespace Keras;

/// <summary>
/// A file given to Keras.Net (a model, weights, an array or a dataset) is malformed or unsupported.
/// The message names the file, the part of it that is wrong and the problem.
/// </summary>
public class KerasFileException : IOException
{
    public KerasFileException(string filePath, string part, string problem, Exception? inner = null)
        : base($"{filePath}: {part}: {problem}", inner)
    {
        FilePath = filePath;
        Part = part;
        Problem = problem;
    }

    /// <summary>The file (or entry) that failed to load.</summary>
    public string FilePath { get; }

    /// <summary>The part of the file that is wrong (a header, a group, a layer's weights, …).</summary>
    public string Part { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
