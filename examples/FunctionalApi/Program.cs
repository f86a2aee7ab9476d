// The seed's functional-API examples: a classifier built from tensors, a layer shared between
// two inputs, and the classifier applied to every frame of a sequence with TimeDistributed
// ("an image classifier becomes a video classifier").
using Keras;
using Keras.Layers;
using Keras.Models;
using NumSharp;
using static Keras.KerasApi;

Utils.SetRandomSeed(7);
var random = new Random(7);

// 1. A classifier: Input -> Dense(64) -> Dense(64) -> Dense(10, softmax).
var inputs = Input(shape: 784);
var x = new Dense(64, activation: "relu").Apply(inputs);
x = new Dense(64, activation: "relu").Apply(x);
var predictions = new Dense(10, activation: "softmax").Apply(x);
var classifier = new Model(inputs, predictions);
classifier.Compile(optimizer: "rmsprop", loss: "categorical_crossentropy", metrics: ["accuracy"]);

var data = new float[1000, 784];
var labels = new float[1000, 10];
for (int i = 0; i < 1000; i++)
{
    int cls = random.Next(10);
    labels[i, cls] = 1;
    for (int j = 0; j < 784; j++) data[i, j] = (float)(random.NextDouble() * 0.5 + (j % 10 == cls ? 0.5 : 0));
}
var history = classifier.Fit(data, labels, epochs: 3, verbose: 2);
Console.WriteLine($"Classifier accuracy after 3 epochs: {history["accuracy"][^1]:F4}");

// 2. A shared layer: one Dense instance applied to two inputs shares its weights.
var left = Input(shape: 16, name: "left");
var right = Input(shape: 16, name: "right");
var encoder = new Dense(8, activation: "tanh", name: "shared_encoder");
var features = new ConcatFeatures().Apply(new Tensors(encoder.Apply(left), encoder.Apply(right)));
var merged = new Dense(1, activation: "sigmoid").Apply(features);
var siamese = new Model(new Tensors(left, right), merged, name: "siamese");
siamese.Summary();

// 3. The classifier applied to 20 time steps of 784 features.
var video = Input(shape: (20, 784));
var perFrame = new TimeDistributed(classifier).Apply(video);
var videoModel = new Model(video, perFrame, name: "video_classifier");
videoModel.Summary();
using var clip = np.array(data).reshape(50, 20, 784);
using var framePredictions = videoModel.Predict(clip);
Console.WriteLine($"Video predictions shape: ({string.Join(", ", framePredictions.shape)})");

/// <summary>A custom layer: concatenates its inputs along the last axis (both branches of the shared encoder).</summary>
sealed class ConcatFeatures : Layer
{
    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask) => Ops.Concatenate(inputs.ToArray(), -1);

    public override IReadOnlyList<Keras.Shape> ComputeOutputShapes(IReadOnlyList<Keras.Shape> inputShapes) =>
        [inputShapes[0].With(-1, inputShapes.Sum(s => s[-1]))];
}
