using Keras.Data;
using Keras.Datasets;
using Keras.Layers;
using Keras.Models;

namespace Keras.Examples.Serving;

/// <summary>
/// The model the example serves when it is given none: a small Fashion-MNIST classifier trained for
/// a moment on the sample that ships inside Keras.Net, so that <c>dotnet run</c> works with no setup.
/// </summary>
public static class DemoModel
{
    /// <summary>Builds, trains (two epochs on 2,000 images, about a second) and saves the demo model to <paramref name="path"/> (a <c>.keras</c> file).</summary>
    public static void CreateFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Fixed seed: the same weights every time, so a run can be compared with another.
        Utils.SetRandomSeed(42);
        var ((xTrain, yTrain), _) = FashionMnist.LoadHostSample();
        using var model = new Sequential([
            new Flatten(inputShape: (28, 28)),
            new Dense(64, activation: "relu"),
            new Dense(10, activation: "softmax"),
        ], name: "fashion_mnist_demo");
        model.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        model.Fit(Scaled(xTrain), yTrain, batchSize: 64, epochs: 2, verbose: 0);
        model.SaveModel(path);
    }

    /// <summary>Pixels 0-255 as floats in [0, 1], the input the demo model was trained on.</summary>
    public static HostArray Scaled(HostArray images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var pixels = images.ToArray<byte>();
        var scaled = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) scaled[i] = pixels[i] / 255f;
        return HostArray.Create(scaled, images.Shape);
    }
}
