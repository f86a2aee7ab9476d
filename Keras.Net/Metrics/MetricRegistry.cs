namespace Keras.Metrics;

/// <summary>Keras's <c>metrics.get</c> names: class names, their snake_case forms and the aliases Keras registers.</summary>
internal static class MetricRegistry
{
    private static Metric CrossentropyWrapper(Losses.Loss loss, string name) => new MeanMetricWrapper(loss.Call, name);

    public static Metric Create(string name) => name switch
    {
        "accuracy" or "acc" or "Accuracy" => new Accuracy(name),
        "binary_accuracy" or "BinaryAccuracy" => new BinaryAccuracy(name),
        "categorical_accuracy" or "CategoricalAccuracy" => new CategoricalAccuracy(name),
        "sparse_categorical_accuracy" or "SparseCategoricalAccuracy" => new SparseCategoricalAccuracy(name),
        "top_k_categorical_accuracy" or "TopKCategoricalAccuracy" => new TopKCategoricalAccuracy(name: name),
        "sparse_top_k_categorical_accuracy" or "SparseTopKCategoricalAccuracy" => new SparseTopKCategoricalAccuracy(name: name),
        "mae" or "MAE" or "mean_absolute_error" or "MeanAbsoluteError" => new MeanAbsoluteError(name),
        "mse" or "MSE" or "mean_squared_error" or "MeanSquaredError" => new MeanSquaredError(name),
        "mape" or "MAPE" or "mean_absolute_percentage_error" or "MeanAbsolutePercentageError" => new MeanAbsolutePercentageError(name),
        "msle" or "MSLE" or "mean_squared_logarithmic_error" or "MeanSquaredLogarithmicError" => new MeanSquaredLogarithmicError(name),
        "root_mean_squared_error" or "RootMeanSquaredError" => new RootMeanSquaredError(name),
        "logcosh" or "log_cosh" or "log_cosh_error" or "LogCoshError" => new LogCoshError(name),
        "cosine_similarity" or "CosineSimilarity" => new CosineSimilarity(name),
        "r2_score" or "R2Score" => new R2Score(name: name),
        "kld" or "KLD" or "kl_divergence" or "kullback_leibler_divergence" or "KLDivergence" => new KLDivergence(name),
        "poisson" or "Poisson" => new Poisson(name),
        "hinge" or "Hinge" => new Hinge(name),
        "squared_hinge" or "SquaredHinge" => new SquaredHinge(name),
        "categorical_hinge" or "CategoricalHinge" => new CategoricalHinge(name),
        "bce" or "BCE" or "binary_crossentropy" or "BinaryCrossentropy" => CrossentropyWrapper(new Losses.BinaryCrossentropy(), name),
        "categorical_crossentropy" or "CategoricalCrossentropy" => CrossentropyWrapper(new Losses.CategoricalCrossentropy(), name),
        "sparse_categorical_crossentropy" or "SparseCategoricalCrossentropy" => CrossentropyWrapper(new Losses.SparseCategoricalCrossentropy(), name),
        "auc" or "AUC" => new AUC(name: name),
        "precision" or "Precision" => new Precision(name: name),
        "recall" or "Recall" => new Recall(name: name),
        "true_positives" or "TruePositives" => new TruePositives(name: name),
        "true_negatives" or "TrueNegatives" => new TrueNegatives(name: name),
        "false_positives" or "FalsePositives" => new FalsePositives(name: name),
        "false_negatives" or "FalseNegatives" => new FalseNegatives(name: name),
        "f1_score" or "F1Score" => new F1Score(name: name),
        "f_beta_score" or "fbeta_score" or "FBetaScore" => new FBetaScore(name: name),
        "sum" or "Sum" => new Sum(name),
        "mean" or "Mean" => new Mean(name),
        "mean_io_u" or "MeanIoU" or "io_u" or "IoU" or "one_hot_io_u" or "OneHotIoU" or "one_hot_mean_io_u" or "OneHotMeanIoU"
            or "precision_at_recall" or "PrecisionAtRecall" or "recall_at_precision" or "RecallAtPrecision"
            or "sensitivity_at_specificity" or "SensitivityAtSpecificity" or "specificity_at_sensitivity" or "SpecificityAtSensitivity" =>
            throw new ArgumentException($"Metric '{name}' needs constructor arguments (e.g. numClasses, recall, precision); create it with new.", nameof(name)),
        "binary_io_u" or "BinaryIoU" => new BinaryIoU(name: name),
        _ => throw new ArgumentException(
            $"Unknown metric '{name}'. Known: accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy, " +
            "sparse_top_k_categorical_accuracy, mae, mse, mape, msle, root_mean_squared_error, logcosh, cosine_similarity, r2_score, kl_divergence, " +
            "poisson, hinge, squared_hinge, categorical_hinge, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy, auc, " +
            "precision, recall, true_positives, true_negatives, false_positives, false_negatives, f1_score, fbeta_score, sum, mean, binary_io_u " +
            "(or their Keras class names).", nameof(name)),
    };
}
