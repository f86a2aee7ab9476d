using Keras.Data;
using NumSharp;

namespace Keras.Datasets;

/// <summary>Finds and loads datasets stored as the four MNIST-style IDX files.</summary>
internal static class IdxDataset
{
    /// <summary>The four files, in the order (train images, train labels, test images, test labels).</summary>
    public static readonly string[] FileNames =
    [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ];

    /// <summary>The Keras cache folder: <c>$KERAS_HOME</c> when set, else <c>~/.keras</c> (as Keras for Python does).</summary>
    public static string? KerasHomeFromEnvironment()
    {
        string? env = Environment.GetEnvironmentVariable("KERAS_HOME");
        return string.IsNullOrWhiteSpace(env) ? null : env;
    }

    /// <summary>The user's home folder.</summary>
    public static string UserHome() =>
        Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home
            ? home
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>
    /// The path of each of the four files in <paramref name="folder"/> (the .gz name, or the same name without
    /// ".gz"), or null when any is missing.
    /// </summary>
    public static string[]? FindFiles(string folder)
    {
        var paths = new string[FileNames.Length];
        for (int i = 0; i < FileNames.Length; i++)
        {
            string gz = Path.Combine(folder, FileNames[i]);
            string raw = gz[..^3];
            if (File.Exists(gz))
            {
                paths[i] = gz;
            }
            else if (File.Exists(raw))
            {
                paths[i] = raw;
            }
            else
            {
                return null;
            }
        }

        return paths;
    }

    /// <summary>Loads the four files (train images, train labels, test images, test labels) and checks they fit together.</summary>
    public static ((HostArray X, HostArray Y) Train, (HostArray X, HostArray Y) Test) Load(IReadOnlyList<string> paths) =>
        Load(paths.Select(p => (Func<HostArray>)(() => Idx.Read(p))).ToArray(), paths);

    /// <summary>Loads four IDX sources (train images, train labels, test images, test labels) in parallel.</summary>
    public static ((HostArray X, HostArray Y) Train, (HostArray X, HostArray Y) Test) Load(
        IReadOnlyList<Func<HostArray>> readers, IReadOnlyList<string> names)
    {
        // Decompressing the training images dominates; the other three run alongside it.
        var tasks = readers.Select(r => Task.Run(r)).ToArray();
        var arrays = new HostArray[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            arrays[i] = tasks[i].GetAwaiter().GetResult();
        }

        for (int i = 0; i < 4; i += 2)
        {
            HostArray images = arrays[i], labels = arrays[i + 1];
            if (images.DType != DType.UInt8 || images.Rank != 3)
            {
                throw new KerasFileException(names[i], "shape",
                    $"expected uint8 images of shape (N, rows, columns), found {images.DType.Name()} of shape {HostArray.FormatShape(images.ShapeView)}.");
            }

            if (labels.DType != DType.UInt8 || labels.Rank != 1)
            {
                throw new KerasFileException(names[i + 1], "shape",
                    $"expected uint8 labels of shape (N,), found {labels.DType.Name()} of shape {HostArray.FormatShape(labels.ShapeView)}.");
            }

            if (images.ShapeView[0] != labels.ShapeView[0])
            {
                throw new KerasFileException(names[i + 1], "shape",
                    $"{labels.ShapeView[0]} labels do not match the {images.ShapeView[0]} images in {names[i]}.");
            }
        }

        return ((arrays[0], arrays[1]), (arrays[2], arrays[3]));
    }

    /// <summary>Shares the loaded arrays with NumSharp (no copy: they were just read).</summary>
    public static ((NDArray, NDArray), (NDArray, NDArray)) ToNDArrays(
        ((HostArray X, HostArray Y) Train, (HostArray X, HostArray Y) Test) data) =>
        ((data.Train.X.ToNDArrayShared(), data.Train.Y.ToNDArrayShared()),
         (data.Test.X.ToNDArrayShared(), data.Test.Y.ToNDArrayShared()));
}
