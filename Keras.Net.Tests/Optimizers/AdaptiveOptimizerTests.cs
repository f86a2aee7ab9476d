using System.Text.Json.Nodes;
using Keras.Optimizers;
using static Keras.Net.Tests.Optimizers.OptimizerReplay;

namespace Keras.Net.Tests.Optimizers;

/// <summary>
/// Keras 3's Adamax, Nadam, Adagrad, Adadelta, Adafactor, Ftrl, Lion and Lamb
/// (<c>keras/src/optimizers/*.py</c> and the torch backend's <c>torch_*.py</c>): four steps with fixed
/// gradients on a (2, 3) matrix and a vector, against the update rules written out in double precision.
/// </summary>
[TestClass]
public class AdaptiveOptimizerTests
{
    // ---------------------------------------------------------------- Adamax

    private static Rule AdamaxRule(double lr, double b1, double b2, double eps)
    {
        var s = new State();
        return (p, w, g, t) =>
        {
            var m = s.Get("m", p, w.Length);
            var u = s.Get("u", p, w.Length);
            for (int i = 0; i < w.Length; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                u[i] = Math.Max(b2 * u[i], Math.Abs(g[i]));
                w[i] -= lr * m[i] / ((1 - Math.Pow(b1, t)) * (u[i] + eps));
            }
        };
    }

    [TestMethod]
    public void AdamaxFollowsTheInfinityNormRule()
    {
        var opt = new Adamax();
        Assert.AreEqual(0.001, opt.LearningRate);
        Assert.AreEqual(0.9, opt.Beta1);
        Assert.AreEqual(0.999, opt.Beta2);
        Assert.AreEqual(1e-7, opt.Epsilon);
        Assert.AreEqual("adamax", opt.Name);
        Run(opt, AdamaxRule(0.001, 0.9, 0.999, 1e-7));
        // beta2 = 0.5 lets the decayed norm fall below |g| so both branches of the max are taken; a large epsilon shows where it goes.
        Run(new Adamax(learningRate: 0.1, beta1: 0.8, beta2: 0.5, epsilon: 0.3), AdamaxRule(0.1, 0.8, 0.5, 0.3));
    }

    // ---------------------------------------------------------------- Nadam

