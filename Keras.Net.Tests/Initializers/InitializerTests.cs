using Keras.Initializers;

namespace Keras.Net.Tests.Initializers;

/// <summary>
/// Keras 3's initializers (<c>keras/src/initializers/random_initializers.py</c>): the distributions'
/// bounds and moments on a large weight, seeding, Orthogonal/Identity structure and compute_fans.
/// </summary>
[TestClass]
public class InitializerTests
{
    private const int FanIn = 400, FanOut = 300;
    private static readonly Shape Big = new(FanIn, FanOut);
    private const int N = FanIn * FanOut;

    // Stddev of a unit normal truncated to [-2, 2], the correction Keras divides by.
    private const double TruncatedStd = 0.87962566103423978;

    private static float[] Draw(Initializer init, Shape shape)
    {
        using var t = init.Call(shape);
        Assert.AreEqual(shape, t.Shape);
        Assert.AreEqual(DType.Float32, t.DType);
        return t.ToArray<float>();
    }

    private static (double Mean, double Std, double MaxAbs) Stats(float[] v)
    {
        double mean = v.Average(x => (double)x);
        double var = v.Sum(x => (x - mean) * (x - mean)) / v.Length;
        return (mean, Math.Sqrt(var), v.Max(x => Math.Abs((double)x)));
    }

    /// <summary>Uniform on [-limit, limit]: every value inside, the extremes reached, variance limit²/3.</summary>
    private static void AssertUniform(float[] v, double limit, string what)
    {
        var (mean, std, maxAbs) = Stats(v);
        Assert.IsLessThanOrEqualTo(limit * (1 + 1e-6), maxAbs, $"{what}: max |v|");
        Assert.IsGreaterThan(0.999 * limit, maxAbs, $"{what}: the extremes are reached");
        double expectedStd = limit / Math.Sqrt(3);
        Assert.AreEqual(expectedStd, std, 0.02 * expectedStd, $"{what}: stddev");
        Assert.AreEqual(0, mean, 6 * expectedStd / Math.Sqrt(v.Length), $"{what}: mean");
    }

    /// <summary>Normal truncated at ±2 of its (corrected) stddev, whose actual stddev is <paramref name="std"/>.</summary>
    private static void AssertTruncatedNormal(float[] v, double std, string what, double mean = 0)
    {
        double sigma = std / TruncatedStd; // the untruncated normal's stddev
        var (m, s, _) = Stats(v);
        double maxDev = v.Max(x => Math.Abs(x - mean));
        Assert.IsLessThanOrEqualTo(2 * sigma * (1 + 1e-6) + 1e-7, maxDev, $"{what}: truncation at 2 sigma");
        Assert.IsGreaterThan(0.98 * 2 * sigma, maxDev, $"{what}: values reach the truncation bound");
        Assert.AreEqual(std, s, 0.02 * std, $"{what}: stddev");
        Assert.AreEqual(mean, m, 6 * std / Math.Sqrt(v.Length), $"{what}: mean");
    }

    [TestMethod]
    public void GlorotUniformHasLimitSqrt6OverFanSum()
    {
        AssertUniform(Draw(new GlorotUniform(seed: 1), Big), Math.Sqrt(6.0 / (FanIn + FanOut)), "glorot_uniform");
    }

    [TestMethod]
    public void HeAndLecunUniformUseFanIn()
    {
        AssertUniform(Draw(new HeUniform(seed: 2), Big), Math.Sqrt(6.0 / FanIn), "he_uniform");
        AssertUniform(Draw(new LecunUniform(seed: 3), Big), Math.Sqrt(3.0 / FanIn), "lecun_uniform");
    }

    [TestMethod]
    public void NormalVarianceScalingInitializersAreTruncatedWithKerasCorrection()
    {
        AssertTruncatedNormal(Draw(new GlorotNormal(seed: 4), Big), Math.Sqrt(2.0 / (FanIn + FanOut)), "glorot_normal");
        AssertTruncatedNormal(Draw(new HeNormal(seed: 5), Big), Math.Sqrt(2.0 / FanIn), "he_normal");
        AssertTruncatedNormal(Draw(new LecunNormal(seed: 6), Big), Math.Sqrt(1.0 / FanIn), "lecun_normal");
    }

