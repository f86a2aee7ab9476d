// Saves a ~6 MB model in a loop through one writer until it is killed, so a test can kill it mid-save and check
// that the target file is always complete. Usage: SaveChild <mode> <target> <first version> [max seconds]
// Modes: keras, h5, weights, legacy-weights, checkpoint, checkpoint-weights, backup (see SaveWorkload.Modes).
// Prints "ready" before the first save and "saved <version> <milliseconds since the previous line>" after each save
// returns. Stops by itself after max seconds (default 120) or when its standard input closes, so a crashed test
// leaves no process behind.
using System.Diagnostics;
using System.Globalization;
using Keras.Backend;
using Keras.SaveChild;

if (args.Length is < 3 or > 4 || !SaveWorkload.Modes.ContainsKey(args[0])
    || !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var firstVersion) || firstVersion >= SaveWorkload.VersionCount
    || (args.Length == 4 && (!int.TryParse(args[3], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1)))
{
    Console.Error.WriteLine($"usage: SaveChild <{string.Join("|", SaveWorkload.Modes.Keys)}> <target> <first version 0..{SaveWorkload.VersionCount - 1}> [max seconds >= 1]");
    return 2;
}
var (mode, target) = (args[0], args[1]);
var maxSeconds = args.Length == 4 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 120;

// Stop between saves (exiting from another thread while libtorch is in use crashes its shutdown).
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(maxSeconds));
var watchdog = new Thread(() =>
{
    try
    {
        // The parent holds our standard input open; end-of-file means it is gone.
        while (Console.In.Read() >= 0) { }
    }
    catch (IOException)
    {
    }
    stop.Cancel();
}) { IsBackground = true };
watchdog.Start();

// One thread: the test runs children while other work shares the cores.
KerasBackend.SetNumThreads(1);
using var model = SaveWorkload.Build();
var versions = SaveWorkload.Versions(model);
Console.WriteLine("ready");
var clock = Stopwatch.StartNew();
SaveWorkload.Run(model, versions, mode, target, firstVersion, maxSaves: 1_000_000, stop: stop.Token, saved: v =>
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"saved {v} {clock.Elapsed.TotalMilliseconds:F1}"));
    clock.Restart();
});
return stop.IsCancellationRequested ? 3 : 0;
