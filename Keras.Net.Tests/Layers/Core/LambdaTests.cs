using System.Text.Json.Nodes;
using Keras.Layers;
using Keras.Models;
using Keras.Saving;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Layers.Core;

[TestClass]
public class LambdaTests
{
    private static readonly Func<Tensor, Tensor> SquarePlusOne = x => Ops.Add(Ops.Square(x), 1.0);

    [ClassInitialize]
    public static void Register(TestContext _) => Lambda.RegisterFunction("lambda_tests>square_plus_one", SquarePlusOne);

    [TestMethod]
    public void HarnessWithARegisteredFunction() =>
        LayerHarness.Run(() => new Lambda(SquarePlusOne), new Shape(2, 3), new Shape(2, 3));

    [TestMethod]
    public void HarnessWithAGivenOutputShape() =>
        LayerHarness.Run(() => new Lambda(SquarePlusOne, outputShape: new Shape(4, 2)), new Shape(3, 4, 2), new Shape(3, 4, 2));

    [TestMethod]
    public void ComputesTheFunction()
    {
        using var scope = Ops.Scope();
        var y = new Lambda(x => Ops.Multiply(x, 3.0)).Apply(Ops.Constant([1f, -2f, 0.5f], new Shape(1, 3)));
        CollectionAssert.AreEqual(new[] { 3f, -6f, 1.5f }, y.ToArray<float>());
    }

    [TestMethod]
    public void SeveralInputsAndOutputs()
    {
        using var scope = Ops.Scope();
        var layer = new Lambda(xs => new Tensors(Ops.Add(xs[0], xs[1]), Ops.Subtract(xs[0], xs[1])));
        var a = Ops.Constant([5f, 7f], new Shape(1, 2));
        var b = Ops.Constant([1f, 2f], new Shape(1, 2));
        var outs = layer.Apply(new Tensors(a, b));
        Assert.AreEqual(2, outs.Count);
        CollectionAssert.AreEqual(new[] { 6f, 9f }, outs[0].ToArray<float>());
        CollectionAssert.AreEqual(new[] { 4f, 5f }, outs[1].ToArray<float>());
    }

    [TestMethod]
    public void SymbolicShapesAreInferredOrTaken()
    {
        var input = Input(new Shape(6));
        var inferred = new Lambda(x => Ops.Reshape(x, x.Shape[0], 2, 3)).Apply(input);
        Assert.AreEqual(new Shape(-1, 2, 3), inferred.Shape);
        var given = new Lambda(x => Ops.Reshape(x, x.Shape[0], 3, 2), outputShape: new Shape(3, 2)).Apply(input);
        Assert.AreEqual(new Shape(-1, 3, 2), given.Shape);
        var byFunction = new Lambda(x => Ops.Sum(x, 1, keepDims: true), computeOutputShape: s => [new Shape(s[0][0], 1)]).Apply(input);
        Assert.AreEqual(new Shape(-1, 1), byFunction.Shape);

        using var scope = Ops.Scope();
        var model = new Model(input, given);
        var y = model.Apply(Ops.Constant([1, 2, 3, 4, 5, 6], new Shape(1, 6)));
        Assert.AreEqual(new Shape(1, 3, 2), y.Shape);
    }

    [TestMethod]
    public void MaskFunctionSetsTheOutputMask()
    {
        using var scope = Ops.Scope();
        var layer = new Lambda(x => Ops.Abs(x), mask: (xs, _) => new Tensors(Ops.NotEqual(xs[0], 0)));
        var y = layer.Apply(Ops.Constant([0f, -3f], new Shape(1, 2)));
        CollectionAssert.AreEqual(new[] { 0f, 3f }, y.ToArray<float>());
        CollectionAssert.AreEqual(new[] { false, true }, y.KerasMask!.ToArray<bool>());
        Assert.IsNull(new Lambda(x => Ops.Multiply(x, 2.0)).Apply(y).KerasMask, "a Lambda without a mask function passes no mask on, as in Keras");
    }

    [TestMethod]
    public void RegisteredFunctionsAreSavedByName()
    {
        var c = new Lambda(SquarePlusOne, name: "lam_named").GetConfig();
        Assert.AreEqual("function", c["function"]!["class_name"]!.GetValue<string>());
        Assert.AreEqual("square_plus_one", c["function"]!["config"]!.GetValue<string>());
        Assert.AreEqual("lambda_tests>square_plus_one", c["function"]!["registered_name"]!.GetValue<string>());
        Assert.AreEqual(0, c["arguments"]!.AsObject().Count);
        Assert.IsFalse(c.ContainsKey("output_shape"));
    }

    [TestMethod]
    public void AnonymousLambdasAreRefusedInSafeMode()
    {
        var config = new Lambda(x => Ops.Negative(x), name: "lam_anon").GetConfig();
        Assert.AreEqual("__lambda__", config["function"]!["class_name"]!.GetValue<string>());
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => KerasObjects.Layer("Lambda", config));
        StringAssert.Contains(e.Message, "safe mode");
        StringAssert.Contains(e.Message, "Lambda.RegisterFunction(\"lam_anon\"");
        Assert.IsTrue(Lambda.InSafeMode);

