using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Keras.LoadGen;

/// <summary>The Serving example started as a child process on a free loopback port; killed on dispose.</summary>
internal sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;

    private ServerProcess(Process process, Uri url, ConcurrentQueue<string> output)
    {
        _process = process;
        Url = url;
        _output = output;
    }

    public Uri Url { get; }

    /// <summary>Starts <paramref name="serverDll"/> with <c>--port 0</c> and waits for the address Kestrel reports.</summary>
    public static ServerProcess Start(string serverDll, string model, int threads, TimeSpan timeout)
    {
        if (!File.Exists(serverDll))
            throw new FileNotFoundException($"Serving example not found at '{serverDll}'; build eng/loadgen (it builds the example alongside) or pass --server.", serverDll);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { serverDll, "--model", model, "--port", "0" }) info.ArgumentList.Add(a);
        if (threads > 0)
        {
            info.ArgumentList.Add("--threads");
            info.ArgumentList.Add(threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start 'dotnet {serverDll}'.");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new ConcurrentQueue<string>();
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            if (ListeningLine().Match(e.Data) is { Success: true } m) listening.TrySetResult(new Uri(m.Groups[1].Value));
        }
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = Task.WaitAny([listening.Task, exited], timeout);
        if (first != 0)
        {
            var why = first == 1 ? $"exited with code {process.ExitCode}" : $"did not report an address within {timeout.TotalSeconds:F0} s";
            if (first != 1) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
            throw new InvalidOperationException($"The Serving example {why}. Its output:\n{string.Join('\n', output)}");
        }
        return new ServerProcess(process, listening.Task.Result, output);
    }

    /// <summary>What the server printed so far.</summary>
    public string Output => string.Join('\n', _output);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }

    // Kestrel's "Now listening on: http://127.0.0.1:PORT".
    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
