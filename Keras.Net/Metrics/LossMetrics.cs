namespace Keras.Metrics;

/// <summary>The mean Kullback-Leibler divergence (Keras's <c>KLDivergence</c> metric).</summary>
public sealed class KLDivergence(string name = "kl_divergence") : MeanMetricWrapper(Losses.LossFunctions.KLDivergence, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new KLDivergence(name);
}

/// <summary>The mean Poisson loss (Keras's <c>Poisson</c> metric).</summary>
public sealed class Poisson(string name = "poisson") : MeanMetricWrapper(Losses.LossFunctions.Poisson, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new Poisson(name);
}

/// <summary>The mean hinge loss (Keras's <c>Hinge</c> metric).</summary>
public sealed class Hinge(string name = "hinge") : MeanMetricWrapper(Losses.LossFunctions.Hinge, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new Hinge(name);
}

/// <summary>The mean squared hinge loss (Keras's <c>SquaredHinge</c> metric).</summary>
public sealed class SquaredHinge(string name = "squared_hinge") : MeanMetricWrapper(Losses.LossFunctions.SquaredHinge, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new SquaredHinge(name);
}

/// <summary>The mean categorical hinge loss (Keras's <c>CategoricalHinge</c> metric).</summary>
public sealed class CategoricalHinge(string name = "categorical_hinge") : MeanMetricWrapper(Losses.LossFunctions.CategoricalHinge, name)
{
    /// <inheritdoc />
    public override Metric Clone(string name) => new CategoricalHinge(name);
}
