using Keras.Data;
using Keras.Layers;
using Keras.Models;
using NumSharp;
using TorchSharp;

namespace Keras.Net.Tests.Training;

/// <summary>Fit, Evaluate and Predict take NDArrays, .NET arrays, Keras and TorchSharp tensors; all give the same numbers.</summary>
[TestClass]
public class DataAtTheEdgeTests
{
    private static Sequential Model()
    {
        Utils.SetRandomSeed(11);
        var model = new Sequential([new Dense(4, activation: "relu", inputShape: 3), new Dense(2, activation: "softmax")]);
        model.Compile(optimizer: "sgd", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    private static readonly float[] Values = TestUtil.RandomFloats(5 * 3, 21);

    [TestMethod]
    public void PredictGivesTheSameResultForEveryArrayKind()
    {
        var model = Model();
        var rectangular = new float[5, 3];
        Buffer.BlockCopy(Values, 0, rectangular, 0, Values.Length * 4);
        var jagged = Enumerable.Range(0, 5).Select(i => Values.Skip(i * 3).Take(3).ToArray()).ToArray();
        var doubles = new double[5, 3];
        for (int i = 0; i < 5; i++) for (int j = 0; j < 3; j++) doubles[i, j] = rectangular[i, j];
        var ndarray = new NDArray(Values, new NumSharp.Shape(5, 3));
        using var kerasTensor = Ops.Constant(Values, new Keras.Shape(5, 3));
        using var torchTensor = torch.tensor(Values, [5, 3]);

        var expected = TestUtil.Flat(model.Predict(rectangular));
        Assert.AreEqual(10, expected.Length);
        foreach (var (name, input) in new (string, object)[]
                 {
                     ("jagged", jagged), ("double[,]", doubles), ("NDArray", ndarray), ("HostArray", HostArray.Create(Values, 5, 3)),
                     ("Keras tensor", kerasTensor), ("TorchSharp tensor", torchTensor),
                 })
        {
            TestUtil.AssertClose(expected, TestUtil.Flat(model.Predict(input)), 1e-6, name);
        }
    }

    [TestMethod]
    public void IntAndLongLabelsAndNDArrayLabelsTrainAlike()
    {
        var x = new NDArray(Values, new NumSharp.Shape(5, 3));
        int[] intLabels = [0, 1, 1, 0, 1];
        long[] longLabels = intLabels.Select(i => (long)i).ToArray();
        var byteLabels = new NDArray(intLabels.Select(i => (byte)i).ToArray());
        var results = new List<double>();
        foreach (object labels in new object[] { intLabels, longLabels, byteLabels })
        {
            var model = Model();
            results.Add(model.Fit(x, labels, epochs: 2, shuffle: false, verbose: 0)["loss"][^1]);
        }
        Assert.AreEqual(results[0], results[1], 1e-7);
        Assert.AreEqual(results[0], results[2], 1e-7);
    }

    [TestMethod]
    public void PredictReturnsAnNDArrayOfFloat32()
    {
        var p = Model().Predict(new float[7, 3]);
        Assert.AreEqual(NPTypeCode.Single, p.typecode);
        CollectionAssert.AreEqual(new[] { 7, 2 }, TestUtil.Dims(p));
    }

    [TestMethod]
    public void BatchSizesThatDoNotDivideTheDataAreHandled()
    {
        var model = Model();
        var x = TestUtil.RandomMatrix(10, 3, 1);
        var whole = TestUtil.Flat(model.Predict(x, batchSize: 10));
        TestUtil.AssertClose(whole, TestUtil.Flat(model.Predict(x, batchSize: 3)), 1e-6, "batch 3");
        TestUtil.AssertClose(whole, TestUtil.Flat(model.Predict(x, batchSize: 64)), 1e-6, "batch 64");
    }

    [TestMethod]
    public void UnsupportedInputsAreRejectedByName()
    {
        var model = Model();
        var e = Assert.ThrowsExactly<ArgumentException>(() => model.Predict("not an array"));
        StringAssert.Contains(e.Message, "x");
        var jagged = new[] { new float[3], new float[2] };
        Assert.ThrowsExactly<ArgumentException>(() => model.Predict(jagged));
    }

    [TestMethod]
    public void NpyFilesRoundTripThroughPredict()
    {
        var dir = Directory.CreateTempSubdirectory("keras-net-npy");
        try
        {
            var input = Path.Combine(dir.FullName, "x.npy");
            var output = Path.Combine(dir.FullName, "y.npy");
            Npy.Write(input, HostArray.Create(Values, 5, 3));
            var model = Model();
            Npy.Save(output, model.Predict(Npy.Load(input)));
            var back = Npy.Read(output);
            CollectionAssert.AreEqual(new long[] { 5, 2 }, back.Shape);
            TestUtil.AssertClose(TestUtil.Flat(model.Predict(Npy.Load(input))), back.ToArray<float>(), 0, "npy");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
