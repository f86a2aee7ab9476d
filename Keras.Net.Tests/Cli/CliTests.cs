using System.Diagnostics;
using Keras.Data;
using Keras.Net.Tests.Saving;

namespace Keras.Net.Tests.Cli;

/// <summary>
/// Runs the built <c>keras-net</c> CLI (Keras.Net.Cli) as a child process with <c>dotnet</c>: summary,
/// predict against Keras's own predictions, convert round trips, and clean one-line errors with exit
/// codes 1 (bad file) and 2 (bad usage).
/// </summary>
[TestClass]
public class CliTests
{
    private static string _folder = "";
    private static readonly Lazy<string> CliDll = new(LocateOrBuildCli);

    [ClassInitialize]
    public static void CreateFolder(TestContext _) => _folder = SavingFiles.NewFolder("cli");

    [ClassCleanup]
    public static void RemoveFolder()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    // The CLI built next to this test assembly (artifacts layout or bin/<Configuration>/net10.0), built on demand otherwise.
    private static string LocateOrBuildCli()
    {
        var baseDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var configuration = Path.GetFileName(baseDir.EndsWith("net10.0", StringComparison.Ordinal) ? Path.GetDirectoryName(baseDir)! : baseDir);
        var cliProject = Path.Combine(SavingFiles.RepoRoot, "Keras.Net.Cli", "Keras.Net.Cli.csproj");
        // <artifacts>/bin/Keras.Net.Tests/<config> → <artifacts>/bin/Keras.Net.Cli/<config>
        var artifactsRoot = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(baseDir)!)!)!;
        string[] candidates =
        [
            Path.Combine(artifactsRoot, "bin", "Keras.Net.Cli", configuration, "keras-net.dll"),
            Path.Combine(SavingFiles.RepoRoot, "Keras.Net.Cli", "bin", configuration, "net10.0", "keras-net.dll"),
        ];
        var isArtifacts = !baseDir.EndsWith("net10.0", StringComparison.Ordinal);
        var target = isArtifacts ? candidates[0] : candidates[1];
        var builtWith = Path.Combine(Path.GetDirectoryName(target)!, "Keras.Net.dll");
        var ours = Path.Combine(baseDir, "Keras.Net.dll");
        if (!File.Exists(target) || !File.Exists(builtWith) || File.GetLastWriteTimeUtc(builtWith) < File.GetLastWriteTimeUtc(ours))
        {
            var args = $"build \"{cliProject}\" -c {(configuration.Equals("debug", StringComparison.OrdinalIgnoreCase) ? "Debug" : "Release")} -nologo -v q";
            if (isArtifacts) args += $" --artifacts-path \"{artifactsRoot}\"";
            var (code, stdout, stderr) = RunProcess("dotnet", args, 600);
            Assert.AreEqual(0, code, $"building the CLI failed:\n{stdout}\n{stderr}");
        }
        Assert.IsTrue(File.Exists(target), $"{target} was not built");
        return target;
    }

    private static (int Code, string Stdout, string Stderr) RunProcess(string file, string arguments, int timeoutSeconds)
    {
        var psi = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {arguments} did not finish within {timeoutSeconds} s");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static (int Code, string Stdout, string Stderr) Cli(params string[] args) =>
        RunProcess("dotnet", string.Join(" ", new[] { CliDll.Value }.Concat(args).Select(a => $"\"{a}\"")), 180);

    private static void AssertOneLineError((int Code, string Stdout, string Stderr) r, int expectedCode, string contains)
    {
        Assert.AreEqual(expectedCode, r.Code, $"exit code; stderr: {r.Stderr}");
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(1, lines.Length, $"one line on stderr, got:\n{r.Stderr}");
        StringAssert.StartsWith(lines[0], "keras-net: error:");
        StringAssert.Contains(lines[0], contains);
        Assert.IsFalse(r.Stderr.Contains("   at ", StringComparison.Ordinal), "no stack trace");
    }

    [TestMethod]
    public void SummaryPrintsTheKerasTable()
    {
        var r = Cli("summary", SavingFiles.Keras3("mlp/model.keras"));
        Assert.AreEqual(0, r.Code, r.Stderr);
        StringAssert.Contains(r.Stdout, "Model: \"mlp\"");
        StringAssert.Contains(r.Stdout, "hidden (Dense)");
        StringAssert.Contains(r.Stdout, "Total params: 1,994");
    }

    [TestMethod]
    public void PredictReproducesKerasOnTheMlpFixture()
    {
        var out0 = Path.Combine(_folder, "mlp_out.npy");
        var r = Cli("predict", SavingFiles.Keras3("mlp/model.keras"), "--input", SavingFiles.Keras3("mlp/input_0.npy"), "--output", out0, "--batch-size", "3");
        Assert.AreEqual(0, r.Code, r.Stderr);
        var got = Npy.Read(out0);
        Assert.AreEqual(DType.Float32, got.DType);
        Assert.IsNull(SavingFiles.Compare(Npy.Read(SavingFiles.Keras3("mlp/expected_0.npy")), got, 1e-5, 1e-4));

        // A JSON architecture needs --weights; with them it predicts the same.
        var json = Path.Combine(SavingFiles.Tf("kw_dl4j_act_elu_weights_plus_json"), "ELU_0_config.json");
        var weights = Path.Combine(SavingFiles.Tf("kw_dl4j_act_elu_weights_plus_json"), "ELU_0_weights.h5");
        var out1 = Path.Combine(_folder, "elu_out.npy");
        r = Cli("predict", json, "--weights", weights, "--input", Path.Combine(SavingFiles.Tf("kw_dl4j_act_elu_weights_plus_json"), "input_0.npy"), "--output", out1);
        Assert.AreEqual(0, r.Code, r.Stderr);
        Assert.IsNull(SavingFiles.Compare(Npy.Read(Path.Combine(SavingFiles.Tf("kw_dl4j_act_elu_weights_plus_json"), "expected_0.npy")), Npy.Read(out1), 1e-5, 1e-4));
    }

    [TestMethod]
    public void ConvertRoundTripsThroughEveryFormat()
    {
        var source = SavingFiles.Keras3("functional_multi_io/model.keras");
        var inputs = new[] { "--input", SavingFiles.Keras3("functional_multi_io/input_0.npy"), "--input", SavingFiles.Keras3("functional_multi_io/input_1.npy") };
        var h5 = Path.Combine(_folder, "multi.h5");
        var keras = Path.Combine(_folder, "multi.keras");
        var weights = Path.Combine(_folder, "multi.weights.h5");
        Assert.AreEqual(0, Cli("convert", source, h5).Code);
        Assert.AreEqual(0, Cli("convert", h5, keras).Code);
        Assert.AreEqual(0, Cli("convert", keras, weights).Code);
        var json = Path.Combine(_folder, "multi.json");
        File.WriteAllText(json, Keras.Models.Model.Load(source).ToJson());
        foreach (var (label, model) in new[] { ("h5", new[] { h5 }), ("keras", new[] { keras }), ("weights", new[] { json, "--weights", weights }) })
        {
            var o0 = Path.Combine(_folder, $"{label}_0.npy");
            var o1 = Path.Combine(_folder, $"{label}_1.npy");
            var r = Cli(["predict", .. model, .. inputs, "--output", o0, "--output", o1]);
            Assert.AreEqual(0, r.Code, $"{label}: {r.Stderr}");
            Assert.IsNull(SavingFiles.Compare(Npy.Read(SavingFiles.Keras3("functional_multi_io/expected_0.npy")), Npy.Read(o0), 1e-5, 1e-4), label);
            Assert.IsNull(SavingFiles.Compare(Npy.Read(SavingFiles.Keras3("functional_multi_io/expected_1.npy")), Npy.Read(o1), 1e-5, 1e-4), label);
        }
    }

    [TestMethod]
    public void BadUsageExitsWithTwoAndOneLine()
    {
        var model = SavingFiles.Keras3("mlp/model.keras");
        AssertOneLineError(Cli(), 2, "no command");
        AssertOneLineError(Cli("frobnicate", model), 2, "unknown command");
        AssertOneLineError(Cli("summary"), 2, "summary takes one MODEL");
        AssertOneLineError(Cli("predict", model, "--output", Path.Combine(_folder, "x.npy")), 2, "--input");
        AssertOneLineError(Cli("predict", model, "--input"), 2, "--input needs a value");
        AssertOneLineError(Cli("predict", model, "--input", SavingFiles.Keras3("mlp/input_0.npy"), "--output", Path.Combine(_folder, "x.npy"), "--batch-size", "zero"), 2, "--batch-size");
        AssertOneLineError(Cli("summary", model, "--verbose"), 2, "unknown option");
        AssertOneLineError(Cli("convert", model, Path.Combine(_folder, "out.txt")), 2, ".keras");
        var json = Path.Combine(_folder, "arch.json");
        File.WriteAllText(json, Keras.Models.Model.Load(model).ToJson());
        AssertOneLineError(Cli("summary", json), 2, "--weights");
        AssertOneLineError(Cli("predict", model, "--input", SavingFiles.Keras3("mlp/input_0.npy"), "--input", SavingFiles.Keras3("mlp/input_0.npy"), "--output", Path.Combine(_folder, "x.npy")), 2, "1 input(s)");
        var help = Cli("--help");
        Assert.AreEqual(0, help.Code);
        StringAssert.Contains(help.Stdout, "usage: keras-net summary");
    }

    [TestMethod]
    public void BadFilesExitWithOneAndOneLine()
    {
        var garbage = Path.Combine(_folder, "garbage.keras");
        File.WriteAllText(garbage, "not a model");
        AssertOneLineError(Cli("summary", garbage), 1, garbage);
        AssertOneLineError(Cli("summary", Path.Combine(_folder, "missing.h5")), 1, "does not exist");
        var truncated = Path.Combine(_folder, "truncated.h5");
        File.WriteAllBytes(truncated, File.ReadAllBytes(SavingFiles.Keras3("mlp/model.h5"))[..1000]);
        AssertOneLineError(Cli("summary", truncated), 1, truncated);
        AssertOneLineError(Cli("summary", SavingFiles.Tf("sm_serving_half_plus_two_tf2_14/saved_model")), 1, "without Keras metadata");
        var badInput = Path.Combine(_folder, "bad.npy");
        File.WriteAllText(badInput, "nope");
        AssertOneLineError(Cli("predict", SavingFiles.Keras3("mlp/model.keras"), "--input", badInput, "--output", Path.Combine(_folder, "y.npy")), 1, badInput);
    }
}
