using System.IO.Compression;
using System.Text.Json.Nodes;
using Keras.Data;
using Keras.Models;
using Keras.Saving;

namespace Keras.Net.Tests.Saving;

/// <summary>
/// Every shared fixture case (models written by real Keras 3.15.1 and real TF/Keras 1.x–2.x files) must
/// load through each of its formats and reproduce Keras's predictions within the case's tolerances.
/// A case that needs a layer class Keras.Net does not have yet is reported as "needs layer X"; the set of
/// such cases must equal <see cref="NeedsLayer"/>, so the test fails both when a case regresses and when
/// a layer lands (then shrink the list).
/// </summary>
[TestClass]
public class FixtureTests
{
    /// <summary>Cases that cannot load yet because a layer class is missing: case → the class.</summary>
    private static readonly Dictionary<string, string> NeedsLayer = new(StringComparer.Ordinal)
    {
    };

    public TestContext TestContext { get; set; } = null!;

    public static IEnumerable<object[]> Cases()
    {
        foreach (var root in new[] { "keras3", "tf" })
        {
            var folder = Path.Combine(SavingFiles.Fixtures, root);
            if (!Directory.Exists(folder)) continue;
            foreach (var d in Directory.GetDirectories(folder).Where(d => File.Exists(Path.Combine(d, "case.json"))).Order(StringComparer.Ordinal))
                yield return [$"{root}/{Path.GetFileName(d)}"];
        }
    }

    private sealed record Outcome(string Kind, string Detail);

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void FixtureCaseLoadsAndMatchesKeras(string caseId)
    {
        var outcome = Evaluate(caseId);
        var name = caseId.Split('/')[1];
        TestContext.WriteLine($"{caseId}: {outcome.Kind} {outcome.Detail}");
        if (NeedsLayer.TryGetValue(name, out var cls))
        {
            Assert.AreEqual("needs layer", outcome.Kind, $"{caseId} is listed as needing layer {cls} but it {outcome.Kind}s ({outcome.Detail}); update NeedsLayer.");
            StringAssert.Contains(outcome.Detail, cls);
        }
        else
        {
            Assert.AreEqual("pass", outcome.Kind, $"{caseId}: {outcome.Detail}");
        }
    }

