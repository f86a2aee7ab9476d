using System.Globalization;
using System.Net;

namespace Keras.LoadGen;

/// <summary>The driver's command line.</summary>
internal sealed record LoadOptions(
    int Requests,
    double DurationSeconds,
    int Concurrency,
    int Batch,
    int Payloads,
    int Warmup,
    Uri? Url,
    string? Model,
    string? Server,
    int Threads,
    int Seed)
{
    public const string Usage = """
        Keras.Net serving load driver (loopback only).
          --requests N      stop after N measured requests (default 20000; at most 10,000,000)
          --duration S      or after S seconds, whichever comes first (default 30; at most 3600)
          --concurrency C   concurrent clients (default 64)
          --batch B         instances per request (default 1)
          --payloads P      distinct request bodies, cycled (default 256)
          --warmup W        unmeasured requests first (default 256)
          --url URL         target a running server (http://127.0.0.1:PORT); needs --model
          --model FILE      the model file the server serves (the reference); without --url and
                            --model the driver trains the example's demo model into a temp file
          --server DLL      Serving.dll to start (default: the one built next to this driver)
          --threads T       libtorch intra-op threads, for the server it starts and the reference
          --seed N          seed of the random inputs (default 1)
        Exit code 0 only when every request succeeded and matched Model.Predict bit for bit.
        """;

    public static LoadOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            var key = args[i];
            if (!key.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"Expected '--name value' pairs; got '{key}'{(i + 1 >= args.Length ? " with no value" : "")}.\n{Usage}");
            values[key[2..]] = args[++i];
        }
        var known = new HashSet<string> { "requests", "duration", "concurrency", "batch", "payloads", "warmup", "url", "model", "server", "threads", "seed" };
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            throw new ArgumentException($"Unknown option --{unknown}.\n{Usage}");

        Uri? url = null;
        if (values.TryGetValue("url", out var urlText))
        {
            url = new Uri(urlText, UriKind.Absolute);
            RequireLoopback(url);
        }
        var options = new LoadOptions(
            Requests: Int(values, "requests", 20_000, 1, 10_000_000),
            DurationSeconds: Int(values, "duration", 30, 1, 3600),
            Concurrency: Int(values, "concurrency", 64, 1, 1024),
            Batch: Int(values, "batch", 1, 1, 1024),
            Payloads: Int(values, "payloads", 256, 1, 100_000),
            Warmup: Int(values, "warmup", 256, 0, 1_000_000),
            Url: url,
            Model: values.GetValueOrDefault("model"),
            Server: values.GetValueOrDefault("server"),
            Threads: Int(values, "threads", 0, 0, 1024),
            Seed: Int(values, "seed", 1, int.MinValue, int.MaxValue));
        if (url is not null && options.Model is null)
            throw new ArgumentException("--url needs --model: the file the server loaded, to compute the expected predictions.");
        return options;
    }

    /// <summary>Refuses any address that is not this machine: the driver must never load someone else's server.</summary>
    public static void RequireLoopback(Uri url)
    {
        if (url.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--url must be http or https; got '{url}'.");
        bool loopback = url.IsLoopback && (url.HostNameType != UriHostNameType.Dns || url.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase));
        if (!loopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && !IPAddress.IsLoopback(ip)))
            throw new ArgumentException($"--url must be a loopback address (127.0.0.1, [::1] or localhost); got '{url.Host}'. This driver does not load remote servers.");
    }

    private static int Int(Dictionary<string, string> values, string key, int fallback, int min, int max)
    {
        if (!values.TryGetValue(key, out var text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new ArgumentException($"--{key} must be an integer from {min} to {max}; got '{text}'.");
        return value;
    }
}