        // Opting out of safe mode is not enough: Keras.Net never runs code from a file.
        using (Lambda.SafeModeScope(false))
        {
            Assert.IsFalse(Lambda.InSafeMode);
            Assert.ThrowsExactly<NotSupportedException>(() => KerasObjects.Layer("Lambda", config));
        }
        Assert.IsTrue(Lambda.InSafeMode, "the scope restores safe mode");

        // Registering a C# equivalent under the layer's name is the second half of the opt-in.
        Lambda.RegisterFunction("lam_anon", x => Ops.Multiply(x, -1.0));
        try
        {
            Assert.ThrowsExactly<InvalidOperationException>(() => KerasObjects.Layer("Lambda", config), "still refused in safe mode");
            Lambda revived;
            using (Lambda.SafeModeScope(false)) revived = (Lambda)KerasObjects.Layer("Lambda", config);
            using var scope = Ops.Scope();
            CollectionAssert.AreEqual(new[] { -2f, 3f }, revived.Apply(Ops.Constant([2f, -3f], new Shape(1, 2))).ToArray<float>());
            Assert.AreEqual(config.ToJsonString(), revived.GetConfig().ToJsonString(), "the file's entry is written back unchanged");
            var viaArgument = Lambda.FromConfig(config, safeMode: false);
            Assert.AreEqual("lam_anon", viaArgument.Name);
        }
        finally
        {
            Lambda.UnregisterFunction("lam_anon");
        }
    }

    [TestMethod]
    public void KerasPythonLambdaConfigsAreRefusedInSafeMode()
    {
        // What Keras 3 writes for Lambda(lambda x: x * 2) (code shortened), and Keras 2's form.
        var keras3 = JsonNode.Parse("""
            {"name": "lambda", "trainable": true, "dtype": "float32",
             "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAAAAAAAAEAAAACAAAA", "defaults": null, "closure": null}},
             "output_shape": [4], "arguments": {}}
            """)!.AsObject();
        Assert.ThrowsExactly<InvalidOperationException>(() => Lambda.FromConfig(keras3));
        var keras2 = JsonNode.Parse("""
            {"name": "lambda_2", "trainable": true, "dtype": "float32", "function": ["4wEAAAAAAAAA", null, null],
             "function_type": "lambda", "module": "__main__", "output_shape": null, "output_shape_type": "raw",
             "output_shape_module": null, "arguments": {}}
            """)!.AsObject();
        Assert.ThrowsExactly<InvalidOperationException>(() => Lambda.FromConfig(keras2));

        Lambda.RegisterFunction("lambda", x => Ops.Multiply(x, 2.0));
        try
        {
            var layer = Lambda.FromConfig(keras3, safeMode: false);
            var shape = layer.ComputeOutputShape(new Shape(-1, 4));
            Assert.AreEqual(new Shape(-1, 4), shape, "output_shape (4,) gets the batch axis");
        }
        finally
        {
            Lambda.UnregisterFunction("lambda");
        }
    }

    [TestMethod]
    public void NamedFunctionsNeedRegistration()
    {
        // What Keras 3 writes for Lambda(halve) with a plain function defined in __main__.
        var config = JsonNode.Parse("""
            {"name": "lambda_named", "trainable": true, "dtype": "float32",
             "function": {"module": null, "class_name": "function", "config": "halve", "registered_name": "halve"},
             "arguments": {}}
            """)!.AsObject();
        var e = Assert.ThrowsExactly<FormatException>(() => Lambda.FromConfig(config));
        StringAssert.Contains(e.Message, "halve");
        StringAssert.Contains(e.Message, "RegisterFunction");
        Lambda.RegisterFunction("halve", x => Ops.Multiply(x, 0.5));
        try
        {
            // Named functions are not lambdas: no safe-mode opt-out is needed, as in Keras.
            var layer = Lambda.FromConfig(config);
            using var scope = Ops.Scope();
            CollectionAssert.AreEqual(new[] { 1f, -2f }, layer.Apply(Ops.Constant([2f, -4f], new Shape(1, 2))).ToArray<float>());
        }
        finally
        {
            Lambda.UnregisterFunction("halve");
        }
    }

    [TestMethod]
    public void ArgumentsReachFunctionsThatTakeThem()
    {
        var config = JsonNode.Parse("""
            {"name": "lambda_args", "trainable": true, "dtype": "float32",
             "function": {"module": "__main__", "class_name": "function", "config": "scale_by", "registered_name": null},
             "arguments": {"factor": 3.0}}
            """)!.AsObject();
        Lambda.RegisterFunction("scale_by", x => x);
        try
        {
            StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => Lambda.FromConfig(config)).Message, "factor");
            Lambda.RegisterFunction("scale_by", (Tensors xs, JsonObject args) => new Tensors(Ops.Multiply(xs[0], args["factor"]!.GetValue<double>())));
            var layer = Lambda.FromConfig(config);
            using var scope = Ops.Scope();
            CollectionAssert.AreEqual(new[] { 6f }, layer.Apply(Ops.Constant([2f], new Shape(1, 1))).ToArray<float>());
            Assert.AreEqual(3.0, layer.GetConfig()["arguments"]!["factor"]!.GetValue<double>());
        }
        finally
        {
            Lambda.UnregisterFunction("scale_by");
        }
    }
}
