using Keras.Backend;
using Keras.Layers;
using Keras.Saving;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Layers;

/// <summary>What <see cref="LayerHarness.Run"/> checks a layer against (Keras's <c>run_layer_test</c>).</summary>
internal sealed record LayerExpectation
{
    /// <summary>Full input shapes, batch first (one per input).</summary>
    public required IReadOnlyList<Shape> InputShapes { get; init; }

    /// <summary>Expected output shape (of the first output) for those inputs.</summary>
    public required Shape OutputShape { get; init; }

    /// <summary>Expected trainable weight shapes, in Keras order.</summary>
    public IReadOnlyList<Shape> TrainableShapes { get; init; } = [];

    /// <summary>Expected non-trainable weight shapes, in Keras order.</summary>
    public IReadOnlyList<Shape> NonTrainableShapes { get; init; } = [];

    /// <summary>Input dtypes (default float32 for each input).</summary>
    public IReadOnlyList<DType>? InputDTypes { get; init; }

    /// <summary>Integer inputs are drawn from [0, this) (for embeddings and the like).</summary>
    public int IntegerInputRange { get; init; } = 10;

    /// <summary>Whether training mode gives a different output than inference (dropout, noise, batch statistics).</summary>
    public bool TrainingDiffers { get; init; }

    /// <summary>Whether a forward pass in training mode updates non-trainable weights (moving statistics).</summary>
    public bool TrainingUpdatesNonTrainable { get; init; }

    /// <summary>Relative tolerance of the finite-difference gradient check (float32 arithmetic).</summary>
    public double GradientTolerance { get; init; } = 3e-2;

    /// <summary>Skip the shape check of symbolic outputs for dimensions that are unknown there (e.g. dynamic lengths).</summary>
    public bool CheckSymbolicShape { get; init; } = true;
}

/// <summary>
/// The shared layer test (like Keras's <c>run_layer_test</c>): builds a layer from an input shape and
/// checks the output shape (eager, symbolic and <c>ComputeOutputShape</c>), the weights' number and
/// shapes, the config round trip, a training step that changes trainable weights and leaves
/// non-trainable ones, training vs inference mode, and gradients against finite differences.
/// </summary>
internal static class LayerHarness
{
    public static void Run(Func<Layer> create, LayerExpectation expect)
    {
        Utils.SetRandomSeed(1234);
        var dtypes = expect.InputDTypes ?? expect.InputShapes.Select(_ => DType.Float32).ToArray();
        using var scope = Ops.Scope();
        var inputs = expect.InputShapes.Select((s, i) => MakeInput(s, dtypes[i], expect.IntegerInputRange, 100 + i)).ToArray();
        var layer = create();
        var label = $"{layer.GetType().Name} \"{layer.Name}\"";

        // Eager call: output shape and weights.
        var output = layer.Apply(new Tensors(inputs), training: false);
        Assert.AreEqual(expect.OutputShape, output[0].Shape, $"{label}: eager output shape");
        CollectionAssert.AreEqual(expect.TrainableShapes.ToArray(), layer.TrainableWeights.Select(w => w.Shape).ToArray(), $"{label}: trainable weight shapes");
        CollectionAssert.AreEqual(expect.NonTrainableShapes.ToArray(), layer.NonTrainableWeights.Select(w => w.Shape).ToArray(), $"{label}: non-trainable weight shapes");

        // ComputeOutputShape and the symbolic path agree with the eager result.
        var computed = layer.ComputeOutputShapes(expect.InputShapes)[0];
        Assert.AreEqual(expect.OutputShape, computed, $"{label}: ComputeOutputShapes");
        if (expect.CheckSymbolicShape)
        {
            var symbolicLayer = create();
            var symbolicInputs = expect.InputShapes.Select((s, i) => (Tensor)Input(s.WithoutBatch(), dtype: dtypes[i])).ToArray();
            var symbolic = symbolicLayer.Apply(new Tensors(symbolicInputs));
            Assert.AreEqual(expect.OutputShape.With(0, Shape.Unknown), symbolic[0].Shape, $"{label}: symbolic output shape");
        }

        // Config round trip: same config, and with the same weights the same output.
        var config = layer.GetConfig();
        var className = layer.GetType().Name;
        var revived = KerasObjects.Layer(className, config);
        Assert.AreEqual(config.ToJsonString(), revived.GetConfig().ToJsonString(), $"{label}: config round trip");
        revived.Apply(new Tensors(inputs), training: false);
        for (int i = 0; i < layer.Weights.Count; i++) revived.Weights[i].Assign(layer.Weights[i].Value);
        var again = revived.Apply(new Tensors(inputs), training: false);
        CollectionAssert.AreEqual(output[0].ToArray<float>(), again[0].ToArray<float>(), $"{label}: revived layer output");

        // Inference is deterministic; training differs only where the layer says so.
        var inference2 = layer.Apply(new Tensors(inputs), training: false);
        CollectionAssert.AreEqual(output[0].ToArray<float>(), inference2[0].ToArray<float>(), $"{label}: inference is deterministic");
        var nonTrainableBefore = layer.NonTrainableWeights.Select(w => w.ToHost().ToArray<float>()).ToArray();
        var trainingOut = layer.Apply(new Tensors(inputs), training: true);
        bool differs = !output[0].ToArray<float>().SequenceEqual(trainingOut[0].ToArray<float>());
        Assert.AreEqual(expect.TrainingDiffers, differs, $"{label}: training-mode output {(differs ? "differs" : "does not differ")} from inference");

        if (layer.TrainableWeights.Count > 0 && dtypes.All(d => d.IsFloating() || !expect.InputShapes.Any()))
            TrainingStep(layer, inputs, expect, nonTrainableBefore, label);
        if (layer.TrainableWeights.Count > 0)
            GradientCheck(layer, inputs, expect.GradientTolerance, label);
    }