    [TestMethod]
    public void TheCasesThatNeedAMissingLayerAreExactlyTheListedOnes()
    {
        var report = new List<string>();
        var needs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in Cases().Select(c => (string)c[0]))
        {
            var o = Evaluate(c);
            report.Add($"{c}: {o.Kind} {o.Detail}");
            if (o.Kind == "needs layer") needs.Add(c.Split('/')[1]);
        }
        foreach (var line in report) TestContext.WriteLine(line);
        Assert.IsTrue(report.Count >= 14, $"expected the shared fixtures at {SavingFiles.Fixtures}; found {report.Count} cases");
        CollectionAssert.AreEquivalent(NeedsLayer.Keys.ToArray(), needs.ToArray(), "cases needing a missing layer:\n" + string.Join("\n", report));
    }

    private static Outcome Evaluate(string caseId)
    {
        var dir = Path.Combine(SavingFiles.Fixtures, caseId);
        var c = SavingFiles.ReadJson(Path.Combine(dir, "case.json"));
        try
        {
            var inputs = (c["inputs"] as JsonArray ?? []).Select(i => Npy.Read(Path.Combine(dir, i!["file"]!.ToString()))).ToArray();
            var outputs = (c["outputs"] ?? c["expected"]) as JsonArray ?? [];
            var expected = outputs.Select(o => (Array: Npy.Read(Path.Combine(dir, o!["file"]!.ToString())), Spec: o!.AsObject())).ToArray();
            double atol = c["atol"]?.GetValue<double>() ?? 1e-5, rtol = c["rtol"]?.GetValue<double>() ?? 1e-4;
            var problems = new List<string>();
            string formats;
            switch (c["format"]?.ToString())
            {
                case null:
                    // Keras 3 fixture: the archive, the legacy full model, and the weights file into a model built from the config.
                    formats = "model.keras, model.h5, config + model.weights.h5";
                    Check("model.keras", () => Model.Load(Path.Combine(dir, "model.keras")));
                    Check("model.h5", () => Model.Load(Path.Combine(dir, "model.h5")));
                    Check("model.weights.h5", () =>
                    {
                        using var zip = ZipFile.OpenRead(Path.Combine(dir, "model.keras"));
                        using var s = zip.GetEntry("config.json")!.Open();
                        var model = Model.FromConfig(JsonNode.Parse(s)!.AsObject());
                        model.LoadWeights(Path.Combine(dir, "model.weights.h5"));
                        return model;
                    });
                    break;
                case "h5-legacy":
                    formats = c["model_file"]!.ToString();
                    Check(formats, () => Model.Load(Path.Combine(dir, c["model_file"]!.ToString())));
                    break;
                case "keras-weights-h5":
                    formats = $"{c["config_file"]} + {c["weights_file"]}";
                    Check(formats, () =>
                    {
                        var model = Model.Load(Path.Combine(dir, c["config_file"]!.ToString()));
                        model.LoadWeights(Path.Combine(dir, c["weights_file"]!.ToString()));
                        return model;
                    });
                    break;
                case "savedmodel":
                {
                    // Keras-made SavedModels rebuild from their Keras metadata; plain TF graphs are refused clearly.
                    var folder = Path.Combine(dir, c["saved_model_dir"]?.ToString() ?? "saved_model");
                    formats = "SavedModel folder";
                    if (c["savedmodel_details"]?["keras_version"] is null)
                    {
                        try
                        {
                            Model.Load(folder);
                            return new Outcome("fail", "a SavedModel without Keras metadata loaded: expected a clear refusal");
                        }
                        catch (KerasFileException e) when (e.Message.Contains("without Keras metadata", StringComparison.Ordinal) && e.FilePath == folder)
                        {
                            return new Outcome("pass", "TF SavedModel without Keras metadata refused with a clear error");
                        }
                    }
                    Check(formats, () => Model.Load(folder));
                    break;
                }
                default:
                    return new Outcome("fail", $"unknown format {c["format"]}");
            }
            return problems.Count == 0
                ? new Outcome("pass", inputs.Length == 0 ? $"load-only: {formats}" : formats)
                : new Outcome("fail", string.Join("; ", problems));

            void Check(string label, Func<Model> load)
            {
                using var model = load();
                Assert.IsTrue(model.Weights.Count > 0 || model.Layers.Count > 0, $"{label}: empty model");
                if (inputs.Length == 0)
                {
                    // Load-only: the config parsed, every weight was assigned (the loader checks shapes) and the model runs its summary.
                    Assert.IsTrue(model.SummaryText().Contains("Total params", StringComparison.Ordinal));
                    return;
                }
                var predictions = model.PredictOutputs(inputs.Select(i => (object)i.ToNDArray()).ToList());
                if (predictions.Length != expected.Length)
                {
                    problems.Add($"{label}: {predictions.Length} outputs, expected {expected.Length}");
                    return;
                }
                for (int k = 0; k < expected.Length; k++)
                {
                    var tol = expected[k].Spec["suggested_tolerance"] as JsonObject;
                    var why = SavingFiles.Compare(expected[k].Array, HostArray.From(predictions[k], "prediction"),
                        tol?["atol"]?.GetValue<double>() ?? atol, tol?["rtol"]?.GetValue<double>() ?? rtol);
                    if (why is not null) problems.Add($"{label} output {k}: {why}");
                }
            }
        }
        catch (UnknownLayerClassException e)
        {
            return new Outcome("needs layer", e.ClassName);
        }
        catch (Exception e)
        {
            return new Outcome("fail", $"{e.GetType().Name}: {e.Message}");
        }
    }
}
