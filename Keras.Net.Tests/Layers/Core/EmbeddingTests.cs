using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Layers;
using Keras.Models;
using Keras.Saving;
using static Keras.KerasApi;

namespace Keras.Net.Tests.Layers.Core;

/// <summary>A test layer that reads the mask it receives: the mean over axis 1 of the unmasked steps (all steps without a mask).</summary>
internal sealed class MaskedMean : Layer
{
    public int CallsWithMask { get; private set; }
    public int CallsWithoutMask { get; private set; }

    protected override Tensors Call(Tensors inputs, bool training, Tensors? mask)
    {
        Tensor x = inputs;
        if (mask is null)
        {
            CallsWithoutMask++;
            return Ops.Mean(x, 1);
        }
        CallsWithMask++;
        var m = Ops.ExpandDims(Ops.Cast(mask[0], x.DType), -1);
        return Ops.Divide(Ops.Sum(Ops.Multiply(x, m), 1), Ops.Sum(m, 1));
    }

    public override Shape ComputeOutputShape(Shape inputShape) => new(inputShape[0], inputShape[2]);
}

[TestClass]
public class EmbeddingTests
{
    // A 5 x 3 table with entries 10 * row + column, so each looked-up row is recognisable.
    private static float[] Table => Enumerable.Range(0, 15).Select(i => (float)(10 * (i / 3) + i % 3)).ToArray();

    private static Embedding WithTable(bool maskZero = false)
    {
        var layer = new Embedding(5, 3, maskZero: maskZero);
        layer.EnsureBuilt([new Shape(-1, 3)]);
        layer.Embeddings!.Assign(HostArray.Create(Table, [5, 3]));
        return layer;
    }

    private static float[] Rows(params int[] rows) => rows.SelectMany(r => new[] { 10f * r, 10f * r + 1, 10f * r + 2 }).ToArray();

    [TestMethod]
    public void HarnessInt32() => LayerHarness.Run(() => new Embedding(10, 4), new LayerExpectation
    {
        InputShapes = [new Shape(3, 5)],
        OutputShape = new Shape(3, 5, 4),
        TrainableShapes = [new Shape(10, 4)],
        InputDTypes = [DType.Int32],
        IntegerInputRange = 10,
    });

    [TestMethod]
    public void HarnessInt64Rank3MaskZero() => LayerHarness.Run(() => new Embedding(7, 6, maskZero: true), new LayerExpectation
    {
        InputShapes = [new Shape(2, 3, 4)],
        OutputShape = new Shape(2, 3, 4, 6),
        TrainableShapes = [new Shape(7, 6)],
        InputDTypes = [DType.Int64],
        IntegerInputRange = 7,
    });

    [TestMethod]
    public void LooksUpRowsAndWrapsNegativeIndices()
    {
        using var scope = Ops.Scope();
        var layer = WithTable();
        var x = Ops.Cast(Ops.FromHost(HostArray.Create(new long[] { 1, 0, 3, -1, 2, 2 }, [2, 3])), DType.Int32);
        var y = layer.Apply(x);
        Assert.AreEqual(new Shape(2, 3, 3), y.Shape);
        Assert.AreEqual(DType.Float32, y.DType);
        // -1 is the last row, as in Keras's torch backend.
        CollectionAssert.AreEqual(Rows(1, 0, 3, 4, 2, 2), y.ToArray<float>());
        Assert.IsNull(y.KerasMask, "no mask without mask_zero");
    }

    [TestMethod]
    public void FloatIndicesAreTruncatedToInt32()
    {
        using var scope = Ops.Scope();
        var layer = WithTable();
        var y = layer.Apply(Ops.Constant([1.7f, 2.2f, -0.5f, 4.9f], new Shape(4)));
        CollectionAssert.AreEqual(Rows(1, 2, 0, 4), y.ToArray<float>());
    }

    [TestMethod]
    public void MaskZeroGivesTheMaskOfNonZeroIndices()
    {
        using var scope = Ops.Scope();
        var layer = WithTable(maskZero: true);
        var x = Ops.FromHost(HostArray.Create(new long[] { 3, 1, 0, 0, 2, 0 }, [2, 3]));
        var y = layer.Apply(x);
        Assert.IsNotNull(y.KerasMask);
        CollectionAssert.AreEqual(new[] { true, true, false, false, true, false }, y.KerasMask!.ToArray<bool>());
        CollectionAssert.AreEqual(Rows(3, 1, 0, 0, 2, 0), y.ToArray<float>(), "masked positions still hold row 0");
    }

