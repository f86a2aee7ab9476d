namespace Keras.Net.Tests.Layers.Attention;

/// <summary>Naive loop implementations of the attention layers, written from the papers and Keras's docs.</summary>
internal static class AttentionReference
{
    /// <summary>Softmax over the allowed entries; a row with none allowed is uniform or zero.</summary>
    public static double[] MaskedSoftmax(double[] scores, bool[] allowed, bool fullyMaskedUniform)
    {
        int n = scores.Length;
        var p = new double[n];
        if (!allowed.Any(a => a))
        {
            for (int j = 0; j < n; j++) p[j] = fullyMaskedUniform ? 1.0 / n : 0.0;
            return p;
        }
        double max = Enumerable.Range(0, n).Where(j => allowed[j]).Max(j => scores[j]);
        double sum = 0;
        for (int j = 0; j < n; j++)
        {
            p[j] = allowed[j] ? Math.Exp(scores[j] - max) : 0;
            sum += p[j];
        }
        for (int j = 0; j < n; j++) p[j] /= sum;
        return p;
    }

    /// <summary>x (rows, din) · W (din, cols) + b (cols) for row-major arrays.</summary>
    public static double[] Project(float[] x, int offset, int din, float[] w, float[]? b, int cols)
    {
        var y = new double[cols];
        for (int c = 0; c < cols; c++)
        {
            double s = b?[c] ?? 0;
            for (int d = 0; d < din; d++) s += x[offset + d] * w[d * cols + c];
            y[c] = s;
        }
        return y;
    }

    /// <summary>
    /// Multi-head (and grouped-query) attention by loops. Query (B, T, dq), value (B, S, dv), key (B, S, dk);
    /// query heads <paramref name="n"/>, key/value heads <paramref name="nkv"/> (query head u uses key/value head u / (n / nkv)).
    /// Weights: wq (dq, n, kd), bq (n, kd), wk (dk, nkv, kd), bk, wv (dv, nkv, vd), bv, wo (n, vd, o), bo (o); null biases allowed.
    /// Returns the output (B, T, o) and the attention weights (B, n, T, S).
    /// </summary>
    public static (float[] Output, float[] Scores) MultiHead(
        float[] query, float[] value, float[] key, int batch, int t, int s, int dq, int dv, int dk, int n, int nkv, int kd, int vd, int o,
        float[] wq, float[]? bq, float[] wk, float[]? bk, float[] wv, float[]? bv, float[] wo, float[]? bo,
        Func<int, int, int, bool> allowed, bool fullyMaskedUniform)
    {
        var output = new float[batch * t * o];
        var scores = new float[batch * n * t * s];
        int repeats = n / nkv;
        for (int b = 0; b < batch; b++)
        {
            var qp = Enumerable.Range(0, t).Select(i => Project(query, (b * t + i) * dq, dq, wq, bq, n * kd)).ToArray();
            var kp = Enumerable.Range(0, s).Select(j => Project(key, (b * s + j) * dk, dk, wk, bk, nkv * kd)).ToArray();
            var vp = Enumerable.Range(0, s).Select(j => Project(value, (b * s + j) * dv, dv, wv, bv, nkv * vd)).ToArray();
            for (int i = 0; i < t; i++)
            {
                var heads = new double[n * vd];
                for (int u = 0; u < n; u++)
                {
                    int g = u / repeats;
                    var logits = new double[s];
                    var ok = new bool[s];
                    for (int j = 0; j < s; j++)
                    {
                        double dot = 0;
                        for (int h = 0; h < kd; h++) dot += qp[i][u * kd + h] * kp[j][g * kd + h];
                        logits[j] = dot / Math.Sqrt(kd);
                        ok[j] = allowed(b, i, j);
                    }
                    var p = MaskedSoftmax(logits, ok, fullyMaskedUniform);
                    for (int j = 0; j < s; j++)
                    {
                        scores[((b * n + u) * t + i) * s + j] = (float)p[j];
                        for (int h = 0; h < vd; h++) heads[u * vd + h] += p[j] * vp[j][g * vd + h];
                    }
                }
                for (int c = 0; c < o; c++)
                {
                    double acc = bo?[c] ?? 0;
                    for (int k = 0; k < n * vd; k++) acc += heads[k] * wo[k * o + c];
                    output[(b * t + i) * o + c] = (float)acc;
                }
            }
        }
        return (output, scores);
    }

    /// <summary>
    /// Luong (dot or concat) or Bahdanau (additive) attention by loops: query (B, Tq, d), value/key (B, Tv, d).
    /// Masked key steps are excluded (a row with none left is uniform, as −1e9 logits give); the output is zero at masked query steps.
    /// </summary>
    public static (float[] Output, float[] Weights) Luong(float[] q, float[] v, float[] k, int batch, int tq, int tv, int d,
        Func<double[], double[], double> score, bool[]? queryMask, bool[]? valueMask, bool causal)
    {
        var output = new float[batch * tq * d];
        var weights = new float[batch * tq * tv];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < tq; i++)
            {
                var qi = Enumerable.Range(0, d).Select(x => (double)q[(b * tq + i) * d + x]).ToArray();
                var logits = new double[tv];
                var ok = new bool[tv];
                for (int j = 0; j < tv; j++)
                {
                    var kj = Enumerable.Range(0, d).Select(x => (double)k[(b * tv + j) * d + x]).ToArray();
                    logits[j] = score(qi, kj);
                    ok[j] = (valueMask is null || valueMask[b * tv + j]) && (!causal || j <= i);
                }
                var p = MaskedSoftmax(logits, ok, fullyMaskedUniform: true);
                bool qValid = queryMask is null || queryMask[b * tq + i];
                for (int j = 0; j < tv; j++)
                {
                    weights[(b * tq + i) * tv + j] = (float)p[j];
                    if (!qValid) continue;
                    for (int x = 0; x < d; x++) output[(b * tq + i) * d + x] += (float)(p[j] * v[(b * tv + j) * d + x]);
                }
            }
        return (output, weights);
    }
}
