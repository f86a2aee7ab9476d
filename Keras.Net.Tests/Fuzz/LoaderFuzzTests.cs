using Keras.Fuzz;
using Keras.Net.Tests.Saving;

namespace Keras.Net.Tests.Fuzz;

/// <summary>
/// The mutation fuzzer of <c>eng/fuzz</c> at CI size: every file type of every shared fixture and of Keras.Net's
/// own output, mutated (truncation, bit flips, range duplication/removal, wrong schema values), through the
/// public loaders. No mutant may crash a loader, hang, allocate without bound or be refused without naming
/// the file; some must load and some must be refused. The long run is
/// <c>dotnet run -c Release --project eng/fuzz -- --mutants 20000</c>.
/// </summary>
[TestClass]
public class LoaderFuzzTests
{
    private const int Seed = 20250607;
    private const int Mutants = 2000;

    private static string _scratch = "";
    private static Corpus? _corpus;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void BuildCorpus(TestContext _)
    {
        _scratch = SavingFiles.NewFolder("fuzz");
        _corpus = Corpus.Build(SavingFiles.Fixtures, _scratch);
    }

    [ClassCleanup]
    public static void RemoveScratch()
    {
        if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true);
    }

    private static Corpus Corpus => _corpus ?? throw new InvalidOperationException("The corpus was not built.");

    [TestMethod]
    public void TheCorpusCoversEveryFileTypeAndEverySeedLoads()
    {
        var formats = Corpus.Entries.Select(e => e.Format).ToHashSet();
        CollectionAssert.AreEquivalent(Enum.GetValues<FileFormat>(), formats.ToArray(), "every file format has seeds");
        var loaders = Corpus.Entries.Select(e => e.Loader).ToHashSet();
        CollectionAssert.AreEquivalent(Enum.GetValues<LoaderKind>(), loaders.ToArray(), "every loader has seeds");
        // Every shared fixture file a loader reads is a seed.
        foreach (var file in Directory.EnumerateFiles(SavingFiles.Fixtures, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(file);
            bool loaderFile = name.EndsWith(".h5", StringComparison.Ordinal) || name.EndsWith(".keras", StringComparison.Ordinal)
                || name.EndsWith(".npy", StringComparison.Ordinal) || name.EndsWith("_config.json", StringComparison.Ordinal);
            if (!loaderFile) continue;
            Assert.IsTrue(Corpus.Entries.Any(e => e.Path == file), $"{file} is not in the corpus");
        }
        Assert.IsTrue(Corpus.Entries.Count(e => e.Format == FileFormat.SavedModel) >= 5, "the SavedModel folders are seeds");
        Assert.IsTrue(Corpus.Entries.Count(e => e.Id.StartsWith("generated/", StringComparison.Ordinal)) >= 20, "files Keras.Net writes are seeds");

        using var runner = new FuzzRunner(Corpus, _scratch, new FuzzOptions { Seed = Seed });
        var failed = runner.CheckSeeds();
        Assert.AreEqual(0, failed.Count, "seeds that do not load as expected:\n" +
            string.Join("\n", failed.Select(f => $"{f.Entry}: {f.Result.Outcome}: {f.Result.Error?.Message ?? f.Result.Note}")));
    }

    [TestMethod]
    public void TwoThousandMutantsNeverCrashHangOrGoUnnamed()
    {
        using var runner = new FuzzRunner(Corpus, _scratch, new FuzzOptions
        {
            Seed = Seed,
            Mutants = Mutants,
            Timeout = TimeSpan.FromSeconds(10),
            KeepFailures = 20,
        });
        var report = runner.Run();
        TestContext.WriteLine(report.Summary());
        var summary = report.Summary();

        Assert.AreEqual(Mutants, report.Tried);
        Assert.AreEqual(0, report.Crashes, summary);
        Assert.AreEqual(0, report.Hangs, summary);
        Assert.AreEqual(0, report.Misnamed, summary);
        Assert.AreEqual(0, report.Overallocations, summary);
        Assert.AreEqual(0, report.PredictErrors, summary);
        Assert.IsTrue(report.Rejected > Mutants / 10, $"too few clean rejections: {report.Rejected}\n{summary}");
        Assert.IsTrue(report.Loaded > Mutants / 10, $"too few mutants load: {report.Loaded}\n{summary}");
        Assert.IsTrue(report.Predicted > 0, summary);
        // Every format and loader got its share, and in each some mutants were refused.
        foreach (var (category, counts) in report.ByCategory)
        {
            Assert.IsTrue(counts.Tried >= Mutants / report.ByCategory.Count, $"{category}: only {counts.Tried} mutants\n{summary}");
            Assert.IsTrue(counts.Rejected > 0, $"{category}: no mutant was refused\n{summary}");
        }
    }

    [TestMethod]
    public void MutantsAreReproducibleFromTheSeedAndIndex()
    {
        var a = new Mutator(Corpus, Seed);
        var b = new Mutator(Corpus, Seed);
        foreach (var index in new long[] { 0, 1, 17, 999, 123456 })
        {
            var x = a.Create(index);
            var y = b.Create(index);
            Assert.AreEqual(x.ToString(), y.ToString());
            if (x.Bytes is not null) CollectionAssert.AreEqual(x.Bytes, y.Bytes);
        }
        Assert.AreNotEqual(a.Create(5).ToString(), new Mutator(Corpus, Seed + 1).Create(5).ToString(), "another seed gives other mutants");
    }
}
