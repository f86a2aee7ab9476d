// The seed's scikit-learn-style use: wrap a model-building function and let a grid search try
// hyperparameters with 3-fold cross-validation.
using Keras;
using Keras.Datasets;
using Keras.Layers;
using Keras.Models;
using Keras.Wrappers;
using NumSharp;

var ((xTrain, yTrain), _) = FashionMnist.LoadSample();
using var images = xTrain["0:600"].reshape(-1, 784).astype(NPTypeCode.Single) / 255f;
using var labels = yTrain["0:600"];

Model Build(IReadOnlyDictionary<string, object> p)
{
    Utils.SetRandomSeed(11);
    var model = new Sequential([
        new Dense((int)p["units"], activation: "relu", inputShape: 784),
        new Dropout((double)p["dropout"]),
        new Dense(10, activation: "softmax"),
    ]);
    model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
    return model;
}

var search = new GridSearch(
    new KerasClassifier(Build, new Dictionary<string, object> { ["epochs"] = 5, ["batch_size"] = 32 }),
    new Dictionary<string, object[]> { ["units"] = [32, 128], ["dropout"] = [0.0, 0.3] },
    cv: 3);
search.Fit(images, labels);

foreach (var result in search.Results)
{
    Console.WriteLine($"{string.Join(", ", result.Parameters.Select(p => $"{p.Key}={p.Value}"))}: " +
                      $"folds [{string.Join(", ", result.FoldScores.Select(s => s.ToString("F3")))}] mean {result.MeanScore:F4}");
}
Console.WriteLine($"Best: {string.Join(", ", search.BestParameters.Select(p => $"{p.Key}={p.Value}"))} (mean accuracy {search.BestScore:F4})");
