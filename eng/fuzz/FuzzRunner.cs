using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Keras.Data;
using Keras.Models;

namespace Keras.Fuzz;

/// <summary>What happened to one mutant.</summary>
public enum Outcome
{
    /// <summary>It loaded (and, for models, one prediction ran or was cleanly refused).</summary>
    Loaded,

    /// <summary>The loader refused it with a <see cref="KerasFileException"/> naming the file, the part and the problem.</summary>
    Rejected,

    /// <summary>Any other exception escaped the loader: a defect.</summary>
    Crash,

    /// <summary>
    /// The loader accepted the file but one prediction on an input of the model's own shape failed with an
    /// exception that Keras.Net did not raise itself (from libtorch or the .NET base library): a defect in the
    /// layers or back end rather than the loader, reported separately.
    /// </summary>
    PredictError,

    /// <summary>The loader did not finish within the per-mutant time limit: a defect.</summary>
    Hang,

    /// <summary>A <see cref="KerasFileException"/> that does not name the input file (or lacks a part or problem): a defect.</summary>
    Misnamed,

    /// <summary>The loader allocated more managed memory than the limit for one file: a defect.</summary>
    Overallocation,
}

/// <summary>Settings of a fuzzing run.</summary>
public sealed class FuzzOptions
{
    /// <summary>The seed; the same seed gives the same mutants.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>How many mutants to try.</summary>
    public long Mutants { get; init; } = 2000;

    /// <summary>The first mutant index.</summary>
    public long Start { get; init; }

    /// <summary>Only these mutant indices (replay), instead of <see cref="Start"/>..<see cref="Mutants"/>.</summary>
    public IReadOnlyList<long>? Replay { get; init; }

    /// <summary>Per-mutant time limit; a mutant still running then is a hang.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Run one prediction on each model that loads (when its input and weights are small).</summary>
    public bool Predict { get; init; } = true;

    /// <summary>Managed bytes one mutant may allocate on the loading thread before it counts as unbounded.</summary>
    public long MaxAllocatedBytes { get; init; } = 512L << 20;

    /// <summary>How many failures to keep with their reproduction details.</summary>
    public int KeepFailures { get; init; } = 10;

    /// <summary>Receives progress lines (null: silent).</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>How often a progress line is written.</summary>
    public TimeSpan ProgressEvery { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Receives each failure as it happens (null: only the report keeps them).</summary>
    public Action<FuzzFailure>? OnFailure { get; init; }

    /// <summary>A file that always names the mutant being run (so a native crash of the process can be replayed).</summary>
    public string? JournalPath { get; init; }

    /// <summary>A folder that receives a copy of every failing mutant (null: none kept).</summary>
    public string? KeepFailingMutantsIn { get; init; }
}

/// <summary>One failure, with what is needed to reproduce it.</summary>
/// <param name="Mutant">The mutant (its <see cref="Mutant.Replay"/> arguments reproduce it).</param>
/// <param name="Outcome">The kind of failure.</param>
/// <param name="Stage">Where it happened: <c>load</c> or <c>predict</c>.</param>
/// <param name="ExceptionType">The exception's type (empty for hangs).</param>
/// <param name="Message">The exception's message, or what went wrong.</param>
/// <param name="Where">The innermost stack frames.</param>
public sealed record FuzzFailure(Mutant Mutant, Outcome Outcome, string Stage, string ExceptionType, string Message, string Where)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Outcome} in {Stage}: {Mutant}\n    {ExceptionType}: {Message}\n    at {Where}\n    replay: dotnet run -c Release --project eng/fuzz -- {Mutant.Replay}";
}

/// <summary>Totals of a run.</summary>
public sealed class FuzzReport
{
    internal Dictionary<string, long[]> Categories { get; } = new(StringComparer.Ordinal);

    /// <summary>Mutants run.</summary>
    public long Tried { get; internal set; }

    /// <summary>Mutants that loaded.</summary>
    public long Loaded { get; internal set; }

    /// <summary>Of the loaded models, those whose one prediction ran.</summary>
    public long Predicted { get; internal set; }

    /// <summary>Of the loaded models, those whose prediction was refused with an argument/state exception.</summary>
    public long PredictRefused { get; internal set; }

    /// <summary>Mutants refused with a <see cref="KerasFileException"/> naming the file, part and problem.</summary>
    public long Rejected { get; internal set; }

