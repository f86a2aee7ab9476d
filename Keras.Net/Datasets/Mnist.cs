using System.IO.Compression;
using System.Text;
using Keras.Data;
using NumSharp;

namespace Keras.Datasets;

/// <summary>
/// The MNIST handwritten digits (Yann LeCun and Corinna Cortes, CC BY-SA 3.0): 60,000 training and 10,000 test
/// 28×28 grayscale images of the digits 0–9, like <c>keras.datasets.mnist</c>.
/// </summary>
/// <remarks>
/// Nothing is downloaded. <see cref="LoadData"/> reads Keras for Python's cached <c>mnist.npz</c>, or a folder with the
/// four IDX files (<c>train-images-idx3-ubyte.gz</c>, <c>train-labels-idx1-ubyte.gz</c>, <c>t10k-images-idx3-ubyte.gz</c>,
/// <c>t10k-labels-idx1-ubyte.gz</c>, or the same names without ".gz").
/// </remarks>
public static class Mnist
{
    /// <summary>Where Keras for Python downloads <c>mnist.npz</c> from.</summary>
    public const string DownloadUrl = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz";

    /// <summary>
    /// Loads MNIST: x arrays are uint8 of shape (N, 28, 28), y arrays uint8 of shape (N,), N = 60000 / 10000.
    /// </summary>
    /// <param name="path">
    /// An <c>mnist.npz</c> file or a folder with the four IDX files. When given, only it is used. When null, the first
    /// of these that exists is used: <c>$KERAS_HOME/datasets/mnist.npz</c>, <c>$KERAS_HOME/datasets/mnist/</c>,
    /// <c>~/.keras/datasets/mnist.npz</c> (where Keras for Python caches it), <c>~/.keras/datasets/mnist/</c>,
    /// <c>/usr/share/datasets/mnist/</c>.
    /// </param>
    /// <exception cref="FileNotFoundException">The data was not found; the message lists where it looked and how to get it.</exception>
    /// <exception cref="KerasFileException">A file is malformed.</exception>
    public static ((NDArray xTrain, NDArray yTrain), (NDArray xTest, NDArray yTest)) LoadData(string? path = null) =>
        IdxDataset.ToNDArrays(LoadHostData(path));

    /// <summary>Like <see cref="LoadData"/>, returning <see cref="HostArray"/>s.</summary>
    public static ((HostArray xTrain, HostArray yTrain), (HostArray xTest, HostArray yTest)) LoadHostData(string? path = null)
    {
        IReadOnlyList<string> candidates = Candidates(path, IdxDataset.KerasHomeFromEnvironment(), IdxDataset.UserHome());
        foreach (string candidate in candidates)
        {
            if (candidate.EndsWith(".npz", StringComparison.OrdinalIgnoreCase) && File.Exists(candidate))
            {
                return ReadNpz(candidate);
            }

            if (Directory.Exists(candidate) && IdxDataset.FindFiles(candidate) is { } files)
            {
                return IdxDataset.Load(files);
            }
        }

        throw NotFound(candidates, explicitPath: path is not null);
    }

    /// <summary>The files and folders <see cref="LoadData"/> tries, in order.</summary>
    internal static IReadOnlyList<string> Candidates(string? path, string? kerasHome, string userHome)
    {
        if (path is not null)
        {
            return [path];
        }

        var list = new List<string>();
        if (kerasHome is not null)
        {
            list.Add(Path.Combine(kerasHome, "datasets", "mnist.npz"));
            list.Add(Path.Combine(kerasHome, "datasets", "mnist"));
        }

        list.Add(Path.Combine(userHome, ".keras", "datasets", "mnist.npz"));
        list.Add(Path.Combine(userHome, ".keras", "datasets", "mnist"));
        list.Add("/usr/share/datasets/mnist");
        return list.Distinct().ToArray();
    }

    internal static FileNotFoundException NotFound(IReadOnlyList<string> candidates, bool explicitPath)
    {
        var message = new StringBuilder();
        message.Append("MNIST was not found. ");
        message.Append(explicitPath ? "Looked at the 'path' given:" : "Looked at these places, in order:");
        foreach (string c in candidates)
        {
            string state = File.Exists(c) ? " (a file, but not an .npz archive)"
                : Directory.Exists(c) ? " (folder exists, but some IDX files are missing)"
                : " (does not exist)";
            message.Append("\n  ").Append(c).Append(state);
        }

        message.Append("\nTo get the data: download ").Append(DownloadUrl)
            .Append(" to ~/.keras/datasets/mnist.npz (what keras.datasets.mnist.load_data() in Python does), ")
            .Append("or copy the four IDX files ").Append(string.Join(", ", IdxDataset.FileNames))
            .Append(" to ~/.keras/datasets/mnist.");
        return new FileNotFoundException(message.ToString(), candidates[0]);
    }

    /// <summary>Reads Keras's <c>mnist.npz</c> (a zip of x_train.npy, y_train.npy, x_test.npy, y_test.npy).</summary>
    internal static ((HostArray, HostArray), (HostArray, HostArray)) ReadNpz(string path)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new KerasFileException(path, "archive", $"not a valid .npz (zip) archive: {e.Message}", e);
        }

        using (zip)
        {
            string[] names = ["x_train", "y_train", "x_test", "y_test"];
            var arrays = new HostArray[4];
            for (int i = 0; i < names.Length; i++)
            {
                ZipArchiveEntry entry = zip.GetEntry(names[i] + ".npy")
                    ?? throw new KerasFileException(path, names[i],
                        $"the archive has no '{names[i]}.npy' (it holds: {string.Join(", ", zip.Entries.Select(e => e.FullName))}).");
                try
                {
                    using Stream s = entry.Open();
                    arrays[i] = Npy.Read(s, $"{path}:{entry.FullName}");
                }
                catch (InvalidDataException e)
                {
                    throw new KerasFileException(path, names[i], $"the archive entry is corrupt: {e.Message}", e);
                }
            }

            var names2 = names.Select(n => $"{path}:{n}.npy").ToArray();
            return IdxDataset.Load(arrays.Select(a => (Func<HostArray>)(() => a)).ToArray(), names2);
        }
    }
}
