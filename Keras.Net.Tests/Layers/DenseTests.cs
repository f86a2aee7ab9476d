using Keras.Backend;
using Keras.Data;
using Keras.Initializers;
using Keras.Layers;

namespace Keras.Net.Tests.Layers;

[TestClass]
public class DenseTests
{
    [TestMethod]
    public void ForwardEqualsHandComputedAffineMapAndActivation()
    {
        var dense = new Dense(2, activation: "relu");
        using var x = Ops.Constant([1f, 2f, 3f, -1f, 0.5f, 2f], new Shape(2, 3));
        dense.EnsureBuilt([x.Shape]);
        dense.Kernel!.Assign(HostArray.Create(new float[] { 0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f }, 3, 2));
        dense.Bias!.Assign(HostArray.Create(new float[] { 0.01f, -0.02f }, 2));
        using var y = dense.Apply(x);
        // Row 0: [1*0.1 + 2*0.3 + 3*-0.5 + 0.01, 1*-0.2 + 2*0.4 + 3*0.6 - 0.02] = [-0.79, 2.38] -> relu [0, 2.38]
        // Row 1: [-0.1 + 0.15 - 1.0 + 0.01, 0.2 + 0.2 + 1.2 - 0.02] = [-0.94, 1.58] -> relu [0, 1.58]
        TestUtil.AssertClose([0f, 2.38f, 0f, 1.58f], y.ToArray<float>(), 1e-6, "dense output");
        Assert.AreEqual(new Shape(2, 2), y.Shape);
    }

    [TestMethod]
    public void AppliesToTheLastAxisOfRank3Inputs()
    {
        var dense = new Dense(4, kernelInitializer: new Ones(), biasInitializer: new Constant(1));
        using var x = Ops.Ones(new Shape(2, 5, 3));
        using var y = dense.Apply(x);
        Assert.AreEqual(new Shape(2, 5, 4), y.Shape);
        Assert.IsTrue(y.ToArray<float>().All(v => v == 4f));
    }

    [TestMethod]
    public void GradientsMatchFiniteDifferences()
    {
        Utils.SetRandomSeed(7);
        var dense = new Dense(3, activation: "tanh");
        var xs = TestUtil.RandomFloats(4 * 5, 11);
        using var x = Ops.Constant(xs, new Shape(4, 5));
        dense.EnsureBuilt([x.Shape]);
        Tensor Loss() => Ops.Sum(Ops.Square(dense.Apply(x)));

        using var scope = Ops.Scope();
        var loss = Loss();
        var grads = KerasBackend.Current.Gradients(loss, dense.TrainableWeights.Select(w => w.Value).ToArray());
        const double h = 1e-3;
        for (int wi = 0; wi < dense.TrainableWeights.Count; wi++)
        {
            var w = dense.TrainableWeights[wi];
            var original = w.ToHost().ToArray<float>();
            var analytic = grads[wi].ToArray<float>();
            for (int i = 0; i < original.Length; i++)
            {
                var plus = (float[])original.Clone();
                plus[i] += (float)h;
                w.Assign(HostArray.Create(plus, w.Shape.ToLongArray()));
                double lp = Loss().Item();
                var minus = (float[])original.Clone();
                minus[i] -= (float)h;
                w.Assign(HostArray.Create(minus, w.Shape.ToLongArray()));
                double lm = Loss().Item();
                w.Assign(HostArray.Create(original, w.Shape.ToLongArray()));
                double numeric = (lp - lm) / (2 * h);
                Assert.AreEqual(numeric, analytic[i], 2e-2 * (1 + Math.Abs(numeric)), $"{w.Path}[{i}]");
            }
        }
    }

    [TestMethod]
    public void RejectsWrongInputWidthNamingLayerAndShapes()
    {
        var dense = new Dense(2, name: "probe");
        using var ok = Ops.Ones(new Shape(1, 3));
        dense.Apply(ok).Dispose();
        using var bad = Ops.Ones(new Shape(4, 5));
        var e = Assert.ThrowsExactly<ArgumentException>(() => dense.Apply(bad));
        StringAssert.Contains(e.Message, "\"probe\"");
        StringAssert.Contains(e.Message, "3");
        StringAssert.Contains(e.Message, "(4, 5)");
    }

    [TestMethod]
    public void InvalidUnitsAreRejected()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Dense(0));
        StringAssert.Contains(e.Message, "units");
    }

    [TestMethod]
    public void NamesAreUniqueSnakeCaseWithCounters()
    {
        Utils.ClearSession();
        var a = new Dense(1);
        var b = new Dense(1);
        var c = new Activation("relu");
        Assert.AreEqual("dense", a.Name);
        Assert.AreEqual("dense_1", b.Name);
        Assert.AreEqual("activation", c.Name);
    }

    [TestMethod]
    public void ConfigRecordsKerasArguments()
    {
        var d = new Dense(7, activation: "relu", useBias: false, name: "cfg");
        var c = d.GetConfig();
        Assert.AreEqual(7, (int)c["units"]!);
        Assert.AreEqual("relu", (string)c["activation"]!);
        Assert.IsFalse((bool)c["use_bias"]!);
        Assert.AreEqual("GlorotUniform", (string)c["kernel_initializer"]!["class_name"]!);
    }
}
