using System.Globalization;
using Keras.Fuzz;

// Mutation fuzzer over every Keras.Net loader; see README.md.
var mutants = 20000L;
var seed = 1;
var start = 0L;
var timeout = 10.0;
var predict = true;
var keep = 10;
string? fixtures = null;
string? keepFailing = null;
var checkSeeds = true;
List<long>? replay = null;
for (int i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--mutants":
            mutants = long.Parse(Value(), CultureInfo.InvariantCulture);
            break;
        case "--seed":
            seed = int.Parse(Value(), CultureInfo.InvariantCulture);
            break;
        case "--start":
            start = long.Parse(Value(), CultureInfo.InvariantCulture);
            break;
        case "--replay":
            replay = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToList();
            break;
        case "--timeout":
            timeout = double.Parse(Value(), CultureInfo.InvariantCulture);
            break;
        case "--no-predict":
            predict = false;
            break;
        case "--show":
            keep = int.Parse(Value(), CultureInfo.InvariantCulture);
            break;
        case "--no-seed-check":
            checkSeeds = false;
            break;
        case "--fixtures":
            fixtures = Value();
            break;
        case "--keep-failing":
            keepFailing = Value();
            break;
        case "-h":
        case "--help":
            Console.WriteLine("""
                Usage: dotnet run -c Release --project eng/fuzz -- [options]
                  --mutants N        mutants to try (default 20000)
                  --seed S           seed (default 1); mutant i of seed S is always the same input
                  --start K          first mutant index (default 0)
                  --replay i,j,...   run only these mutants (with their seed), printing each outcome
                  --timeout SECONDS  per-mutant limit before it counts as a hang (default 10)
                  --no-predict       do not run a prediction on models that load
                  --show N           failures printed with reproduction details (default 10)
                  --fixtures DIR     the shared fixtures (default: ../shared/fixtures next to the repository)
                  --keep-failing DIR copy every failing mutant file into DIR
                  --no-seed-check    skip loading every unmutated seed first
                Exit code: 0 when there are no crashes, hangs, misnamed rejections or over-allocations; 1 otherwise.
                """);
            return 0;
        default:
            Console.Error.WriteLine($"Unknown option '{args[i]}' (try --help).");
            return 2;
    }
}

fixtures ??= FindFixtures();
var scratch = Path.Combine(Path.GetTempPath(), $"keras-net-fuzz-{Environment.ProcessId}");
Directory.CreateDirectory(scratch);
try
{
    Console.WriteLine($"fixtures: {fixtures}");
    var corpus = Corpus.Build(fixtures, scratch);
    Console.WriteLine($"corpus: {corpus.Entries.Count} entries in {corpus.Categories.Count} categories; seed {seed}; " +
        (replay is null ? $"mutants {start}..{start + mutants - 1}" : $"replaying {string.Join(", ", replay)}"));
    var journal = Path.Combine(Path.GetTempPath(), $"keras-net-fuzz-{Environment.ProcessId}-current-mutant.txt");
    var options = new FuzzOptions
    {
        Seed = seed,
        Mutants = mutants,
        Start = start,
        Replay = replay,
        Timeout = TimeSpan.FromSeconds(timeout),
        Predict = predict,
        KeepFailures = keep,
        Progress = Console.WriteLine,
        OnFailure = f => Console.WriteLine(f),
        JournalPath = journal,
        KeepFailingMutantsIn = keepFailing,
    };
    Console.WriteLine($"(if the process dies, {journal} names the mutant it was running)");
    using var runner = new FuzzRunner(corpus, scratch, options);
    if (checkSeeds && replay is null)
    {
        var bad = runner.CheckSeeds();
        foreach (var (entry, r) in bad) Console.WriteLine($"seed {entry} does not load: {r.Outcome}: {r.Error?.Message ?? r.Note}");
        if (bad.Count > 0) return 1;
        Console.WriteLine($"all {corpus.Entries.Count} seeds load");
    }
    if (replay is not null)
    {
        foreach (var index in replay)
        {
            var mutant = runner.Mutator.Create(index);
            var r = runner.RunOne(mutant);
            Console.WriteLine($"{mutant}\n  → {r.Outcome} ({r.Stage}, {r.Time.TotalMilliseconds:F0} ms){(r.Note.Length > 0 ? ": " + r.Note : "")}");
            if (r.Error is not null) Console.WriteLine($"  {r.Error}");
        }
        return 0;
    }
    var report = runner.Run();
    Console.WriteLine(report.Summary());
    return report.Defects == 0 ? 0 : 1;
}
finally
{
    // Reached only when the process survives; a native crash leaves the journal naming the mutant.
    File.Delete(Path.Combine(Path.GetTempPath(), $"keras-net-fuzz-{Environment.ProcessId}-current-mutant.txt"));
    try
    {
        Directory.Delete(scratch, recursive: true);
    }
    catch (IOException)
    {
        // A hung worker may still hold a mutant; the temp folder is left behind then.
    }
}

// ../shared/fixtures next to the repository, found from the working folder or the binary.
static string FindFixtures()
{
    foreach (var from in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
    {
        for (var dir = from; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "Keras.Net.sln"))) return Path.GetFullPath(Path.Combine(dir, "..", "shared", "fixtures"));
        }
    }
    throw new DirectoryNotFoundException("Keras.Net.sln not found above the working folder; pass --fixtures.");
}