    public static void Run(Func<Layer> create, Shape inputShape, Shape outputShape, params Shape[] trainableShapes) =>
        Run(create, new LayerExpectation { InputShapes = [inputShape], OutputShape = outputShape, TrainableShapes = trainableShapes });

    private static Tensor MakeInput(Shape shape, DType dtype, int integerRange, int seed)
    {
        var n = (int)shape.Size;
        var rng = new Random(seed);
        if (!dtype.IsFloating())
            return Ops.Cast(Ops.FromHost(Keras.Data.HostArray.Create(Enumerable.Range(0, n).Select(_ => (long)rng.Next(integerRange)).ToArray(), shape.ToLongArray())), dtype);
        var values = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        return Ops.Cast(Ops.Constant(values, shape), dtype);
    }

    private static Tensor Objective(Layer layer, Tensor[] inputs, bool training)
    {
        // A fixed random projection of the output, so every output element affects the objective.
        var y = layer.Apply(new Tensors(inputs), training: training)[0];
        var weights = Ops.Constant(Enumerable.Range(0, (int)y.Shape.Size).Select(i => (float)Math.Sin(i * 0.37 + 0.1)).ToArray(), y.Shape);
        return Ops.Sum(Ops.Multiply(Ops.Cast(y, DType.Float32), weights));
    }

    private static void TrainingStep(Layer layer, Tensor[] inputs, LayerExpectation expect, float[][] nonTrainableBefore, string label)
    {
        var trainable = layer.TrainableWeights;
        var before = trainable.Select(w => w.ToHost().ToArray<float>()).ToArray();
        var loss = Objective(layer, inputs, training: true);
        var grads = KerasBackend.Current.Gradients(loss, trainable.Select(w => w.Value).ToArray());
        new Keras.Optimizers.SGD(0.1).ApplyGradients(grads, trainable);
        bool anyChanged = trainable.Select((w, i) => !before[i].SequenceEqual(w.ToHost().ToArray<float>())).Any(c => c);
        Assert.IsTrue(anyChanged, $"{label}: a training step changes the trainable weights");
        if (!expect.TrainingUpdatesNonTrainable)
        {
            var after = layer.NonTrainableWeights.Select(w => w.ToHost().ToArray<float>()).ToArray();
            for (int i = 0; i < after.Length; i++)
                CollectionAssert.AreEqual(nonTrainableBefore[i], after[i], $"{label}: non-trainable weight {i} unchanged by training");
        }
    }

    /// <summary>Central differences on up to 12 entries of each trainable weight, in inference mode.</summary>
    private static void GradientCheck(Layer layer, Tensor[] inputs, double tolerance, string label)
    {
        var trainable = layer.TrainableWeights;
        var grads = KerasBackend.Current.Gradients(Objective(layer, inputs, false), trainable.Select(w => w.Value).ToArray());
        const float h = 1e-2f;
        var rng = new Random(7);
        for (int wi = 0; wi < trainable.Count; wi++)
        {
            var w = trainable[wi];
            var original = w.ToHost().ToArray<float>();
            var analytic = grads[wi].ToArray<float>();
            var shape = w.Shape.ToLongArray();
            foreach (var idx in Enumerable.Range(0, original.Length).OrderBy(_ => rng.Next()).Take(12))
            {
                double Eval(float delta)
                {
                    var v = (float[])original.Clone();
                    v[idx] += delta;
                    w.Assign(Keras.Data.HostArray.Create(v, shape));
                    using var s = Ops.Scope();
                    using var ng = Ops.NoGrad();
                    return Objective(layer, inputs, false).Item();
                }
                double numeric = (Eval(h) - Eval(-h)) / (2 * h);
                w.Assign(Keras.Data.HostArray.Create(original, shape));
                Assert.AreEqual(numeric, analytic[idx], tolerance * (1 + Math.Abs(numeric)), $"{label}: d/d{w.Path}[{idx}]");
            }
        }
    }
}
