using System.Globalization;

namespace Keras.Bench;

/// <summary>Command-line options of the suite. See README.md.</summary>
internal sealed record Options
{
    public static readonly string[] AllParts = ["mlp", "cnn", "lstm", "predict", "coldstart", "memory", "mkl"];

    public const string Usage =
        "usage: dotnet run -c Release --project eng/bench -- [options]\n" +
        "  --only LIST         parts to run, comma-separated: " + "mlp,cnn,lstm,predict,coldstart,memory,mkl (default: all)\n" +
        "  --quick             small sizes for a fast check (about a minute)\n" +
        "  --threads N         libtorch (and PyTorch) intra-op threads on every side (default: logical CPU count)\n" +
        "  --pairs N           interleaved rounds per comparison (A B, then B A, ...; default 6, quick 3)\n" +
        "  --segment-ms N      target length of one timed training segment (default 400, quick 200)\n" +
        "  --batch N           training batch size (default 128)\n" +
        "  --samples N         MLP/CNN training samples (default 60000, quick 6000)\n" +
        "  --lstm-seq N        LSTM sequence length (default 80, quick 40)\n" +
        "  --lstm-vocab N      LSTM vocabulary size (default 20000)\n" +
        "  --lstm-units N      LSTM units and embedding size (default 128, quick 64)\n" +
        "  --predict-calls N   batch-1 Predict calls per timed block (default 300, quick 100)\n" +
        "  --coldstart-runs N  cold-start processes per side (default 5, quick 3)\n" +
        "  --memory-epochs N   epochs of the per-side memory runs (default 3, quick 2)\n" +
        "  --memory-steps N    training steps per epoch in the memory runs (MLP; CNN and LSTM a third; default 150, quick 40)\n" +
        "  --memory-runs N     processes per side in the memory part, medians reported (default 3, quick 1)\n" +
        "  --no-pytorch        skip the PyTorch side even when /usr/bin/python3 can import torch\n" +
        "  --python PATH       Python interpreter for the PyTorch side (default /usr/bin/python3)";

    public HashSet<string> Parts { get; init; } = [.. AllParts];

    public bool Quick { get; init; }

    public int Threads { get; init; } = Environment.ProcessorCount;

    public int Pairs { get; init; } = 6;

    public int SegmentMs { get; init; } = 400;

    public int Batch { get; init; } = 128;

    public int Samples { get; init; } = 60000;

    public int LstmSeq { get; init; } = 80;

    public int LstmVocab { get; init; } = 20000;

    public int LstmUnits { get; init; } = 128;

    public int PredictCalls { get; init; } = 300;

    public int ColdStartRuns { get; init; } = 5;

    public int MemoryEpochs { get; init; } = 3;

    public int MemorySteps { get; init; } = 150;

    /// <summary>Processes per side in the memory part (glibc's heap makes one run's peak vary by ±20%).</summary>
    public int MemoryRuns { get; init; } = 3;

    public bool PyTorch { get; init; } = true;

    public string Python { get; init; } = "/usr/bin/python3";

    public bool Help { get; init; }

    public bool Has(string part) => Parts.Contains(part);

    /// <summary>The arguments that reproduce these sizes in a child process of the suite.</summary>
    public IEnumerable<string> SizeArguments() =>
    [
        "--threads", Str(Threads), "--batch", Str(Batch), "--samples", Str(Samples), "--lstm-seq", Str(LstmSeq),
        "--lstm-vocab", Str(LstmVocab), "--lstm-units", Str(LstmUnits), "--memory-epochs", Str(MemoryEpochs),
        "--memory-steps", Str(MemorySteps), "--segment-ms", Str(SegmentMs),
    ];

    private static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <exception cref="ArgumentException">An unknown option or a bad value; the message names it.</exception>
    public static Options Parse(IReadOnlyList<string> args)
    {
        // --quick first, so explicit sizes given with it still win.
        var o = args.Contains("--quick")
            ? new Options
            {
                Quick = true, Pairs = 3, SegmentMs = 200, Samples = 6000, LstmSeq = 40, LstmUnits = 64, PredictCalls = 100,
                ColdStartRuns = 3, MemoryEpochs = 2, MemorySteps = 40, MemoryRuns = 1,
            }
            : new Options();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string? inline = null;
            int eq = a.IndexOf('=');
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inline = a[(eq + 1)..];
                a = a[..eq];
            }

            string Text()
            {
                var s = inline ?? (i + 1 < args.Count ? args[++i] : null);
                return s ?? throw new ArgumentException($"{a} needs a value.");
            }

            int Int()
            {
                var s = Text();
                if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 1)
                    throw new ArgumentException($"{a} needs a positive integer; got '{s}'.");
                return v;
            }

            o = a switch
            {
                "-h" or "--help" => o with { Help = true },
                "--quick" => o,
                "--only" => o with { Parts = ParseParts(Text()) },
                "--threads" => o with { Threads = Int() },
                "--pairs" or "--repeats" => o with { Pairs = Int() },
                "--segment-ms" => o with { SegmentMs = Int() },
                "--batch" => o with { Batch = Int() },
                "--samples" => o with { Samples = Int() },
                "--lstm-seq" => o with { LstmSeq = Int() },
                "--lstm-vocab" => o with { LstmVocab = Math.Max(2, Int()) },
                "--lstm-units" => o with { LstmUnits = Int() },
                "--predict-calls" => o with { PredictCalls = Int() },
                "--coldstart-runs" => o with { ColdStartRuns = Int() },
                "--memory-epochs" => o with { MemoryEpochs = Int() },
                "--memory-steps" => o with { MemorySteps = Int() },
                "--memory-runs" => o with { MemoryRuns = Int() },
                "--no-pytorch" => o with { PyTorch = false },
                "--python" => o with { Python = Text() },
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'."),
            };
        }

        return o;
    }

    private static HashSet<string> ParseParts(string list)
    {
        var parts = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.ToLowerInvariant()).ToHashSet();
        var unknown = parts.Except(AllParts).ToArray();
        if (parts.Count == 0 || unknown.Length > 0)
            throw new ArgumentException($"--only: unknown part(s) '{string.Join(",", unknown)}'; expected a comma-separated subset of {string.Join(",", AllParts)}.");
        return parts;
    }
}