    private static Rule NadamRule(double lr, double b1, double b2, double eps)
    {
        var s = new State();
        double uProduct = 1.0;
        int lastT = 0;
        return (p, w, g, t) =>
        {
            double U(int step) => b1 * (1 - 0.5 * Math.Pow(0.96, step));
            if (t != lastT)
            {
                // The running product is advanced once per step, before the variables are updated.
                uProduct *= U(t);
                lastT = t;
            }
            double uT = U(t), uT1 = U(t + 1);
            var m = s.Get("m", p, w.Length);
            var v = s.Get("v", p, w.Length);
            for (int i = 0; i < w.Length; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double mHat = uT1 * m[i] / (1 - uProduct * uT1) + (1 - uT) * g[i] / (1 - uProduct);
                double vHat = v[i] / (1 - Math.Pow(b2, t));
                w[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
        };
    }

    [TestMethod]
    public void NadamUsesTheMomentumScheduleProduct()
    {
        var opt = new Nadam();
        Assert.AreEqual(0.001, opt.LearningRate);
        Assert.AreEqual("nadam", opt.Name);
        Run(opt, NadamRule(0.001, 0.9, 0.999, 1e-7));
        Run(new Nadam(learningRate: 0.05, beta1: 0.8, beta2: 0.9, epsilon: 0.1), NadamRule(0.05, 0.8, 0.9, 0.1));
        // Momenta and velocities per variable, plus the scalar product.
        using var scope = Ops.Scope();
        using var n = new Nadam();
        using var v = new Variable(Ops.Zeros(new Shape(2)), "v");
        n.Build([v]);
        Assert.HasCount(3, n.Variables);
        Assert.AreEqual(1f, n.Variables[2].ToHost().ToArray<float>().Single(), "the product starts at 1");
    }

    // ---------------------------------------------------------------- Adagrad

    private static Rule AdagradRule(double lr, double initial, double eps)
    {
        var s = new State();
        return (p, w, g, _) =>
        {
            var a = s.Get("a", p, w.Length, initial);
            for (int i = 0; i < w.Length; i++)
            {
                a[i] += g[i] * g[i];
                w[i] -= lr * g[i] / Math.Sqrt(a[i] + eps);
            }
        };
    }

    [TestMethod]
    public void AdagradAccumulatesSquaredGradientsFromTheInitialValue()
    {
        var opt = new Adagrad();
        Assert.AreEqual(0.001, opt.LearningRate);
        Assert.AreEqual(0.1, opt.InitialAccumulatorValue);
        Assert.AreEqual(1e-7, opt.Epsilon);
        Assert.AreEqual("adagrad", opt.Name);
        Run(opt, AdagradRule(0.001, 0.1, 1e-7));
        Run(new Adagrad(learningRate: 0.5, initialAccumulatorValue: 0.0, epsilon: 0.01), AdagradRule(0.5, 0.0, 0.01));
        Run(new Adagrad(learningRate: 0.2, initialAccumulatorValue: 2.0), AdagradRule(0.2, 2.0, 1e-7));
        Assert.Throws<ArgumentException>(() => new Adagrad(initialAccumulatorValue: -0.1));
    }

    // ---------------------------------------------------------------- Adadelta

    private static Rule AdadeltaRule(double lr, double rho, double eps)
    {
        var s = new State();
        return (p, w, g, _) =>
        {
            var eg = s.Get("eg", p, w.Length);
            var ed = s.Get("ed", p, w.Length);
            for (int i = 0; i < w.Length; i++)
            {
                eg[i] = rho * eg[i] + (1 - rho) * g[i] * g[i];
                double delta = -Math.Sqrt(ed[i] + eps) * g[i] / Math.Sqrt(eg[i] + eps);
                ed[i] = rho * ed[i] + (1 - rho) * delta * delta;
                w[i] += lr * delta;
            }
        };
    }

    [TestMethod]
    public void AdadeltaScalesByTheRatioOfRunningRoots()
    {
        var opt = new Adadelta();
        Assert.AreEqual(0.001, opt.LearningRate);
        Assert.AreEqual(0.95, opt.Rho);
        Assert.AreEqual("adadelta", opt.Name);
        Run(opt, AdadeltaRule(0.001, 0.95, 1e-7));
        // The paper's learning rate 1 and a large epsilon, so the delta accumulator matters.
        Run(new Adadelta(learningRate: 1.0, rho: 0.7, epsilon: 0.01), AdadeltaRule(1.0, 0.7, 0.01));
    }

    // ---------------------------------------------------------------- Adafactor

    private static double Rms(IEnumerable<double> x) => Math.Sqrt(x.Select(v => v * v).Average());

    private static Rule AdafactorRule(double lr, double decay, double eps1, double eps2, double clip, bool relative, bool schedule = false)
    {
        var s = new State();
        return (p, w, g, t) =>
        {
            double lrT = !schedule && relative ? Math.Min(lr, 1 / Math.Sqrt(t)) : lr;
            double rho = Math.Min(lrT, 1 / Math.Sqrt(t));
            double alpha = Math.Max(eps2, Rms(w)) * rho;
            double beta2 = 1 - Math.Pow(t, decay);
            var reg = g.Select(x => x * x + eps1).ToArray();
            var v = s.Get("v", p, w.Length);
            if (p == 0)
            {
                // (2, 3): r holds the 2 row means, c the 3 column means of the regulated squares.
                var r = s.Get("r", p, 2);
                var c = s.Get("c", p, 3);
                for (int i = 0; i < 2; i++) r[i] = beta2 * r[i] + (1 - beta2) * (reg[3 * i] + reg[3 * i + 1] + reg[3 * i + 2]) / 3;
                for (int j = 0; j < 3; j++) c[j] = beta2 * c[j] + (1 - beta2) * (reg[j] + reg[3 + j]) / 2;
                double rMean = r.Average();
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 3; j++) v[3 * i + j] = r[i] / rMean * c[j];
            }
            else
            {
                for (int i = 0; i < w.Length; i++) v[i] = beta2 * v[i] + (1 - beta2) * reg[i];
            }
            var u = g.Select((x, i) => x / Math.Sqrt(v[i])).ToArray();
            double denom = Math.Max(1.0, Rms(u) / clip);
            for (int i = 0; i < w.Length; i++) w[i] -= alpha * u[i] / denom;
        };
    }

    [TestMethod]
    public void AdafactorFactorsTheSecondMomentOfMatrices()
    {
        var opt = new Adafactor();
        Assert.AreEqual(0.001, opt.LearningRate);
        Assert.AreEqual(-0.8, opt.Beta2Decay);
        Assert.AreEqual(1e-30, opt.Epsilon1);
        Assert.AreEqual(1e-3, opt.Epsilon2);
        Assert.AreEqual(1.0, opt.ClipThreshold);
        Assert.IsTrue(opt.RelativeStep);
        Run(opt, AdafactorRule(0.001, -0.8, 1e-30, 1e-3, 1.0, true));
        // A large rate so that rho_t = 1/sqrt(t) takes over, and a small clip threshold so the update is clipped.
        Run(new Adafactor(learningRate: 0.9, beta2Decay: -0.5, epsilon2: 0.05, clipThreshold: 0.3), AdafactorRule(0.9, -0.5, 1e-30, 0.05, 0.3, true));
        // Factored state: r (2,), c (3,), v (2, 3) for the matrix; scalar placeholders and v (3,) for the vector.
        using var scope = Ops.Scope();
        using var f = new Adafactor();
        using var m = new Variable(Ops.Zeros(new Shape(4, 2, 3)), "m");
        using var b = new Variable(Ops.Zeros(new Shape(5)), "b");
        f.Build([m, b]);
        CollectionAssert.AreEqual(new[] { "(4, 2)", "(4, 3)", "(4, 2, 3)", "()", "()", "(5,)" }, f.Variables.Select(v => v.Shape.ToString()).ToArray());
    }

    // ---------------------------------------------------------------- Ftrl

    private static Rule FtrlRule(double lr, double lrPower, double initial, double l1, double l2, double shrink, double beta)
    {
        var s = new State();
        return (p, w, g, _) =>
        {
            var n = s.Get("n", p, w.Length, initial);
            var z = s.Get("z", p, w.Length);
            double l2Reg = l2 + beta / (2 * lr);
            for (int i = 0; i < w.Length; i++)
            {
                double gShrunk = g[i] + 2 * shrink * w[i];
                double nNew = n[i] + g[i] * g[i];
                double sigma = (Math.Pow(nNew, -lrPower) - Math.Pow(n[i], -lrPower)) / lr;
                z[i] += gShrunk - sigma * w[i];
                double quadratic = Math.Pow(nNew, -lrPower) / lr + 2 * l2Reg;
                double zClipped = Math.Clamp(z[i], -l1, l1);
                w[i] = (zClipped - z[i]) / quadratic;
                n[i] = nNew;
            }
        };
    }

    [TestMethod]
    public void FtrlSolvesTheProximalStepWithRegularization()
    {
        var opt = new Ftrl();
        Assert.AreEqual(0.001, opt.LearningRate);
        Assert.AreEqual(-0.5, opt.LearningRatePower);
        Assert.AreEqual(0.1, opt.InitialAccumulatorValue);
        Assert.AreEqual("ftrl", opt.Name);
        Run(opt, FtrlRule(0.001, -0.5, 0.1, 0, 0, 0, 0));
        // L1 small enough that some weights stay non-zero, plus L2, shrinkage, beta and another power.
        Run(new Ftrl(learningRate: 0.3, learningRatePower: -0.7, initialAccumulatorValue: 0.5, l1RegularizationStrength: 0.2,
                l2RegularizationStrength: 0.1, l2ShrinkageRegularizationStrength: 0.05, beta: 0.4),
            FtrlRule(0.3, -0.7, 0.5, 0.2, 0.1, 0.05, 0.4));
        Assert.Throws<ArgumentException>(() => new Ftrl(learningRatePower: 0.5));
        Assert.Throws<ArgumentException>(() => new Ftrl(l1RegularizationStrength: -1));
        Assert.Throws<ArgumentException>(() => new Ftrl(initialAccumulatorValue: -1));
    }

    // ---------------------------------------------------------------- Lion

    private static Rule LionRule(double lr, double b1, double b2)
    {
        var s = new State();
        return (p, w, g, _) =>
        {
            var m = s.Get("m", p, w.Length);
            for (int i = 0; i < w.Length; i++)
            {
                w[i] -= lr * Math.Sign(b1 * m[i] + (1 - b1) * g[i]);
                m[i] = b2 * m[i] + (1 - b2) * g[i];
            }
        };
    }

    [TestMethod]
    public void LionStepsByTheSignOfTheInterpolatedMomentum()
    {
        var opt = new Lion();
        Assert.AreEqual(0.001, opt.LearningRate);
        Assert.AreEqual(0.9, opt.Beta1);
        Assert.AreEqual(0.99, opt.Beta2);
        Run(opt, LionRule(0.001, 0.9, 0.99));
        // A zero gradient with zero momentum does not move the weight (sign 0).
        Run(new Lion(learningRate: 0.1, beta1: 0.5, beta2: 0.7), LionRule(0.1, 0.5, 0.7));
        Assert.Throws<ArgumentException>(() => new Lion(beta1: 0));
        Assert.Throws<ArgumentException>(() => new Lion(beta1: 1.5));
    }

    // ---------------------------------------------------------------- Lamb

    private static Rule LambRule(double lr, double b1, double b2, double eps)
    {
        var s = new State();
        return (p, w, g, t) =>
        {
            var m = s.Get("m", p, w.Length);
            var v = s.Get("v", p, w.Length);
            var update = new double[w.Length];
            for (int i = 0; i < w.Length; i++)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                update[i] = m[i] / (1 - Math.Pow(b1, t)) / (Math.Sqrt(v[i] / (1 - Math.Pow(b2, t))) + eps);
            }
            double wNorm = Math.Sqrt(w.Sum(x => x * x));
            double uNorm = Math.Sqrt(update.Sum(x => x * x));
            double ratio = wNorm > 0 && uNorm > 0 ? wNorm / uNorm : 1.0;
            for (int i = 0; i < w.Length; i++) w[i] -= ratio * lr * update[i];
        };
    }

