using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Keras.Models;
using Keras.SaveChild;
using Keras.Saving;

namespace Keras.Net.Tests.Saving;

/// <summary>
/// Kills eng/SaveChild (built with this project) at random points while it saves a ~6 MB model in a loop through
/// one writer, and checks after every kill that the target still loads and holds exactly one complete weight
/// version: the last one the child reported saved, or the one it was saving (if the rename had happened).
/// </summary>
[TestClass]
public sealed class AtomicWriteKillTests
{
    private const int KillsPerMode = 8; // 7 writers → 56 kills
    private const int Seed = 6_04_2024;
    private const int SavesPerWindow = 4;
    private static readonly TimeSpan ChildStartLimit = TimeSpan.FromSeconds(60);

    // Keras.Net work in this process (building, saving, loading) runs one lane at a time; the children run in parallel.
    private static readonly Lock InProcess = new();

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void KilledAtRandomPointsWhileSaving_TargetAlwaysLoadsAsOneCompleteVersion()
    {
        var clock = Stopwatch.StartNew();
        var root = SavingFiles.NewFolder("kill");
        var results = new ConcurrentBag<ModeResult>();
        try
        {
            var modes = SaveWorkload.Modes.Keys.Order(StringComparer.Ordinal).ToArray();
            // Two lanes: a child spends most of its life starting up on one core.
            Parallel.For(0, modes.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 },
                i => results.Add(RunMode(modes[i], Seed + i, Path.Combine(root, modes[i]))));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        var all = results.OrderBy(r => r.Mode, StringComparer.Ordinal).ToArray();
        foreach (var r in all)
        {
            TestContext.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Mode,-19} kills {r.Kills,2}  intact {r.Intact,2}  mid-write {r.MidWrite,2}  saves completed {r.Saves,4}  median save {r.MedianSaveMs,4:F0} ms  {r.Seconds,5:F1} s"));
        }
        int kills = all.Sum(r => r.Kills), intact = all.Sum(r => r.Intact), midWrite = all.Sum(r => r.MidWrite);
        TestContext.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"total: {kills} kills, {intact} intact, {midWrite} landed while a temporary file was open, {all.Sum(r => r.Saves)} saves completed, {clock.Elapsed.TotalSeconds:F1} s"));

        var problems = all.SelectMany(r => r.Problems.Select(p => $"{r.Mode}: {p}")).ToArray();
        Assert.IsEmpty(problems, string.Join("\n", problems));
        Assert.AreEqual(SaveWorkload.Modes.Count * KillsPerMode, kills);
        Assert.AreEqual(kills, intact, "every kill leaves a complete, loadable file");
        // Kills must also hit the dangerous window (file open, not yet renamed), or the test proves nothing.
        Assert.IsGreaterThan(0, midWrite, "no kill landed during a write");
    }

    private sealed record ModeResult(string Mode, int Kills, int Intact, int MidWrite, int Saves, double MedianSaveMs, double Seconds, List<string> Problems);

    private ModeResult RunMode(string mode, int seed, string folder)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, SaveWorkload.Modes[mode]);
        var file = SaveWorkload.WeightsFile(mode, target);
        var random = new Random(seed);
        // Kills fall anywhere in the child's first few saves (start-up excluded). A save's duration depends on the
        // writer and the machine's load, so it is measured from the children's reports as the test goes.
        var intervals = new List<double> { mode.StartsWith("checkpoint", StringComparison.Ordinal) || mode == "backup" ? 300 : 100 };
        var problems = new List<string>();
        int kills = 0, intact = 0, midWrite = 0, saves = 0;

        Sequential model;
        Keras.Data.HostArray[][] versions;
        lock (InProcess)
        {
            model = SaveWorkload.Build();
            versions = SaveWorkload.Versions(model);
            SaveWorkload.Run(model, versions, mode, target, firstVersion: 0, maxSaves: 1, saved: _ => { });
        }
        try
        {
            int current = Check(mode, target, file, model, allowed: [0], problems) ?? 0;
            for (int k = 0; k < KillsPerMode && problems.Count == 0; k++)
            {
                double perSaveMs = intervals.Order().ElementAt(intervals.Count / 2);
                var (reported, leftTemp) = KillChild(mode, target, folder, (current + 1) % SaveWorkload.VersionCount,
                    random.NextDouble() * SavesPerWindow * perSaveMs, intervals, problems);
                if (problems.Count > 0) break;
                kills++;
                saves += reported.Count;
                if (leftTemp) midWrite++;
                // The child saves current+1, current+2, … : the file holds its last reported version, or the next if the
                // rename finished before the kill stopped the report.
                int last = reported.Count > 0 ? reported[^1] : current;
                var found = Check(mode, target, file, model, allowed: [last, (last + 1) % SaveWorkload.VersionCount], problems);
                if (found is not int v) break;
                intact++;
                current = v;
            }

            if (problems.Count == 0) CheckStaleTemporaryFilesAreRemoved(mode, target, folder, model, versions, current, problems);
        }
        finally
        {
            lock (InProcess) model.Dispose();
        }
        return new ModeResult(mode, kills, intact, midWrite, saves, intervals.Order().ElementAt(intervals.Count / 2), clock.Elapsed.TotalSeconds, problems);
    }

    // Starts a child, waits until it is about to save, lets it run for delayMs, kills it; returns the versions it reported
    // saved and whether it left a temporary file (killed between creating it and the rename). Adds the durations of its
    // saves to `intervals`.
    private static (List<int> Reported, bool LeftTemp) KillChild(string mode, string target, string folder, int firstVersion, double delayMs,
        List<double> intervals, List<string> problems)
    {
        var before = TempFiles(folder);
        using var lines = new BlockingCollection<string>();
        var stderr = new ConcurrentQueue<string>();
        using var child = StartChild(mode, target, firstVersion);
        child.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Add(e.Data); };
        child.ErrorDataReceived += (_, e) => { if (e.Data is not null) stderr.Enqueue(e.Data); };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        try
        {
            if (!lines.TryTake(out var first, ChildStartLimit) || first != "ready")
            {
                problems.Add($"the child did not start (first line '{first}'): {string.Join("\n", stderr)}");
                return ([], false);
            }
            Thread.Sleep(TimeSpan.FromMilliseconds(delayMs));
            if (child.HasExited)
            {
                problems.Add($"the child exited by itself with code {child.ExitCode}: {string.Join("\n", stderr)}");
                return ([], false);
            }
        }
        finally
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit(); // also waits for the output readers to reach the end
        }

        var reported = new List<int>();
        while (lines.TryTake(out var line))
        {
            // "saved <version> <ms since the previous line>"
            var parts = line.Split(' ');
            if (parts is not ["saved", var version, var ms]) continue;
            reported.Add(int.Parse(version, CultureInfo.InvariantCulture));
            intervals.Add(double.Parse(ms, CultureInfo.InvariantCulture));
        }
        return (reported, TempFiles(folder).Except(before).Any());
    }

    private static Process StartChild(string mode, string target, int firstVersion)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "SaveChild.dll");
        Assert.IsTrue(File.Exists(dll), $"{dll} missing: Keras.Net.Tests references eng/SaveChild so it is built alongside");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true, // the child exits when this closes, so a crashed test leaves no child behind
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var a in new[] { dll, mode, target, firstVersion.ToString(CultureInfo.InvariantCulture), "60" }) start.ArgumentList.Add(a);
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}");
    }

    // Loads the target as a user would and returns its version if it is one of `allowed`; otherwise records why not.
    private static int? Check(string mode, string target, string file, Sequential model, int[] allowed, List<string> problems)
    {
        if (!File.Exists(file))
        {
            problems.Add($"{file} is missing");
            return null;
        }
        int? version;
        string problem;
        lock (InProcess)
        {
            try
            {
                if (mode is "keras" or "h5" or "checkpoint")
                {
                    using var loaded = Model.Load(file, compile: false);
                    version = SaveWorkload.Match(loaded, out problem);
                }
                else
                {
                    model.LoadWeights(file);
                    version = SaveWorkload.Match(model, out problem);
                }
                if (mode == "backup") CheckBackupMetadata(target);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or FormatException)
            {
                problems.Add($"{file} does not load: {e.GetType().Name}: {e.Message}");
                return null;
            }
        }
        if (version is not int v)
        {
            problems.Add($"{file} holds no complete version: {problem}");
            return null;
        }
        if (!allowed.Contains(v))
        {
            problems.Add($"{file} holds version {v}, expected one of {string.Join(", ", allowed)}");
            return null;
        }
        return v;
    }

    private static void CheckBackupMetadata(string backupDir)
    {
        var path = Path.Combine(backupDir, "training_metadata.json");
        var state = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new FormatException($"{path} is not a JSON object");
        if (state["epoch"] is not JsonValue epoch || !epoch.TryGetValue<int>(out var e) || e < 0)
            throw new FormatException($"{path} has no valid epoch: {state.ToJsonString()}");
    }

    // Temporary files the kills left behind are removed by the next completed save once they are stale.
    private static void CheckStaleTemporaryFilesAreRemoved(string mode, string target, string folder, Sequential model,
        Keras.Data.HostArray[][] versions, int current, List<string> problems)
    {
        var aged = DateTime.UtcNow - AtomicFile.StaleAge - TimeSpan.FromMinutes(1);
        foreach (var temp in TempFiles(folder)) File.SetLastWriteTimeUtc(Path.Combine(folder, temp), aged);
        lock (InProcess) SaveWorkload.Run(model, versions, mode, target, (current + 1) % SaveWorkload.VersionCount, maxSaves: 1, saved: _ => { });
        var left = TempFiles(folder);
        if (left.Count > 0) problems.Add($"stale temporary files survived a save: {string.Join(", ", left)}");
        Check(mode, target, SaveWorkload.WeightsFile(mode, target), model, allowed: [(current + 1) % SaveWorkload.VersionCount], problems);
    }

    private static readonly string[] TargetNames = [.. SaveWorkload.Modes.Values, "latest.weights.h5", "training_metadata.json"];

    // Temporary files of the writers' targets under the folder (the backup folder holds two targets).
    private static HashSet<string> TempFiles(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => TargetNames.Any(t => AtomicFile.IsTempOf(Path.GetFileName(f), t)))
            .Select(f => Path.GetRelativePath(folder, f))
            .ToHashSet(StringComparer.Ordinal);

    // The muxer that runs this test process: DOTNET_HOST_PATH when the CLI set it, else <root>/dotnet next
    // to <root>/shared/Microsoft.NETCore.App/<version>/.
    private static string DotnetHost()
    {
        var fromCli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromCli) && File.Exists(fromCli)) return fromCli;
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        Assert.IsTrue(File.Exists(host), $"dotnet host not found at {host}");
        return host;
    }
}
