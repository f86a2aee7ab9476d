using System.Text.Json.Nodes;
using Keras.Backend;
using Keras.Layers;

namespace Keras.Net.Tests.Layers.Regularization;

/// <summary>
/// The noise and regularization layers: the harness, the statistics of the noise on large inputs
/// (with tolerances of several standard errors), exact per-element formulas where the noise takes
/// only a few values, seeding, and Keras's configs.
/// </summary>
[TestClass]
public class NoiseLayerTests
{
    private static float[] Train(Layer layer, Tensor x)
    {
        using var scope = Ops.Scope();
        return layer.Apply(x, training: true).ToArray<float>();
    }

    private static (double Mean, double Std) Moments(IReadOnlyList<float> v)
    {
        double mean = v.Average(x => (double)x);
        double var = v.Average(x => (x - mean) * (x - mean));
        return (mean, Math.Sqrt(var));
    }

    // ---------------------------------------------------------------- harness

    [TestMethod]
    public void SpatialDropout1DHarness() => LayerHarness.Run(() => new SpatialDropout1D(0.5, seed: 1), new LayerExpectation
    {
        InputShapes = [new Shape(4, 3, 8)], OutputShape = new Shape(4, 3, 8), TrainingDiffers = true,
    });

    [TestMethod]
    public void SpatialDropout2DHarness() => LayerHarness.Run(() => new SpatialDropout2D(0.5, "channels_first"), new LayerExpectation
    {
        InputShapes = [new Shape(4, 6, 2, 3)], OutputShape = new Shape(4, 6, 2, 3), TrainingDiffers = true,
    });

    [TestMethod]
    public void SpatialDropout3DHarness() => LayerHarness.Run(() => new SpatialDropout3D(0.4), new LayerExpectation
    {
        InputShapes = [new Shape(3, 2, 2, 2, 6)], OutputShape = new Shape(3, 2, 2, 2, 6), TrainingDiffers = true,
    });

    [TestMethod]
    public void GaussianNoiseHarness() => LayerHarness.Run(() => new GaussianNoise(0.1), new LayerExpectation
    {
        InputShapes = [new Shape(3, 5)], OutputShape = new Shape(3, 5), TrainingDiffers = true,
    });

    [TestMethod]
    public void GaussianDropoutHarness() => LayerHarness.Run(() => new GaussianDropout(0.3, seed: 2), new LayerExpectation
    {
        InputShapes = [new Shape(3, 5)], OutputShape = new Shape(3, 5), TrainingDiffers = true,
    });

    [TestMethod]
    public void AlphaDropoutHarness() => LayerHarness.Run(() => new AlphaDropout(0.2), new LayerExpectation
    {
        InputShapes = [new Shape(4, 6)], OutputShape = new Shape(4, 6), TrainingDiffers = true,
    });

    [TestMethod]
    public void ActivityRegularizationHarness() =>
        LayerHarness.Run(() => new ActivityRegularization(l1: 0.01, l2: 0.02), new Shape(3, 4), new Shape(3, 4));

    // ---------------------------------------------------------------- spatial dropout

