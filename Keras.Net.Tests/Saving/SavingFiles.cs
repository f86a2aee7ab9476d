using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Keras.Data;

namespace Keras.Net.Tests.Saving;

/// <summary>Paths of the repository, the shared fixtures and per-test scratch folders.</summary>
internal static class SavingFiles
{
    /// <summary>The repository root (found from this source file's location at build time).</summary>
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot([CallerFilePath] string source = "")
    {
        var dir = Path.GetDirectoryName(source);
        while (dir is not null && !File.Exists(Path.Combine(dir, "Keras.Net.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException($"Keras.Net.sln not found above {source}.");
    }

    /// <summary><c>../shared/fixtures</c> next to the repository.</summary>
    public static string Fixtures => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures"));

    public static string Keras3(string name) => Path.Combine(Fixtures, "keras3", name);

    public static string Tf(string name) => Path.Combine(Fixtures, "tf", name);

    /// <summary>A new empty folder under the temp directory.</summary>
    public static string NewFolder(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"kn-{prefix}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Asserts <c>|actual - expected| &lt;= atol + rtol * |expected|</c> elementwise.</summary>
    public static string? Compare(HostArray expected, HostArray actual, double atol, double rtol)
    {
        if (!expected.Shape.SequenceEqual(actual.Shape)) return $"shape {Shape.Format(actual.Shape)} != expected {Shape.Format(expected.Shape)}";
        var e = expected.AsType(DType.Float64).ToArray<double>();
        var a = actual.AsType(DType.Float64).ToArray<double>();
        double worst = 0;
        int bad = -1;
        for (int i = 0; i < e.Length; i++)
        {
            var err = Math.Abs(a[i] - e[i]);
            if (double.IsNaN(a[i]) || err > atol + rtol * Math.Abs(e[i]))
            {
                if (bad < 0 || err > worst) bad = i;
                worst = Math.Max(worst, err);
            }
        }
        return bad < 0 ? null : $"element {bad}: {a[bad]} vs expected {e[bad]} (max abs err {worst:g3}, atol {atol}, rtol {rtol})";
    }

    public static JsonObject ReadJson(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();
}

/// <summary>A temporary folder for one test class's files, deleted on <see cref="Dispose"/>.</summary>
internal sealed class ScratchFolder(string prefix) : IDisposable
{
    public string Path { get; } = SavingFiles.NewFolder(prefix);

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="name"/> in the folder and returns its path.</summary>
    public string Write(string name, byte[] bytes)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="name"/> in the folder and returns its path.</summary>
    public string Write(string name, string text) => Write(name, System.Text.Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
