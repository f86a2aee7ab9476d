using Keras.Data;
using Keras.Datasets;
using NumSharp;

namespace Keras.Net.Tests.Datasets;

/// <summary>
/// Uses the real Fashion-MNIST files of the Debian package <c>dataset-fashion-mnist</c>
/// (/usr/share/datasets/fashion-mnist), which CI installs.
/// </summary>
[TestClass]
public class FashionMnistTests
{
    private const string DebianFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The full dataset, loaded once (by the default search, which ends at the Debian folder).</summary>
    private static readonly Lazy<((NDArray X, NDArray Y) Train, (NDArray X, NDArray Y) Test)> Full = new(() =>
    {
        Assert.IsTrue(Directory.Exists(DebianFolder), "Fashion-MNIST is missing: apt-get install dataset-fashion-mnist (CI installs it).");
        return FashionMnist.LoadData();
    });

    private static string _folder = "";

    [ClassInitialize]
    public static void CreateFolder(TestContext _)
    {
        _folder = Path.Combine(Path.GetTempPath(), "keras-net-fashion-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [ClassCleanup]
    public static void DeleteFolder()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [TestMethod]
    public void LoadDataReturnsKerasShapesDTypesAndLabels()
    {
        var ((xTrain, yTrain), (xTest, yTest)) = Full.Value;
        {
            Assert.AreEqual(NPTypeCode.Byte, xTrain.typecode);
            Assert.AreEqual(NPTypeCode.Byte, yTrain.typecode);
            CollectionAssert.AreEqual(new long[] { 60000, 28, 28 }, xTrain.shape);
            CollectionAssert.AreEqual(new long[] { 60000 }, yTrain.shape);
            CollectionAssert.AreEqual(new long[] { 10000, 28, 28 }, xTest.shape);
            CollectionAssert.AreEqual(new long[] { 10000 }, yTest.shape);

            byte[] trainLabels = HostArray.From(yTrain, "yTrain").ToArray<byte>();
            CollectionAssert.AreEqual(new byte[] { 9, 0, 0, 3, 0, 2, 7, 2, 5, 5 }, trainLabels[..10]);
            for (int label = 0; label < 10; label++)
            {
                Assert.AreEqual(6000, trainLabels.Count(l => l == label), $"label {label}");
            }

            CollectionAssert.AreEqual(new byte[] { 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 }, HostArray.From(yTest, "yTest").ToArray<byte>()[..10]);

            // Pixel values of the first training image (row 14, columns 10..19) and checksums computed with NumPy.
            Assert.AreEqual((byte)237, xTrain.GetByte(0, 14, 12));
            Assert.AreEqual((byte)221, xTrain.GetByte(0, 14, 19));
            byte[] pixels = (byte[])HostArray.From(xTrain, "xTrain").Data;
            Assert.AreEqual(76247L, pixels.Take(784).Sum(p => (long)p));
            Assert.AreEqual(3431114169L, pixels.Sum(p => (long)p));
            Assert.AreEqual(33456L, ((byte[])HostArray.From(xTest, "xTest").Data).Take(784).Sum(p => (long)p));
        }
    }

    [TestMethod]
    public void LoadSampleIsTheStartOfTheRealDataset()
    {
        var ((xTrain, yTrain), (xTest, yTest)) = FashionMnist.LoadSample();
        using (xTrain)
        using (yTrain)
        using (xTest)
        using (yTest)
        {
            Assert.AreEqual(NPTypeCode.Byte, xTrain.typecode);
            CollectionAssert.AreEqual(new long[] { FashionMnist.SampleTrainCount, 28, 28 }, xTrain.shape);
            CollectionAssert.AreEqual(new long[] { FashionMnist.SampleTrainCount }, yTrain.shape);
            CollectionAssert.AreEqual(new long[] { FashionMnist.SampleTestCount, 28, 28 }, xTest.shape);
            CollectionAssert.AreEqual(new long[] { FashionMnist.SampleTestCount }, yTest.shape);

            var full = Full.Value;
            // Copies of the shared full arrays (no NumSharp views of them, which would have to be disposed).
            static byte[] Head(NDArray full, int count) => (byte[])HostArray.From(full, "full").Slice(0, count).Data;
            CollectionAssert.AreEqual(Head(full.Train.X, FashionMnist.SampleTrainCount), (byte[])HostArray.From(xTrain, "x").Data);
            CollectionAssert.AreEqual(Head(full.Train.Y, FashionMnist.SampleTrainCount), (byte[])HostArray.From(yTrain, "y").Data);
            CollectionAssert.AreEqual(Head(full.Test.X, FashionMnist.SampleTestCount), (byte[])HostArray.From(xTest, "x").Data);
            CollectionAssert.AreEqual(Head(full.Test.Y, FashionMnist.SampleTestCount), (byte[])HostArray.From(yTest, "y").Data);
        }

        var ((hx, hy), _) = FashionMnist.LoadHostSample();
        Assert.AreEqual(DType.UInt8, hx.DType);
        Assert.AreEqual((byte)9, ((byte[])hy.Data)[0]);
        Assert.AreEqual("Ankle boot", FashionMnist.ClassNames[9]);
    }

    [TestMethod]
    public void LoadDataAcceptsUncompressedFilesInAnExplicitFolder()
    {
        string folder = Path.Combine(_folder, "plain");
        Directory.CreateDirectory(folder);
        byte[] images = IdxTests.IdxFile(0x08, [2, 28, 28], [.. Enumerable.Range(0, 2 * 784).Select(i => (byte)(i % 251))]);
        File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte"), images);
        File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), IdxTests.IdxFile(0x08, [2], [4, 7]));
        File.WriteAllBytes(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), IdxTests.Gzip(IdxTests.IdxFile(0x08, [1, 28, 28], new byte[784])));
        File.WriteAllBytes(Path.Combine(folder, "t10k-labels-idx1-ubyte"), IdxTests.IdxFile(0x08, [1], [3]));