    [TestMethod]
    public void LambScalesTheAdamStepByTheTrustRatio()
    {
        var opt = new Lamb();
        Assert.AreEqual(0.001, opt.LearningRate);
        Assert.AreEqual("lamb", opt.Name);
        Run(opt, LambRule(0.001, 0.9, 0.999, 1e-7));
        var lambRule = LambRule(0.05, 0.7, 0.9, 0.01);
        Run(new Lamb(learningRate: 0.05, beta1: 0.7, beta2: 0.9, epsilon: 0.01, weightDecay: 0.1), (p, w, g, t) =>
        {
            // Weight decay first (Keras's base optimizer), then the LAMB step on the decayed weights.
            for (int i = 0; i < w.Length; i++) w[i] -= w[i] * 0.1 * 0.05;
            lambRule(p, w, g, t);
        });

        // A zero weight vector has trust ratio 1.
        using var scope = Ops.Scope();
        using var lamb = new Lamb(learningRate: 0.1);
        using var z = new Variable(Ops.Zeros(new Shape(2)), "z");
        lamb.ApplyGradients([Ops.Constant([1f, -2f], new Shape(2))], [z]);
        var zr = z.ToHost().ToArray<float>();
        // First step: m_hat = g, sqrt(v_hat) = |g|, so the update is sign(g) (up to epsilon).
        Assert.AreEqual(-0.1, zr[0], 1e-6);
        Assert.AreEqual(0.1, zr[1], 1e-6);
    }