    [TestMethod]
    public void SpatialDropout1DDropsWholeChannels()
    {
        using var scope = Ops.Scope();
        const int batch = 64, steps = 5, channels = 64;
        var y = Train(new SpatialDropout1D(0.3, seed: 11), Ops.Ones(new Shape(batch, steps, channels)));
        int dropped = 0;
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                float first = y[(b * steps) * channels + c];
                Assert.IsTrue(first == 0f || Math.Abs(first - 1 / 0.7f) < 1e-6, $"kept values are scaled by 1/(1-rate); got {first}");
                for (int s = 1; s < steps; s++)
                    Assert.AreEqual(first, y[(b * steps + s) * channels + c], $"sample {b}, channel {c}: one draw for every step");
                if (first == 0f) dropped++;
            }
        }
        // 4096 draws: the dropped fraction has standard error sqrt(0.3 * 0.7 / 4096) ≈ 0.007.
        Assert.AreEqual(0.3, dropped / (double)(batch * channels), 0.035);
    }

    [TestMethod]
    [DataRow("channels_last")]
    [DataRow("channels_first")]
    public void SpatialDropout2DDropsWholeFeatureMaps(string dataFormat)
    {
        using var scope = Ops.Scope();
        const int batch = 32, channels = 32, h = 3, w = 2;
        bool first = dataFormat == "channels_first";
        var shape = first ? new Shape(batch, channels, h, w) : new Shape(batch, h, w, channels);
        var y = Train(new SpatialDropout2D(0.5, dataFormat, seed: 5), Ops.Ones(shape));
        int Index(int b, int c, int i, int j) => first ? ((b * channels + c) * h + i) * w + j : ((b * h + i) * w + j) * channels + c;
        int dropped = 0;
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                float v = y[Index(b, c, 0, 0)];
                Assert.IsTrue(v is 0f or 2f, $"got {v}");
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++)
                        Assert.AreEqual(v, y[Index(b, c, i, j)], $"{dataFormat}: sample {b}, channel {c} is dropped or kept as a whole");
                if (v == 0f) dropped++;
            }
        }
        Assert.AreEqual(0.5, dropped / (double)(batch * channels), 0.06);
    }

    [TestMethod]
    public void SpatialDropout3DChannelsFirst()
    {
        using var scope = Ops.Scope();
        var y = Train(new SpatialDropout3D(0.5, "channels_first", seed: 3), Ops.Ones(new Shape(16, 16, 2, 2, 2)));
        for (int bc = 0; bc < 16 * 16; bc++)
        {
            var block = y.Skip(bc * 8).Take(8).Distinct().ToArray();
            Assert.AreEqual(1, block.Length, "a 2x2x2 feature map is dropped or kept as a whole");
        }
    }

    [TestMethod]
    public void SpatialDropoutIsTheIdentityAtInferenceAndChecksRank()
    {
        using var scope = Ops.Scope();
        var x = Ops.Constant(TestUtil.RandomFloats(24, 1), new Shape(2, 3, 4));
        var layer = new SpatialDropout1D(0.9, name: "sd_rank");
        CollectionAssert.AreEqual(x.ToArray<float>(), layer.Apply(x, training: false).ToArray<float>());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => layer.Apply(Ops.Ones(new Shape(2, 3)))).Message, "sd_rank");
        Assert.IsTrue(new SpatialDropout1D(1.0).Apply(x, training: true).ToArray<float>().All(v => v == 0f), "rate 1 drops everything");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SpatialDropout2D(1.5));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new SpatialDropout3D(0.1, "channels_middle")).Message, "data_format");
    }

    [TestMethod]
    public void SpatialDropoutConfigIsKerass()
    {
        var c1 = new SpatialDropout1D(0.25, seed: 4, name: "sd1").GetConfig();
        Assert.AreEqual("""{"rate":0.25,"seed":4,"name":"sd1","dtype":"float32"}""", c1.ToJsonString());
        var c2 = new SpatialDropout2D(0.5, "channels_first", name: "sd2").GetConfig();
        Assert.AreEqual("""{"rate":0.5,"seed":null,"name":"sd2","dtype":"float32","data_format":"channels_first"}""", c2.ToJsonString());
        var revived = SpatialDropout2D.FromConfig(c2);
        Assert.AreEqual("channels_first", revived.DataFormat);
        Assert.AreEqual(0.5, revived.Rate);
    }

    // ---------------------------------------------------------------- Gaussian noise and dropout

    [TestMethod]
    public void GaussianNoiseAddsZeroMeanNoiseOfTheGivenStddev()
    {
        using var scope = Ops.Scope();
        const int n = 200_000;
        var layer = new GaussianNoise(0.3, seed: 7);
        var x = Ops.Full(new Shape(n), 2.0);
        var (mean, std) = Moments(Train(layer, x));
        // Standard errors: 0.3 / sqrt(n) ≈ 7e-4 for the mean, 0.3 / sqrt(2n) ≈ 5e-4 for the std.
        Assert.AreEqual(2.0, mean, 0.004);
        Assert.AreEqual(0.3, std, 0.003);
        Assert.IsTrue(layer.Apply(x, training: false).ToArray<float>().All(v => v == 2f), "inference is the identity");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GaussianNoise(1.5));
    }

    [TestMethod]
    public void GaussianDropoutMultipliesByOneCentredNoise()
    {
        using var scope = Ops.Scope();
        const int n = 200_000;
        var layer = new GaussianDropout(0.2, seed: 9);
        var x = Ops.Full(new Shape(n), 3.0);
        var (mean, std) = Moments(Train(layer, x));
        // x * N(1, 0.2 / 0.8): mean 3, std 3 * 0.5.
        Assert.AreEqual(3.0, mean, 0.02);
        Assert.AreEqual(1.5, std, 0.015);
        Assert.IsTrue(layer.Apply(x, training: false).ToArray<float>().All(v => v == 3f), "inference is the identity");
        Assert.ThrowsExactly<InvalidOperationException>(() => new GaussianDropout(1.0).Apply(x, training: true));
    }

    // ---------------------------------------------------------------- alpha dropout

    [TestMethod]
    public void AlphaDropoutCoefficientsAreKerass()
    {
        // alpha_p = -alpha * scale with SELU's constants; a and b make the output keep mean 0 and variance 1.
        const double alphaP = -1.6732632423543772 * 1.0507009873554805;
        const double rate = 0.1;
        double a = 1 / Math.Sqrt((1 - rate) * (1 + rate * alphaP * alphaP));
        var (ca, cb, cp) = AlphaDropout.Coefficients(rate);
        Assert.AreEqual(alphaP, cp, 1e-12);
        Assert.AreEqual(a, ca, 1e-12);
        Assert.AreEqual(-a * alphaP * rate, cb, 1e-12);
        Assert.AreEqual(-1.7580993408473766, cp, 1e-12);
    }

    [TestMethod]
    public void AlphaDropoutKeepsMeanAndVarianceOfStandardNormalInputs()
    {
        using var scope = Ops.Scope();
        const int n = 200_000;
        const double rate = 0.2;
        var input = TestUtil.RandomFloats(n, 4).Select((_, i) => 0f).ToArray();
        // Standard normal inputs by Box-Muller from a fixed .NET Random.
        var rng = new Random(12);
        for (int i = 0; i < n; i++)
            input[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var x = Ops.Constant(input, new Shape(n));
        var y = Train(new AlphaDropout(rate, seed: 21), x);

        double alphaP = -1.6732632423543772 * 1.0507009873554805;
        double a = 1 / Math.Sqrt((1 - rate) * (1 + rate * alphaP * alphaP));
        double b = -a * alphaP * rate;
        float droppedValue = (float)(a * alphaP + b);
        int dropped = 0;
        for (int i = 0; i < n; i++)
        {
            float kept = (float)(a * input[i] + b);
            if (Math.Abs(y[i] - droppedValue) < 1e-5 && Math.Abs(y[i] - kept) > 1e-5) dropped++;
            else Assert.AreEqual(kept, y[i], 1e-5, $"element {i}: either a*x+b or a*alpha_p+b");
        }
        Assert.AreEqual(rate, dropped / (double)n, 0.006);
        var (mean, std) = Moments(y);
        Assert.AreEqual(0.0, mean, 0.01);
        Assert.AreEqual(1.0, std, 0.01);
    }

    [TestMethod]
    public void AlphaDropoutNoiseShapeBroadcasts()
    {
        using var scope = Ops.Scope();
        // Noise shape (None, 1): one draw per row, shared by its 8 columns.
        var y = Train(new AlphaDropout(0.5, noiseShape: [-1, 1], seed: 2), Ops.Zeros(new Shape(200, 8)));
        var (ca, cb, cp) = AlphaDropout.Coefficients(0.5);
        int droppedRows = 0;
        for (int r = 0; r < 200; r++)
        {
            var row = y.Skip(r * 8).Take(8).ToArray();
            Assert.IsTrue(row.All(v => v == row[0]), $"row {r} shares one draw");
            if (Math.Abs(row[0] - (ca * cp + cb)) < 1e-5) droppedRows++;
            else Assert.AreEqual(cb, row[0], 1e-5);
        }
        Assert.AreEqual(100, droppedRows, 30);
        var c = new AlphaDropout(0.5, noiseShape: [-1, 1]).GetConfig();
        Assert.AreEqual("[null,1]", c["noise_shape"]!.ToJsonString());
        CollectionAssert.AreEqual(new[] { -1, 1 }, AlphaDropout.FromConfig(c).NoiseShape);
        Assert.ThrowsExactly<ArgumentException>(() => new AlphaDropout(0.5, noiseShape: [3, 1]).Apply(Ops.Zeros(new Shape(2, 8)), training: true));
    }

    // ---------------------------------------------------------------- seeding

    [TestMethod]
    public void RandomLayersAreRepeatableUnderSetRandomSeed()
    {
        Func<Layer>[] makers =
        [
            () => new GaussianNoise(0.5), () => new GaussianDropout(0.5), () => new AlphaDropout(0.5),
            () => new SpatialDropout1D(0.5), () => new SpatialDropout2D(0.5), () => new SpatialDropout3D(0.5),
        ];
        using var scope = Ops.Scope();
        foreach (var make in makers)
        {
            var shape = make() switch
            {
                SpatialDropout2D => new Shape(4, 3, 3, 8),
                SpatialDropout3D => new Shape(4, 2, 2, 2, 8),
                _ => new Shape(4, 3, 8),
            };
            var x = Ops.Ones(shape);
            Utils.SetRandomSeed(77);
            var layer1 = make();
            var first = Train(layer1, x);
            var firstSecondCall = Train(layer1, x);
            Utils.SetRandomSeed(77);
            var second = Train(make(), x);
            string name = layer1.GetType().Name;
            CollectionAssert.AreEqual(first, second, $"{name}: same global seed, same noise");
            CollectionAssert.AreNotEqual(first, firstSecondCall, $"{name}: a new draw on every call");
            Utils.SetRandomSeed(78);
            CollectionAssert.AreNotEqual(first, Train(make(), x), $"{name}: another global seed, other noise");
        }
    }

    [TestMethod]
    public void ExplicitSeedsGiveTheSameNoise()
    {
        using var scope = Ops.Scope();
        var x = Ops.Ones(new Shape(10, 10));
        CollectionAssert.AreEqual(Train(new GaussianNoise(0.2, seed: 3), x), Train(new GaussianNoise(0.2, seed: 3), x));
        CollectionAssert.AreNotEqual(Train(new GaussianNoise(0.2, seed: 3), x), Train(new GaussianNoise(0.2, seed: 4), x));
    }

    // ---------------------------------------------------------------- activity regularization

    [TestMethod]
    public void ActivityRegularizationAddsTheBatchNormalisedPenalty()
    {
        using var scope = Ops.Scope();
        var layer = new ActivityRegularization(l1: 0.1, l2: 0.01);
        var x = Ops.Constant([1f, -2f, 3f, 0f], new Shape(2, 2));
        var y = layer.Apply(x, training: true);
        CollectionAssert.AreEqual(new[] { 1f, -2f, 3f, 0f }, y.ToArray<float>(), "the output is the input");
        Assert.AreEqual(1, layer.Losses.Count);
        // (0.1 * (1 + 2 + 3) + 0.01 * (1 + 4 + 9)) / batch 2 = 0.37.
        Assert.AreEqual(0.37, layer.Losses[0].Item(), 1e-6);
    }

    [TestMethod]
    public void ActivityRegularizationPenaltyHasGradients()
    {
        using var scope = Ops.Scope();
        var dense = new Dense(1, useBias: false, kernelInitializer: new Keras.Initializers.Constant(2.0));
        var reg = new ActivityRegularization(l2: 0.5);
        var x = Ops.Constant([1f, 3f], new Shape(2, 1));
        reg.Apply(dense.Apply(x));
        // loss = 0.5 * ((2 * 1)^2 + (2 * 3)^2) / 2 = 10 = 0.25 * k^2 * (1 + 9); d/dk = 0.5 * k * 10 = 10.
        Assert.AreEqual(10.0, reg.Losses[0].Item(), 1e-5);
        var grad = KerasBackend.Current.Gradients(reg.Losses[0], [dense.Kernel!.Value]);
        Assert.AreEqual(10.0, grad[0].Item(), 1e-5);
    }

    [TestMethod]
    public void ActivityRegularizationConfig()
    {
        var c = new ActivityRegularization(0.1, 0.2, name: "ar").GetConfig();
        Assert.AreEqual(0.1, c["l1"]!.GetValue<double>());
        Assert.AreEqual(0.2, c["l2"]!.GetValue<double>());
        Assert.IsFalse(c.ContainsKey("activity_regularizer"), "Keras drops the base activity_regularizer key");
        var revived = ActivityRegularization.FromConfig(JsonNode.Parse("""{"name": "activity_regularization", "trainable": true, "dtype": "float32", "l1": 0.0, "l2": 0.5}""")!.AsObject());
        Assert.AreEqual(0.5, revived.L2);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ActivityRegularization(l1: -1));
    }
}
