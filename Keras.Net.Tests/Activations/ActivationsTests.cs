namespace Keras.Net.Tests.Activations;

/// <summary>
/// Keras 3's <c>keras.activations</c>: every name against a closed form evaluated in double precision.
/// </summary>
[TestClass]
public class ActivationsTests
{
    // Negatives, zero, the kinks of relu6 / hard_sigmoid (-3, 3, 6) and large magnitudes.
    private static readonly float[] X = [-30f, -6f, -3f, -2.5f, -1f, -0.5f, 0f, 0.3f, 1f, 2.5f, 3f, 6f, 7f, 30f];

    // float32 results against double formulas: relative 2e-6 plus a small absolute floor.
    private const double RelTol = 2e-6;
    private const double AbsTol = 1e-6;

    private static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    // erfc from Numerical Recipes (erfcc, fractional error < 1.2e-7 everywhere); gelu's erf form needs it.
    private static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
            t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2.0 - r;
    }

    private const double SeluAlpha = 1.6732632423543772848170429916717;
    private const double SeluScale = 1.0507009873554804934193349852946;

    private static double[] Softmax(double[] x)
    {
        double max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    private static double[] LogSoftmax(double[] x)
    {
        double max = x.Max();
        double lse = max + Math.Log(x.Sum(v => Math.Exp(v - max)));
        return x.Select(v => v - lse).ToArray();
    }

    private static readonly Dictionary<string, Func<double, double>> Elementwise = new()
    {
        ["linear"] = x => x,
        ["relu"] = x => Math.Max(x, 0),
        ["relu6"] = x => Math.Clamp(x, 0, 6),
        ["leaky_relu"] = x => x > 0 ? x : 0.2 * x, // Keras default negative_slope = 0.2
        ["elu"] = x => x > 0 ? x : Math.Exp(x) - 1,
        ["selu"] = x => SeluScale * (x > 0 ? x : SeluAlpha * (Math.Exp(x) - 1)),
        ["gelu"] = x => 0.5 * x * Erfc(-x / Math.Sqrt(2)), // exact form: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))
        ["silu"] = x => x * Sigmoid(x),
        ["swish"] = x => x * Sigmoid(x),
        ["mish"] = x => x * Math.Tanh(Softplus(x)),
        ["sigmoid"] = Sigmoid,
        ["hard_sigmoid"] = x => Math.Clamp(x + 3, 0, 6) / 6, // Keras 3: relu6(x + 3) / 6
        ["softplus"] = Softplus,
        ["softsign"] = x => x / (1 + Math.Abs(x)),
        ["tanh"] = Math.Tanh,
        ["exponential"] = Math.Exp,
    };

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = AbsTol + RelTol * Math.Abs(expected[i]);
            Assert.IsLessThanOrEqualTo(tol, Math.Abs(expected[i] - actual[i]),
                $"{what}: element {i} (x = {X[Math.Min(i, X.Length - 1)]}): expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    private static float[] Apply(ActivationFunction f, float[] x, params int[] shape)
    {
        using var scope = Ops.Scope();
        var t = Ops.Constant(x, shape.Length == 0 ? new Shape(x.Length) : new Shape(shape));
        return f.Call(t).ToArray<float>();
    }

    [TestMethod]
    public void ElementwiseActivationsMatchClosedForms()
    {
        foreach (var (name, f) in Elementwise)
        {
            var expected = X.Select(v => f(v)).ToArray();
            AssertClose(expected, Apply(Keras.Activations.Get(name), X), name);
        }
    }

    [TestMethod]
    public void SoftmaxAndLogSoftmaxNormaliseTheLastAxis()
    {
        var xd = X.Select(v => (double)v).ToArray();
        AssertClose(Softmax(xd), Apply(Keras.Activations.Get("softmax"), X), "softmax");
        AssertClose(LogSoftmax(xd), Apply(Keras.Activations.Get("log_softmax"), X), "log_softmax");

        // Rank 2: each row of (2, 7) separately.
        var rows = Apply(Keras.Activations.Softmax, X, 2, 7);
        for (int r = 0; r < 2; r++)
        {
            var expected = Softmax(xd.Skip(7 * r).Take(7).ToArray());
            for (int j = 0; j < 7; j++)
                Assert.AreEqual(expected[j], rows[7 * r + j], AbsTol + RelTol * expected[j], $"softmax row {r} col {j}");
        }
    }

    [TestMethod]
    public void PropertiesAreTheNamedActivations()
    {
        var pairs = new (ActivationFunction F, string Name)[]
        {
            (Keras.Activations.Linear, "linear"), (Keras.Activations.Relu, "relu"), (Keras.Activations.Relu6, "relu6"),
            (Keras.Activations.LeakyRelu, "leaky_relu"), (Keras.Activations.Elu, "elu"), (Keras.Activations.Selu, "selu"),
            (Keras.Activations.Gelu, "gelu"), (Keras.Activations.Silu, "silu"), (Keras.Activations.Mish, "mish"),
            (Keras.Activations.Sigmoid, "sigmoid"), (Keras.Activations.HardSigmoid, "hard_sigmoid"),
            (Keras.Activations.Softmax, "softmax"), (Keras.Activations.LogSoftmax, "log_softmax"),
            (Keras.Activations.Softplus, "softplus"), (Keras.Activations.Softsign, "softsign"),
            (Keras.Activations.Tanh, "tanh"), (Keras.Activations.Exponential, "exponential"),
        };
        foreach (var (f, name) in pairs)
        {
            Assert.AreEqual(name, f.Name);
            Assert.AreSame(f, Keras.Activations.Get(name), name);
            ActivationFunction converted = name;
            Assert.AreSame(f, converted, $"implicit conversion of '{name}'");
        }
        Assert.AreSame(Keras.Activations.Silu, Keras.Activations.Get("swish"));
        Assert.AreSame(Keras.Activations.Linear, Keras.Activations.Get(null));
        Assert.AreSame(Keras.Activations.Linear, Keras.Activations.Get(""));
        Assert.IsTrue(Keras.Activations.Linear.IsLinear);
        Assert.IsFalse(Keras.Activations.Relu.IsLinear);

        var expectedNames = pairs.Select(p => p.Name).Append("swish").Order().ToArray();
        CollectionAssert.AreEqual(expectedNames, Keras.Activations.Names.Order().ToArray());
    }

    [TestMethod]
    public void UnknownNameThrowsListingKnownNames()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => Keras.Activations.Get("relu7"));
        StringAssert.Contains(e.Message, "relu7");
        foreach (var name in Keras.Activations.Names) StringAssert.Contains(e.Message, name);
        Assert.ThrowsExactly<ArgumentException>(() => Keras.Activations.Get("ReLU")); // names are case-sensitive, as in Keras
    }
}
