using System.Text;
using Keras.Data;
using Keras.Models;

namespace Keras.Fuzz;

/// <summary>Hands a mutant to the public loader a user would call on it, and classifies what happens.</summary>
internal static class Targets
{
    /// <summary>Predictions are skipped for inputs larger than this (elements), to keep mutants cheap.</summary>
    private const long MaxPredictElements = 1 << 18;

    /// <summary>Predictions are skipped for models larger than this (parameters).</summary>
    private const long MaxPredictParameters = 4 << 20;

    public static FuzzRunner.Result Execute(Mutant mutant, string path, bool predict, Dictionary<string, Model> targets)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Model? loaded = null;
        string stage = "load";
        try
        {
            var entry = mutant.Source;
            switch (entry.Loader)
            {
                case LoaderKind.ModelLoad:
                    loaded = Model.Load(path);
                    break;
                case LoaderKind.LoadWeights:
                {
                    var model = Target(entry, targets);
                    model.LoadWeights(path, byName: mutant.ByName, skipMismatch: mutant.SkipMismatch);
                    if (predict)
                    {
                        stage = "predict";
                        var (ran, refusal) = Predict(model);
                        return Done(Outcome.Loaded, stage, refusal, "", ran, refusal is not null, before);
                    }
                    return Done(Outcome.Loaded, stage, null, "", false, false, before);
                }
                case LoaderKind.FromJson:
                    loaded = Model.FromJson(Encoding.UTF8.GetString(mutant.Bytes!));
                    break;
                case LoaderKind.FromYaml:
                    loaded = Model.FromYaml(Encoding.UTF8.GetString(mutant.Bytes!));
                    break;
                case LoaderKind.NpyRead:
                    _ = Npy.Read(path);
                    return Done(Outcome.Loaded, stage, null, "", false, false, before);
            }
            if (predict && loaded is not null)
            {
                stage = "predict";
                var (ran, refusal) = Predict(loaded);
                return Done(Outcome.Loaded, stage, refusal, "", ran, refusal is not null, before);
            }
            return Done(Outcome.Loaded, stage, null, "", false, false, before);
        }
        catch (KerasFileException e) when (stage == "load")
        {
            var problem = Misnamed(e, mutant, path);
            return Done(problem is null ? Outcome.Rejected : Outcome.Misnamed, stage, e, problem ?? "", false, false, before);
        }
        catch (Exception e)
        {
            return Done(stage == "predict" ? Outcome.PredictError : Outcome.Crash, stage, e, "", false, false, before);
        }
        finally
        {
            loaded?.Dispose();
        }
    }

    private static FuzzRunner.Result Done(Outcome outcome, string stage, Exception? e, string note, bool predicted, bool refused, long before) =>
        new(outcome, stage, e, note, predicted, refused, GC.GetAllocatedBytesForCurrentThread() - before, TimeSpan.Zero);

    // A rejection must name the input (the file, a file inside the SavedModel folder, or an entry of the archive), a part and a problem.
    private static string? Misnamed(KerasFileException e, Mutant mutant, string path)
    {
        if (string.IsNullOrWhiteSpace(e.Part)) return "the exception names no part";
        if (string.IsNullOrWhiteSpace(e.Problem)) return "the exception states no problem";
        bool named = mutant.Source.Loader switch
        {
            LoaderKind.FromJson => e.FilePath == "JSON string",
            LoaderKind.FromYaml => e.FilePath == "YAML string",
            _ => e.FilePath.StartsWith(path, StringComparison.Ordinal),
        };
        return named ? null : $"the exception names '{e.FilePath}' instead of the input";
    }

    // The model a weights file is loaded into, built once per worker from the entry's config.
    private static Model Target(CorpusEntry entry, Dictionary<string, Model> targets)
    {
        if (!targets.TryGetValue(entry.Id, out var model))
        {
            model = Model.FromJson(entry.TargetConfig ?? throw new InvalidOperationException($"{entry.Id} has no target config."));
            targets[entry.Id] = model;
        }
        return model;
    }

    /// <summary>
    /// One prediction on a small input of the model's input shapes (unknown dimensions → 2). A refusal with an
    /// argument or state exception (the input does not suit the model) is clean; anything else propagates.
    /// </summary>
    private static (bool Ran, Exception? Refusal) Predict(Model model)
    {
        var inputs = model.Inputs;
        if (inputs.Count == 0) return (false, null);
        long parameters = model.Weights.Sum(w => Math.Max(0L, w.Shape.Size));
        if (parameters > MaxPredictParameters) return (false, null);
        var arrays = new List<HostArray>();
        var rng = new Random(17);
        int batch = 2;
        foreach (var input in inputs)
        {
            var dims = input.Shape.Select(d => d < 0 ? 2L : d).ToArray();
            // A model built for a fixed batch size (stateful RNNs) is fed whole batches of it.
            if (dims.Length > 0 && arrays.Count == 0) batch = (int)Math.Max(1, dims[0]);
            long size = dims.Aggregate(1L, (a, d) => d == 0 ? 0 : a > MaxPredictElements ? a : a * d);
            if (size > MaxPredictElements || dims.Length == 0) return (false, null);
            arrays.Add(input.DType.IsFloating()
                ? HostArray.Create(Enumerable.Range(0, (int)size).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), dims).AsType(input.DType)
                : HostArray.Zeros(input.DType, dims));
        }
        try
        {
            foreach (var output in model.PredictOutputs(arrays.Count == 1 ? arrays[0] : arrays, batchSize: batch)) output.Dispose();
            return (true, null);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException && RaisedByKerasNet(e))
        {
            return (false, e);
        }
    }

    // A refusal Keras.Net raised itself (its own argument/state checks), as opposed to an exception from
    // libtorch (TorchSharp's ExternalException) or from a .NET collection indexed out of range.
    private static bool RaisedByKerasNet(Exception e) =>
        e.InnerException is null && e.TargetSite?.DeclaringType?.Namespace?.StartsWith("Keras", StringComparison.Ordinal) == true;
}