    /// <summary>Loaded models whose prediction failed with an exception Keras.Net did not raise itself.</summary>
    public long PredictErrors { get; internal set; }

    /// <summary>Mutants on which another exception escaped.</summary>
    public long Crashes { get; internal set; }

    /// <summary>Mutants that exceeded the time limit.</summary>
    public long Hangs { get; internal set; }

    /// <summary>Rejections that did not name the file, part or problem.</summary>
    public long Misnamed { get; internal set; }

    /// <summary>Mutants that allocated more than the limit.</summary>
    public long Overallocations { get; internal set; }

    /// <summary>The largest managed allocation of one mutant, and which.</summary>
    public (long Bytes, string Mutant) LargestAllocation { get; internal set; }

    /// <summary>The slowest mutant and its time.</summary>
    public (TimeSpan Time, string Mutant) Slowest { get; internal set; }

    /// <summary>Wall time of the run.</summary>
    public TimeSpan Elapsed { get; internal set; }

    /// <summary>The first few predictions that were refused (what the loaded model could not run).</summary>
    public List<string> PredictRefusals { get; } = [];

    /// <summary>The first failures (up to <see cref="FuzzOptions.KeepFailures"/>).</summary>
    public List<FuzzFailure> Failures { get; } = [];

    /// <summary>All defects: crashes, hangs, misnamed rejections and over-allocations.</summary>
    public long Defects => Crashes + Hangs + Misnamed + Overallocations;

    /// <summary>Per category (format/loader): tried, loaded, rejected.</summary>
    public IReadOnlyDictionary<string, (long Tried, long Loaded, long Rejected)> ByCategory =>
        Categories.ToDictionary(kv => kv.Key, kv => (kv.Value[0], kv.Value[1], kv.Value[2]), StringComparer.Ordinal);

    /// <summary>The totals as text.</summary>
    public string Summary()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"mutants tried:        {Tried}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"clean rejections:     {Rejected}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"successes:            {Loaded} (predicted {Predicted}, prediction refused cleanly {PredictRefused})");
        sb.AppendLine(CultureInfo.InvariantCulture, $"crashes:              {Crashes}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"prediction errors:    {PredictErrors} (a loaded model's Predict failed inside libtorch/.NET: layer or back-end defects, listed below)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"hangs:                {Hangs}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"misnamed rejections:  {Misnamed}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"over-allocations:     {Overallocations}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"largest allocation:   {LargestAllocation.Bytes / 1048576.0:F1} MiB ({LargestAllocation.Mutant})");
        sb.AppendLine(CultureInfo.InvariantCulture, $"slowest mutant:       {Slowest.Time.TotalSeconds:F2} s ({Slowest.Mutant})");
        sb.AppendLine(CultureInfo.InvariantCulture, $"elapsed:              {Elapsed.TotalSeconds:F1} s");
        sb.AppendLine("per category (tried / loaded / rejected):");
        foreach (var (k, v) in Categories.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {k,-26} {v[0],7} {v[1],7} {v[2],7}");
        if (PredictRefusals.Count > 0)
        {
            sb.AppendLine("first prediction refusals (clean):");
            foreach (var r in PredictRefusals) sb.AppendLine("  " + r);
        }
        if (Failures.Count > 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"first {Failures.Count} failure(s):");
            foreach (var f in Failures) sb.AppendLine(f.ToString());
        }
        return sb.ToString();
    }
}

/// <summary>
/// Runs mutants through the loaders on a worker thread under a watchdog: each mutant is written to a scratch
/// file (or SavedModel folder), handed to the public API a user would call, and classified. A mutant that
/// overruns the time limit is a hang; its worker is abandoned and a fresh one takes over.
/// </summary>
public sealed class FuzzRunner : IDisposable
{
    private readonly Corpus _corpus;
    private readonly Mutator _mutator;
    private readonly FuzzOptions _options;
    private readonly string _scratch;
    private Worker _worker;

    /// <summary>Creates a runner writing mutants under <paramref name="scratch"/>.</summary>
    public FuzzRunner(Corpus corpus, string scratch, FuzzOptions options)
    {
        _corpus = corpus;
        _options = options;
        _scratch = Path.Combine(scratch, "mutants");
        Directory.CreateDirectory(_scratch);
        _mutator = new Mutator(corpus, options.Seed);
        _worker = new Worker();
    }

    /// <summary>The mutator (to inspect a mutant without running it).</summary>
    public Mutator Mutator => _mutator;

