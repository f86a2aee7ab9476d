using System.IO.Compression;
using Keras.Data;
using Keras.Datasets;
using NumSharp;

namespace Keras.Net.Tests.Datasets;

/// <summary>MNIST itself is not installed in CI: these tests build small files in its formats.</summary>
[TestClass]
public class MnistTests
{
    private static string _folder = "";

    [ClassInitialize]
    public static void CreateFolder(TestContext _)
    {
        _folder = Path.Combine(Path.GetTempPath(), "keras-net-mnist-" + Guid.NewGuid().ToString("N"));
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

    private static HostArray Images(int n, int seed) =>
        HostArray.Create(Enumerable.Range(0, n * 784).Select(i => (byte)((i * 7) + seed)).ToArray(), n, 28, 28);

    [TestMethod]
    public void ReadsKerasMnistNpz()
    {
        // Keras for Python caches MNIST as mnist.npz: a zip of x_train.npy, y_train.npy, x_test.npy, y_test.npy.
        string path = Path.Combine(_folder, "mnist.npz");
        using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            void Add(string name, HostArray a)
            {
                using Stream s = zip.CreateEntry(name + ".npy").Open();
                Npy.Write(s, a);
            }

            Add("x_test", Images(2, 1));
            Add("x_train", Images(3, 0));
            Add("y_train", HostArray.Create(new byte[] { 5, 0, 4 }, 3));
            Add("y_test", HostArray.Create(new byte[] { 7, 2 }, 2));
        }

        var ((xTrain, yTrain), (xTest, yTest)) = Mnist.LoadData(path);
        using (xTrain)
        using (yTrain)
        using (xTest)
        using (yTest)
        {
            Assert.AreEqual(NPTypeCode.Byte, xTrain.typecode);
            CollectionAssert.AreEqual(new long[] { 3, 28, 28 }, xTrain.shape);
            CollectionAssert.AreEqual(new long[] { 2, 28, 28 }, xTest.shape);
            CollectionAssert.AreEqual(new byte[] { 5, 0, 4 }, HostArray.From(yTrain, "y").ToArray<byte>());
            CollectionAssert.AreEqual(new byte[] { 7, 2 }, HostArray.From(yTest, "y").ToArray<byte>());
            CollectionAssert.AreEqual((byte[])Images(3, 0).Data, (byte[])HostArray.From(xTrain, "x").Data);
            CollectionAssert.AreEqual((byte[])Images(2, 1).Data, (byte[])HostArray.From(xTest, "x").Data);
        }
    }

    [TestMethod]
    public void NpzWithoutAnEntryNamesIt()
    {
        string path = Path.Combine(_folder, "partial.npz");
        using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using Stream s = zip.CreateEntry("x_train.npy").Open();
            Npy.Write(s, Images(1, 0));
        }

        var e = Assert.ThrowsExactly<KerasFileException>(() => Mnist.LoadData(path));
        Assert.AreEqual("y_train", e.Part);
        StringAssert.Contains(e.Message, "x_train.npy");

        string notZip = Path.Combine(_folder, "notzip.npz");
        File.WriteAllText(notZip, "hello");
        Assert.AreEqual("archive", Assert.ThrowsExactly<KerasFileException>(() => Mnist.LoadData(notZip)).Part);
    }

    [TestMethod]
    public void ReadsIdxFolder()
    {
        string folder = Path.Combine(_folder, "idx");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte.gz"), IdxTests.Gzip(IdxTests.IdxFile(0x08, [1, 28, 28], (byte[])Images(1, 3).Data)));
        File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte.gz"), IdxTests.Gzip(IdxTests.IdxFile(0x08, [1], [8])));
        File.WriteAllBytes(Path.Combine(folder, "t10k-images-idx3-ubyte"), IdxTests.IdxFile(0x08, [1, 28, 28], (byte[])Images(1, 4).Data));
        File.WriteAllBytes(Path.Combine(folder, "t10k-labels-idx1-ubyte"), IdxTests.IdxFile(0x08, [1], [6]));

        var ((xTrain, yTrain), (xTest, yTest)) = Mnist.LoadHostData(folder);
        CollectionAssert.AreEqual((byte[])Images(1, 3).Data, (byte[])xTrain.Data);
        CollectionAssert.AreEqual(new byte[] { 8 }, (byte[])yTrain.Data);
        CollectionAssert.AreEqual((byte[])Images(1, 4).Data, (byte[])xTest.Data);
        CollectionAssert.AreEqual(new byte[] { 6 }, (byte[])yTest.Data);
    }

    [TestMethod]
    public void NotFoundListsEveryPlaceAndHowToGetTheData()
    {
        string kerasHome = Path.Combine(_folder, "kh");
        string home = Path.Combine(_folder, "home");
        var candidates = Mnist.Candidates(null, kerasHome, home);
        CollectionAssert.AreEqual(
            new[]
            {
                Path.Combine(kerasHome, "datasets", "mnist.npz"),
                Path.Combine(kerasHome, "datasets", "mnist"),
                Path.Combine(home, ".keras", "datasets", "mnist.npz"),
                Path.Combine(home, ".keras", "datasets", "mnist"),
                "/usr/share/datasets/mnist",
            },
            candidates.ToArray());

        FileNotFoundException e = Mnist.NotFound(candidates, explicitPath: false);
        foreach (string c in candidates)
        {
            StringAssert.Contains(e.Message, c);
        }

        StringAssert.Contains(e.Message, Mnist.DownloadUrl);
        StringAssert.Contains(e.Message, "~/.keras/datasets/mnist.npz");

        string empty = Path.Combine(_folder, "empty");
        Directory.CreateDirectory(empty);
        var e2 = Assert.ThrowsExactly<FileNotFoundException>(() => Mnist.LoadData(empty));
        StringAssert.Contains(e2.Message, empty + " (folder exists, but some IDX files are missing)");
    }
}