    [TestMethod]
    public void VarianceScalingModesAndDistributions()
    {
        // untruncated normal, fan_out: stddev sqrt(scale / fan_out) and tails beyond any 2-sigma truncation.
        var v = Draw(new VarianceScaling(scale: 3.0, mode: "fan_out", distribution: "untruncated_normal", seed: 7), Big);
        double std = Math.Sqrt(3.0 / FanOut);
        var (mean, s, maxAbs) = Stats(v);
        Assert.AreEqual(std, s, 0.02 * std);
        Assert.AreEqual(0, mean, 6 * std / Math.Sqrt(N));
        Assert.IsGreaterThan(3 * std, maxAbs, "an untruncated normal of 120000 draws has values beyond 3 sigma");

        // fan_avg, uniform, on a conv kernel: fans (3*3*16, 3*3*32) = (144, 288).
        var conv = new Shape(3, 3, 16, 32);
        AssertUniform(Draw(new VarianceScaling(0.5, "fan_avg", "uniform", seed: 8), conv), Math.Sqrt(3 * 0.5 / ((144 + 288) / 2.0)), "fan_avg uniform conv");

        // "normal" means truncated_normal; distribution names are case-insensitive as in Keras.
        var vs = new VarianceScaling(distribution: "normal");
        Assert.AreEqual("truncated_normal", vs.Distribution);
        Assert.AreEqual("uniform", new VarianceScaling(distribution: "Uniform").Distribution);
        Assert.AreEqual("VarianceScaling", vs.ClassName);
        Assert.AreEqual("fan_in", vs.GetConfig()["mode"]!.GetValue<string>());

        // Keras's max(1, fan): a (1,) shape does not blow up the scale.
        var tiny = Draw(new VarianceScaling(1.0, "fan_in", "uniform", seed: 9), new Shape(1));
        Assert.IsLessThanOrEqualTo(Math.Sqrt(3.0) * (1 + 1e-6), Math.Abs((double)tiny[0]));
    }

    [TestMethod]
    public void VarianceScalingRejectsInvalidArguments()
    {
        Assert.Throws<ArgumentException>(() => new VarianceScaling(scale: 0));
        Assert.Throws<ArgumentException>(() => new VarianceScaling(scale: -1));
        Assert.Throws<ArgumentException>(() => new VarianceScaling(scale: double.NaN));
        var mode = Assert.Throws<ArgumentException>(() => new VarianceScaling(mode: "fan_sum"));
        StringAssert.Contains(mode.Message, "fan_sum");
        var dist = Assert.Throws<ArgumentException>(() => new VarianceScaling(distribution: "gaussian"));
        StringAssert.Contains(dist.Message, "gaussian");
    }

    [TestMethod]
    public void RandomInitializersHaveKerasDefaults()
    {
        var normal = new RandomNormal(seed: 10);
        var (m, s, _) = Stats(Draw(normal, Big));
        Assert.AreEqual(0.05, s, 0.02 * 0.05, "random_normal stddev 0.05");
        Assert.AreEqual(0, m, 6 * 0.05 / Math.Sqrt(N));

        AssertUniform(Draw(new RandomUniform(seed: 11), Big), 0.05, "random_uniform [-0.05, 0.05]");

        // TruncatedNormal(stddev=0.05): a normal of stddev 0.05 cut at ±0.1, so its stddev is 0.05 * 0.8796…
        AssertTruncatedNormal(Draw(new TruncatedNormal(seed: 12), Big), 0.05 * TruncatedStd, "truncated_normal");

        // Non-default arguments.
        var shifted = Draw(new RandomNormal(mean: 2.0, stddev: 0.5, seed: 13), Big);
        var (m2, s2, _) = Stats(shifted);
        Assert.AreEqual(2.0, m2, 6 * 0.5 / Math.Sqrt(N));
        Assert.AreEqual(0.5, s2, 0.01);
        var u = Draw(new RandomUniform(minval: 1, maxval: 3, seed: 14), Big);
        Assert.IsTrue(u.All(x => x >= 1f && x <= 3f), "uniform [1, 3]");
        Assert.AreEqual(2.0, u.Average(x => (double)x), 0.01);
        AssertTruncatedNormal(Draw(new TruncatedNormal(mean: 1, stddev: 0.2, seed: 15), Big), 0.2 * TruncatedStd, "truncated_normal(1, 0.2)", mean: 1);
    }