        var ((xTrain, yTrain), (xTest, yTest)) = FashionMnist.LoadData(folder);
        using (xTrain)
        using (yTrain)
        using (xTest)
        using (yTest)
        {
            CollectionAssert.AreEqual(new long[] { 2, 28, 28 }, xTrain.shape);
            Assert.AreEqual((byte)(800 % 251), xTrain.GetByte(1, 0, 16));
            CollectionAssert.AreEqual(new byte[] { 4, 7 }, HostArray.From(yTrain, "y").ToArray<byte>());
            CollectionAssert.AreEqual(new long[] { 1, 28, 28 }, xTest.shape);
            Assert.AreEqual((byte)3, yTest.GetByte(0));
        }

        // Labels that do not match the images are reported.
        File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), IdxTests.IdxFile(0x08, [3], [4, 7, 1]));
        var e = Assert.ThrowsExactly<KerasFileException>(() => FashionMnist.LoadData(folder));
        Assert.AreEqual("shape", e.Part);
        StringAssert.Contains(e.Message, "3 labels do not match the 2 images");
    }

    [TestMethod]
    public void NotFoundListsEveryPlaceAndHowToGetTheData()
    {
        var folders = FashionMnist.CandidateFolders(null, Path.Combine(_folder, "keras-home"), Path.Combine(_folder, "home"));
        CollectionAssert.AreEqual(
            new[]
            {
                Path.Combine(_folder, "keras-home", "datasets", "fashion-mnist"),
                Path.Combine(_folder, "home", ".keras", "datasets", "fashion-mnist"),
                "/usr/share/datasets/fashion-mnist",
            },
            folders.ToArray());
        CollectionAssert.AreEqual(
            new[] { Path.Combine(_folder, "home", ".keras", "datasets", "fashion-mnist"), "/usr/share/datasets/fashion-mnist" },
            FashionMnist.CandidateFolders(null, null, Path.Combine(_folder, "home")).ToArray());

        string partial = Path.Combine(_folder, "partial");
        Directory.CreateDirectory(partial);
        File.WriteAllBytes(Path.Combine(partial, "train-images-idx3-ubyte.gz"), []);
        string[] searched = [Path.Combine(_folder, "nowhere"), partial];
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => FashionMnist.Locate(searched, explicitPath: false));
        StringAssert.Contains(e.Message, Path.Combine(_folder, "nowhere") + " (does not exist)");
        StringAssert.Contains(e.Message, partial + " (exists, but some files are missing)");
        StringAssert.Contains(e.Message, "apt-get install dataset-fashion-mnist");
        StringAssert.Contains(e.Message, "~/.keras/datasets/fashion-mnist");
        StringAssert.Contains(e.Message, "t10k-labels-idx1-ubyte.gz");
        StringAssert.Contains(e.Message, "LoadSample");

        // An explicit folder is the only place searched.
        var e2 = Assert.ThrowsExactly<FileNotFoundException>(() => FashionMnist.LoadData(Path.Combine(_folder, "nowhere")));
        StringAssert.Contains(e2.Message, "'path'");
        StringAssert.Contains(e2.Message, Path.Combine(_folder, "nowhere"));
        Assert.IsFalse(e2.Message.Contains("/usr/share/datasets/fashion-mnist (", StringComparison.Ordinal));
    }
}
