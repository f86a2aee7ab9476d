// Keras.Net quick start: train and evaluate a small image classifier on the Fashion-MNIST sample
// that ships inside the library (2,000 training and 500 test images), with no setup.
using Keras;
using Keras.Datasets;
using Keras.Layers;
using Keras.Models;
using NumSharp;

Utils.SetRandomSeed(42);

var ((xTrain, yTrain), (xTest, yTest)) = FashionMnist.LoadSample();
using var trainImages = xTrain.astype(NPTypeCode.Single) / 255f;
using var testImages = xTest.astype(NPTypeCode.Single) / 255f;

var model = new Sequential([
    new Flatten(inputShape: (28, 28)),
    new Dense(128, activation: "relu"),
    new Dropout(0.2),
    new Dense(10, activation: "softmax"),
]);
model.Summary();

model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
model.Fit(trainImages, yTrain, batchSize: 32, epochs: 10, validationSplit: 0.1);

var scores = model.Evaluate(testImages, yTest);
Console.WriteLine($"Test loss: {scores["loss"]:F4}");
Console.WriteLine($"Test accuracy: {scores["accuracy"]:F4}");
