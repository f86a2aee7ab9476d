using Keras.Data;

namespace Keras.Wrappers;

/// <summary>One parameter combination tried by <see cref="GridSearch"/>.</summary>
/// <param name="Parameters">The parameters.</param>
/// <param name="FoldScores">The score on each validation fold.</param>
public sealed record GridSearchResult(IReadOnlyDictionary<string, object> Parameters, IReadOnlyList<double> FoldScores)
{
    /// <summary>The mean score over the folds.</summary>
    public double MeanScore => FoldScores.Average();
}

/// <summary>
/// Exhaustive search over a parameter grid with k-fold cross-validation (scikit-learn's
/// <c>GridSearchCV</c> for the wrappers): every combination is trained on k-1 folds and scored on
/// the remaining one, k times; the best mean score wins and is refitted on all the data.
/// </summary>
public sealed class GridSearch
{
    private readonly KerasEstimator _estimator;
    private readonly IReadOnlyDictionary<string, object[]> _grid;

    /// <summary>Creates the search.</summary>
    /// <param name="estimator">The estimator whose parameters are varied.</param>
    /// <param name="parameterGrid">For each parameter, the values to try.</param>
    /// <param name="cv">Number of folds (>= 2).</param>
    /// <param name="seed">Seed of the fold assignment (samples are shuffled before splitting).</param>
    /// <param name="refit">Train the best combination on all the data at the end.</param>
    public GridSearch(KerasEstimator estimator, IReadOnlyDictionary<string, object[]> parameterGrid, int cv = 3, int seed = 0, bool refit = true)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(parameterGrid);
        ArgumentOutOfRangeException.ThrowIfLessThan(cv, 2);
        if (parameterGrid.Count == 0 || parameterGrid.Values.Any(v => v.Length == 0))
            throw new ArgumentException("GridSearch needs at least one value for every parameter of the grid.", nameof(parameterGrid));
        _estimator = estimator;
        _grid = parameterGrid;
        Folds = cv;
        Seed = seed;
        Refit = refit;
    }

    public int Folds { get; }
    public int Seed { get; }
    public bool Refit { get; }

    /// <summary>Every combination with its fold scores, in grid order.</summary>
    public IReadOnlyList<GridSearchResult> Results { get; private set; } = [];

    /// <summary>The best combination.</summary>
    public IReadOnlyDictionary<string, object> BestParameters => Best.Parameters;

    /// <summary>The best mean score.</summary>
    public double BestScore => Best.MeanScore;

    /// <summary>The estimator refitted on all the data with the best parameters (when <see cref="Refit"/>).</summary>
    public KerasEstimator? BestEstimator { get; private set; }

    private GridSearchResult Best => Results.Count > 0
        ? Results.MaxBy(r => r.MeanScore)!
        : throw new InvalidOperationException("Call Fit first.");

    /// <summary>Runs the search.</summary>
    public GridSearch Fit(object x, object y)
    {
        var xs = HostArray.From(x, nameof(x));
        var ys = HostArray.From(y, nameof(y));
        long n = xs.Dim(0);
        if (ys.Dim(0) != n) throw new ArgumentException($"GridSearch: x has {n} samples but y has {ys.Dim(0)}.", nameof(y));
        if (n < Folds) throw new ArgumentException($"GridSearch: {n} samples cannot make {Folds} folds.", nameof(x));
        var order = Enumerable.Range(0, (int)n).Select(i => (long)i).ToArray();
        new Random(Seed).Shuffle(order);
        var folds = Enumerable.Range(0, Folds).Select(f => order.Where((_, i) => i % Folds == f).ToArray()).ToArray();

        var results = new List<GridSearchResult>();
        foreach (var combination in Combinations())
        {
            var scores = new List<double>();
            for (int f = 0; f < Folds; f++)
            {
                var train = folds.Where((_, i) => i != f).SelectMany(a => a).ToArray();
                var estimator = _estimator.WithParameters(combination);
                estimator.Fit(xs.Take(train), ys.Take(train));
                scores.Add(estimator.Score(xs.Take(folds[f]), ys.Take(folds[f])));
                estimator.Model?.Dispose();
            }
            results.Add(new GridSearchResult(combination, scores));
        }
        Results = results;
        if (Refit)
        {
            BestEstimator = _estimator.WithParameters(BestParameters);
            BestEstimator.Fit(xs, ys);
        }
        return this;
    }

    private IEnumerable<IReadOnlyDictionary<string, object>> Combinations()
    {
        IEnumerable<Dictionary<string, object>> combos = [new Dictionary<string, object>()];
        foreach (var (key, values) in _grid)
        {
            combos = combos.SelectMany(c => values.Select(v => new Dictionary<string, object>(c) { [key] = v })).ToList();
        }
        return combos;
    }
}
