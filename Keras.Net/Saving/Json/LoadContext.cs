using System.Text.Json.Nodes;

namespace Keras.Saving.Json;

/// <summary>
/// Where a config comes from and which Keras wrote it: the file (for messages), safe mode, the Keras
/// generation (1, 2 or 3: decides the compatibility translations) and the back end (Theano kernels
/// are flipped; Keras 1's <c>dim_ordering: "default"</c> follows the back end).
/// </summary>
internal sealed class LoadContext
{
    public LoadContext(string source, bool safeMode, int generation, string? backend, string? kerasVersion)
    {
        Source = source;
        SafeMode = safeMode;
        Generation = generation;
        Backend = backend;
        KerasVersion = kerasVersion;
    }

    /// <summary>The file (or "JSON string") named in error messages.</summary>
    public string Source { get; }

    /// <summary>Whether Lambda layers (arbitrary code) are refused.</summary>
    public bool SafeMode { get; }

    /// <summary>1, 2 or 3: the major Keras version that wrote the config.</summary>
    public int Generation { get; }

    /// <summary>The back end named in the file (<c>tensorflow</c>, <c>theano</c>, <c>torch</c>, …), if any.</summary>
    public string? Backend { get; }

    /// <summary>The <c>keras_version</c> string, if the file has one.</summary>
    public string? KerasVersion { get; }

    public bool IsTheano => string.Equals(Backend, "theano", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Decides the generation from the <c>keras_version</c> string when there is one, else from the
    /// config itself: Keras 3 writes <c>module</c> keys and dtype-policy objects, Keras 1 uses names such
    /// as <c>output_dim</c>, <c>nb_filter</c>, <c>border_mode</c> or <c>input_dtype</c>.
    /// </summary>
    public static int DetectGeneration(string? kerasVersion, JsonNode? config)
    {
        if (!string.IsNullOrWhiteSpace(kerasVersion))
        {
            var v = kerasVersion.Trim();
            if (v.StartsWith('1')) return 1;
            if (v.StartsWith('2')) return 2;
            if (v.Length > 0 && char.IsDigit(v[0]) && v[0] >= '3') return 3;
        }
        if (config is null) return 3;
        bool keras1 = false, keras3 = false;
        Scan(config, ref keras1, ref keras3, 0);
        return keras3 ? 3 : keras1 ? 1 : 2;
    }

    private static readonly HashSet<string> Keras1Keys = new(StringComparer.Ordinal)
    {
        "output_dim", "nb_filter", "nb_row", "nb_col", "border_mode", "dim_ordering", "input_dtype", "subsample",
        "inner_activation", "inner_init", "W_regularizer", "b_regularizer", "filter_length", "pool_length", "consume_less",
    };

    private static void Scan(JsonNode node, ref bool keras1, ref bool keras3, int depth)
    {
        if (depth > 64) return;
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    if (k == "module" || (k == "class_name" && v is JsonValue cv && cv.TryGetValue<string>(out var cn) && cn == "DTypePolicy")) keras3 = true;
                    // Keras 1 had no 'units' on Dense; Keras 2+ never writes these names.
                    if (Keras1Keys.Contains(k) && !(k == "output_dim" && o.ContainsKey("input_dim") && o.ContainsKey("embeddings_initializer"))) keras1 = true;
                    if (v is not null) Scan(v, ref keras1, ref keras3, depth + 1);
                }
                break;
            case JsonArray a:
                foreach (var item in a)
                    if (item is not null) Scan(item, ref keras1, ref keras3, depth + 1);
                break;
        }
    }
}
