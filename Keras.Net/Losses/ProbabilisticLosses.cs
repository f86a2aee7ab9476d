using System.Text.Json.Nodes;

namespace Keras.Losses;

/// <summary>
/// The Kullback-Leibler divergence <c>sum(t log(t / p))</c> over the last axis, both clipped to
/// <c>[1e-7, 1]</c> (Keras's <c>KLDivergence</c>).
/// </summary>
public sealed class KLDivergence(string reduction = "sum_over_batch_size", string name = "kl_divergence") : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.KLDivergence(yTrue, yPred);
}

/// <summary>The Poisson loss <c>mean(p - t log(p + 1e-7))</c> over the last axis (Keras's <c>Poisson</c>).</summary>
public sealed class Poisson(string reduction = "sum_over_batch_size", string name = "poisson") : Loss(name, reduction)
{
    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.Poisson(yTrue, yPred);
}

/// <summary>
/// The focal binary cross-entropy (Keras's <c>BinaryFocalCrossentropy</c>; Lin et al. 2018): binary
/// cross-entropy down-weighted for easy examples by <c>(1 - p_t)^gamma</c>, optionally balanced by
/// <c>alpha</c> for class 1 and <c>1 - alpha</c> for class 0.
/// </summary>
public sealed class BinaryFocalCrossentropy : Loss
{
    /// <summary>Creates the loss.</summary>
    public BinaryFocalCrossentropy(bool applyClassBalancing = false, double alpha = 0.25, double gamma = 2.0, bool fromLogits = false,
        double labelSmoothing = 0.0, int axis = -1, string reduction = "sum_over_batch_size", string name = "binary_focal_crossentropy")
        : base(name, reduction)
    {
        if (labelSmoothing is < 0 or > 1 || double.IsNaN(labelSmoothing))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "BinaryFocalCrossentropy: label_smoothing must be in [0, 1].");
        ApplyClassBalancing = applyClassBalancing;
        Alpha = alpha;
        Gamma = gamma;
        FromLogits = fromLogits;
        LabelSmoothing = labelSmoothing;
        Axis = axis;
    }

    public bool ApplyClassBalancing { get; }
    public double Alpha { get; }
    public double Gamma { get; }
    public bool FromLogits { get; }
    public double LabelSmoothing { get; }
    public int Axis { get; }

    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) =>
        LossFunctions.BinaryFocalCrossentropy(yTrue, yPred, ApplyClassBalancing, Alpha, Gamma, FromLogits, LabelSmoothing, Axis);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["from_logits"] = FromLogits;
        c["label_smoothing"] = LabelSmoothing;
        c["axis"] = Axis;
        c["apply_class_balancing"] = ApplyClassBalancing;
        c["alpha"] = Alpha;
        c["gamma"] = Gamma;
        return c;
    }
}

/// <summary>
/// The focal categorical cross-entropy (Keras's <c>CategoricalFocalCrossentropy</c>):
/// <c>sum(alpha (1 - p)^gamma * -t log p)</c> over the class axis, for one-hot targets. <c>alpha</c> is one
/// weight for all classes or one per class.
/// </summary>
public sealed class CategoricalFocalCrossentropy : Loss
{
    private readonly double[] _alpha;

    /// <summary>Creates the loss with one <paramref name="alpha"/> for all classes.</summary>
    public CategoricalFocalCrossentropy(double alpha = 0.25, double gamma = 2.0, bool fromLogits = false, double labelSmoothing = 0.0,
        int axis = -1, string reduction = "sum_over_batch_size", string name = "categorical_focal_crossentropy")
        : this([alpha], false, gamma, fromLogits, labelSmoothing, axis, reduction, name)
    {
    }

    /// <summary>Creates the loss with one <paramref name="alpha"/> weight per class (the last axis).</summary>
    public CategoricalFocalCrossentropy(double[] alpha, double gamma = 2.0, bool fromLogits = false, double labelSmoothing = 0.0,
        int axis = -1, string reduction = "sum_over_batch_size", string name = "categorical_focal_crossentropy")
        : this(alpha, true, gamma, fromLogits, labelSmoothing, axis, reduction, name)
    {
    }

    private CategoricalFocalCrossentropy(double[] alpha, bool perClass, double gamma, bool fromLogits, double labelSmoothing, int axis,
        string reduction, string name)
        : base(name, reduction)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        if (alpha.Length == 0) throw new ArgumentException("CategoricalFocalCrossentropy: alpha needs at least one weight.", nameof(alpha));
        if (labelSmoothing is < 0 or > 1 || double.IsNaN(labelSmoothing))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "CategoricalFocalCrossentropy: label_smoothing must be in [0, 1].");
        _alpha = alpha.ToArray();
        PerClassAlpha = perClass;
        Gamma = gamma;
        FromLogits = fromLogits;
        LabelSmoothing = labelSmoothing;
        Axis = axis;
    }

    /// <summary>The class weights (one entry when the same for all classes).</summary>
    public IReadOnlyList<double> Alpha => _alpha;

    /// <summary>Whether <see cref="Alpha"/> was given per class.</summary>
    public bool PerClassAlpha { get; }

    public double Gamma { get; }
    public bool FromLogits { get; }
    public double LabelSmoothing { get; }
    public int Axis { get; }

    /// <inheritdoc />
    public override Tensor Call(Tensor yTrue, Tensor yPred) =>
        LossFunctions.CategoricalFocalCrossentropy(yTrue, yPred, _alpha, Gamma, FromLogits, LabelSmoothing, Axis);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["from_logits"] = FromLogits;
        c["label_smoothing"] = LabelSmoothing;
        c["axis"] = Axis;
        c["alpha"] = PerClassAlpha ? new JsonArray(_alpha.Select(a => (JsonNode)a).ToArray()) : JsonValue.Create(_alpha[0]);
        c["gamma"] = Gamma;
        return c;
    }
}