    // ---------------------------------------------------------------- names, configs

    [TestMethod]
    public void GetKnowsEveryOptimizerWithKerasDefaults()
    {
        var expected = new (string Name, Type Type, double Lr)[]
        {
            ("sgd", typeof(SGD), 0.01), ("adam", typeof(Adam), 0.001), ("adamw", typeof(AdamW), 0.001), ("rmsprop", typeof(RMSprop), 0.001),
            ("adamax", typeof(Adamax), 0.001), ("nadam", typeof(Nadam), 0.001), ("adagrad", typeof(Adagrad), 0.001),
            ("adadelta", typeof(Adadelta), 0.001), ("adafactor", typeof(Adafactor), 0.001), ("ftrl", typeof(Ftrl), 0.001),
            ("lion", typeof(Lion), 0.001), ("lamb", typeof(Lamb), 0.001),
        };
        foreach (var (name, type, lr) in expected)
        {
            var opt = Optimizer.Get(name);
            Assert.IsInstanceOfType(opt, type, name);
            Assert.AreEqual(lr, opt.LearningRate, name);
            Assert.IsInstanceOfType(Optimizer.Get(type.Name), type, type.Name);
            Optimizer converted = name;
            Assert.IsInstanceOfType(converted, type, $"implicit conversion of {name}");
        }
        Assert.ThrowsExactly<ArgumentException>(() => Optimizer.Get("adabelief"));
    }

