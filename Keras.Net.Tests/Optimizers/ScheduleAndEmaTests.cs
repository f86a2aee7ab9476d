using System.Text.Json.Nodes;
using Keras.Optimizers;
using Keras.Optimizers.Schedules;
using static Keras.Net.Tests.Optimizers.OptimizerReplay;

namespace Keras.Net.Tests.Optimizers;

/// <summary>
/// Keras 3's learning-rate schedules (<c>keras/src/optimizers/schedules/learning_rate_schedule.py</c>), their
/// use by optimizers (evaluated at the iteration count on every step), and the exponential moving average
/// of weights (<c>use_ema</c>, <c>ema_momentum</c>, <c>ema_overwrite_frequency</c>, <c>finalize_variable_values</c>).
/// </summary>
[TestClass]
public class ScheduleAndEmaTests
{
    private const double Tol = 1e-12;

    private static void AssertSchedule(LearningRateSchedule schedule, params (long Step, double Expected)[] points)
    {
        foreach (var (step, expected) in points)
            Assert.AreEqual(expected, schedule.Call(step), Tol + 1e-12 * Math.Abs(expected), $"{schedule.GetType().Name} at step {step}");
    }

    [TestMethod]
    public void ExponentialDecayContinuousAndStaircase()
    {
        var s = new ExponentialDecay(0.1, 10, 0.5);
        AssertSchedule(s, (0, 0.1), (1, 0.1 * Math.Pow(0.5, 0.1)), (5, 0.1 * Math.Sqrt(0.5)), (10, 0.05), (25, 0.1 * Math.Pow(0.5, 2.5)));
        var stair = new ExponentialDecay(0.1, 10, 0.5, staircase: true);
        AssertSchedule(stair, (0, 0.1), (9, 0.1), (10, 0.05), (19, 0.05), (25, 0.025));
        Assert.Throws<ArgumentException>(() => new ExponentialDecay(0.1, 0, 0.5));
    }

    [TestMethod]
    public void PiecewiseConstantDecayIncludesEachBoundaryInTheEarlierPiece()
    {
        var s = new PiecewiseConstantDecay([3, 7], [1.0, 0.5, 0.1]);
        AssertSchedule(s, (0, 1.0), (3, 1.0), (4, 0.5), (7, 0.5), (8, 0.1), (1000, 0.1));
        var e = Assert.Throws<ArgumentException>(() => new PiecewiseConstantDecay([3, 7], [1.0, 0.5]));
        StringAssert.Contains(e.Message, "1 less");
    }

    [TestMethod]
    public void PolynomialDecayWithAndWithoutCycle()
    {
        double Poly(double s, double steps) => 0.09 * Math.Pow(1 - s / steps, 2) + 0.01;
        var s = new PolynomialDecay(0.1, 10, endLearningRate: 0.01, power: 2);
        AssertSchedule(s, (0, 0.1), (3, Poly(3, 10)), (10, 0.01), (15, 0.01));
        var cyc = new PolynomialDecay(0.1, 10, endLearningRate: 0.01, power: 2, cycle: true);
        // The horizon becomes the first multiple of 10 that is >= the step (10 at step 0).
        AssertSchedule(cyc, (0, 0.1), (3, Poly(3, 10)), (10, 0.01), (15, Poly(15, 20)), (20, 0.01), (21, Poly(21, 30)));
        // Defaults: end 1e-4, linear.
        AssertSchedule(new PolynomialDecay(1.0, 4), (1, 0.9999 * 0.75 + 0.0001));
    }

    [TestMethod]
    public void InverseTimeDecayContinuousAndStaircase()
    {
        AssertSchedule(new InverseTimeDecay(0.1, 5, 0.5), (0, 0.1), (3, 0.1 / 1.3), (10, 0.05));
        AssertSchedule(new InverseTimeDecay(0.1, 5, 0.5, staircase: true), (3, 0.1), (5, 0.1 / 1.5), (14, 0.05));
    }

