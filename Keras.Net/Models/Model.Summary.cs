using System.Globalization;
using System.Text;
using Keras.Layers;

namespace Keras.Models;

public partial class Model
{
    /// <summary>
    /// Prints Keras's summary table — layer name and type, output shape, parameter count, and for
    /// functional models the layers each one is connected to — then total, trainable and
    /// non-trainable parameter counts (Keras's <c>summary()</c>).
    /// </summary>
    /// <param name="writer">Where to print; <see cref="ProgressOutput"/> by default.</param>
    /// <param name="lineLength">Total width of the table.</param>
    public void Summary(TextWriter? writer = null, int? lineLength = null)
    {
        writer ??= ProgressOutput;
        writer.Write(SummaryText(lineLength));
        writer.Flush();
    }

    /// <summary>The text <see cref="Summary"/> prints.</summary>
    public string SummaryText(int? lineLength = null)
    {
        bool connected = IsGraphNetwork && this is not Sequential && Graph!.Nodes.Any(n => n.Inputs.Length > 1 || n.Layer.InboundNodes.Count > 1)
                         || (IsGraphNetwork && this is not Sequential && Graph!.Inputs.Length > 1);
        int width = lineLength ?? (connected ? 108 : 88);
        double[] positions = connected ? [0.3, 0.6, 0.7, 1.0] : [0.45, 0.80, 1.0];
        string[] headers = connected ? ["Layer (type)", "Output Shape", "Param #", "Connected to"] : ["Layer (type)", "Output Shape", "Param #"];
        var widths = new int[positions.Length];
        int previous = 0;
        for (int i = 0; i < positions.Length; i++)
        {
            int edge = (int)(positions[i] * width);
            widths[i] = Math.Max(8, edge - previous - 3);
            previous = edge;
        }

        var rows = new List<string[]>();
        var layers = this is Sequential || !IsGraphNetwork ? Layers : Graph!.Layers;
        foreach (var layer in layers)
        {
            var shape = OutputShapeText(layer);
            var parameters = layer.Built || layer.Weights.Count > 0
                ? layer.Weights.Sum(w => w.Shape.Size).ToString("N0", CultureInfo.InvariantCulture)
                : "0 (unbuilt)";
            var row = new List<string> { $"{layer.Name} ({LayerTypeName(layer)})", shape, parameters };
            if (connected) row.Add(ConnectedTo(layer));
            rows.Add(row.ToArray());
        }

        var sb = new StringBuilder();
        sb.Append("Model: \"").Append(Name).Append("\"\n");
        sb.Append(Border('┏', '━', '┳', '┓', widths));
        sb.Append(Row('┃', headers, widths, rightAlign: 2));
        sb.Append(Border('┡', '━', '╇', '┩', widths));
        for (int r = 0; r < rows.Count; r++)
        {
            var lines = rows[r].Select(c => c.Split('\n')).ToArray();
            int height = lines.Max(l => l.Length);
            for (int h = 0; h < height; h++)
                sb.Append(Row('│', lines.Select(l => h < l.Length ? l[h] : "").ToArray(), widths, rightAlign: 2));
            sb.Append(r < rows.Count - 1 ? Border('├', '─', '┼', '┤', widths) : Border('└', '─', '┴', '┘', widths));
        }
        if (rows.Count == 0) sb.Append(Border('└', '─', '┴', '┘', widths));

        long total = Weights.Sum(w => w.Shape.Size);
        long totalBytes = Weights.Sum(w => w.Shape.Size * w.DType.ItemSize());
        long trainable = TrainableWeights.Sum(w => w.Shape.Size);
        long trainableBytes = TrainableWeights.Sum(w => w.Shape.Size * w.DType.ItemSize());
        sb.Append(" Total params: ").Append(Count(total, totalBytes)).Append('\n');
        sb.Append(" Trainable params: ").Append(Count(trainable, trainableBytes)).Append('\n');
        sb.Append(" Non-trainable params: ").Append(Count(total - trainable, totalBytes - trainableBytes)).Append('\n');
        if (_optimizer is { Built: true } opt)
        {
            long optCount = opt.Variables.Sum(v => v.Shape.Size);
            sb.Append(" Optimizer params: ").Append(Count(optCount, opt.Variables.Sum(v => v.Shape.Size * v.DType.ItemSize()))).Append('\n');
        }
        return sb.ToString();
    }

    private static string LayerTypeName(Layer layer) => layer is Model m ? m.ClassName : layer.GetType().Name;

    private static string OutputShapeText(Layer layer)
    {
        if (layer.InboundNodes.Count == 0) return "?";
        var outs = layer.InboundNodes[^1].Outputs;
        return outs.Length == 1 ? outs[0].Shape.ToString() : string.Join(", ", outs.Select(o => o.Shape.ToString()));
    }

    private string ConnectedTo(Layer layer)
    {
        var parts = new List<string>();
        foreach (var node in layer.InboundNodes.Where(n => Graph!.Nodes.Contains(n)))
        {
            foreach (var input in node.Inputs)
            {
                var producer = input.Node!;
                parts.Add($"{producer.Layer.Name}[{producer.Layer.InboundNodes.IndexOf(producer)}][{input.Index}]");
            }
        }
        return parts.Count == 0 ? "-" : string.Join(",\n", parts);
    }

    private static string Count(long n, long bytes) =>
        $"{n.ToString("N0", CultureInfo.InvariantCulture)} ({ReadableSize(bytes)})";

    // Keras's readable_memory_size: 1024-based units, two decimals.
    private static string ReadableSize(double bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB", "PB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1)
        {
            bytes /= 1024;
            u++;
        }
        return bytes.ToString("0.00", CultureInfo.InvariantCulture) + " " + units[u];
    }

    private static string Border(char left, char fill, char join, char right, int[] widths)
    {
        var sb = new StringBuilder().Append(left);
        for (int i = 0; i < widths.Length; i++)
        {
            sb.Append(fill, widths[i] + 2);
            sb.Append(i < widths.Length - 1 ? join : right);
        }
        return sb.Append('\n').ToString();
    }

    private static string Row(char edge, string[] cells, int[] widths, int rightAlign)
    {
        var sb = new StringBuilder().Append(edge);
        for (int i = 0; i < widths.Length; i++)
        {
            var text = cells[i].Length > widths[i] ? cells[i][..(widths[i] - 1)] + "…" : cells[i];
            sb.Append(' ').Append(i == rightAlign ? text.PadLeft(widths[i]) : text.PadRight(widths[i])).Append(' ').Append(edge);
        }
        return sb.Append('\n').ToString();
    }
}