    [TestMethod]
    public void SameSeedGivesSameValuesAndDifferentSeedsDiffer()
    {
        Initializer[] Make(int seed) =>
        [
            new GlorotUniform(seed), new GlorotNormal(seed), new HeNormal(seed), new RandomNormal(seed: seed),
            new RandomUniform(seed: seed), new TruncatedNormal(seed: seed), new Orthogonal(seed: seed),
        ];
        var shape = new Shape(20, 10);
        var a = Make(42);
        var b = Make(42);
        var c = Make(43);
        for (int i = 0; i < a.Length; i++)
        {
            var first = Draw(a[i], shape);
            CollectionAssert.AreEqual(first, Draw(a[i], shape), $"{a[i].ClassName}: a seeded initializer repeats its values");
            CollectionAssert.AreEqual(first, Draw(b[i], shape), $"{a[i].ClassName}: same seed, same values");
            CollectionAssert.AreNotEqual(first, Draw(c[i], shape), $"{a[i].ClassName}: different seeds differ");
        }
        // Unseeded initializers draw fresh values each call.
        var unseeded = new GlorotUniform();
        CollectionAssert.AreNotEqual(Draw(unseeded, shape), Draw(unseeded, shape));
    }

    private static double[,] Gram(float[] m, int rows, int cols, bool columns)
    {
        int n = columns ? cols : rows, len = columns ? rows : cols;
        var g = new double[n, n];
        for (int a = 0; a < n; a++)
        {
            for (int b = 0; b < n; b++)
            {
                double s = 0;
                for (int k = 0; k < len; k++)
                    s += columns ? (double)m[k * cols + a] * m[k * cols + b] : (double)m[a * cols + k] * m[b * cols + k];
                g[a, b] = s;
            }
        }
        return g;
    }

    private static void AssertScaledIdentity(double[,] g, double gain, string what)
    {
        for (int a = 0; a < g.GetLength(0); a++)
        {
            for (int b = 0; b < g.GetLength(1); b++)
                Assert.AreEqual(a == b ? gain * gain : 0.0, g[a, b], 2e-5 * gain * gain, $"{what}: Gram[{a},{b}]");
        }
    }

    [TestMethod]
    public void OrthogonalGivesOrthonormalColumnsOrRowsTimesGain()
    {
        // Tall (40, 30): QᵀQ = gain² I.
        var tall = Draw(new Orthogonal(gain: 1.5, seed: 1), new Shape(40, 30));
        AssertScaledIdentity(Gram(tall, 40, 30, columns: true), 1.5, "tall");

        // Wide (30, 40): rows orthonormal, Q Qᵀ = gain² I.
        var wide = Draw(new Orthogonal(gain: 0.5, seed: 2), new Shape(30, 40));
        AssertScaledIdentity(Gram(wide, 30, 40, columns: false), 0.5, "wide");

        // Square: both.
        var square = Draw(new Orthogonal(seed: 3), new Shape(16, 16));
        AssertScaledIdentity(Gram(square, 16, 16, columns: true), 1.0, "square columns");
        AssertScaledIdentity(Gram(square, 16, 16, columns: false), 1.0, "square rows");

        // Rank 3 is flattened to (prod(shape[:-1]), shape[-1]): (4, 5, 30) -> (20, 30) wide, (6, 5, 4) -> (30, 4) tall.
        var r3wide = Draw(new Orthogonal(gain: 2, seed: 4), new Shape(4, 5, 30));
        AssertScaledIdentity(Gram(r3wide, 20, 30, columns: false), 2, "rank-3 wide");
        var r3tall = Draw(new Orthogonal(seed: 5), new Shape(6, 5, 4));
        AssertScaledIdentity(Gram(r3tall, 30, 4, columns: true), 1, "rank-3 tall");

        Assert.Throws<ArgumentException>(() => new Orthogonal().Call(new Shape(5)));
        Assert.AreEqual("Orthogonal", new Orthogonal().ClassName, "the name Keras 3.15 writes in model configs");
    }

