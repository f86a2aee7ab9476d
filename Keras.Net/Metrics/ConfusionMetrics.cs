using System.Text.Json.Nodes;
using Keras.Losses;

namespace Keras.Metrics;

/// <summary>
/// The (weighted) count of one confusion-matrix cell at each threshold (Keras's
/// <c>_ConfusionMatrixConditionCount</c>): a prediction is positive when <c>p &gt; threshold</c> (default 0.5),
/// a target when non-zero. One threshold gives a scalar result, several a vector.
/// </summary>
public abstract class ConfusionMatrixConditionCount : Metric
{
    private readonly double[]? _initThresholds;
    private readonly double[] _thresholds;
    private readonly bool _evenly;
    private readonly Variable _accumulator;

    /// <summary>Creates the metric; <paramref name="thresholds"/> are in [0, 1] (default 0.5).</summary>
    protected ConfusionMatrixConditionCount(double[]? thresholds, string name) : base(name)
    {
        _initThresholds = thresholds?.ToArray();
        _thresholds = ConfusionMatrixUpdate.ParseThresholds(thresholds, 0.5, GetType().Name);
        _evenly = ConfusionMatrixUpdate.IsEvenlyDistributed(_thresholds);
        _accumulator = AddState("accumulator", new Shape(_thresholds.Length));
    }

    /// <summary>The thresholds in use.</summary>
    public IReadOnlyList<double> Thresholds => _thresholds;

    /// <summary>The thresholds given to the constructor (null for the default).</summary>
    protected double[]? InitThresholds => _initThresholds;

    private protected abstract ConfusionMatrixUpdate.Targets Targets(Variable accumulator);

    /// <inheritdoc />
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
        ConfusionMatrixUpdate.Update(Targets(_accumulator), yTrue, yPred, _thresholds, _evenly, sampleWeight: sampleWeight, owner: Name);

    /// <inheritdoc />
    public override Tensor Result() => Ops.Multiply(_thresholds.Length == 1 ? Ops.Reshape(_accumulator, []) : _accumulator, 1.0);

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["thresholds"] = Json.Thresholds(_initThresholds);
        return c;
    }
}

/// <summary>The (weighted) number of true positives (Keras's <c>TruePositives</c>).</summary>
public sealed class TruePositives(double[]? thresholds = null, string name = "true_positives") : ConfusionMatrixConditionCount(thresholds, name)
{
    /// <summary>Creates the metric with one threshold.</summary>
    public TruePositives(double threshold, string name = "true_positives") : this([threshold], name) { }

    private protected override ConfusionMatrixUpdate.Targets Targets(Variable a) => new(a, null, null, null);

    /// <inheritdoc />
    public override Metric Clone(string name) => new TruePositives(InitThresholds, name);
}

/// <summary>The (weighted) number of true negatives (Keras's <c>TrueNegatives</c>).</summary>
public sealed class TrueNegatives(double[]? thresholds = null, string name = "true_negatives") : ConfusionMatrixConditionCount(thresholds, name)
{
    /// <summary>Creates the metric with one threshold.</summary>
    public TrueNegatives(double threshold, string name = "true_negatives") : this([threshold], name) { }

    private protected override ConfusionMatrixUpdate.Targets Targets(Variable a) => new(null, null, a, null);

    /// <inheritdoc />
    public override Metric Clone(string name) => new TrueNegatives(InitThresholds, name);
}

/// <summary>The (weighted) number of false positives (Keras's <c>FalsePositives</c>).</summary>
public sealed class FalsePositives(double[]? thresholds = null, string name = "false_positives") : ConfusionMatrixConditionCount(thresholds, name)
{
    /// <summary>Creates the metric with one threshold.</summary>
    public FalsePositives(double threshold, string name = "false_positives") : this([threshold], name) { }

    private protected override ConfusionMatrixUpdate.Targets Targets(Variable a) => new(null, a, null, null);

    /// <inheritdoc />
    public override Metric Clone(string name) => new FalsePositives(InitThresholds, name);
}

