using System.Globalization;
using System.Text;

namespace Keras.Bench;

/// <summary>Small statistics helpers.</summary>
internal static class Stats
{
    public static double Median(IEnumerable<double> values) => Percentile(values, 50);

    /// <summary>Nearest-rank percentile (p in 0..100); NaN for no values.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var v = values.Where(x => !double.IsNaN(x)).Order().ToArray();
        if (v.Length == 0) return double.NaN;
        if (p >= 100) return v[^1];
        if (Math.Abs(p - 50) < 1e-9)
            return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
        int rank = (int)Math.Ceiling(p / 100.0 * v.Length);
        return v[Math.Clamp(rank - 1, 0, v.Length - 1)];
    }

    public static string F(double v, string format = "F2") =>
        double.IsNaN(v) || double.IsInfinity(v) ? "n/a" : v.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>Facts about this process and machine: load, memory, CPU time.</summary>
internal static class Machine
{
    /// <summary>The 1-minute load average, or NaN where /proc/loadavg is missing.</summary>
    public static double LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }

    /// <summary>A field of /proc/self/status in MiB (VmRSS: resident now; VmHWM: peak resident), or NaN.</summary>
    public static double StatusMiB(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
                var kb = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return double.Parse(kb, CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return double.NaN;
    }

    public static double RssMiB() => StatusMiB("VmRSS");

    public static double PeakRssMiB() => StatusMiB("VmHWM");

    public static double CpuSeconds() => Environment.CpuUsage.TotalTime.TotalSeconds;

    public static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown CPU";
        }
    }

    /// <summary>Collects garbage (and runs TorchSharp finalizers) so one side's leftovers are not paid by the other.</summary>
    public static void Quiesce()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}

/// <summary>
/// How much CPU other processes took: the machine's busy time from /proc/stat minus this suite's own (this process,
/// its finished children, and the live helper processes it tracks), as a share of all CPUs over the interval. The
/// load average cannot tell this: the suite's own threads are part of it.
/// </summary>
internal static class ForeignCpu
{
    private static readonly HashSet<int> s_tracked = [];
    private static (double Busy, double Own, double Wall)? s_last;

    /// <summary>Counts a live helper process (PyTorch worker, MKL worker) as the suite's own.</summary>
    public static void Track(int pid)
    {
        lock (s_tracked) s_tracked.Add(pid);
    }

    public static void Untrack(int pid)
    {
        lock (s_tracked) s_tracked.Remove(pid);
    }

    /// <summary>The share (0..1) of all CPUs other processes used since the previous call; NaN on the first call or without /proc.</summary>
    public static double Sample()
    {
        var now = Read();
        if (now is null) return double.NaN;
        var last = s_last;
        s_last = now;
        if (last is null) return double.NaN;
        double wall = now.Value.Wall - last.Value.Wall;
        if (wall <= 0.05) return double.NaN;
        double foreign = (now.Value.Busy - last.Value.Busy) - (now.Value.Own - last.Value.Own);
        return Math.Clamp(foreign / (wall * Environment.ProcessorCount), 0, 1);
    }

    private static (double Busy, double Own, double Wall)? Read()
    {
        try
        {
            const double hz = 100; // USER_HZ: the unit of /proc/stat and /proc/<pid>/stat on Linux
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // user nice system idle iowait irq softirq steal: all but idle and iowait are busy (steal: the hypervisor's other guests)
            double busy = new[] { 1, 2, 3, 6, 7, 8 }.Sum(i => double.Parse(cpu[i], CultureInfo.InvariantCulture)) / hz;
            double own = ProcessTicks("self", includeChildren: true) / hz;
            int[] tracked;
            lock (s_tracked) tracked = [.. s_tracked];
            foreach (var pid in tracked) own += ProcessTicks(pid.ToString(CultureInfo.InvariantCulture), includeChildren: false) / hz;
            return (busy, own, Environment.TickCount64 / 1000.0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }

    // utime + stime (+ cutime + cstime: children already waited for) from /proc/<pid>/stat; 0 when the process is gone.
    private static double ProcessTicks(string pid, bool includeChildren)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        var f = text[(text.LastIndexOf(')') + 2)..].Split(' '); // fields after "(comm)", starting at field 3 (state)
        double ticks = double.Parse(f[11], CultureInfo.InvariantCulture) + double.Parse(f[12], CultureInfo.InvariantCulture);
        if (includeChildren) ticks += double.Parse(f[13], CultureInfo.InvariantCulture) + double.Parse(f[14], CultureInfo.InvariantCulture);
        return ticks;
    }
}

/// <summary>A titled table of the report.</summary>
internal sealed class Table(string title, string[] header)
{
    private readonly List<string[]> _rows = [];

