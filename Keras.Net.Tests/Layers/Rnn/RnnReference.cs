using Keras.Data;
using Keras.Layers;

namespace Keras.Net.Tests.Layers.Rnn;

/// <summary>
/// A naive double-precision implementation of Keras's recurrent equations (keras/src/layers/rnn/*.py
/// and backend.rnn), one sample and one step at a time, independent of the layers under test.
/// </summary>
internal static class RnnReference
{
    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    /// <summary>A cell step: (input row, states) → (output, new states).</summary>
    public delegate (double[] Output, double[][] States) Step(double[] x, double[][] states);

    /// <summary>Weights of a cell as row-major arrays, read from the layer.</summary>
    public sealed record Weights(double[] Kernel, int InputDim, double[] Recurrent, double[]? Bias, int Units);

    public static Weights Read(Variable kernel, Variable recurrent, Variable? bias) => new(
        kernel.ToHost().ToArray<float>().Select(v => (double)v).ToArray(), kernel.Shape[0],
        recurrent.ToHost().ToArray<float>().Select(v => (double)v).ToArray(),
        bias?.ToHost().ToArray<float>().Select(v => (double)v).ToArray(), recurrent.Shape[0]);

    // out[j] = sum_i x[i] * m[i, offset + j] for j < n, m of row length cols
    private static double[] Mul(double[] x, double[] m, int cols, int offset, int n)
    {
        var r = new double[n];
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int i = 0; i < x.Length; i++) s += x[i] * m[i * cols + offset + j];
            r[j] = s;
        }
        return r;
    }

    public static Step SimpleRnn(Weights w, Func<double, double>? act = null)
    {
        act ??= Math.Tanh;
        int u = w.Units;
        return (x, s) =>
        {
            var a = Mul(x, w.Kernel, u, 0, u);
            var r = Mul(s[0], w.Recurrent, u, 0, u);
            var h = new double[u];
            for (int j = 0; j < u; j++) h[j] = act(a[j] + (w.Bias?[j] ?? 0) + r[j]);
            return (h, [h]);
        };
    }

    public static Step Lstm(Weights w)
    {
        int u = w.Units, cols = 4 * u;
        return (x, s) =>
        {
            var z = new double[cols];
            var xk = Mul(x, w.Kernel, cols, 0, cols);
            var hr = Mul(s[0], w.Recurrent, cols, 0, cols);
            for (int j = 0; j < cols; j++) z[j] = xk[j] + hr[j] + (w.Bias?[j] ?? 0);
            var h = new double[u];
            var c = new double[u];
            for (int j = 0; j < u; j++)
            {
                double i = Sigmoid(z[j]), f = Sigmoid(z[u + j]), g = Math.Tanh(z[2 * u + j]), o = Sigmoid(z[3 * u + j]);
                c[j] = f * s[1][j] + i * g;
                h[j] = o * Math.Tanh(c[j]);
            }
            return (h, [h, c]);
        };
    }

    /// <summary>GRU; bias is (2, 3u) row-major when <paramref name="resetAfter"/>, else (3u,).</summary>
    public static Step Gru(Weights w, bool resetAfter)
    {
        int u = w.Units, cols = 3 * u;
        return (x, s) =>
        {
            var hPrev = s[0];
            var xk = Mul(x, w.Kernel, cols, 0, cols);
            double InBias(int j) => w.Bias is null ? 0 : w.Bias[j];
            double RecBias(int j) => w.Bias is null || !resetAfter ? 0 : w.Bias[cols + j];
            var h = new double[u];
            if (resetAfter)
            {
                var inner = Mul(hPrev, w.Recurrent, cols, 0, cols);
                for (int j = 0; j < u; j++)
                {
                    double z = Sigmoid(xk[j] + InBias(j) + inner[j] + RecBias(j));
                    double r = Sigmoid(xk[u + j] + InBias(u + j) + inner[u + j] + RecBias(u + j));
                    double hh = Math.Tanh(xk[2 * u + j] + InBias(2 * u + j) + r * (inner[2 * u + j] + RecBias(2 * u + j)));
                    h[j] = z * hPrev[j] + (1 - z) * hh;
                }
            }
            else
            {
                var inner = Mul(hPrev, w.Recurrent, cols, 0, 2 * u);
                var zs = new double[u];
                var rh = new double[u];
                for (int j = 0; j < u; j++)
                {
                    zs[j] = Sigmoid(xk[j] + InBias(j) + inner[j]);
                    double r = Sigmoid(xk[u + j] + InBias(u + j) + inner[u + j]);
                    rh[j] = r * hPrev[j];
                }
                var cand = Mul(rh, w.Recurrent, cols, 2 * u, u);
                for (int j = 0; j < u; j++)
                {
                    double hh = Math.Tanh(xk[2 * u + j] + InBias(2 * u + j) + cand[j]);
                    h[j] = zs[j] * hPrev[j] + (1 - zs[j]) * hh;
                }
            }
            return (h, [h]);
        };
    }

    /// <summary>The result of a run: outputs [batch][step][unit] in processing order, last output, final states.</summary>
    public sealed record Result(double[][][] Outputs, double[][] Last, double[][][] States);

    /// <summary>
    /// Keras's <c>backend.rnn</c>: steps in order (reversed with <paramref name="goBackwards"/>); at a
    /// masked step the states keep their values and the output is the previous output (zeros with
    /// <paramref name="zeroOutputForMask"/>).
    /// </summary>
    public static Result Run(Step step, float[] x, int batch, int time, int features, double[][][] initialStates,
        bool[,]? mask = null, bool goBackwards = false, bool zeroOutputForMask = false)
    {
        var outputs = new double[batch][][];
        var last = new double[batch][];
        var finals = new double[batch][][];
        for (int b = 0; b < batch; b++)
        {
            var states = initialStates[b].Select(s => (double[])s.Clone()).ToArray();
            double[]? prev = null;
            outputs[b] = new double[time][];
            for (int k = 0; k < time; k++)
            {
                int t = goBackwards ? time - 1 - k : k;
                var xt = new double[features];
                for (int f = 0; f < features; f++) xt[f] = x[(b * time + t) * features + f];
                var (o, ns) = step(xt, states);
                if (mask is not null && !mask[b, t])
                {
                    o = zeroOutputForMask ? new double[o.Length] : prev ?? new double[o.Length];
                    ns = states;
                }
                states = ns;
                prev = o;
                outputs[b][k] = o;
            }
            last[b] = prev!;
            finals[b] = states;
        }
        return new Result(outputs, last, finals);
    }

    /// <summary>Zero initial states of the given sizes for every sample.</summary>
    public static double[][][] Zeros(int batch, params int[] sizes) =>
        Enumerable.Range(0, batch).Select(_ => sizes.Select(s => new double[s]).ToArray()).ToArray();

    /// <summary>Initial states from (batch, size) float arrays.</summary>
    public static double[][][] States(int batch, params float[][] flat) =>
        Enumerable.Range(0, batch).Select(b => flat.Select(a =>
        {
            int size = a.Length / batch;
            return a.Skip(b * size).Take(size).Select(v => (double)v).ToArray();
        }).ToArray()).ToArray();

    public static float[] Flatten(double[][][] a) => a.SelectMany(r => r.SelectMany(s => s)).Select(v => (float)v).ToArray();

    public static float[] Flatten(double[][] a) => a.SelectMany(r => r).Select(v => (float)v).ToArray();

    /// <summary>State <paramref name="index"/> of every sample, flattened (batch, size).</summary>
    public static float[] State(Result r, int index) => r.States.SelectMany(s => s[index]).Select(v => (float)v).ToArray();

    /// <summary>Gives every weight of <paramref name="layer"/> deterministic values in [-scale, scale).</summary>
    public static void Randomize(Layer layer, int seed, double scale = 0.6)
    {
        var rng = new Random(seed);
        foreach (var w in layer.Weights)
        {
            var values = Enumerable.Range(0, (int)w.Shape.Size).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
            w.Assign(HostArray.Create(values, w.Shape.ToLongArray()));
        }
    }
}