    [TestMethod]
    public void GetConfigUsesKerasKeys()
    {
        static void Check(Optimizer opt, params (string Key, JsonNode? Value)[] expected)
        {
            var c = opt.GetConfig();
            foreach (var key in new[] { "name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
                         "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps" })
                Assert.IsTrue(c.ContainsKey(key), $"{opt.Name}: {key}");
            foreach (var (key, value) in expected)
                Assert.AreEqual(value?.ToJsonString(), c[key]?.ToJsonString(), $"{opt.Name}: {key}");
        }
        Check(new Adamax(), ("name", "adamax"), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-7));
        Check(new Nadam(beta1: 0.8), ("beta_1", 0.8), ("beta_2", 0.999));
        Check(new Adagrad(), ("initial_accumulator_value", 0.1), ("epsilon", 1e-7));
        Check(new Adadelta(), ("rho", 0.95), ("epsilon", 1e-7));
        Check(new Adafactor(), ("beta_2_decay", -0.8), ("epsilon_1", 1e-30), ("epsilon_2", 0.001), ("clip_threshold", 1.0), ("relative_step", true));
        Check(new Ftrl(l1RegularizationStrength: 0.5), ("learning_rate_power", -0.5), ("initial_accumulator_value", 0.1),
            ("l1_regularization_strength", 0.5), ("l2_regularization_strength", 0.0), ("l2_shrinkage_regularization_strength", 0.0), ("beta", 0.0));
        Check(new Lion(), ("beta_1", 0.9), ("beta_2", 0.99));
        Check(new Lamb(learningRate: 0.01), ("learning_rate", 0.01), ("beta_1", 0.9), ("epsilon", 1e-7));
        Check(new SGD(useEma: true, emaMomentum: 0.9, emaOverwriteFrequency: 5), ("use_ema", true), ("ema_momentum", 0.9), ("ema_overwrite_frequency", 5));
    }
}
