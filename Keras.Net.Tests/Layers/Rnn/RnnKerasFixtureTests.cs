using Keras.Data;
using Keras.Models;

namespace Keras.Net.Tests.Layers.Rnn;

/// <summary>
/// Models written by real Keras 3.15.1 (torch backend) holding recurrent layers, loaded from their
/// files and checked against Keras's own predictions (../shared/fixtures/keras3, tolerance from the
/// fixtures' README: |actual − expected| ≤ 1e-5 + 1e-4·|expected|).
/// </summary>
[TestClass]
public class RnnKerasFixtureTests
{
    // The fixtures live in shared/fixtures/keras3 next to (or inside) the repository: search upwards
    // from this source file, the test binaries and the working directory.
    private static string CaseDir(string name, [System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        var starts = new[] { Path.GetDirectoryName(source), AppContext.BaseDirectory, Directory.GetCurrentDirectory() };
        foreach (var start in starts.OfType<string>())
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "fixtures", "keras3", name);
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        throw new DirectoryNotFoundException($"Keras fixture '{name}' not found in shared/fixtures/keras3 above {string.Join(", ", starts)}.");
    }

    [TestMethod]
    [DataRow("rnn_lstm", "model.keras")]
    [DataRow("rnn_lstm", "model.h5")]
    [DataRow("rnn_gru_bidir", "model.keras")]
    [DataRow("rnn_gru_bidir", "model.h5")]
    [DataRow("masking_embedding", "model.keras")]
    [DataRow("shared_layers", "model.keras")]
    public void PredictionsMatchKeras(string name, string file)
    {
        var dir = CaseDir(name);
        var model = Model.Load(Path.Combine(dir, file), compile: false);
        var inputs = Directory.GetFiles(dir, "input_*.npy").Order(StringComparer.Ordinal).Select(f => (object)Npy.Read(f)).ToArray();
        var predictions = model.PredictOutputs(inputs.Length == 1 ? inputs[0] : inputs);
        var expectedFiles = Directory.GetFiles(dir, "expected_*.npy").Order(StringComparer.Ordinal).ToArray();
        Assert.AreEqual(expectedFiles.Length, predictions.Length, $"{name}: number of outputs");
        for (int i = 0; i < predictions.Length; i++)
        {
            var expected = Npy.Read(expectedFiles[i]);
            var actual = HostArray.From(predictions[i], "prediction");
            CollectionAssert.AreEqual(expected.Shape, actual.Shape, $"{name} output {i}: shape");
            var e = expected.ToArray<float>();
            var a = actual.ToArray<float>();
            for (int k = 0; k < e.Length; k++)
                Assert.IsTrue(Math.Abs(a[k] - e[k]) <= 1e-5 + 1e-4 * Math.Abs(e[k]), $"{name}/{file} output {i}[{k}]: expected {e[k]}, got {a[k]}");
        }
    }
}
