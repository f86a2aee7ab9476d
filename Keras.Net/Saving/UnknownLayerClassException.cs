namespace Keras.Saving;

/// <summary>
/// A model file or config names a layer class that Keras.Net does not know (not built in and not
/// registered with <see cref="KerasObjects.RegisterLayer(string, Func{System.Text.Json.Nodes.JsonObject, Layers.Layer})"/>).
/// </summary>
public sealed class UnknownLayerClassException : KerasFileException
{
    /// <summary>Creates the exception.</summary>
    public UnknownLayerClassException(string filePath, string layerName, string className)
        : base(filePath, $"layer '{layerName}'",
            $"unknown layer class '{className}'. It is not a Keras.Net layer yet; if it is a custom layer, register it with " +
            "Keras.Saving.KerasObjects.RegisterLayer before loading.")
    {
        LayerName = layerName;
        ClassName = className;
    }

    /// <summary>The name of the layer in the file.</summary>
    public string LayerName { get; }

    /// <summary>The unknown class name.</summary>
    public string ClassName { get; }
}
