using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Layers;
using Keras.Models;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Layers.Core;

[TestClass]
public class MaskingIdentityTests
{
    [TestMethod]
    public void MaskingHarness() => LayerHarness.Run(() => new Masking(0.5), new Shape(2, 3, 4), new Shape(2, 3, 4));

    [TestMethod]
    public void IdentityHarness() => LayerHarness.Run(() => new Identity(), new Shape(3, 2, 5), new Shape(3, 2, 5));

    [TestMethod]
    public void MaskingZeroesStepsWhoseFeaturesAllEqualTheMaskValue()
    {
        using var scope = Ops.Scope();
        // (batch 2, steps 3, features 2); mask_value 5: step (5, 5) is masked, (5, 1) and (0, 0) are not.
        float[] values = [5, 5, 5, 1, 2, 3, /**/ 0, 0, 5, 5, 5, 5];
        var x = Ops.Constant(values, new Shape(2, 3, 2));
        var y = new Masking(5.0).Apply(x);
        CollectionAssert.AreEqual(new float[] { 0, 0, 5, 1, 2, 3, /**/ 0, 0, 0, 0, 0, 0 }, y.ToArray<float>());
        Assert.IsNotNull(y.KerasMask);
        Assert.AreEqual(new Shape(2, 3), y.KerasMask!.Shape);
        CollectionAssert.AreEqual(new[] { false, true, true, true, false, false }, y.KerasMask.ToArray<bool>());
    }

    [TestMethod]
    public void MaskingFeedsAMaskAwareLayer()
    {
        using var scope = Ops.Scope();
        var series = Input(new Shape(3, 2));
        var pooled = new MaskedMean();
        var model = new Model(series, pooled.Apply(new Masking().Apply(series)));
        // Row 0 has a padded last step: the mean covers steps 0 and 1 only.
        float[] values = [1, 2, 3, 4, 0, 0, /**/ 2, 2, 0, 0, 4, 6];
        var y = model.Apply(Ops.Constant(values, new Shape(2, 3, 2)));
        Assert.AreEqual(1, pooled.CallsWithMask);
        CollectionAssert.AreEqual(new[] { 2f, 3f, 3f, 4f }, y.ToArray<float>());
    }

    [TestMethod]
    public void MaskingConfig()
    {
        var c = new Masking(-1.0, name: "m").GetConfig();
        Assert.AreEqual(-1.0, c["mask_value"]!.GetValue<double>());
        var json = JsonNode.Parse("""{"name": "masking", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null, "shared_object_id": 139889507429712}, "mask_value": 0.0}""")!.AsObject();
        var layer = Masking.FromConfig(json);
        Assert.AreEqual(0.0, layer.MaskValue);
        Assert.AreEqual("masking", layer.Name);
    }

    [TestMethod]
    public void IdentityReturnsItsInputsAndTheirMask()
    {
        using var scope = Ops.Scope();
        var x = Ops.Constant([1f, -2f, 3f], new Shape(1, 3));
        var masked = new Masking(-2.0).Apply(Ops.Reshape(x, 1, 3, 1));
        var y = new Identity().Apply(masked);
        CollectionAssert.AreEqual(new[] { 1f, 0f, 3f }, y.ToArray<float>());
        CollectionAssert.AreEqual(new[] { true, false, true }, y.KerasMask!.ToArray<bool>());

        var a = Ops.Constant([1f], new Shape(1, 1));
        var b = Ops.Cast(Ops.FromHost(HostArray.Create(new long[] { 7, 8 }, [1, 2])), DType.Int32);
        var both = new Identity().Apply(new Tensors(a, b));
        Assert.AreEqual(2, both.Count);
        Assert.AreSame(a, both[0]);
        Assert.AreSame(b, both[1]);
    }

    [TestMethod]
    public void IdentityKeepsEachInputsShapeAndDTypeSymbolically()
    {
        var a = Input(new Shape(3));
        var b = Input(new Shape(2, 2), dtype: DType.Int64);
        var outs = new Identity().Apply(new Tensors(a, b));
        Assert.AreEqual(new Shape(-1, 3), outs[0].Shape);
        Assert.AreEqual(DType.Float32, outs[0].DType);
        Assert.AreEqual(new Shape(-1, 2, 2), outs[1].Shape);
        Assert.AreEqual(DType.Int64, outs[1].DType);
    }
}
