using System.Globalization;
using System.Text;

namespace Keras.Callbacks;

/// <summary>
/// Streams epoch results to a CSV file (Keras's <c>CSVLogger</c>): a header <c>epoch,&lt;sorted keys&gt;</c>
/// and one row per epoch; with <c>append</c> an existing file is continued without a second header.
/// Each row is flushed as it is written.
/// </summary>
public sealed class CSVLogger(string filename, string separator = ",", bool append = false) : Callback
{
    private StreamWriter? _writer;
    private string[]? _keys;

    /// <summary>The file written.</summary>
    public string Filename { get; } = filename;

    /// <inheritdoc />
    public override void OnTrainBegin(IReadOnlyDictionary<string, double> logs)
    {
        bool continuing = append && File.Exists(Filename) && new FileInfo(Filename).Length > 0;
        _keys = continuing ? ReadHeader() : null;
        _writer = new StreamWriter(Filename, append, new UTF8Encoding(false));
    }

    private string[]? ReadHeader()
    {
        using var reader = new StreamReader(Filename);
        var header = reader.ReadLine();
        return header?.Split(separator).Skip(1).ToArray();
    }

    /// <inheritdoc />
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (_writer is null) return;
        if (_keys is null)
        {
            _keys = logs.Keys.Order(StringComparer.Ordinal).ToArray();
            _writer.WriteLine(string.Join(separator, new[] { "epoch" }.Concat(_keys)));
        }
        var values = _keys.Select(k => logs.TryGetValue(k, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : "NA");
        _writer.WriteLine(string.Join(separator, new[] { epoch.ToString(CultureInfo.InvariantCulture) }.Concat(values)));
        _writer.Flush();
    }

    /// <inheritdoc />
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        _writer?.Dispose();
        _writer = null;
    }
}
