// A 2-conv CNN on Fashion-MNIST with the training toolkit: EarlyStopping, ModelCheckpoint (best model
// only) and ReduceLROnPlateau. Prints "Test accuracy: 0.xxxx" as its last line.
// Data: Debian's dataset-fashion-mnist package or the IDX files in ~/.keras/datasets/fashion-mnist.
using System.Diagnostics;
using Keras;
using Keras.Callbacks;
using Keras.Datasets;
using Keras.Layers;
using Keras.Models;
using NumSharp;

int epochs = args.Length > 0 ? int.Parse(args[0]) : 12;
Utils.SetRandomSeed(2024);

var ((xTrain, yTrain), (xTest, yTest)) = FashionMnist.LoadData();
using var trainImages = xTrain.reshape(-1, 28, 28, 1).astype(NPTypeCode.Single) / 255f;
using var testImages = xTest.reshape(-1, 28, 28, 1).astype(NPTypeCode.Single) / 255f;

var model = new Sequential([
    new Conv2D(32, 3, activation: "relu", inputShape: (28, 28, 1)),
    new MaxPooling2D(2),
    new Conv2D(64, 3, activation: "relu"),
    new MaxPooling2D(2),
    new Flatten(),
    new Dropout(0.3),
    new Dense(128, activation: "relu"),
    new Dense(10, activation: "softmax"),
]);
model.Summary();
model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);

var checkpointDir = Directory.CreateTempSubdirectory("fashion-cnn").FullName;
var checkpoint = new ModelCheckpoint(Path.Combine(checkpointDir, "best.keras"), monitor: "val_accuracy", saveBestOnly: true, verbose: 1);
var clock = Stopwatch.StartNew();
var history = model.Fit(trainImages, yTrain, batchSize: 128, epochs: epochs, validationSplit: 0.1, verbose: 2, callbacks:
[
    new EarlyStopping(monitor: "val_loss", patience: 3, restoreBestWeights: true, verbose: 1),
    checkpoint,
    new ReduceLROnPlateau(monitor: "val_loss", factor: 0.5, patience: 1, verbose: 1),
]);
Console.WriteLine($"Mean time per epoch: {clock.Elapsed.TotalSeconds / history.Epochs.Count:F1} s");

// The best checkpoint, as a service would load it.
var best = Model.Load(Path.Combine(checkpointDir, "best.keras"));
var scores = best.Evaluate(testImages, yTest, batchSize: 256);
Directory.Delete(checkpointDir, recursive: true);
Console.WriteLine($"Best validation accuracy: {checkpoint.Best:F4}");
Console.WriteLine($"Test accuracy: {scores["accuracy"]:F4}");
