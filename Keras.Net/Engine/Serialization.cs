using System.Text.Json.Nodes;
using Keras.Layers;

namespace Keras.Engine;

/// <summary>Keras 3's serialized-object format: <c>{"module", "class_name", "config", "registered_name"}</c>.</summary>
internal static class Serialization
{
    public static JsonObject Initializer(Initializers.Initializer init) => new()
    {
        ["module"] = "keras.initializers",
        ["class_name"] = init.ClassName,
        ["config"] = init.GetConfig(),
        ["registered_name"] = null,
    };

    /// <summary>Keras 3's dtype policy object for a layer config.</summary>
    public static JsonObject DTypePolicy(DType dtype) => new()
    {
        ["module"] = "keras",
        ["class_name"] = "DTypePolicy",
        ["config"] = new JsonObject { ["name"] = dtype.Name() },
        ["registered_name"] = null,
    };

    public static JsonObject Layer(Layer layer) => new()
    {
        ["module"] = layer is Models.Model ? "keras" : "keras.layers",
        ["class_name"] = layer is Models.Model m ? m.ClassName : layer.GetType().Name,
        ["config"] = layer.GetConfig(),
        ["registered_name"] = null,
    };
}
