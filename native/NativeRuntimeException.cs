namespace Keras.Native;

/// <summary>
/// Thrown when the native compute runtime (libtorch and TorchSharp's <c>LibTorchSharp</c> shim) cannot be
/// loaded or made to work. The message says what failed, which file was involved and what to do about it.
/// </summary>
public sealed class NativeRuntimeException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed and what to do.</param>
    public NativeRuntimeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    /// <param name="message">What failed and what to do.</param>
    /// <param name="innerException">The underlying error.</param>
    public NativeRuntimeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception naming the file involved.</summary>
    /// <param name="message">What failed and what to do.</param>
    /// <param name="filePath">The file that could not be found, read, patched or loaded.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public NativeRuntimeException(string message, string? filePath, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The file that could not be found, read, patched or loaded, when one is known.</summary>
    public string? FilePath { get; }
}