    public bool IsEmpty => _rows.Count == 0;

    public void Add(params string[] cells) =>
        _rows.Add(cells.Length == header.Length ? cells : throw new ArgumentException($"Table '{title}' has {header.Length} columns; got {cells.Length} cells."));

    public void Print(TextWriter w)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, _rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        string Line(string[] cells) =>
            "| " + string.Join(" | ", cells.Select((c, i) => i < 2 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))) + " |";
        w.WriteLine(title);
        w.WriteLine();
        w.WriteLine(Line(header));
        w.WriteLine("|" + string.Join("|", widths.Select((n, i) => i < 2 ? new string('-', n + 2) : new string('-', n + 1) + ":")) + "|");
        foreach (var r in _rows) w.WriteLine(Line(r));
        w.WriteLine();
    }
}

/// <summary>The suite's output: tables for people and <c>key=value</c> lines for scripts.</summary>
internal sealed class Report
{
    private readonly List<Table> _tables = [];
    private readonly List<(string Key, string Value)> _values = [];
    private readonly List<string> _notes = [];
    private readonly List<double> _loads = [];
    private readonly List<double> _foreign = [];

    public Report() =>
        Main = NewTable("Keras.Net vs hand-written TorchSharp (and PyTorch), measured side by side in this run",
            ["part", "metric", "Keras.Net", "TorchSharp", "PyTorch", "Keras/TorchSharp", "Keras/PyTorch", "target"]);

    /// <summary>The main comparison table.</summary>
    public Table Main { get; }

    public Table NewTable(string title, string[] header)
    {
        var t = new Table(title, header);
        _tables.Add(t);
        return t;
    }

    public void Value(string key, double value, string format = "F2") => _values.Add((key, Stats.F(value, format)));

    public void Value(string key, string value) => _values.Add((key, value));

    public void Note(string note) => _notes.Add(note);

    /// <summary>
    /// Records the load average and the CPU share other processes took since the previous checkpoint (the warning
    /// uses them); returns both for progress lines.
    /// </summary>
    public string Checkpoint()
    {
        var load = Machine.LoadAverage();
        if (!double.IsNaN(load)) _loads.Add(load);
        var foreign = ForeignCpu.Sample();
        if (!double.IsNaN(foreign)) _foreign.Add(foreign);
        return $"load {Stats.F(load)}, other processes {(double.IsNaN(foreign) ? "n/a" : $"{foreign * 100:F0}%")} CPU";
    }

    /// <summary>Busy when other processes took over 10% of the CPUs on average or over 30% in some interval.</summary>
    private static bool Busy(double mean, double max) => (!double.IsNaN(mean) && mean > 0.10) || (!double.IsNaN(max) && max > 0.30);

    public void Print(TextWriter w)
    {
        foreach (var t in _tables.Where(t => !t.IsEmpty)) t.Print(w);
        foreach (var n in _notes) w.WriteLine(n);

        double worst = _loads.DefaultIfEmpty(double.NaN).Max();
        double foreignMean = _foreign.Count == 0 ? double.NaN : _foreign.Average();
        double foreignMax = _foreign.DefaultIfEmpty(double.NaN).Max();
        bool busy = Busy(foreignMean, foreignMax);
        w.WriteLine($"machine during the run: load average {Stats.F(_loads.DefaultIfEmpty(double.NaN).Min())}..{Stats.F(worst)} on {Environment.ProcessorCount} CPUs " +
            $"(the suite's own threads count too); other processes took {Stats.F(foreignMean * 100, "F0")}% of the CPUs on average, {Stats.F(foreignMax * 100, "F0")}% at most");
        if (busy)
        {
            w.WriteLine("WARNING: other processes competed for the cores during this run. Ratios come from interleaved segments and are more " +
                "robust than the absolute figures, but rerun on a quiet machine before quoting them.");
        }

        w.WriteLine();
        var sb = new StringBuilder();
        foreach (var (k, v) in _values) sb.Append(k).Append('=').Append(v).AppendLine();
        sb.Append("load_average_max=").Append(Stats.F(worst)).AppendLine();
        sb.Append("foreign_cpu_mean=").Append(Stats.F(foreignMean, "F3")).AppendLine();
        sb.Append("foreign_cpu_max=").Append(Stats.F(foreignMax, "F3")).AppendLine();
        sb.Append("busy=").Append(busy ? "1" : "0").AppendLine();
        w.Write(sb.ToString());
    }
}
