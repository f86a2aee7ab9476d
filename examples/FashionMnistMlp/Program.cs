// The seed's Sequential model on the full Fashion-MNIST data set (Debian package
// dataset-fashion-mnist, or the four IDX files in ~/.keras/datasets/fashion-mnist).
// Prints "Test accuracy: 0.xxxx" as its last line.
using System.Diagnostics;
using Keras;
using Keras.Callbacks;
using Keras.Datasets;
using Keras.Layers;
using Keras.Models;
using NumSharp;

int epochs = args.Length > 0 ? int.Parse(args[0]) : 5;
Utils.SetRandomSeed(1337);

var ((xTrain, yTrain), (xTest, yTest)) = FashionMnist.LoadData();
using var trainImages = xTrain.reshape(-1, 784).astype(NPTypeCode.Single) / 255f;
using var testImages = xTest.reshape(-1, 784).astype(NPTypeCode.Single) / 255f;

var model = new Sequential();
model.Add(new Dense(512, activation: "relu", inputShape: 784));
model.Add(new Dropout(0.2));
model.Add(new Dense(256, activation: "relu"));
model.Add(new Dropout(0.2));
model.Add(new Dense(10, activation: "softmax"));
model.Summary();

model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);

var timer = new EpochTimer();
model.Fit(trainImages, yTrain, batchSize: 128, epochs: epochs, verbose: 2, validationData: (testImages, yTest), callbacks: [timer]);
Console.WriteLine($"Mean time per epoch: {timer.Seconds.Average():F1} s");

var scores = model.Evaluate(testImages, yTest, batchSize: 128);
using var probabilities = model.Predict(testImages[new Slice(0, 5)], batchSize: 128);
Console.WriteLine($"First test predictions: {string.Join(", ", Enumerable.Range(0, 5).Select(i => FashionMnist.ClassNames[(int)np.argmax(probabilities[i])]))}");
Console.WriteLine($"Test accuracy: {scores["accuracy"]:F4}");

/// <summary>Records how long each epoch takes.</summary>
sealed class EpochTimer : Callback
{
    private readonly Stopwatch _clock = new();

    public List<double> Seconds { get; } = [];

    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, double> logs) => _clock.Restart();

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => Seconds.Add(_clock.Elapsed.TotalSeconds);
}