    /// <summary>Runs the configured mutants.</summary>
    public FuzzReport Run()
    {
        var report = new FuzzReport();
        var clock = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        IEnumerable<long> indices = _options.Replay ?? LongRange(_options.Start, _options.Mutants);
        foreach (var index in indices)
        {
            var mutant = _mutator.Create(index);
            var result = RunOne(mutant);
            Record(report, mutant, result);
            if (_options.Progress is { } progress && clock.Elapsed - lastProgress >= _options.ProgressEvery)
            {
                lastProgress = clock.Elapsed;
                progress(string.Create(CultureInfo.InvariantCulture,
                    $"[{clock.Elapsed.TotalSeconds,6:F0} s] {report.Tried} tried, {report.Rejected} rejected, {report.Loaded} loaded, {report.Defects} defect(s); " +
                    $"managed heap {GC.GetTotalMemory(false) >> 20} MiB, process {Environment.WorkingSet >> 20} MiB"));
            }
        }
        report.Elapsed = clock.Elapsed;
        return report;
    }

    private static IEnumerable<long> LongRange(long start, long count)
    {
        for (long i = 0; i < count; i++) yield return start + i;
    }

    /// <summary>
    /// Runs every corpus entry unmutated: each must load (a seed that fails would make its mutants test nothing).
    /// Returns the entries that did not load, with what happened.
    /// </summary>
    public IReadOnlyList<(CorpusEntry Entry, Result Result)> CheckSeeds()
    {
        var failed = new List<(CorpusEntry, Result)>();
        for (int i = 0; i < _corpus.Entries.Count; i++)
        {
            var entry = _corpus.Entries[i];
            var seed = entry.Format == FileFormat.SavedModel
                ? new Mutant(_options.Seed, -1 - i, entry, "none", "the seed itself", null, new Dictionary<string, byte[]?>(), false, false)
                : new Mutant(_options.Seed, -1 - i, entry, "none", "the seed itself", File.ReadAllBytes(entry.Path), null, false, false);
            var result = RunOne(seed);
            if (result.Outcome != (entry.ExpectRejected ? Outcome.Rejected : Outcome.Loaded)) failed.Add((entry, result));
        }
        return failed;
    }

    /// <summary>The result of one mutant.</summary>
    public sealed record Result(Outcome Outcome, string Stage, Exception? Error, string Note, bool Predicted, bool PredictRefused, long AllocatedBytes, TimeSpan Time);

    /// <summary>Runs one mutant.</summary>
    public Result RunOne(Mutant mutant)
    {
        if (_options.JournalPath is { } journal) File.WriteAllText(journal, mutant + Environment.NewLine + mutant.Replay + Environment.NewLine);
        var path = Materialize(mutant);
        var job = new Job(mutant, path, _options);
        var clock = Stopwatch.StartNew();
        _worker.Post(job);
        Result result;
        bool finished = job.Done.Wait(_options.Timeout);
        if (finished)
        {
            result = job.Result! with { Time = clock.Elapsed };
            if (result.Outcome is Outcome.Loaded or Outcome.Rejected && result.AllocatedBytes > _options.MaxAllocatedBytes)
                result = result with { Outcome = Outcome.Overallocation, Note = $"allocated {result.AllocatedBytes / 1048576} MiB on the loading thread" };
        }
        else
        {
            // The worker is stuck: leave it (a background thread) and its cached models, start a fresh one.
            _worker.Abandon();
            _worker = new Worker();
            result = new Result(Outcome.Hang, "load", null, $"still running after {_options.Timeout.TotalSeconds:F0} s", false, false, 0, clock.Elapsed);
        }
        if (result.Outcome is not (Outcome.Loaded or Outcome.Rejected) && _options.KeepFailingMutantsIn is { } keep) Keep(mutant, path, keep);
        if (finished) Remove(path);
        return result;
    }

