namespace Keras.Net.Tests.Layers.Convolution;

/// <summary>A dense row-major float array with its shape (for the loop references).</summary>
internal sealed record Arr(float[] Data, int[] Shape)
{
    public static Arr Of(Tensor t) => new(t.ToArray<float>(), t.Shape.ToArray());

    public static Arr Of(Variable v) => new(v.ToHost().ToArray<float>(), v.Shape.ToArray());

    public static Arr Random(int[] shape, int seed) => new(TestUtil.RandomFloats(shape.Aggregate(1, (a, b) => a * b), seed), shape);

    public Tensor ToTensor() => Ops.Constant(Data, new Keras.Shape(Shape));

    public int Size => Data.Length;

    public int Offset(ReadOnlySpan<int> index)
    {
        int o = 0;
        for (int i = 0; i < Shape.Length; i++) o = o * Shape[i] + index[i];
        return o;
    }

    public float this[params int[] index]
    {
        get => Data[Offset(index)];
        set => Data[Offset(index)] = value;
    }

    /// <summary>Axes permuted as numpy's <c>transpose</c>.</summary>
    public Arr Transpose(params int[] perm)
    {
        var shape = perm.Select(p => Shape[p]).ToArray();
        var result = new Arr(new float[Size], shape);
        foreach (var idx in Indices(Shape))
        {
            var target = perm.Select(p => idx[p]).ToArray();
            result[target] = this[idx];
        }
        return result;
    }

    /// <summary>channels_first ↔ channels_last.</summary>
    public Arr ToChannelsLast() => Transpose([0, .. Enumerable.Range(2, Shape.Length - 2), 1]);

    public Arr ToChannelsFirst() => Transpose([0, Shape.Length - 1, .. Enumerable.Range(1, Shape.Length - 2)]);

    /// <summary>Every index of a shape, row-major.</summary>
    public static IEnumerable<int[]> Indices(int[] shape)
    {
        if (shape.Any(d => d == 0)) yield break;
        var idx = new int[shape.Length];
        while (true)
        {
            yield return (int[])idx.Clone();
            int a = shape.Length - 1;
            while (a >= 0 && ++idx[a] == shape[a]) idx[a--] = 0;
            if (a < 0) yield break;
        }
    }
}

/// <summary>
/// Direct loop implementations of Keras's convolution arithmetic (channels_last), written from the
/// definitions: TensorFlow's 'same' padding, causal padding, dilation, groups, transposed
/// convolution as the adjoint of a strided convolution, and unshared (locally connected) weights.
/// </summary>
internal static class NaiveConv
{
    /// <summary>TensorFlow's SAME padding: output ceil(n/s); total = max((out-1)·s + k_eff - n, 0), the odd pixel at the end.</summary>
    public static (int Before, int After, int Out) SamePadding(int n, int k, int s, int d)
    {
        int keff = (k - 1) * d + 1;
        int output = (n + s - 1) / s;
        int total = Math.Max((output - 1) * s + keff - n, 0);
        return (total / 2, total - total / 2, output);
    }

    /// <summary>(before, output length) per spatial axis for valid, same and causal padding.</summary>
    public static (int Before, int Out)[] Geometry(int[] spatial, int[] k, int[] s, int[] d, string padding)
    {
        var result = new (int, int)[spatial.Length];
        for (int i = 0; i < spatial.Length; i++)
        {
            int keff = (k[i] - 1) * d[i] + 1;
            result[i] = padding switch
            {
                "valid" => (0, (spatial[i] - keff) / s[i] + 1),
                "causal" => (keff - 1, (spatial[i] - 1) / s[i] + 1),
                _ => (SamePadding(spatial[i], k[i], s[i], d[i]).Before, SamePadding(spatial[i], k[i], s[i], d[i]).Out),
            };
        }
        return result;
    }