/// <summary>The (weighted) number of false negatives (Keras's <c>FalseNegatives</c>).</summary>
public sealed class FalseNegatives(double[]? thresholds = null, string name = "false_negatives") : ConfusionMatrixConditionCount(thresholds, name)
{
    /// <summary>Creates the metric with one threshold.</summary>
    public FalseNegatives(double threshold, string name = "false_negatives") : this([threshold], name) { }

    private protected override ConfusionMatrixUpdate.Targets Targets(Variable a) => new(null, null, null, a);

    /// <inheritdoc />
    public override Metric Clone(string name) => new FalseNegatives(InitThresholds, name);
}

/// <summary>
/// The base of <see cref="Precision"/> and <see cref="Recall"/>: true positives and one error count per
/// threshold, with Keras's <c>top_k</c> (only the k highest predictions of each row can be positive; the
/// default threshold is then <c>-1e10</c>) and <c>class_id</c> (only that column counts).
/// </summary>
public abstract class PrecisionRecallBase : Metric
{
    private readonly double[]? _initThresholds;
    private readonly double[] _thresholds;
    private readonly bool _evenly;

    /// <summary>Creates the metric.</summary>
    private protected PrecisionRecallBase(double[]? thresholds, int? topK, int? classId, string name, string errorName) : base(name)
    {
        if (topK is < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, $"{GetType().Name}: top_k must be >= 1.");
        if (classId is < 0) throw new ArgumentOutOfRangeException(nameof(classId), classId, $"{GetType().Name}: class_id must be >= 0.");
        _initThresholds = thresholds?.ToArray();
        TopK = topK;
        ClassId = classId;
        _thresholds = ConfusionMatrixUpdate.ParseThresholds(thresholds, topK is null ? 0.5 : ConfusionMatrixUpdate.NegInf, GetType().Name);
        _evenly = ConfusionMatrixUpdate.IsEvenlyDistributed(_thresholds);
        TruePositivesState = AddState("true_positives", new Shape(_thresholds.Length));
        ErrorState = AddState(errorName, new Shape(_thresholds.Length));
    }

    /// <summary>The thresholds in use.</summary>
    public IReadOnlyList<double> Thresholds => _thresholds;

    /// <summary>The thresholds given to the constructor (null for the default).</summary>
    protected double[]? InitThresholds => _initThresholds;

    public int? TopK { get; }
    public int? ClassId { get; }

    private protected Variable TruePositivesState { get; }
    private protected Variable ErrorState { get; }

    private protected abstract ConfusionMatrixUpdate.Targets Targets();

    /// <inheritdoc />
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
        ConfusionMatrixUpdate.Update(Targets(), yTrue, yPred, _thresholds, _evenly, TopK, ClassId, sampleWeight, owner: Name);

    /// <inheritdoc />
    public override Tensor Result()
    {
        var r = LossUtils.DivideNoNan(TruePositivesState, Ops.Add(TruePositivesState, ErrorState));
        return _thresholds.Length == 1 ? Ops.Reshape(r, []) : r;
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["thresholds"] = Json.Thresholds(_initThresholds);
        c["top_k"] = TopK;
        c["class_id"] = ClassId;
        return c;
    }
}

/// <summary>
/// <c>tp / (tp + fp)</c> (Keras's <c>Precision</c>): of the predictions above the threshold (or in the top k),
/// the fraction whose target is positive; 0 when there are none.
/// </summary>
public sealed class Precision(double[]? thresholds = null, int? topK = null, int? classId = null, string name = "precision")
    : PrecisionRecallBase(thresholds, topK, classId, name, "false_positives")
{
    /// <summary>Creates the metric with one threshold.</summary>
    public Precision(double threshold, int? topK = null, int? classId = null, string name = "precision") : this([threshold], topK, classId, name) { }

    private protected override ConfusionMatrixUpdate.Targets Targets() => new(TruePositivesState, ErrorState, null, null);

    /// <inheritdoc />
    public override Metric Clone(string name) => new Precision(InitThresholds, TopK, ClassId, name);
}

