// A custom training loop with GradientTape (Keras's "writing a training loop from scratch"):
// batches from a Dataset, gradients from the tape, updates from the optimizer, metrics by hand.
using Keras;
using Keras.Data;
using Keras.Datasets;
using Keras.Layers;
using Keras.Losses;
using Keras.Metrics;
using Keras.Models;
using Keras.Optimizers;
using NumSharp;

Utils.SetRandomSeed(3);
var ((xTrain, yTrain), (xTest, yTest)) = FashionMnist.LoadSample();
using var train = xTrain.reshape(-1, 784).astype(NPTypeCode.Single) / 255f;
using var test = xTest.reshape(-1, 784).astype(NPTypeCode.Single) / 255f;

var model = new Sequential([
    new Dense(128, activation: "relu", inputShape: 784),
    new Dense(10),
]);
var optimizer = new Adam(1e-3);
var lossFn = new SparseCategoricalCrossentropy(fromLogits: true);
var accuracy = new SparseCategoricalAccuracy();
var batches = Dataset.FromArrays(train, yTrain).Shuffle(seed: 1).Batch(64).Prefetch();

for (int epoch = 0; epoch < 5; epoch++)
{
    accuracy.ResetState();
    double lossSum = 0;
    int steps = 0;
    foreach (var batch in batches)
    {
        using var scope = Ops.Scope();          // frees every tensor of the step
        var x = Ops.FromHost(batch.X[0]);
        var y = Ops.FromHost(batch.Y![0]);
        var tape = new GradientTape();
        var logits = model.Apply(x, training: true);
        var loss = lossFn.Compute(y, logits);
        var grads = tape.Gradient(loss, model.TrainableWeights);
        optimizer.ApplyGradients(grads, model.TrainableWeights);
        accuracy.UpdateState(y, logits);
        lossSum += loss.Item();
        steps++;
    }
    Console.WriteLine($"epoch {epoch + 1}: loss {lossSum / steps:F4}, accuracy {accuracy.ResultValue():F4}");
}

// The same model evaluated with the built-in loop.
model.Compile(optimizer: optimizer, loss: lossFn, metrics: ["accuracy"]);
Console.WriteLine($"Test accuracy: {model.Evaluate(test, yTest)["accuracy"]:F4}");