    private void Record(FuzzReport report, Mutant mutant, Result result)
    {
        report.Tried++;
        if (!report.Categories.TryGetValue(mutant.Source.Category, out var counts)) report.Categories[mutant.Source.Category] = counts = new long[3];
        counts[0]++;
        switch (result.Outcome)
        {
            case Outcome.Loaded:
                report.Loaded++;
                counts[1]++;
                if (result.Predicted) report.Predicted++;
                if (result.PredictRefused)
                {
                    report.PredictRefused++;
                    if (report.PredictRefusals.Count < 5) report.PredictRefusals.Add($"{mutant}: {result.Error?.GetType().Name}: {FirstLine(result.Error?.Message ?? "")}");
                }
                break;
            case Outcome.Rejected:
                report.Rejected++;
                counts[2]++;
                break;
            case Outcome.Crash:
                report.Crashes++;
                break;
            case Outcome.PredictError:
                report.PredictErrors++;
                counts[1]++;
                break;
            case Outcome.Hang:
                report.Hangs++;
                break;
            case Outcome.Misnamed:
                report.Misnamed++;
                break;
            case Outcome.Overallocation:
                report.Overallocations++;
                break;
        }
        if (result.AllocatedBytes > report.LargestAllocation.Bytes) report.LargestAllocation = (result.AllocatedBytes, mutant.ToString());
        if (result.Time > report.Slowest.Time) report.Slowest = (result.Time, mutant.ToString());
        if (result.Outcome is Outcome.Loaded or Outcome.Rejected) return;
        var e = result.Error;
        var failure = new FuzzFailure(mutant, result.Outcome, result.Stage, e?.GetType().FullName ?? "",
            e is null ? result.Note : FirstLine(e.Message) + (result.Note.Length > 0 ? $" ({result.Note})" : ""), Frames(e));
        _options.OnFailure?.Invoke(failure);
        if (report.Failures.Count < _options.KeepFailures) report.Failures.Add(failure);
    }

    private static string FirstLine(string s)
    {
        var line = s.Split('\n')[0];
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    private static string Frames(Exception? e)
    {
        if (e is null) return "(no stack)";
        var inner = e;
        while (inner.InnerException is not null && inner is not KerasFileException) inner = inner.InnerException;
        // The innermost frames, and the innermost frame in Keras.Net (where a fix would go).
        var frames = (inner.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Trim()).ToList();
        var shown = frames.Take(3).ToList();
        if (frames.Skip(3).FirstOrDefault(f => f.StartsWith("at Keras.", StringComparison.Ordinal)) is { } ours) shown.Add("… " + ours);
        return string.Join(" | ", shown);
    }

    // ------------------------------------------------------------------ files

    private string Materialize(Mutant mutant)
    {
        var name = Path.Combine(_scratch, mutant.Index >= 0 ? $"m{mutant.Index.ToString(CultureInfo.InvariantCulture)}" : $"seed{-mutant.Index}");
        if (mutant.FolderChanges is { } changes)
        {
            CopyFolder(mutant.Source.Path, name);
            foreach (var (relative, bytes) in changes)
            {
                var target = Path.Combine(name, relative);
                if (bytes is null) File.Delete(target);
                else File.WriteAllBytes(target, bytes);
            }
            return name;
        }
        var path = name + mutant.Source.Extension;
        File.WriteAllBytes(path, mutant.Bytes!);
        return path;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private static void Remove(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
        catch (IOException)
        {
            // A scratch file that cannot be removed now is removed with the scratch folder.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
    }

    private static void Keep(Mutant mutant, string path, string folder)
    {
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, Path.GetFileName(path));
        if (Directory.Exists(path)) CopyFolder(path, target);
        else if (File.Exists(path)) File.Copy(path, target, overwrite: true);
    }

    /// <inheritdoc />
    public void Dispose() => _worker.Abandon();

    // ------------------------------------------------------------------ worker

    private sealed class Job(Mutant mutant, string path, FuzzOptions options)
    {
        public Mutant Mutant { get; } = mutant;
        public string Path { get; } = path;
        public FuzzOptions Options { get; } = options;
        public ManualResetEventSlim Done { get; } = new();
        public Result? Result { get; set; }
    }

    private sealed class Worker
    {
        private readonly BlockingCollection<Job> _jobs = new();
        private readonly Dictionary<string, Model> _targets = new(StringComparer.Ordinal);

        public Worker()
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = "fuzz worker" };
            thread.Start();
        }

        public void Post(Job job) => _jobs.Add(job);

        public void Abandon() => _jobs.CompleteAdding();

        private void Loop()
        {
            foreach (var job in _jobs.GetConsumingEnumerable())
            {
                job.Result = Targets.Execute(job.Mutant, job.Path, job.Options.Predict, _targets);
                job.Done.Set();
            }
            foreach (var model in _targets.Values) model.Dispose();
        }
    }
}