    [TestMethod]
    public void CosineDecayWithAlphaAndWithWarmup()
    {
        double Cos(double initial, double s, double steps, double alpha) =>
            initial * ((1 - alpha) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(s, steps) / steps)) + alpha);
        AssertSchedule(new CosineDecay(0.1, 10, alpha: 0.1), (0, 0.1), (5, 0.1 * (0.9 * 0.5 + 0.1)), (7, Cos(0.1, 7, 10, 0.1)), (10, 0.01), (30, 0.01));
        // Linear warmup from 0.02 to 0.2 over 5 steps, then cosine decay from 0.2 over 10 steps.
        var warm = new CosineDecay(0.02, 10, warmupTarget: 0.2, warmupSteps: 5);
        AssertSchedule(warm, (0, 0.02), (1, 0.02 + 0.18 / 5), (4, 0.02 + 0.18 * 4 / 5), (5, 0.2), (8, Cos(0.2, 3, 10, 0)), (15, 0.0), (40, 0.0));
    }

    /// <summary>SGDR by walking the periods one by one (independent of the closed form Keras uses).</summary>
    private static double Sgdr(double initial, double first, double tMul, double mMul, double alpha, long step)
    {
        double start = 0, length = first;
        int i = 0;
        while (step >= start + length)
        {
            start += length;
            length *= tMul;
            i++;
        }
        double fraction = (step - start) / length;
        return initial * ((1 - alpha) * 0.5 * Math.Pow(mMul, i) * (1 + Math.Cos(Math.PI * fraction)) + alpha);
    }

    [TestMethod]
    public void CosineDecayRestartsGrowsAndShrinksThePeriods()
    {
        var s = new CosineDecayRestarts(1.0, 4, tMul: 2.0, mMul: 0.5, alpha: 0.1);
        foreach (long step in new long[] { 0, 1, 3, 4, 5, 11, 12, 13, 27, 28, 29 })
            AssertSchedule(s, (step, Sgdr(1.0, 4, 2.0, 0.5, 0.1, step)));
        // A restart at step 4 starts the second period at m_mul times the first rate: 1.0 * (0.9 * 0.5 + 0.1).
        Assert.AreEqual(0.55, s.Call(4), 1e-12);
        var flat = new CosineDecayRestarts(0.5, 3, tMul: 1.0, mMul: 0.8);
        foreach (long step in new long[] { 0, 2, 3, 4, 6, 7, 10 })
            AssertSchedule(flat, (step, Sgdr(0.5, 3, 1.0, 0.8, 0.0, step)));
    }

    [TestMethod]
    public void SchedulesSerializeAsKerasAndRoundTrip()
    {
        LearningRateSchedule[] schedules =
        [
            new ExponentialDecay(0.1, 1000, 0.96, staircase: true),
            new PiecewiseConstantDecay([100, 200], [0.1, 0.01, 0.001]),
            new PolynomialDecay(0.1, 50, 0.001, 0.5, cycle: true),
            new InverseTimeDecay(0.2, 3, 0.4),
            new CosineDecay(0.0, 100, 0.05, warmupTarget: 0.1, warmupSteps: 10),
            new CosineDecayRestarts(0.3, 20, 1.5, 0.9, 0.01),
        ];
        foreach (var s in schedules)
        {
            var json = s.Serialize();
            Assert.AreEqual("keras.optimizers.schedules", json["module"]!.ToString());
            Assert.AreEqual(s.GetType().Name, json["class_name"]!.ToString());
            var back = LearningRateSchedule.FromConfig(JsonNode.Parse(json.ToJsonString())!);
            Assert.AreEqual(s.GetType(), back.GetType());
            Assert.AreEqual(json.ToJsonString(), back.Serialize().ToJsonString());
            foreach (long step in new long[] { 0, 7, 55, 150, 1234 }) Assert.AreEqual(s.Call(step), back.Call(step), 0.0, $"{s.GetType().Name} step {step}");
        }
        // Keras's own config keys (e.g. CosineDecayRestarts keeps t_mul/m_mul, the default name "SGDRDecay").
        var restarts = new CosineDecayRestarts(0.3, 20).GetConfig();
        CollectionAssert.AreEqual(new[] { "initial_learning_rate", "first_decay_steps", "t_mul", "m_mul", "alpha", "name" }, restarts.Select(kv => kv.Key).ToArray());
        Assert.AreEqual("SGDRDecay", restarts["name"]!.ToString());
        Assert.Throws<FormatException>(() => LearningRateSchedule.FromConfig(new JsonObject { ["class_name"] = "WarmupLinear", ["config"] = new JsonObject() }));
    }

    // ---------------------------------------------------------------- schedules in optimizers

    [TestMethod]
    public void AnOptimizerEvaluatesItsScheduleAtTheIterationCountOnEveryStep()
    {
        var schedule = new ExponentialDecay(0.1, 2, 0.5);
        var sgd = new SGD(learningRate: schedule);
        Assert.AreSame(schedule, sgd.LearningRateSchedule);
        Assert.AreEqual(0.1, sgd.LearningRate, 1e-15, "step 0");
        Run(sgd, (_, w, g, t) =>
        {
            double lr = 0.1 * Math.Pow(0.5, (t - 1) / 2.0);
            for (int i = 0; i < w.Length; i++) w[i] -= lr * g[i];
        });
        Assert.AreEqual(0.1 * Math.Pow(0.5, 2), sgd.LearningRate, 1e-15, "after 4 steps the getter gives the rate of step 4");

        // Weight decay uses the same scheduled rate; Adam with a cosine schedule.
        var cosine = new CosineDecay(0.05, 3, alpha: 0.2);
        var s = new State();
        Run(new Adam(learningRate: cosine, weightDecay: 0.3), (p, w, g, t) =>
        {
            double lr = cosine.Call(t - 1);
            var m = s.Get("m", p, w.Length);
            var v = s.Get("v", p, w.Length);
            double alpha = lr * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            for (int i = 0; i < w.Length; i++)
            {
                w[i] -= w[i] * 0.3 * lr;
                m[i] += (g[i] - m[i]) * 0.1;
                v[i] += (g[i] * g[i] - v[i]) * 0.001;
                w[i] -= alpha * m[i] / (Math.Sqrt(v[i]) + 1e-7);
            }
        });

        // The config carries the serialized schedule.
        var config = new SGD(learningRate: schedule).GetConfig();
        Assert.AreEqual("ExponentialDecay", config["learning_rate"]!["class_name"]!.ToString());
        Assert.AreEqual(2.0, config["learning_rate"]!["config"]!["decay_steps"]!.GetValue<double>());
    }

    [TestMethod]
    public void SettingANumberReplacesTheSchedule()
    {
        using var scope = Ops.Scope();
        var sgd = new SGD(learningRate: new PiecewiseConstantDecay([0], [1.0, 0.25]));
        using var v = new Variable(Ops.Constant([1f], new Shape(1)), "v");
        sgd.ApplyGradients([Ops.Constant([1f], new Shape(1))], [v]);
        Assert.AreEqual(0.0f, v.ToHost().ToArray<float>()[0], 1e-7, "step 0 at rate 1");
        Assert.AreEqual(0.25, sgd.LearningRate, "step 1 is past the boundary");
        sgd.LearningRate = 0.5;
        Assert.IsNull(sgd.LearningRateSchedule);
        Assert.AreEqual(0.5, sgd.LearningRate);
        sgd.ApplyGradients([Ops.Constant([1f], new Shape(1))], [v]);
        Assert.AreEqual(-0.5f, v.ToHost().ToArray<float>()[0], 1e-7);
        Assert.AreEqual(0.5, sgd.GetConfig()["learning_rate"]!.GetValue<double>());
        // And a schedule can be set again.
        sgd.LearningRateSchedule = new InverseTimeDecay(1.0, 1, 1.0);
        Assert.AreEqual(1.0 / 3, sgd.LearningRate, 1e-15, "iteration 2");
        Assert.Throws<ArgumentException>(() => sgd.LearningRate = -1);
    }

    [TestMethod]
    public void AdafactorIgnoresRelativeStepWithASchedule()
    {
        // Keras caps a fixed rate at 1/sqrt(t) only when it is not a schedule; rho_t = min(lr, 1/sqrt(t)) either way.
        var schedule = new PiecewiseConstantDecay([1], [2.0, 0.05]);
        var s = new State();
        Run(new Adafactor(learningRate: schedule), (p, w, g, t) =>
        {
            double lr = schedule.Call(t - 1);
            double rho = Math.Min(lr, 1 / Math.Sqrt(t));
            double rms = Math.Sqrt(w.Select(x => x * x).Average());
            double alpha = Math.Max(1e-3, rms) * rho;
            double beta2 = 1 - Math.Pow(t, -0.8);
            var v = s.Get("v", p, w.Length);
            var reg = g.Select(x => x * x + 1e-30).ToArray();
            if (p == 0)
            {
                var r = s.Get("r", p, 2);
                var c = s.Get("c", p, 3);
                for (int i = 0; i < 2; i++) r[i] = beta2 * r[i] + (1 - beta2) * (reg[3 * i] + reg[3 * i + 1] + reg[3 * i + 2]) / 3;
                for (int j = 0; j < 3; j++) c[j] = beta2 * c[j] + (1 - beta2) * (reg[j] + reg[3 + j]) / 2;
                for (int i = 0; i < 6; i++) v[i] = r[i / 3] / r.Average() * c[i % 3];
            }
            else
            {
                for (int i = 0; i < w.Length; i++) v[i] = beta2 * v[i] + (1 - beta2) * reg[i];
            }
            var u = g.Select((x, i) => x / Math.Sqrt(v[i])).ToArray();
            double denom = Math.Max(1.0, Math.Sqrt(u.Select(x => x * x).Average()));
            for (int i = 0; i < w.Length; i++) w[i] -= alpha * u[i] / denom;
        });
    }

    // ---------------------------------------------------------------- EMA

    [TestMethod]
    public void EmaAveragesTheWeightsAfterEachStepAndFinalizeCopiesThem()
    {
        using var scope = Ops.Scope();
        using var opt = new SGD(learningRate: 0.1, useEma: true, emaMomentum: 0.8);
        using var w = new Variable(Ops.Constant(W0.Select(x => (float)x).ToArray(), new Shape(WShape)), "w", path: "d/kernel");
        using var b = new Variable(Ops.Constant(B0.Select(x => (float)x).ToArray(), new Shape(3)), "b", path: "d/bias");
        var weights = new[] { (double[])W0.Clone(), (double[])B0.Clone() };
        var averages = new[] { new double[6], new double[3] };
        for (int t = 1; t <= 4; t++)
        {
            var grads = new[] { GW[t - 1], GB[t - 1] };
            opt.ApplyGradients([Ops.Constant(grads[0].Select(x => (float)x).ToArray(), new Shape(WShape)), Ops.Constant(grads[1].Select(x => (float)x).ToArray(), new Shape(3))], [w, b]);
            // The first step copies the weights; then average = 0.8 average + 0.2 weight.
            double m = t == 1 ? 0.0 : 0.8;
            for (int p = 0; p < 2; p++)
            {
                for (int i = 0; i < weights[p].Length; i++)
                {
                    weights[p][i] -= 0.1 * grads[p][i];
                    averages[p][i] = m * averages[p][i] + (1 - m) * weights[p][i];
                }
            }
            AssertClose(weights[0], w, $"step {t} w");
            AssertClose(averages[0], opt.MovingAverageOf(w), $"step {t} average of w");
            AssertClose(averages[1], opt.MovingAverageOf(b), $"step {t} average of b");
        }
        // The averages come first among the optimizer's variables (Keras's build order).
        Assert.AreEqual("SGD/d_kernel_average", opt.Variables[0].Path);
        opt.FinalizeVariableValues([w, b]);
        AssertClose(averages[0], w, "finalized w");
        AssertClose(averages[1], b, "finalized b");

        // Without EMA, finalizing changes nothing.
        using var plain = new SGD(learningRate: 0.1);
        using var x = new Variable(Ops.Constant([1f, 2f], new Shape(2)), "x");
        plain.ApplyGradients([Ops.Constant([1f, 1f], new Shape(2))], [x]);
        plain.FinalizeVariableValues([x]);
        CollectionAssert.AreEqual(new[] { 0.9f, 1.9f }, x.ToHost().ToArray<float>());
        Assert.Throws<InvalidOperationException>(() => plain.MovingAverageOf(x));
    }

    [TestMethod]
    public void EmaOverwriteFrequencyReplacesTheWeightsEveryNSteps()
    {
        using var scope = Ops.Scope();
        using var opt = new Adam(learningRate: 0.05, useEma: true, emaMomentum: 0.5, emaOverwriteFrequency: 2);
        var s = new State();
        var averages = new[] { new double[6], new double[3] };
        Run(opt, (p, w, g, t) =>
        {
            var m = s.Get("m", p, w.Length);
            var v = s.Get("v", p, w.Length);
            double alpha = 0.05 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            double mom = t == 1 ? 0.0 : 0.5;
            for (int i = 0; i < w.Length; i++)
            {
                m[i] += (g[i] - m[i]) * 0.1;
                v[i] += (g[i] * g[i] - v[i]) * 0.001;
                w[i] -= alpha * m[i] / (Math.Sqrt(v[i]) + 1e-7);
                averages[p][i] = mom * averages[p][i] + (1 - mom) * w[i];
                // Steps 2 and 4 ((iterations + 1) % 2 == 0) overwrite the weights with the averages.
                if (t % 2 == 0) w[i] = averages[p][i];
            }
        });
        Assert.Throws<ArgumentException>(() => new SGD(useEma: true, emaMomentum: 1.5));
        Assert.Throws<ArgumentException>(() => new SGD(useEma: true, emaOverwriteFrequency: 0));
    }
}
