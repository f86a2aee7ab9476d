using Keras.Data;
using Keras.Models;
using NumSharp;

namespace Keras.Wrappers;

/// <summary>
/// The common part of the scikit-learn-style wrappers: a model-building function plus parameters.
/// Parameters named <c>epochs</c>, <c>batch_size</c> and <c>verbose</c> go to <c>Fit</c>; all of them
/// are also given to the building function, which returns a compiled model.
/// </summary>
public abstract class KerasEstimator
{
    private readonly Func<IReadOnlyDictionary<string, object>, Model> _build;

    /// <summary>Creates the estimator.</summary>
    protected KerasEstimator(Func<IReadOnlyDictionary<string, object>, Model> buildFn, IReadOnlyDictionary<string, object>? parameters)
    {
        _build = buildFn ?? throw new ArgumentNullException(nameof(buildFn));
        Parameters = new Dictionary<string, object>(parameters ?? new Dictionary<string, object>());
    }

    /// <summary>The parameters (scikit-learn's <c>get_params</c>).</summary>
    public IReadOnlyDictionary<string, object> Parameters { get; private set; }

    /// <summary>The trained model (after <see cref="Fit"/>).</summary>
    public Model? Model { get; private set; }

    /// <summary>A new unfitted estimator with these parameters overridden (scikit-learn's <c>clone</c> + <c>set_params</c>).</summary>
    public abstract KerasEstimator WithParameters(IReadOnlyDictionary<string, object> overrides);

    private protected Func<IReadOnlyDictionary<string, object>, Model> BuildFn => _build;

    private protected static Dictionary<string, object> Merge(IReadOnlyDictionary<string, object> a, IReadOnlyDictionary<string, object> b)
    {
        var merged = new Dictionary<string, object>(a);
        foreach (var (k, v) in b) merged[k] = v;
        return merged;
    }

    private int Int(string key, int fallback) => Parameters.TryGetValue(key, out var v) ? Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    /// <summary>Builds a fresh model with the parameters and trains it (scikit-learn's <c>fit</c>).</summary>
    public KerasEstimator Fit(object x, object y)
    {
        Model?.Dispose();
        Model = _build(Parameters);
        if (!Model.IsCompiled)
            throw new InvalidOperationException("The build function must return a compiled model (call Compile before returning it).");
        Model.Fit(x, PrepareTargets(HostArray.From(y, nameof(y))), batchSize: Int("batch_size", 32), epochs: Int("epochs", 1), verbose: Int("verbose", 0));
        return this;
    }

    /// <summary>Targets as the model is trained on them (classifiers may encode labels).</summary>
    private protected virtual HostArray PrepareTargets(HostArray y) => y;

    /// <summary>The model's raw outputs.</summary>
    private protected NDArray Raw(object x) =>
        (Model ?? throw new InvalidOperationException("Call Fit before predicting.")).Predict(x, batchSize: Int("batch_size", 32));

    /// <summary>The estimator's score on (x, y): accuracy for classifiers, R² for regressors (scikit-learn's <c>score</c>).</summary>
    public abstract double Score(object x, object y);
}

/// <summary>
/// A Keras model as a scikit-learn-style classifier (Keras's <c>SKLearnClassifier</c>): integer class
/// labels in, class labels and probabilities out, accuracy as the score.
/// </summary>
public sealed class KerasClassifier(Func<IReadOnlyDictionary<string, object>, Model> buildFn, IReadOnlyDictionary<string, object>? parameters = null)
    : KerasEstimator(buildFn, parameters)
{
    /// <inheritdoc />
    public override KerasEstimator WithParameters(IReadOnlyDictionary<string, object> overrides) => new KerasClassifier(BuildFn, Merge(Parameters, overrides));

    /// <summary>Class probabilities, one row per sample (a single sigmoid output becomes two columns).</summary>
    public NDArray PredictProba(object x)
    {
        var p = HostArray.From(Raw(x), "probabilities").AsType(DType.Float32);
        if (p.Rank == 2 && p.Dim(1) > 1) return p.ToNDArray();
        var positive = p.ToArray<float>();
        var two = new float[positive.Length * 2];
        for (int i = 0; i < positive.Length; i++)
        {
            two[2 * i] = 1 - positive[i];
            two[2 * i + 1] = positive[i];
        }
        return HostArray.Create(two, positive.Length, 2).ToNDArray();
    }

    /// <summary>The most likely class of each sample.</summary>
    public int[] Predict(object x)
    {
        var p = HostArray.From(PredictProba(x), "probabilities");
        var values = p.ToArray<float>();
        long classes = p.Dim(1);
        var labels = new int[p.Dim(0)];
        for (int i = 0; i < labels.Length; i++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (values[i * classes + c] > values[i * classes + best]) best = c;
            labels[i] = best;
        }
        return labels;
    }

    /// <inheritdoc />
    public override double Score(object x, object y)
    {
        var truth = HostArray.From(y, nameof(y)).ToArray<long>();
        var predicted = Predict(x);
        if (truth.Length != predicted.Length)
            throw new ArgumentException($"Score: {truth.Length} labels for {predicted.Length} samples.", nameof(y));
        return truth.Where((t, i) => t == predicted[i]).Count() / (double)truth.Length;
    }
}

/// <summary>A Keras model as a scikit-learn-style regressor: predictions out, R² as the score.</summary>
public sealed class KerasRegressor(Func<IReadOnlyDictionary<string, object>, Model> buildFn, IReadOnlyDictionary<string, object>? parameters = null)
    : KerasEstimator(buildFn, parameters)
{
    /// <inheritdoc />
    public override KerasEstimator WithParameters(IReadOnlyDictionary<string, object> overrides) => new KerasRegressor(BuildFn, Merge(Parameters, overrides));

    /// <summary>The predictions, flattened to one value per sample for single-output regressors.</summary>
    public float[] Predict(object x) => HostArray.From(Raw(x), "predictions").ToArray<float>();

    /// <inheritdoc />
    public override double Score(object x, object y)
    {
        var truth = HostArray.From(y, nameof(y)).ToArray<double>();
        var predicted = Predict(x);
        if (truth.Length != predicted.Length)
            throw new ArgumentException($"Score: {truth.Length} targets for {predicted.Length} predictions.", nameof(y));
        double mean = truth.Average();
        double residual = truth.Select((t, i) => (t - predicted[i]) * (t - predicted[i])).Sum();
        double total = truth.Sum(t => (t - mean) * (t - mean));
        return total == 0 ? (residual == 0 ? 1 : 0) : 1 - residual / total;
    }
}
