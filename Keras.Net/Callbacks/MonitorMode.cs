namespace Keras.Callbacks;

/// <summary>Whether a monitored quantity should go down (<c>min</c>) or up (<c>max</c>), as Keras decides for <c>mode="auto"</c>.</summary>
internal static class MonitorMode
{
    /// <summary>True when larger is better for <paramref name="monitor"/> under <paramref name="mode"/>.</summary>
    public static bool Maximize(string monitor, string mode, string owner) => mode switch
    {
        "min" => false,
        "max" => true,
        "auto" => IsHigherBetter(monitor),
        _ => throw new ArgumentException($"{owner}: mode must be 'auto', 'min' or 'max'; got '{mode}'.", nameof(mode)),
    };

    // Keras's metrics that improve upwards; losses and errors improve downwards.
    private static bool IsHigherBetter(string monitor)
    {
        var name = monitor.StartsWith("val_", StringComparison.Ordinal) ? monitor[4..] : monitor;
        return name.Contains("acc", StringComparison.Ordinal) || name.StartsWith("auc", StringComparison.Ordinal)
            || name is "precision" or "recall" or "f1_score" or "fbeta_score" or "r2_score" or "mean_io_u" or "iou";
    }
}
