using System.Text;
using Keras.Data;
using NumSharp;

namespace Keras.Datasets;

/// <summary>
/// The Fashion-MNIST dataset (Zalando Research, MIT licence): 60,000 training and 10,000 test 28×28 grayscale
/// images of 10 kinds of clothing, like <c>keras.datasets.fashion_mnist</c>.
/// </summary>
/// <remarks>
/// Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot
/// (see <see cref="ClassNames"/>). Nothing is downloaded: <see cref="LoadData"/> reads the four IDX files from a local
/// folder, and <see cref="LoadSample"/> returns a small subset that ships inside Keras.Net.
/// </remarks>
public static class FashionMnist
{
    /// <summary>Number of training images in <see cref="LoadSample"/>.</summary>
    public const int SampleTrainCount = 2000;

    /// <summary>Number of test images in <see cref="LoadSample"/>.</summary>
    public const int SampleTestCount = 500;

    private const string ResourcePrefix = "Keras.Datasets.Resources.fashion-mnist-sample.";

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Loads Fashion-MNIST: x arrays are uint8 of shape (N, 28, 28), y arrays uint8 of shape (N,), N = 60000 / 10000.
    /// </summary>
    /// <param name="path">
    /// A folder holding <c>train-images-idx3-ubyte.gz</c>, <c>train-labels-idx1-ubyte.gz</c>,
    /// <c>t10k-images-idx3-ubyte.gz</c> and <c>t10k-labels-idx1-ubyte.gz</c> (or the same names without ".gz").
    /// When given, only this folder is used. When null, the first of these folders that has the files is used:
    /// <c>$KERAS_HOME/datasets/fashion-mnist</c>, <c>~/.keras/datasets/fashion-mnist</c> (the Keras for Python
    /// cache), <c>/usr/share/datasets/fashion-mnist</c> (Debian/Ubuntu package <c>dataset-fashion-mnist</c>).
    /// </param>
    /// <exception cref="FileNotFoundException">No folder has the files; the message lists where it looked and how to get them.</exception>
    /// <exception cref="KerasFileException">A file is malformed.</exception>
    public static ((NDArray xTrain, NDArray yTrain), (NDArray xTest, NDArray yTest)) LoadData(string? path = null) =>
        IdxDataset.ToNDArrays(LoadHostData(path));

    /// <summary>Like <see cref="LoadData"/>, returning <see cref="HostArray"/>s.</summary>
    public static ((HostArray xTrain, HostArray yTrain), (HostArray xTest, HostArray yTest)) LoadHostData(string? path = null)
    {
        string[] files = Locate(CandidateFolders(path, IdxDataset.KerasHomeFromEnvironment(), IdxDataset.UserHome()), explicitPath: path is not null);
        return IdxDataset.Load(files);
    }

    /// <summary>
    /// A small deterministic subset of Fashion-MNIST that ships inside Keras.Net (no files needed): the first
    /// <see cref="SampleTrainCount"/> training and the first <see cref="SampleTestCount"/> test images with their labels,
    /// shaped like <see cref="LoadData"/>.
    /// </summary>
    public static ((NDArray xTrain, NDArray yTrain), (NDArray xTest, NDArray yTest)) LoadSample() =>
        IdxDataset.ToNDArrays(LoadHostSample());

    /// <summary>Like <see cref="LoadSample"/>, returning <see cref="HostArray"/>s.</summary>
    public static ((HostArray xTrain, HostArray yTrain), (HostArray xTest, HostArray yTest)) LoadHostSample()
    {
        var names = IdxDataset.FileNames.Select(f => ResourcePrefix + f).ToArray();
        return IdxDataset.Load(names.Select(n => (Func<HostArray>)(() => ReadResource(n))).ToArray(), names);
    }

    /// <summary>The folders <see cref="LoadData"/> searches, in order.</summary>
    internal static IReadOnlyList<string> CandidateFolders(string? path, string? kerasHome, string userHome)
    {
        if (path is not null)
        {
            return [path];
        }

        var folders = new List<string>();
        if (kerasHome is not null)
        {
            folders.Add(Path.Combine(kerasHome, "datasets", "fashion-mnist"));
        }

        folders.Add(Path.Combine(userHome, ".keras", "datasets", "fashion-mnist"));
        folders.Add("/usr/share/datasets/fashion-mnist");
        return folders.Distinct().ToArray();
    }

    /// <summary>The four files in the first folder that has them all, or a <see cref="FileNotFoundException"/> saying where it looked.</summary>
    internal static string[] Locate(IReadOnlyList<string> folders, bool explicitPath)
    {
        foreach (string folder in folders)
        {
            if (IdxDataset.FindFiles(folder) is { } files)
            {
                return files;
            }
        }

        var message = new StringBuilder();
        message.Append("Fashion-MNIST was not found. ");
        message.Append(explicitPath ? "Looked in the folder given as 'path':" : "Looked in these folders, in order:");
        foreach (string folder in folders)
        {
            message.Append("\n  ").Append(folder).Append(Directory.Exists(folder) ? " (exists, but some files are missing)" : " (does not exist)");
        }

        message.Append("\nEach needs the four files ").Append(string.Join(", ", IdxDataset.FileNames)).Append(" (or the same names without .gz).");
        message.Append("\nTo get them: on Debian/Ubuntu run 'sudo apt-get install dataset-fashion-mnist' (installs /usr/share/datasets/fashion-mnist), ");
        message.Append("or download the four files from https://github.com/zalandoresearch/fashion-mnist (data/fashion) and copy them to ~/.keras/datasets/fashion-mnist. ");
        message.Append("FashionMnist.LoadSample() needs no files: it returns a 2000/500-image subset shipped with Keras.Net.");
        throw new FileNotFoundException(message.ToString(), Path.Combine(folders[0], IdxDataset.FileNames[0]));
    }

    private static HostArray ReadResource(string name)
    {
        using Stream stream = typeof(FashionMnist).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource '{name}' is missing from Keras.Net; the assembly was built without the sample data.");
        return Idx.Read(stream, $"embedded resource {name}");
    }
}