    [TestMethod]
    public void IdentityZerosOnesAndConstant()
    {
        var eye = Draw(new Identity(gain: 2), new Shape(3, 4));
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 4; j++) Assert.AreEqual(i == j ? 2f : 0f, eye[i * 4 + j], $"identity[{i},{j}]");
        }
        var tallEye = Draw(new Identity(), new Shape(3, 2));
        CollectionAssert.AreEqual(new[] { 1f, 0f, 0f, 1f, 0f, 0f }, tallEye);
        Assert.Throws<ArgumentException>(() => new Identity().Call(new Shape(2, 2, 2)));

        Assert.IsTrue(Draw(new Zeros(), new Shape(5, 7)).All(v => v == 0f));
        Assert.IsTrue(Draw(new Ones(), new Shape(5, 7)).All(v => v == 1f));
        Assert.IsTrue(Draw(new Constant(0.75), new Shape(5, 7)).All(v => v == 0.75f));
        using var d = new Constant(-1.25).Call(new Shape(2, 3), DType.Float64);
        Assert.AreEqual(DType.Float64, d.DType);
        Assert.IsTrue(d.ToArray<double>().All(v => v == -1.25));
        using var scalar = new Constant(3).Call(Shape.Scalar);
        Assert.AreEqual(3.0, scalar.Item());
    }

    [TestMethod]
    public void ComputeFansForRanksZeroToFour()
    {
        Assert.AreEqual((1.0, 1.0), Initializer.ComputeFans(Shape.Scalar));
        Assert.AreEqual((5.0, 5.0), Initializer.ComputeFans(new Shape(5)));
        Assert.AreEqual((3.0, 7.0), Initializer.ComputeFans(new Shape(3, 7)));
        // Conv kernels (..., in, out): fans times the receptive field (product of the leading dims).
        Assert.AreEqual((2.0 * 3, 2.0 * 4), Initializer.ComputeFans(new Shape(2, 3, 4)));
        Assert.AreEqual((3.0 * 3 * 16, 3.0 * 3 * 32), Initializer.ComputeFans(new Shape(3, 3, 16, 32)));
    }

    [TestMethod]
    public void GetResolvesKerasNamesAndClassNames()
    {
        var expected = new (string[] Names, Type Type)[]
        {
            (["glorot_uniform", "GlorotUniform"], typeof(GlorotUniform)),
            (["glorot_normal", "GlorotNormal"], typeof(GlorotNormal)),
            (["he_uniform", "HeUniform"], typeof(HeUniform)),
            (["he_normal", "HeNormal"], typeof(HeNormal)),
            (["lecun_uniform", "LecunUniform"], typeof(LecunUniform)),
            (["lecun_normal", "LecunNormal"], typeof(LecunNormal)),
            (["random_normal", "RandomNormal", "normal"], typeof(RandomNormal)),
            (["random_uniform", "RandomUniform", "uniform"], typeof(RandomUniform)),
            (["truncated_normal", "TruncatedNormal"], typeof(TruncatedNormal)),
            (["variance_scaling", "VarianceScaling"], typeof(VarianceScaling)),
            (["orthogonal", "Orthogonal", "OrthogonalInitializer"], typeof(Orthogonal)),
            (["identity", "Identity"], typeof(Identity)),
            (["zeros", "Zeros", "zero"], typeof(Zeros)),
            (["ones", "Ones", "one"], typeof(Ones)),
            (["constant", "Constant"], typeof(Constant)),
        };
        foreach (var (names, type) in expected)
        {
            foreach (var name in names)
            {
                Assert.IsInstanceOfType(Initializer.Get(name), type, name);
                Initializer converted = name;
                Assert.IsInstanceOfType(converted, type, $"implicit conversion of '{name}'");
            }
        }
        var e = Assert.ThrowsExactly<ArgumentException>(() => Initializer.Get("xavier"));
        StringAssert.Contains(e.Message, "xavier");
        StringAssert.Contains(e.Message, "glorot_uniform");
    }
}