    [TestMethod]
    public void OutOfRangeIndexNamesTheLayer()
    {
        using var scope = Ops.Scope();
        var layer = new Embedding(5, 3, name: "emb_range");
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => layer.Apply(Ops.FromHost(HostArray.Create(new long[] { 1, 5 }, [2]))));
        StringAssert.Contains(e.Message, "emb_range");
        StringAssert.Contains(e.Message, "5");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => layer.Apply(Ops.FromHost(HostArray.Create(new long[] { -6 }, [1]))));
    }

    [TestMethod]
    public void DefaultInitializerIsKerasUniform()
    {
        Utils.SetRandomSeed(3);
        var layer = new Embedding(200, 50);
        layer.EnsureBuilt([new Shape(-1, 1)]);
        var w = layer.Embeddings!.ToHost().ToArray<float>();
        Assert.IsTrue(w.All(v => v >= -0.05f && v <= 0.05f), "U(-0.05, 0.05)");
        Assert.AreEqual(0.0, w.Average(), 0.002);
        // Variance of U(-a, a) is a^2 / 3.
        Assert.AreEqual(0.05 * 0.05 / 3, w.Select(v => (double)v * v).Average(), 5e-5);
        Assert.AreEqual("embeddings", layer.Embeddings.Name);
    }

    [TestMethod]
    public void ArgumentsAreValidated()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Embedding(0, 3)).Message, "input_dim");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Embedding(3, -1)).Message, "output_dim");
    }

    [TestMethod]
    public void MaskPropagatesThroughAFunctionalModel()
    {
        using var scope = Ops.Scope();
        var tokens = Input(new Shape(4), dtype: DType.Int32);
        var embedding = new Embedding(5, 3, maskZero: true);
        var pooled = new MaskedMean();
        var outputs = pooled.Apply(new Identity().Apply(embedding.Apply(tokens)));
        Assert.AreEqual(new Shape(-1, 3), outputs.Shape);
        var model = new Model(tokens, outputs);
        embedding.Embeddings!.Assign(HostArray.Create(Table, [5, 3]));

        var x = Ops.Cast(Ops.FromHost(HostArray.Create(new long[] { 1, 2, 0, 0, 4, 0, 0, 0 }, [2, 4])), DType.Int32);
        var y = model.Apply(x);
        Assert.AreEqual(1, pooled.CallsWithMask, "the mask reached the pooling layer through Identity");
        Assert.AreEqual(0, pooled.CallsWithoutMask);
        // Row 0: mean of rows 1 and 2 = (15, 16, 17); row 1: only row 4 = (40, 41, 42).
        CollectionAssert.AreEqual(new[] { 15f, 16f, 17f, 40f, 41f, 42f }, y.ToArray<float>());
    }

    [TestMethod]
    public void WithoutMaskZeroNoMaskReachesTheNextLayer()
    {
        using var scope = Ops.Scope();
        var tokens = Input(new Shape(2), dtype: DType.Int32);
        var embedding = new Embedding(5, 3);
        var pooled = new MaskedMean();
        var model = new Model(tokens, pooled.Apply(embedding.Apply(tokens)));
        embedding.Embeddings!.Assign(HostArray.Create(Table, [5, 3]));
        var y = model.Apply(Ops.Cast(Ops.FromHost(HostArray.Create(new long[] { 1, 0 }, [1, 2])), DType.Int32));
        Assert.AreEqual(1, pooled.CallsWithoutMask);
        CollectionAssert.AreEqual(new[] { 5f, 6f, 7f }, y.ToArray<float>(), "plain mean of rows 1 and 0");
    }

    [TestMethod]
    public void ConfigMatchesKeras()
    {
        var config = new Embedding(50, 8, maskZero: true, name: "emb_cfg").GetConfig();
        CollectionAssert.AreEqual(
            new[] { "name", "trainable", "dtype", "input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
                "activity_regularizer", "embeddings_constraint", "mask_zero", "quantization_config" },
            config.Select(kv => kv.Key).ToArray());
        Assert.AreEqual("RandomUniform", config["embeddings_initializer"]!["class_name"]!.GetValue<string>());
        Assert.AreEqual(-0.05, config["embeddings_initializer"]!["config"]!["minval"]!.GetValue<double>());
        Assert.IsTrue(config["mask_zero"]!.GetValue<bool>());
    }

    [TestMethod]
    public void LoadsTheConfigKeras315Wrote()
    {
        // The Embedding entry of shared/fixtures/keras3/masking_embedding/model.keras (config.json).
        var json = """
            {"name": "embedding", "trainable": true,
             "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
             "input_dim": 50, "output_dim": 8,
             "embeddings_initializer": {"module": "keras.initializers", "class_name": "RandomUniform",
                 "config": {"seed": null, "minval": -0.05, "maxval": 0.05}, "registered_name": null},
             "embeddings_regularizer": null, "activity_regularizer": null, "embeddings_constraint": null,
             "mask_zero": true, "quantization_config": null}
            """;
        var layer = (Embedding)KerasObjects.Layer("Embedding", JsonNode.Parse(json)!.AsObject());
        Assert.AreEqual(50, layer.InputDim);
        Assert.AreEqual(8, layer.OutputDim);
        Assert.IsTrue(layer.MaskZero);
        Assert.AreEqual("embedding", layer.Name);
        Assert.IsInstanceOfType<Keras.Initializers.RandomUniform>(layer.EmbeddingsInitializer);
    }

    [TestMethod]
    public void LoadsAKeras2Config()
    {
        var json = """
            {"name": "embedding_1", "trainable": true, "batch_input_shape": [null, 10], "dtype": "float32",
             "input_dim": 1000, "output_dim": 16,
             "embeddings_initializer": {"class_name": "RandomUniform", "config": {"minval": -0.05, "maxval": 0.05, "seed": null}},
             "embeddings_regularizer": null, "activity_regularizer": null, "embeddings_constraint": null,
             "mask_zero": false, "input_length": 10}
            """;
        var layer = Embedding.FromConfig(JsonNode.Parse(json)!.AsObject());
        Assert.AreEqual(1000, layer.InputDim);
        Assert.AreEqual(new Shape(10), layer.DeclaredInputShape);
        Assert.IsFalse(layer.MaskZero);
    }

    [TestMethod]
    public void RegularizerAndConstraintAreKept()
    {
        using var scope = Ops.Scope();
        var layer = new Embedding(5, 3, embeddingsRegularizer: new Keras.Regularizers.L2(0.1), embeddingsConstraint: new Keras.Constraints.NonNeg());
        layer.EnsureBuilt([new Shape(-1, 2)]);
        layer.Embeddings!.Assign(HostArray.Create(Table, [5, 3]));
        // 0.1 * sum of squares of the table.
        double expected = 0.1 * Table.Sum(v => (double)v * v);
        Assert.AreEqual(expected, layer.Losses.Single().Item(), expected * 1e-6);
        Assert.AreSame(layer.EmbeddingsConstraint, layer.Embeddings.Constraint);

        var config = layer.GetConfig();
        Assert.AreEqual("L2", config["embeddings_regularizer"]!["class_name"]!.GetValue<string>());
        Assert.AreEqual("NonNeg", config["embeddings_constraint"]!["class_name"]!.GetValue<string>());
        var revived = Embedding.FromConfig(config);
        Assert.IsInstanceOfType<Keras.Regularizers.L2>(revived.EmbeddingsRegularizer);
        Assert.AreEqual(config.ToJsonString(), revived.GetConfig().ToJsonString());
    }

    [TestMethod]
    public void UnsupportedConfigsAreRefused()
    {
        var lora = new Embedding(5, 2).GetConfig();
        lora["lora_rank"] = 4;
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => Embedding.FromConfig(lora)).Message, "LoRA");
        var quantized = new Embedding(5, 2).GetConfig();
        quantized["quantization_config"] = new JsonObject { ["class_name"] = "Int8QuantizationConfig" };
        Assert.ThrowsExactly<NotSupportedException>(() => Embedding.FromConfig(quantized));
    }
}
