using Keras.Data;
using Keras.Optimizers;

namespace Keras.Net.Tests.Optimizers;

/// <summary>
/// Keras 3's optimizers (<c>keras/src/optimizers/{sgd,adam,adamw,rmsprop,base_optimizer}.py</c> and the
/// torch backend's <c>torch_*.py</c>): three steps with fixed gradients on two variables, against the
/// update rules replayed in double precision.
/// </summary>
[TestClass]
public class OptimizerTests
{
    // Two variables of different shapes, so per-variable state must be kept apart.
    private static readonly double[] W0 = [1.0, -2.0, 0.5, 3.0];    // shape (2, 2)
    private static readonly double[] B0 = [0.25, -0.75, 1.5];       // shape (3,)

    // Gradients of steps 1..3 (changing sign and size so momenta and second moments matter).
    private static readonly double[][] GW = [[0.5, -1.0, 2.0, -0.1], [0.3, 0.8, -1.5, 0.05], [-0.2, 0.6, 0.1, 0.4]];
    private static readonly double[][] GB = [[3.0, -0.4, 0.0], [-1.0, 0.2, 0.7], [0.05, -0.3, 1.2]];

    private const double Tol = 2e-6; // float32 weights vs double reference, relative to max(1, |w|)

    /// <summary>An update rule in double precision: (param index, weights, grads, step t) updates weights in place.</summary>
    private delegate void Rule(int param, double[] w, double[] g, int t);

    private static void Run(Optimizer opt, Rule rule, int steps = 3, Func<double[][], double[][]>? clip = null)
    {
        using var scope = Ops.Scope();
        using var w = new Variable(Ops.Constant(W0.Select(x => (float)x).ToArray(), new Shape(2, 2)), "w");
        using var b = new Variable(Ops.Constant(B0.Select(x => (float)x).ToArray(), new Shape(3)), "b");
        var expected = new[] { (double[])W0.Clone(), (double[])B0.Clone() };
        for (int t = 1; t <= steps; t++)
        {
            var gw = GW[(t - 1) % 3];
            var gb = GB[(t - 1) % 3];
            opt.ApplyGradients(
                [Ops.Constant(gw.Select(x => (float)x).ToArray(), new Shape(2, 2)), Ops.Constant(gb.Select(x => (float)x).ToArray(), new Shape(3))],
                [w, b]);
            var grads = new[] { gw, gb };
            if (clip is not null) grads = clip(grads);
            for (int p = 0; p < 2; p++) rule(p, expected[p], grads[p], t);
            AssertClose(expected[0], w, $"{opt.Name} step {t} w");
            AssertClose(expected[1], b, $"{opt.Name} step {t} b");
        }
        Assert.AreEqual(steps, opt.Iterations, "iterations");
    }