/// <summary>
/// <c>tp / (tp + fn)</c> (Keras's <c>Recall</c>): of the positive targets, the fraction predicted above the
/// threshold (or in the top k); 0 when there are none.
/// </summary>
public sealed class Recall(double[]? thresholds = null, int? topK = null, int? classId = null, string name = "recall")
    : PrecisionRecallBase(thresholds, topK, classId, name, "false_negatives")
{
    /// <summary>Creates the metric with one threshold.</summary>
    public Recall(double threshold, int? topK = null, int? classId = null, string name = "recall") : this([threshold], topK, classId, name) { }

    private protected override ConfusionMatrixUpdate.Targets Targets() => new(TruePositivesState, null, null, ErrorState);

    /// <inheritdoc />
    public override Metric Clone(string name) => new Recall(InitThresholds, TopK, ClassId, name);
}

/// <summary>
/// The base of the "best X where Y &gt;= value" metrics (Keras's <c>SensitivitySpecificityBase</c>): all four
/// confusion counts at <c>numThresholds</c> evenly spaced thresholds in [0, 1] (0.5 alone when 1); the
/// result is the largest dependent value among the thresholds that satisfy the constraint, or 0.
/// </summary>
public abstract class SensitivitySpecificityBase : Metric
{
    private readonly double[] _thresholds;
    private readonly bool _evenly;
    private readonly string _valueKey;

    private protected SensitivitySpecificityBase(double value, string valueName, int numThresholds, int? classId, string name) : base(name)
    {
        _valueKey = valueName;
        if (!(value >= 0 && value <= 1))
            throw new ArgumentOutOfRangeException(valueName, value, $"{GetType().Name}: {valueName} must be in the range [0, 1].");
        if (numThresholds <= 0)
            throw new ArgumentOutOfRangeException(nameof(numThresholds), numThresholds, $"{GetType().Name}: numThresholds must be an integer > 0.");
        if (classId is < 0) throw new ArgumentOutOfRangeException(nameof(classId), classId, $"{GetType().Name}: class_id must be >= 0.");
        Value = value;
        NumThresholds = numThresholds;
        ClassId = classId;
        if (numThresholds == 1)
        {
            _thresholds = [0.5];
            _evenly = false;
        }
        else
        {
            _thresholds = new double[numThresholds];
            for (int i = 1; i < numThresholds - 1; i++) _thresholds[i] = i * 1.0 / (numThresholds - 1);
            _thresholds[^1] = 1.0;
            _evenly = true;
        }
        TP = AddState("true_positives", new Shape(_thresholds.Length));
        FP = AddState("false_positives", new Shape(_thresholds.Length));
        TN = AddState("true_negatives", new Shape(_thresholds.Length));
        FN = AddState("false_negatives", new Shape(_thresholds.Length));
    }

    /// <summary>The constraint's value (recall, precision, sensitivity or specificity).</summary>
    protected double Value { get; }

    public int NumThresholds { get; }
    public int? ClassId { get; }

    /// <summary>The thresholds in use.</summary>
    public IReadOnlyList<double> Thresholds => _thresholds;

    private protected Variable TP { get; }
    private protected Variable FP { get; }
    private protected Variable TN { get; }
    private protected Variable FN { get; }

    /// <inheritdoc />
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
        ConfusionMatrixUpdate.Update(new(TP, FP, TN, FN), yTrue, yPred, _thresholds, _evenly, classId: ClassId, sampleWeight: sampleWeight, owner: Name);

    private protected static Tensor Ratio(Tensor a, Tensor b) => LossUtils.DivideNoNan(a, Ops.Add(a, b));

