namespace Keras.Saving.Legacy;

/// <summary>
/// Activations whose meaning changed in Keras 3 and that Keras 1/2 files still use. The compatibility
/// step renames them in configs; <see cref="ConfigReader.Activation"/> resolves the names.
/// </summary>
public static class LegacyActivations
{
    /// <summary>The config name of Keras ≤ 2's hard sigmoid.</summary>
    public const string HardSigmoidName = "legacy_hard_sigmoid";

    /// <summary>Keras ≤ 2's <c>hard_sigmoid</c>: <c>clip(0.2 x + 0.5, 0, 1)</c> (Keras 3's is <c>relu6(x + 3) / 6</c>).</summary>
    public static ActivationFunction HardSigmoid { get; } =
        new(HardSigmoidName, x => Ops.Clip(Ops.Add(Ops.Multiply(x, 0.2), 0.5), 0.0, 1.0));

    /// <summary>The legacy activation called <paramref name="name"/>, or null.</summary>
    public static ActivationFunction? Get(string? name) => name == HardSigmoidName ? HardSigmoid : null;
}