    private static void AssertClose(double[] expected, Variable v, string what)
    {
        var actual = v.ToHost().ToArray<float>();
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], Tol * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]");
    }

    /// <summary>Per-parameter state arrays (index = param), created lazily with the parameter's size.</summary>
    private sealed class State
    {
        private readonly Dictionary<(string, int), double[]> _s = [];
        public double[] this[string name, int p, int n] => _s.TryGetValue((name, p), out var a) ? a : _s[(name, p)] = new double[n];
    }

    // ---------------------------------------------------------------- SGD

    [TestMethod]
    public void SgdPlainMomentumAndNesterov()
    {
        Run(new SGD(learningRate: 0.1), (_, w, g, _) =>
        {
            for (int i = 0; i < w.Length; i++) w[i] -= 0.1 * g[i];
        });

        var s = new State();
        Run(new SGD(learningRate: 0.05, momentum: 0.9), (p, w, g, _) =>
        {
            var m = s["m", p, w.Length];
            for (int i = 0; i < w.Length; i++)
            {
                m[i] = 0.9 * m[i] - 0.05 * g[i];
                w[i] += m[i];
            }
        });

        var sn = new State();
        Run(new SGD(learningRate: 0.05, momentum: 0.8, nesterov: true), (p, w, g, _) =>
        {
            var m = sn["m", p, w.Length];
            for (int i = 0; i < w.Length; i++)
            {
                m[i] = 0.8 * m[i] - 0.05 * g[i];
                w[i] += 0.8 * m[i] - 0.05 * g[i];
            }
        });
    }

    // ---------------------------------------------------------------- Adam / AdamW

    private static Rule AdamRule(double lr, double b1, double b2, double eps, bool amsgrad = false, double weightDecay = 0)
    {
        var s = new State();
        return (p, w, g, t) =>
        {
            var m = s["m", p, w.Length];
            var v = s["v", p, w.Length];
            var vhat = s["vhat", p, w.Length];
            // Keras: variable -= variable * wd * lr, before the update step.
            for (int i = 0; i < w.Length; i++) w[i] -= w[i] * weightDecay * lr;
            double alpha = lr * Math.Sqrt(1 - Math.Pow(b2, t)) / (1 - Math.Pow(b1, t));
            for (int i = 0; i < w.Length; i++)
            {
                m[i] += (g[i] - m[i]) * (1 - b1);
                v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
                double vUsed = v[i];
                if (amsgrad)
                {
                    vhat[i] = Math.Max(vhat[i], v[i]);
                    vUsed = vhat[i];
                }
                // epsilon is added to sqrt(v) (not inside the root, not bias-corrected).
                w[i] -= alpha * m[i] / (Math.Sqrt(vUsed) + eps);
            }
        };
    }

    [TestMethod]
    public void AdamMatchesKerasUpdateWithDefaults()
    {
        var adam = new Adam();
        Assert.AreEqual(0.001, adam.LearningRate);
        Assert.AreEqual(0.9, adam.Beta1);
        Assert.AreEqual(0.999, adam.Beta2);
        Assert.AreEqual(1e-7, adam.Epsilon);
        Assert.IsFalse(adam.Amsgrad);
        Run(adam, AdamRule(0.001, 0.9, 0.999, 1e-7));
    }

    [TestMethod]
    public void AdamEpsilonIsAddedToTheRootOfTheUncorrectedVelocity()
    {
        // A large epsilon separates sqrt(v) + eps (Keras) from sqrt(v + eps) and from eps on the bias-corrected v.
        Run(new Adam(learningRate: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 0.5), AdamRule(0.1, 0.8, 0.9, 0.5));
    }

    [TestMethod]
    public void AdamAmsgradUsesTheRunningMaximumOfVelocity()
    {
        // beta2 = 0.5 and a gradient that shrinks after step 1 make v fall, so v_hat = max(v_hat, v) matters.
        Run(new Adam(learningRate: 0.05, beta2: 0.5, amsgrad: true), AdamRule(0.05, 0.9, 0.5, 1e-7, amsgrad: true));

        // And the result differs from plain Adam with the same settings.
        using var scope = Ops.Scope();
        float[] Final(bool ams)
        {
            using var opt = new Adam(learningRate: 0.05, beta2: 0.5, amsgrad: ams);
            using var v = new Variable(Ops.Constant(B0.Select(x => (float)x).ToArray(), new Shape(3)), "b");
            for (int t = 0; t < 3; t++) opt.ApplyGradients([Ops.Constant(GB[t].Select(x => (float)x).ToArray(), new Shape(3))], [v]);
            return v.ToHost().ToArray<float>();
        }
        CollectionAssert.AreNotEqual(Final(false), Final(true));
    }

    [TestMethod]
    public void AdamWDecaysWeightsByLearningRateTimesDecayBeforeTheAdamStep()
    {
        var adamw = new AdamW();
        Assert.AreEqual(0.004, adamw.WeightDecay);
        Assert.AreEqual("adamw", adamw.Name);
        Run(adamw, AdamRule(0.001, 0.9, 0.999, 1e-7, weightDecay: 0.004));
        Run(new AdamW(learningRate: 0.05, weightDecay: 0.2, amsgrad: true), AdamRule(0.05, 0.9, 0.999, 1e-7, amsgrad: true, weightDecay: 0.2));
        // Weight decay is available to every optimizer (Keras's base optimizer applies it).
        Run(new SGD(learningRate: 0.1, weightDecay: 0.5), (_, w, g, _) =>
        {
            for (int i = 0; i < w.Length; i++)
            {
                w[i] -= w[i] * 0.5 * 0.1;
                w[i] -= 0.1 * g[i];
            }
        });
    }

    // ---------------------------------------------------------------- RMSprop

    private static Rule RmsRule(double lr, double rho, double momentum, double eps, bool centered)
    {
        var s = new State();
        return (p, w, g, _) =>
        {
            var vel = s["v", p, w.Length];
            var mom = s["m", p, w.Length];
            var avg = s["a", p, w.Length];
            for (int i = 0; i < w.Length; i++)
            {
                vel[i] = rho * vel[i] + (1 - rho) * g[i] * g[i];
                double denom;
                if (centered)
                {
                    avg[i] = rho * avg[i] + (1 - rho) * g[i];
                    denom = vel[i] - avg[i] * avg[i] + eps;
                }
                else
                {
                    denom = vel[i] + eps;
                }
                double inc = lr * g[i] / Math.Sqrt(denom);
                if (momentum > 0)
                {
                    mom[i] = momentum * mom[i] + inc;
                    w[i] -= mom[i];
                }
                else
                {
                    w[i] -= inc;
                }
            }
        };
    }

    [TestMethod]
    public void RmspropPlainCenteredAndMomentum()
    {
        var rms = new RMSprop();
        Assert.AreEqual(0.001, rms.LearningRate);
        Assert.AreEqual(0.9, rms.Rho);
        Assert.AreEqual(1e-7, rms.Epsilon);
        Run(rms, RmsRule(0.001, 0.9, 0, 1e-7, centered: false));
        // epsilon inside the root: sqrt(v + eps); a large value makes the placement visible.
        Run(new RMSprop(learningRate: 0.01, rho: 0.8, epsilon: 0.3), RmsRule(0.01, 0.8, 0, 0.3, centered: false));
        Run(new RMSprop(learningRate: 0.01, rho: 0.8, centered: true), RmsRule(0.01, 0.8, 0, 1e-7, centered: true));
        Run(new RMSprop(learningRate: 0.01, momentum: 0.7), RmsRule(0.01, 0.9, 0.7, 1e-7, centered: false));
        Run(new RMSprop(learningRate: 0.01, rho: 0.85, momentum: 0.5, centered: true), RmsRule(0.01, 0.85, 0.5, 1e-7, centered: true));
    }

    // ---------------------------------------------------------------- clipping

    private static double Norm(double[] g) => Math.Sqrt(g.Sum(x => x * x));

    private static Rule SgdRule(double lr) => (_, w, g, _) =>
    {
        for (int i = 0; i < w.Length; i++) w[i] -= lr * g[i];
    };

    [TestMethod]
    public void ClipnormScalesEachGradientToTheNorm()
    {
        const double c = 1.0;
        Run(new SGD(learningRate: 0.1, clipnorm: c), SgdRule(0.1), clip: gs =>
            gs.Select(g => g.Select(x => x * c / Math.Max(Norm(g), c)).ToArray()).ToArray());
        // A generous limit leaves the gradients alone.
        Run(new SGD(learningRate: 0.1, clipnorm: 100), SgdRule(0.1));
    }

    [TestMethod]
    public void GlobalClipnormScalesAllGradientsByTheirJointNorm()
    {
        const double c = 1.5;
        Run(new SGD(learningRate: 0.1, globalClipnorm: c), SgdRule(0.1), clip: gs =>
        {
            double norm = Math.Sqrt(gs.Sum(g => g.Sum(x => x * x)));
            return gs.Select(g => g.Select(x => x * c / Math.Max(norm, c)).ToArray()).ToArray();
        });
    }

    [TestMethod]
    public void ClipvalueClipsEachElement()
    {
        Run(new SGD(learningRate: 0.1, clipvalue: 0.5), SgdRule(0.1), clip: gs =>
            gs.Select(g => g.Select(x => Math.Clamp(x, -0.5, 0.5)).ToArray()).ToArray());
        // Clipping happens before the optimizer's own state (here Adam's moments) sees the gradient.
        Run(new Adam(learningRate: 0.01, clipvalue: 0.5), AdamRule(0.01, 0.9, 0.999, 1e-7), clip: gs =>
            gs.Select(g => g.Select(x => Math.Clamp(x, -0.5, 0.5)).ToArray()).ToArray());
    }

    // ---------------------------------------------------------------- names, iterations, arguments

    [TestMethod]
    public void GetResolvesNamesCaseInsensitivelyWithKerasDefaults()
    {
        var sgd = Optimizer.Get("sgd");
        Assert.IsInstanceOfType<SGD>(sgd);
        Assert.AreEqual(0.01, sgd.LearningRate);
        Assert.AreEqual(0.0, ((SGD)sgd).Momentum);
        Assert.IsInstanceOfType<SGD>(Optimizer.Get("SGD"));
        Assert.IsInstanceOfType<Adam>(Optimizer.Get("Adam"));
        var adamw = Optimizer.Get("adamw");
        Assert.IsInstanceOfType<AdamW>(adamw);
        Assert.AreEqual(0.004, adamw.WeightDecay);
        var rms = Optimizer.Get("rmsprop");
        Assert.IsInstanceOfType<RMSprop>(rms);
        Assert.AreEqual(0.001, rms.LearningRate);
        Optimizer converted = "adam";
        Assert.IsInstanceOfType<Adam>(converted);
        Assert.AreEqual(0.001, converted.LearningRate);
        var e = Assert.ThrowsExactly<ArgumentException>(() => Optimizer.Get("adagrad2"));
        StringAssert.Contains(e.Message, "adagrad2");
    }

    [TestMethod]
    public void IterationsCountAppliedSteps()
    {
        using var scope = Ops.Scope();
        using var opt = new SGD();
        Assert.AreEqual(0, opt.Iterations);
        Assert.IsFalse(opt.Built);
        using var v = new Variable(Ops.Constant([1f, 2f], new Shape(2)), "v");
        for (int i = 1; i <= 4; i++)
        {
            opt.ApplyGradients([Ops.Constant([1f, 1f], new Shape(2))], [v]);
            Assert.AreEqual(i, opt.Iterations);
        }
        Assert.IsTrue(opt.Built);
        // Momentum state is created per variable only when momentum is used.
        Assert.IsEmpty(opt.Variables);
        using var adam = new Adam(amsgrad: true);
        adam.Build([v]);
        Assert.HasCount(3, adam.Variables); // momentum, velocity, velocity_hat
    }

    [TestMethod]
    public void InvalidArgumentsRaise()
    {
        var lr = Assert.Throws<ArgumentException>(() => new SGD(learningRate: -0.1));
        StringAssert.Contains(lr.Message, "learning rate");
        Assert.Throws<ArgumentException>(() => new Adam(learningRate: double.NaN));
        Assert.Throws<ArgumentException>(() => new RMSprop(learningRate: double.PositiveInfinity));
        var twoClips = Assert.Throws<ArgumentException>(() => new Adam(clipnorm: 1.0, clipvalue: 0.5));
        StringAssert.Contains(twoClips.Message, "only one of clipnorm, clipvalue and globalClipnorm");
        Assert.Throws<ArgumentException>(() => new SGD(clipnorm: 1.0, globalClipnorm: 1.0));
        Assert.Throws<ArgumentException>(() => new RMSprop(clipvalue: 1.0, globalClipnorm: 1.0));
        Assert.Throws<ArgumentException>(() => new SGD(momentum: 1.5));
        Assert.Throws<ArgumentException>(() => new SGD(momentum: -0.1));
        var sgd = new SGD();
        Assert.Throws<ArgumentException>(() => sgd.LearningRate = -1);
        sgd.LearningRate = 0.5;
        Assert.AreEqual(0.5, sgd.LearningRate);
    }

    [TestMethod]
    public void ZeroLearningRateLeavesWeightsUnchanged()
    {
        // Keras accepts learning_rate=0.0 (it freezes the weights).
        using var scope = Ops.Scope();
        using var opt = new Adam(learningRate: 0.0);
        using var v = new Variable(Ops.Constant([1f, -2f], new Shape(2)), "v");
        opt.ApplyGradients([Ops.Constant([0.3f, 0.4f], new Shape(2))], [v]);
        CollectionAssert.AreEqual(new[] { 1f, -2f }, v.ToHost().ToArray<float>());
    }

    [TestMethod]
    public void BadGradientListsRaiseWithoutTouchingTheWeights()
    {
        using var scope = Ops.Scope();
        using var opt = new SGD(learningRate: 0.1, weightDecay: 0.1);
        using var a = new Variable(Ops.Constant([1f, 2f], new Shape(2)), "a");
        using var b = new Variable(Ops.Constant([3f], new Shape(1)), "b");
        using var other = new Variable(Ops.Constant([5f], new Shape(1)), "other");
        var g2 = Ops.Constant([1f, 1f], new Shape(2));
        var g1 = Ops.Constant([1f], new Shape(1));

        Assert.Throws<ArgumentException>(() => opt.ApplyGradients([g2], [a, b]));
        opt.Build([a, b]);
        var shape = Assert.Throws<ArgumentException>(() => opt.ApplyGradients([g2, g2], [a, b]));
        StringAssert.Contains(shape.Message, "b");
        Assert.Throws<InvalidOperationException>(() => opt.ApplyGradients([g2, g1], [a, other]));
        CollectionAssert.AreEqual(new[] { 1f, 2f }, a.ToHost().ToArray<float>(), "a untouched");
        CollectionAssert.AreEqual(new[] { 3f }, b.ToHost().ToArray<float>(), "b untouched");
        Assert.AreEqual(0, opt.Iterations);

        // Then a good call works: w <- w - w*0.1*0.1 - 0.1*g.
        opt.ApplyGradients([g2, g1], [a, b]);
        var expected = new[] { 1 - 0.01 - 0.1, 2 - 0.02 - 0.1 };
        var actual = a.ToHost().ToArray<float>();
        for (int i = 0; i < 2; i++) Assert.AreEqual(expected[i], actual[i], 1e-6);
    }
}