    /// <summary>Keras's <c>_find_max_under_constraint</c>: max of <paramref name="dependent"/> where <c>constrained &gt;= Value</c>, else 0.</summary>
    private protected Tensor MaxUnderConstraint(Tensor constrained, Tensor dependent)
    {
        var feasible = Ops.GreaterEqual(constrained, Ops.Scalar(Value, constrained.DType));
        var candidates = Ops.Where(feasible, dependent, Ops.ZerosLike(dependent));
        return Ops.Maximum(Ops.Max(candidates), Ops.Scalar(0.0, dependent.DType));
    }

    /// <inheritdoc />
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["class_id"] = ClassId;
        c["num_thresholds"] = NumThresholds;
        c[_valueKey] = Value; // recall, precision, specificity or sensitivity, under Keras's key
        return c;
    }
}

/// <summary>The best precision among thresholds whose recall is at least <c>recall</c> (Keras's <c>PrecisionAtRecall</c>).</summary>
public sealed class PrecisionAtRecall(double recall, int numThresholds = 200, int? classId = null, string name = "precision_at_recall")
    : SensitivitySpecificityBase(recall, nameof(recall), numThresholds, classId, name)
{
    /// <summary>The recall constraint.</summary>
    public double Recall => Value;

    /// <inheritdoc />
    public override Tensor Result() => MaxUnderConstraint(Ratio(TP, FN), Ratio(TP, FP));

    /// <inheritdoc />
    public override Metric Clone(string name) => new PrecisionAtRecall(Recall, NumThresholds, ClassId, name);
}

/// <summary>
/// The best recall among thresholds whose precision is at least <c>precision</c>, 0 if none reaches it
/// (Keras's <c>RecallAtPrecision</c>).
/// </summary>
public sealed class RecallAtPrecision(double precision, int numThresholds = 200, int? classId = null, string name = "recall_at_precision")
    : SensitivitySpecificityBase(precision, nameof(precision), numThresholds, classId, name)
{
    /// <summary>The precision constraint.</summary>
    public double Precision => Value;

    /// <inheritdoc />
    public override Tensor Result() => MaxUnderConstraint(Ratio(TP, FP), Ratio(TP, FN));

    /// <inheritdoc />
    public override Metric Clone(string name) => new RecallAtPrecision(Precision, NumThresholds, ClassId, name);
}

/// <summary>The best sensitivity (recall) among thresholds whose specificity is at least <c>specificity</c> (Keras's <c>SensitivityAtSpecificity</c>).</summary>
public sealed class SensitivityAtSpecificity(double specificity, int numThresholds = 200, int? classId = null, string name = "sensitivity_at_specificity")
    : SensitivitySpecificityBase(specificity, nameof(specificity), numThresholds, classId, name)
{
    /// <summary>The specificity constraint.</summary>
    public double Specificity => Value;

    /// <inheritdoc />
    public override Tensor Result() => MaxUnderConstraint(Ratio(TN, FP), Ratio(TP, FN));

    /// <inheritdoc />
    public override Metric Clone(string name) => new SensitivityAtSpecificity(Specificity, NumThresholds, ClassId, name);
}

/// <summary>The best specificity among thresholds whose sensitivity (recall) is at least <c>sensitivity</c> (Keras's <c>SpecificityAtSensitivity</c>).</summary>
public sealed class SpecificityAtSensitivity(double sensitivity, int numThresholds = 200, int? classId = null, string name = "specificity_at_sensitivity")
    : SensitivitySpecificityBase(sensitivity, nameof(sensitivity), numThresholds, classId, name)
{
    /// <summary>The sensitivity constraint.</summary>
    public double Sensitivity => Value;

    /// <inheritdoc />
    public override Tensor Result() => MaxUnderConstraint(Ratio(TP, FN), Ratio(TN, FP));

    /// <inheritdoc />
    public override Metric Clone(string name) => new SpecificityAtSensitivity(Sensitivity, NumThresholds, ClassId, name);
}

internal static class Json
{
    public static JsonNode? Thresholds(double[]? thresholds) => thresholds switch
    {
        null => null,
        [var one] => JsonValue.Create(one),
        _ => new JsonArray(thresholds.Select(t => (JsonNode)t).ToArray()),
    };
}