    /// <summary>Convolution of x (N, spatial…, C) with kernel (k…, C / groups, F); zero padding.</summary>
    public static Arr Conv(Arr x, Arr kernel, int[] strides, int[] dilation, string padding, Arr? bias = null)
    {
        int rank = x.Shape.Length - 2;
        int n = x.Shape[0], c = x.Shape[^1];
        var spatial = x.Shape[1..^1];
        var k = kernel.Shape[..rank];
        int cinPerGroup = kernel.Shape[rank], filters = kernel.Shape[rank + 1];
        int groups = c / cinPerGroup, foutPerGroup = filters / groups;
        var geo = Geometry(spatial, k, strides, dilation, padding);
        var outShape = new[] { n }.Concat(geo.Select(g => g.Out)).Append(filters).ToArray();
        var y = new Arr(new float[outShape.Aggregate(1, (a, b) => a * b)], outShape);
        var pos = new int[rank];
        foreach (var o in Arr.Indices(outShape))
        {
            int f = o[^1], g = f / foutPerGroup;
            double sum = bias is null ? 0 : bias.Data[f];
            foreach (var kk in Arr.Indices(k))
            {
                bool inside = true;
                for (int i = 0; i < rank; i++)
                {
                    pos[i] = o[1 + i] * strides[i] + kk[i] * dilation[i] - geo[i].Before;
                    if (pos[i] < 0 || pos[i] >= spatial[i]) inside = false;
                }
                if (!inside) continue;
                for (int ci = 0; ci < cinPerGroup; ci++)
                {
                    int[] xi = [o[0], .. pos, g * cinPerGroup + ci];
                    int[] ki = [.. kk, ci, f];
                    sum += x[xi] * kernel[ki];
                }
            }
            y[o] = (float)sum;
        }
        return y;
    }

    /// <summary>Depthwise convolution: kernel (k…, C, M), output channel c·M + m.</summary>
    public static Arr Depthwise(Arr x, Arr kernel, int[] strides, int[] dilation, string padding)
    {
        int rank = x.Shape.Length - 2;
        int c = kernel.Shape[rank], m = kernel.Shape[rank + 1];
        // Equivalent grouped kernel (k…, 1, C·M).
        var grouped = new Arr(new float[kernel.Size], [.. kernel.Shape[..rank], 1, c * m]);
        foreach (var idx in Arr.Indices(kernel.Shape))
        {
            int[] target = [.. idx[..rank], 0, idx[rank] * m + idx[rank + 1]];
            grouped[target] = kernel[idx];
        }
        return Conv(x, grouped, strides, dilation, padding);
    }

