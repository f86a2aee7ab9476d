using Keras.Optimizers;

namespace Keras.Net.Tests.Optimizers;

/// <summary>
/// Replays an optimizer for a few steps on two variables with fixed gradients and compares the float32
/// weights with an update rule written out in double precision in the test.
/// </summary>
internal static class OptimizerReplay
{
    // A (2, 3) matrix (so factored/row/column code sees different sizes) and a (3,) vector.
    public static readonly double[] W0 = [1.0, -2.0, 0.5, 3.0, -0.25, 0.8];
    public static readonly double[] B0 = [0.25, -0.75, 1.5];
    public static readonly long[] WShape = [2, 3];

    // Gradients of steps 1..4, changing sign and size so momenta and second moments matter.
    public static readonly double[][] GW =
    [
        [0.5, -1.0, 2.0, -0.1, 0.3, 0.0],
        [0.3, 0.8, -1.5, 0.05, -0.2, 0.4],
        [-0.2, 0.6, 0.1, 0.4, 0.9, -0.7],
        [0.05, -0.3, 0.25, -0.6, 0.1, 0.2],
    ];
    public static readonly double[][] GB = [[3.0, -0.4, 0.0], [-1.0, 0.2, 0.7], [0.05, -0.3, 1.2], [0.4, 0.1, -0.5]];

    /// <summary>An update rule in double precision: (param index, weights, grads, step t from 1) updates weights in place.</summary>
    public delegate void Rule(int param, double[] w, double[] g, int t);

    public static void Run(Optimizer opt, Rule rule, int steps = 4, double tol = 3e-6, Action<int, double[][]>? afterStep = null)
    {
        using var scope = Ops.Scope();
        using var w = new Variable(Ops.Constant(W0.Select(x => (float)x).ToArray(), new Shape(WShape)), "w", path: "dense/kernel");
        using var b = new Variable(Ops.Constant(B0.Select(x => (float)x).ToArray(), new Shape(3)), "b", path: "dense/bias");
        var expected = new[] { (double[])W0.Clone(), (double[])B0.Clone() };
        for (int t = 1; t <= steps; t++)
        {
            var gw = GW[(t - 1) % GW.Length];
            var gb = GB[(t - 1) % GB.Length];
            opt.ApplyGradients(
                [Ops.Constant(gw.Select(x => (float)x).ToArray(), new Shape(WShape)), Ops.Constant(gb.Select(x => (float)x).ToArray(), new Shape(3))],
                [w, b]);
            rule(0, expected[0], gw, t);
            rule(1, expected[1], gb, t);
            afterStep?.Invoke(t, expected);
            AssertClose(expected[0], w, $"{opt.Name} step {t} w", tol);
            AssertClose(expected[1], b, $"{opt.Name} step {t} b", tol);
        }
        Assert.AreEqual(steps, opt.Iterations, "iterations");
    }

    public static void AssertClose(double[] expected, Variable v, string what, double tol = 3e-6)
    {
        var actual = v.ToHost().ToArray<float>();
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], tol * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]");
    }

    /// <summary>Per-parameter state arrays (index = param), created lazily with the parameter's size and an initial value.</summary>
    public sealed class State
    {
        private readonly Dictionary<(string, int), double[]> _s = [];

        public double[] Get(string name, int p, int n, double initial = 0.0)
        {
            if (_s.TryGetValue((name, p), out var a)) return a;
            a = Enumerable.Repeat(initial, n).ToArray();
            _s[(name, p)] = a;
            return a;
        }
    }
}
