using Keras.Data;
using Keras.Models;
using Keras.Saving;

namespace Keras.Cli;

/// <summary>
/// <c>keras-net</c>: summarise, run and convert Keras model files.
/// Exit codes: 0 success, 1 a file or model that cannot be used, 2 bad usage. Errors are one line on stderr.
/// </summary>
public static class Program
{
    private const string Usage =
        """
        usage: keras-net summary MODEL [--weights W.h5]
               keras-net predict MODEL [--weights W.h5] --input X.npy [--input X2.npy ...] --output Y.npy [--output Y2.npy ...] [--batch-size N]
               keras-net convert MODEL OUT [--weights W.h5]

        MODEL is a Keras 3 .keras archive, a legacy .h5 full model, or a JSON/YAML architecture (then --weights is required).
        predict takes the inputs in the model's input order and writes float32 .npy outputs in its output order.
        convert writes OUT as .keras, .h5 (full model) or .weights.h5 (weights only), chosen by its name.
        """;

    /// <summary>Runs the command line; returns the exit code.</summary>
    public static int Main(string[] args)
    {
        try
        {
            return Run(args, Console.Out);
        }
        catch (UsageException e)
        {
            Fail(e.Message + " (run 'keras-net --help' for usage)");
            return 2;
        }
        catch (Exception e) when (IsFileProblem(e))
        {
            Fail(e.Message);
            return 1;
        }
        catch (Exception e)
        {
            Fail($"{e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    private static bool IsFileProblem(Exception e) =>
        e is KerasFileException or IOException or UnauthorizedAccessException or FormatException or InvalidOperationException
            or ArgumentException or NotSupportedException;

    private static void Fail(string message)
    {
        var line = string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
        Console.Error.WriteLine($"keras-net: error: {line}");
    }

    /// <summary>A command line that cannot be understood (exit code 2).</summary>
    private sealed class UsageException(string message) : Exception(message);

    private sealed class Options
    {
        public List<string> Positional { get; } = [];
        public List<string> Inputs { get; } = [];
        public List<string> Outputs { get; } = [];
        public string? Weights { get; set; }
        public int? BatchSize { get; set; }
    }

    private static int Run(string[] args, TextWriter stdout)
    {
        if (args.Length == 0) throw new UsageException("no command given; expected summary, predict or convert");
        if (args[0] is "-h" or "--help" or "help")
        {
            stdout.WriteLine(Usage);
            return 0;
        }
        var command = args[0];
        if (command is not ("summary" or "predict" or "convert"))
            throw new UsageException($"unknown command '{command}'; expected summary, predict or convert");
        var o = Parse(args[1..], command);
        switch (command)
        {
            case "summary":
            {
                if (o.Positional.Count != 1) throw new UsageException($"summary takes one MODEL; got {o.Positional.Count} argument(s)");
                if (o.Inputs.Count > 0 || o.Outputs.Count > 0 || o.BatchSize is not null) throw new UsageException("summary takes no --input, --output or --batch-size");
                using var model = LoadModel(o.Positional[0], o.Weights);
                model.Summary(stdout);
                return 0;
            }
            case "predict":
            {
                if (o.Positional.Count != 1) throw new UsageException($"predict takes one MODEL; got {o.Positional.Count} argument(s)");
                if (o.Inputs.Count == 0) throw new UsageException("predict needs at least one --input X.npy");
                if (o.Outputs.Count == 0) throw new UsageException("predict needs at least one --output Y.npy");
                using var model = LoadModel(o.Positional[0], o.Weights);
                if (o.Inputs.Count != model.Inputs.Count)
                    throw new UsageException($"model \"{model.Name}\" has {model.Inputs.Count} input(s) but {o.Inputs.Count} --input file(s) were given");
                if (o.Outputs.Count != model.Outputs.Count)
                    throw new UsageException($"model \"{model.Name}\" has {model.Outputs.Count} output(s) but {o.Outputs.Count} --output file(s) were given");
                var inputs = o.Inputs.Select(p => (object)Npy.Read(p).ToNDArray()).ToList();
                var outputs = model.PredictOutputs(inputs, batchSize: o.BatchSize ?? 32);
                for (int i = 0; i < outputs.Length; i++)
                    Npy.Write(o.Outputs[i], HostArray.From(outputs[i], $"output {i}").AsType(DType.Float32));
                return 0;
            }
            default:
            {
                if (o.Positional.Count != 2) throw new UsageException($"convert takes MODEL and OUT; got {o.Positional.Count} argument(s)");
                if (o.Inputs.Count > 0 || o.Outputs.Count > 0 || o.BatchSize is not null) throw new UsageException("convert takes no --input, --output or --batch-size");
                var target = o.Positional[1];
                var lower = target.ToLowerInvariant();
                bool weightsOnly = lower.EndsWith(".weights.h5", StringComparison.Ordinal);
                if (!weightsOnly && !lower.EndsWith(".keras", StringComparison.Ordinal) && !lower.EndsWith(".h5", StringComparison.Ordinal) && !lower.EndsWith(".hdf5", StringComparison.Ordinal))
                    throw new UsageException($"OUT must end in .keras, .h5 or .weights.h5; got '{target}'");
                using var model = LoadModel(o.Positional[0], o.Weights);
                if (weightsOnly) model.SaveWeights(target);
                else model.SaveModel(target);
                return 0;
            }
        }
    }

    private static Options Parse(string[] args, string command)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            string Value()
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"{a} needs a value");
                return args[++i];
            }
            switch (a)
            {
                case "--weights":
                    if (o.Weights is not null) throw new UsageException("--weights given twice");
                    o.Weights = Value();
                    break;
                case "--input":
                    o.Inputs.Add(Value());
                    break;
                case "--output":
                    o.Outputs.Add(Value());
                    break;
                case "--batch-size":
                    var text = Value();
                    if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bs) || bs < 1)
                        throw new UsageException($"--batch-size must be a positive integer; got '{text}'");
                    o.BatchSize = bs;
                    break;
                default:
                    if (a.StartsWith('-') && a.Length > 1) throw new UsageException($"unknown option '{a}' for {command}");
                    o.Positional.Add(a);
                    break;
            }
        }
        return o;
    }

    private static Model LoadModel(string path, string? weights)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new KerasFileException(path, "path", "does not exist.");
        bool architectureOnly = Directory.Exists(path) ? false : IsArchitecture(path);
        if (architectureOnly && weights is null)
            throw new UsageException($"{path} is an architecture without weights; give the weights with --weights W.h5");
        var model = Model.Load(path, compile: false);
        try
        {
            if (weights is not null)
            {
                if (!File.Exists(weights)) throw new KerasFileException(weights, "path", "does not exist.");
                model.LoadWeights(weights);
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    // A JSON or YAML architecture rather than a model file with weights.
    private static bool IsArchitecture(string path)
    {
        var head = new byte[256];
        int n;
        using (var s = File.OpenRead(path)) n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var text = System.Text.Encoding.UTF8.GetString(head, 0, n).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return text.StartsWith('{') || ((ext is ".yaml" or ".yml") && text.Length > 0);
    }
}