    /// <summary>
    /// Transposed convolution of x (N, spatial…, C) with kernel (k…, F, C): every input element
    /// scatters kernel·x into the output at position i·s + j·d - before, where the output size and
    /// 'before' follow TensorFlow (the transposed op is the adjoint of the forward conv that maps the
    /// output back to the input).
    /// </summary>
    public static Arr ConvTranspose(Arr x, Arr kernel, int[] strides, int[] dilation, string padding, int[]? outputPadding)
    {
        int rank = x.Shape.Length - 2;
        int n = x.Shape[0], c = x.Shape[^1];
        var spatial = x.Shape[1..^1];
        var k = kernel.Shape[..rank];
        int filters = kernel.Shape[rank];
        var outLen = new int[rank];
        var before = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int keff = (k[i] - 1) * dilation[i] + 1;
            if (padding == "valid")
            {
                int op = outputPadding?[i] ?? Math.Max(keff, strides[i]) - keff;
                outLen[i] = (spatial[i] - 1) * strides[i] + keff + op;
                before[i] = 0;
            }
            else
            {
                outLen[i] = outputPadding is null ? spatial[i] * strides[i] : (spatial[i] - 1) * strides[i] + keff % 2 + outputPadding[i];
                // The forward 'same' conv over an input of length outLen pads `total / 2` in front.
                int total = Math.Max((spatial[i] - 1) * strides[i] + keff - outLen[i], 0);
                before[i] = total / 2;
            }
        }
        var outShape = new[] { n }.Concat(outLen).Append(filters).ToArray();
        var y = new Arr(new float[outShape.Aggregate(1, (a, b) => a * b)], outShape);
        var acc = new double[y.Size];
        var pos = new int[rank];
        foreach (var xi in Arr.Indices(x.Shape))
        {
            float v = x[xi];
            foreach (var kk in Arr.Indices(k))
            {
                bool inside = true;
                for (int i = 0; i < rank; i++)
                {
                    pos[i] = xi[1 + i] * strides[i] + kk[i] * dilation[i] - before[i];
                    if (pos[i] < 0 || pos[i] >= outLen[i]) inside = false;
                }
                if (!inside) continue;
                for (int f = 0; f < filters; f++)
                {
                    int[] yi = [xi[0], .. pos, f];
                    int[] ki = [.. kk, f, xi[^1]];
                    acc[y.Offset(yi)] += v * kernel[ki];
                }
            }
        }
        for (int i = 0; i < acc.Length; i++) y.Data[i] = (float)acc[i];
        return y;
    }

    /// <summary>Pooling of x (N, spatial…, C); 'same' windows see only valid elements (max ignores padding, average divides by the valid count).</summary>
    public static Arr Pool(Arr x, int[] pool, int[] strides, string padding, bool max)
    {
        int rank = x.Shape.Length - 2;
        var spatial = x.Shape[1..^1];
        var ones = Enumerable.Repeat(1, rank).ToArray();
        var geo = Geometry(spatial, pool, strides, ones, padding);
        var outShape = new[] { x.Shape[0] }.Concat(geo.Select(g => g.Out)).Append(x.Shape[^1]).ToArray();
        var y = new Arr(new float[outShape.Aggregate(1, (a, b) => a * b)], outShape);
        var pos = new int[rank];
        foreach (var o in Arr.Indices(outShape))
        {
            double acc = max ? double.NegativeInfinity : 0;
            int count = 0;
            foreach (var kk in Arr.Indices(pool))
            {
                bool inside = true;
                for (int i = 0; i < rank; i++)
                {
                    pos[i] = o[1 + i] * strides[i] + kk[i] - geo[i].Before;
                    if (pos[i] < 0 || pos[i] >= spatial[i]) inside = false;
                }
                if (!inside) continue;
                float v = x[[o[0], .. pos, o[^1]]];
                acc = max ? Math.Max(acc, v) : acc + v;
                count++;
            }
            y[o] = (float)(max ? acc : acc / count);
        }
        return y;
    }

    /// <summary>
    /// Keras 2 LocallyConnected (implementation 1), channels_last: output[n, o…, f] =
    /// Σ patch(n, o)[j] · kernel[position(o), j, f] + bias, the patch flattened in (k…, C) order.
    /// </summary>
    public static Arr LocallyConnected(Arr x, Arr kernel, int[] k, int[] strides, bool channelsFirst)
    {
        int rank = x.Shape.Length - 2;
        var xl = channelsFirst ? x.ToChannelsLast() : x;
        var spatial = xl.Shape[1..^1];
        int c = xl.Shape[^1];
        var outLen = spatial.Select((s, i) => (s - k[i]) / strides[i] + 1).ToArray();
        int filters = kernel.Shape[2];
        var outShape = new[] { x.Shape[0] }.Concat(outLen).Append(filters).ToArray();
        var y = new Arr(new float[outShape.Aggregate(1, (a, b) => a * b)], outShape);
        foreach (var o in Arr.Indices(outShape))
        {
            int position = 0;
            for (int i = 0; i < rank; i++) position = position * outLen[i] + o[1 + i];
            double sum = 0;
            foreach (var kk in Arr.Indices(k))
            {
                for (int ci = 0; ci < c; ci++)
                {
                    // Feature index of (kk…, ci) in the flattened patch: (k…, C) for channels_last, (C, k…) for channels_first.
                    int j;
                    if (!channelsFirst)
                    {
                        j = 0;
                        for (int i = 0; i < rank; i++) j = j * k[i] + kk[i];
                        j = j * c + ci;
                    }
                    else
                    {
                        j = ci;
                        for (int i = 0; i < rank; i++) j = j * k[i] + kk[i];
                    }
                    int[] xi = [o[0], .. Enumerable.Range(0, rank).Select(i => o[1 + i] * strides[i] + kk[i]), ci];
                    sum += xl[xi] * kernel[position, j, o[^1]];
                }
            }
            y[o] = (float)sum;
        }
        return channelsFirst ? y.ToChannelsFirst() : y;
    }
}
