namespace Keras.Net.Tests.Layers.Reshaping;

/// <summary>
/// Naive loop references for image resizing, written from the formulas (half-pixel centers, as torch's
/// <c>interpolate(align_corners=False)</c> and Keras's <c>ops.image.resize</c>): independent of the backend.
/// Images are NHWC float arrays flattened row-major.
/// </summary>
internal static class ImageReference
{
    /// <summary>Bilinear: src = (i + 0.5) * in / out - 0.5, clamped below at 0; the upper neighbour is clamped to in - 1.</summary>
    public static float[] Bilinear(float[] x, int n, int h, int w, int c, int outH, int outW)
    {
        var y = new float[n * outH * outW * c];
        for (int b = 0; b < n; b++)
        for (int i = 0; i < outH; i++)
        {
            var (i0, i1, li) = Linear(i, h, outH);
            for (int j = 0; j < outW; j++)
            {
                var (j0, j1, lj) = Linear(j, w, outW);
                for (int k = 0; k < c; k++)
                {
                    double v00 = x[((b * h + i0) * w + j0) * c + k], v01 = x[((b * h + i0) * w + j1) * c + k];
                    double v10 = x[((b * h + i1) * w + j0) * c + k], v11 = x[((b * h + i1) * w + j1) * c + k];
                    double top = v00 * (1 - lj) + v01 * lj, bottom = v10 * (1 - lj) + v11 * lj;
                    y[((b * outH + i) * outW + j) * c + k] = (float)(top * (1 - li) + bottom * li);
                }
            }
        }
        return y;
    }

    private static (int Lo, int Hi, double Lambda) Linear(int dst, int inSize, int outSize)
    {
        double src = Math.Max((dst + 0.5) * inSize / outSize - 0.5, 0.0);
        int lo = Math.Min((int)Math.Floor(src), inSize - 1);
        int hi = Math.Min(lo + 1, inSize - 1);
        return (lo, hi, src - lo);
    }

    /// <summary>Nearest with half-pixel centers: src = min(floor((i + 0.5) * in / out), in - 1).</summary>
    public static float[] Nearest(float[] x, int n, int h, int w, int c, int outH, int outW)
    {
        var y = new float[n * outH * outW * c];
        for (int b = 0; b < n; b++)
        for (int i = 0; i < outH; i++)
        for (int j = 0; j < outW; j++)
        {
            int si = Math.Min((int)Math.Floor((i + 0.5) * h / outH), h - 1);
            int sj = Math.Min((int)Math.Floor((j + 0.5) * w / outW), w - 1);
            for (int k = 0; k < c; k++) y[((b * outH + i) * outW + j) * c + k] = x[((b * h + si) * w + sj) * c + k];
        }
        return y;
    }

    /// <summary>Bicubic convolution (a = -0.75), src = (i + 0.5) * in / out - 0.5 (not clamped), taps clamped to the image.</summary>
    public static float[] Bicubic(float[] x, int n, int h, int w, int c, int outH, int outW)
    {
        const double a = -0.75;
        static double Near(double t) => ((a + 2) * t - (a + 3)) * t * t + 1;           // |t| <= 1
        static double Far(double t) => ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;      // 1 < |t| < 2
        static (int[] Idx, double[] W) Taps(int dst, int inSize, int outSize)
        {
            double src = (dst + 0.5) * inSize / outSize - 0.5;
            int f = (int)Math.Floor(src);
            double t = src - f;
            var idx = new int[4];
            for (int m = 0; m < 4; m++) idx[m] = Math.Clamp(f - 1 + m, 0, inSize - 1);
            return (idx, [Far(t + 1), Near(t), Near(1 - t), Far(2 - t)]);
        }
        var y = new float[n * outH * outW * c];
        for (int b = 0; b < n; b++)
        for (int i = 0; i < outH; i++)
        {
            var (ri, rw) = Taps(i, h, outH);
            for (int j = 0; j < outW; j++)
            {
                var (ci, cw) = Taps(j, w, outW);
                for (int k = 0; k < c; k++)
                {
                    double s = 0;
                    for (int p = 0; p < 4; p++)
                    for (int q = 0; q < 4; q++)
                        s += rw[p] * cw[q] * x[((b * h + ri[p]) * w + ci[q]) * c + k];
                    y[((b * outH + i) * outW + j) * c + k] = (float)s;
                }
            }
        }
        return y;
    }

    /// <summary>The (top, left, height, width) window: rows [top, top+height), columns [left, left+width), of an NHWC image.</summary>
    public static float[] Window(float[] x, int n, int h, int w, int c, int top, int left, int height, int width)
    {
        var y = new float[n * height * width * c];
        for (int b = 0; b < n; b++)
        for (int i = 0; i < height; i++)
        for (int j = 0; j < width; j++)
        for (int k = 0; k < c; k++)
            y[((b * height + i) * width + j) * c + k] = x[((b * h + top + i) * w + left + j) * c + k];
        return y;
    }

    /// <summary>NHWC → NCHW.</summary>
    public static float[] ToChannelsFirst(float[] x, int n, int h, int w, int c)
    {
        var y = new float[x.Length];
        for (int b = 0; b < n; b++)
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
        for (int k = 0; k < c; k++)
            y[((b * c + k) * h + i) * w + j] = x[((b * h + i) * w + j) * c + k];
        return y;
    }

    /// <summary>0, 1, 2, … as floats.</summary>
    public static float[] Iota(int count, float scale = 1f) => Enumerable.Range(0, count).Select(i => i * scale).ToArray();
}
