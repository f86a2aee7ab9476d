using Keras.Data;
using Keras.Native;
using TorchSharp;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;

namespace Keras.Backend.Torch;

/// <summary>The libtorch backend (through TorchSharp). All runtime calls of Keras.Net live here.</summary>
internal sealed partial class TorchBackend : IBackend
{
    private readonly torch.Device _device;

    internal TorchBackend(string? device)
    {
        TorchRuntime.EnsureLoaded();
        _device = ResolveDevice(device);
        // Denormal arithmetic is very slow on CPUs; Keras's reference runtime (TensorFlow) flushes them too.
        // KERAS_NET_FLUSH_DENORMAL=0 keeps them.
        FlushesDenormals = Environment.GetEnvironmentVariable("KERAS_NET_FLUSH_DENORMAL") != "0" && TrySetFlushDenormal(true);
    }

    // The flush is a bit in each thread's floating-point control register: threads libtorch starts later
    // inherit it from their creator, but threads the application brings (thread pool, ASP.NET requests)
    // must set it themselves, or their results and speed would depend on which thread ran them.
    public void PrepareThread()
    {
        if (FlushesDenormals) TrySetFlushDenormal(true);
    }

    public string Name => "torch";

    public string Device => _device.ToString();

    internal torch.Device TorchDevice => _device;

    /// <summary>Whether CPU kernels flush denormal floats to zero.</summary>
    internal bool FlushesDenormals { get; }

    public RuntimeInfo GetInfo() => new(
        Name,
        TorchRuntime.Info.LibTorchVersion,
        TorchRuntime.Info.TorchSharpVersion,
        Device,
        torch.cuda.is_available(),
        torch.get_num_threads(),
        torch.get_num_interop_threads(),
        TorchRuntime.Info + (FlushesDenormals ? "; denormal floats flushed to zero" : ""));

    public void SetNumThreads(int threads) => torch.set_num_threads(threads);

    private static torch.Device ResolveDevice(string? requested)
    {
        var name = string.IsNullOrWhiteSpace(requested) ? "auto" : requested.Trim().ToLowerInvariant();
        if (name == "auto")
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (name == "cpu") return torch.CPU;
        if (name.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new InvalidOperationException(
                    $"Device '{requested}' was requested but CUDA is not available: reference a CUDA libtorch runtime package " +
                    "(e.g. TorchSharp-cuda-linux) instead of TorchSharp-cpu and run on a machine with an NVIDIA GPU, or choose 'cpu'.");
            return new torch.Device(name);
        }
        throw new ArgumentException($"Unknown device '{requested}'. Expected 'cpu', 'cuda', 'cuda:N' or 'auto'.", nameof(requested));
    }

    // ---- conversions ----

    internal static TT T(Tensor t) => t is TorchTensor tt
        ? tt.Value
        : throw new ArgumentException(t.IsSymbolic
            ? $"{t} is symbolic and has no values: ops on KerasTensors must happen inside a layer (or build a Model and call it)."
            : $"{t.GetType().Name} is not a tensor of the torch backend.");

    private static Tensor W(TT t) => new TorchTensor(t);

    internal static ScalarType ToScalarType(DType d) => d switch
    {
        DType.Float32 => ScalarType.Float32,
        DType.Float64 => ScalarType.Float64,
        DType.Float16 => ScalarType.Float16,
        DType.BFloat16 => ScalarType.BFloat16,
        DType.Int8 => ScalarType.Int8,
        DType.Int16 => ScalarType.Int16,
        DType.Int32 => ScalarType.Int32,
        DType.Int64 => ScalarType.Int64,
        DType.UInt8 => ScalarType.Byte,
        DType.Bool => ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, "Unsupported dtype."),
    };

    internal static DType ToDType(ScalarType s) => s switch
    {
        ScalarType.Float32 => DType.Float32,
        ScalarType.Float64 => DType.Float64,
        ScalarType.Float16 => DType.Float16,
        ScalarType.BFloat16 => DType.BFloat16,
        ScalarType.Int8 => DType.Int8,
        ScalarType.Int16 => DType.Int16,
        ScalarType.Int32 => DType.Int32,
        ScalarType.Int64 => DType.Int64,
        ScalarType.Byte => DType.UInt8,
        ScalarType.Bool => DType.Bool,
        _ => throw new NotSupportedException($"The torch dtype {s} has no Keras dtype."),
    };

    public Tensor FromHost(HostArray array, DType? dtype = null)
    {
        var shape = array.Shape;
        TT t = array.Data switch
        {
            float[] a => torch.tensor(a, shape),
            double[] a => torch.tensor(a, shape),
            int[] a => torch.tensor(a, shape),
            long[] a => torch.tensor(a, shape),
            byte[] a => torch.tensor(a, shape),
            bool[] a => torch.tensor(a, shape),
            short[] a => torch.tensor(a, shape),
            sbyte[] a => torch.tensor(a, shape),
            Half[] a => torch.tensor(Array.ConvertAll(a, h => (float)h), shape, ScalarType.Float16),
            _ => throw new ArgumentException($"Unsupported host array element type {array.Data.GetType().GetElementType()?.Name}."),
        };
        var target = dtype ?? array.DType;
        if (t.dtype != ToScalarType(target) || t.device.type != _device.type)
        {
            var moved = t.to(ToScalarType(target), _device);
            t.Dispose();
            t = moved;
        }
        return W(t);
    }

    public Tensor? FromNative(object value) => value is TT t
        ? W(t.device.type == _device.type ? t.alias() : t.to(_device))
        : null;

    internal static HostArray ToHost(TT value)
    {
        using var scope = torch.NewDisposeScope();
        var t = value.detach();
        if (t.device.type != DeviceType.CPU) t = t.cpu();
        t = t.contiguous();
        var shape = t.shape;
        return t.dtype switch
        {
            ScalarType.Float32 => HostArray.Create(t.data<float>().ToArray(), shape),
            ScalarType.Float64 => HostArray.Create(t.data<double>().ToArray(), shape),
            ScalarType.Int32 => HostArray.Create(t.data<int>().ToArray(), shape),
            ScalarType.Int64 => HostArray.Create(t.data<long>().ToArray(), shape),
            ScalarType.Byte => HostArray.Create(t.data<byte>().ToArray(), shape),
            ScalarType.Bool => HostArray.Create(t.data<bool>().ToArray(), shape),
            ScalarType.Int16 => HostArray.Create(t.data<short>().ToArray(), shape),
            ScalarType.Int8 => HostArray.Create(t.data<sbyte>().ToArray(), shape),
            ScalarType.Float16 or ScalarType.BFloat16 => HostArray.Create(t.to_type(ScalarType.Float32).data<float>().ToArray(), shape),
            _ => throw new NotSupportedException($"Cannot copy a {t.dtype} tensor to the host."),
        };
    }

    public Tensor Full(Shape shape, double value, DType dtype) =>
        W(torch.full(shape.ToLongArray(), value, ToScalarType(dtype), _device));

    public Tensor Arange(long start, long stop, long step, DType dtype) =>
        W(torch.arange(start, stop, step, ToScalarType(dtype), _device));

    private torch.Generator Gen(long seed) => new((ulong)seed, _device);

    public Tensor RandomUniform(Shape shape, double minval, double maxval, DType dtype, long seed)
    {
        using var g = Gen(seed);
        using var u = torch.rand(shape.ToLongArray(), ToScalarType(dtype), _device, generator: g);
        return W(u.mul(maxval - minval).add_(minval));
    }

    public Tensor RandomNormal(Shape shape, double mean, double stddev, DType dtype, long seed)
    {
        using var g = Gen(seed);
        using var n = torch.randn(shape.ToLongArray(), ToScalarType(dtype), _device, generator: g);
        return W(n.mul(stddev).add_(mean));
    }

    public Tensor RandomPermutation(long n, long seed)
    {
        using var g = new torch.Generator((ulong)seed, torch.CPU);
        var p = torch.randperm(n, ScalarType.Int64, torch.CPU, generator: g);
        if (_device.type == DeviceType.CPU) return W(p);
        using (p) return W(p.to(_device));
    }

    public Tensor Cast(Tensor x, DType dtype) => W(T(x).to_type(ToScalarType(dtype)));

    // ---- variables ----

    public Tensor CreateVariable(Tensor initialValue, bool trainable)
    {
        TT v;
        using (torch.no_grad())
            v = T(initialValue).detach().to(_device).clone();
        // Variables live as long as their layer, never in a caller's dispose scope.
        v.DetachFromDisposeScope();
        if (trainable) v.requires_grad_(true);
        return W(v);
    }

    public void Assign(Tensor variable, Tensor value)
    {
        using var _ = torch.no_grad();
        T(variable).copy_(T(value));
    }

    public void AssignAdd(Tensor variable, Tensor delta)
    {
        using var _ = torch.no_grad();
        T(variable).add_(T(delta));
    }

    public void AssignSub(Tensor variable, Tensor delta)
    {
        using var _ = torch.no_grad();
        T(variable).sub_(T(delta));
    }

    public void SetRequiresGrad(Tensor variable, bool requiresGrad) => T(variable).requires_grad_(requiresGrad);

    public void ScaleAdd(Tensor variable, double scale, Tensor? other, double alpha)
    {
        using var _ = torch.no_grad();
        var v = T(variable);
        // A moving average (scale + alpha = 1, as in every optimizer's moments): one pass instead of two.
        if (other is not null && scale != 1.0 && Math.Abs(scale + alpha - 1.0) < 1e-12)
        {
            v.lerp_(T(other), alpha);
            return;
        }
        if (scale != 1.0) v.mul_(scale);
        if (other is not null && alpha != 0.0) v.add_(T(other), alpha);
    }

    public void AddScalar(Tensor variable, double value)
    {
        using var _ = torch.no_grad();
        T(variable).add_(value);
    }

    public void AddProduct(Tensor variable, Tensor a, Tensor b, double value)
    {
        using var _ = torch.no_grad();
        T(variable).addcmul_(T(a), T(b), value);
    }

    public void AddQuotient(Tensor variable, Tensor a, Tensor b, double value)
    {
        using var _ = torch.no_grad();
        T(variable).addcdiv_(T(a), T(b), value);
    }

    public void AssignSqrt(Tensor variable, Tensor source)
    {
        using var _ = torch.no_grad();
        T(variable).copy_(T(source)).sqrt_();
    }

    // ---- elementwise ----

    public Tensor Add(Tensor a, Tensor b) => W(T(a).add(T(b)));
    public Tensor Add(Tensor a, double b) => W(T(a).add(b));
    public Tensor Subtract(Tensor a, Tensor b) => W(T(a).sub(T(b)));
    public Tensor Multiply(Tensor a, Tensor b) => W(T(a).mul(T(b)));
    public Tensor Multiply(Tensor a, double b) => W(T(a).mul(b));
    public Tensor Divide(Tensor a, Tensor b) => W(T(a).div(T(b)));
    public Tensor Power(Tensor a, double exponent) => W(T(a).pow(exponent));
    public Tensor Maximum(Tensor a, Tensor b) => W(torch.maximum(T(a), T(b)));
    public Tensor Minimum(Tensor a, Tensor b) => W(torch.minimum(T(a), T(b)));
    public Tensor Clip(Tensor x, double min, double max) => W(T(x).clamp(min, max));
    public Tensor Negative(Tensor x) => W(T(x).neg());
    public Tensor Abs(Tensor x) => W(T(x).abs());
    public Tensor Sign(Tensor x) => W(T(x).sign());
    public Tensor Square(Tensor x) => W(T(x).square());
    public Tensor Sqrt(Tensor x) => W(T(x).sqrt());
    public Tensor Exp(Tensor x) => W(T(x).exp());
    public Tensor Log(Tensor x) => W(T(x).log());
    public Tensor Log1p(Tensor x) => W(T(x).log1p());
    public Tensor Tanh(Tensor x) => W(T(x).tanh());
    public Tensor Floor(Tensor x) => W(T(x).floor());
    public Tensor Round(Tensor x) => W(T(x).round());
    public Tensor Equal(Tensor a, Tensor b) => W(T(a).eq(T(b)));
    public Tensor Greater(Tensor a, Tensor b) => W(T(a).gt(T(b)));
    public Tensor GreaterEqual(Tensor a, Tensor b) => W(T(a).ge(T(b)));
    public Tensor Less(Tensor a, Tensor b) => W(T(a).lt(T(b)));
    public Tensor Where(Tensor condition, Tensor a, Tensor b) => W(torch.where(T(condition), T(a), T(b)));

    // ---- neural-network functions ----

    public Tensor Relu(Tensor x) => W(torch.nn.functional.relu(T(x)));
    public Tensor Relu6(Tensor x) => W(torch.nn.functional.relu6(T(x)));
    public Tensor LeakyRelu(Tensor x, double negativeSlope) => W(torch.nn.functional.leaky_relu(T(x), negativeSlope));
    public Tensor Elu(Tensor x, double alpha) => W(torch.nn.functional.elu(T(x), alpha));
    public Tensor Selu(Tensor x) => W(torch.nn.functional.selu(T(x)));
    public Tensor Gelu(Tensor x, bool approximate)
    {
        var input = T(x);
        if (!approximate) return W(torch.nn.functional.gelu(input));
        // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), Keras's approximate GELU.
        using var scope = torch.NewDisposeScope();
        var inner = input.add(input.pow(3).mul(0.044715)).mul(Math.Sqrt(2.0 / Math.PI));
        return W(input.mul(0.5).mul(inner.tanh().add(1.0)).MoveToOuterDisposeScope());
    }
    public Tensor Sigmoid(Tensor x) => W(T(x).sigmoid());
    // Keras's hard_sigmoid: relu6(x + 3) / 6, which is torch's hardsigmoid.
    public Tensor HardSigmoid(Tensor x) => W(torch.nn.functional.hardsigmoid(T(x)));
    public Tensor Silu(Tensor x) => W(torch.nn.functional.silu(T(x)));
    public Tensor Mish(Tensor x) => W(torch.nn.functional.mish(T(x)));
    public Tensor Softplus(Tensor x) => W(torch.nn.functional.softplus(T(x)));
    public Tensor Softsign(Tensor x) => W(torch.nn.functional.softsign(T(x)));
    public Tensor Softmax(Tensor x, int axis) => W(torch.nn.functional.softmax(T(x), axis));
    public Tensor LogSoftmax(Tensor x, int axis) => W(torch.nn.functional.log_softmax(T(x), axis));
    public Tensor LogSumExp(Tensor x, int[] axes, bool keepDims)
    {
        if (axes.Length == 1) return W(T(x).logsumexp(axes[0], keepDims));
        using var scope = torch.NewDisposeScope();
        var max = T(x).amax(Longs(axes), true).detach();
        var result = T(x).sub(max).exp().sum(Longs(axes), true).log().add(max);
        if (!keepDims) foreach (var a in axes.OrderDescending()) result = result.squeeze(a);
        return W(result.MoveToOuterDisposeScope());
    }

    public Tensor Dropout(Tensor x, double rate, long seed)
    {
        var input = T(x);
        using var g = Gen(seed);
        using var keep = torch.full(input.shape, 1.0 - rate, input.dtype, input.device);
        using var mask = torch.bernoulli(keep, g);
        return W(input.mul(mask).div_(1.0 - rate));
    }

    // ---- linear algebra and reductions ----

    public Tensor MatMul(Tensor a, Tensor b) => W(T(a).matmul(T(b)));

    public Tensor Dense(Tensor x, Tensor kernel, Tensor? bias)
    {
        var input = T(x);
        var k = T(kernel);
        if (bias is null) return W(input.matmul(k));
        var b = T(bias);
        return input.dim() == 2 ? W(torch.addmm(b, input, k, 1, 1)) : W(input.matmul(k).add(b));
    }

    private static long[] Longs(int[] axes) => Array.ConvertAll(axes, a => (long)a);

    public Tensor Sum(Tensor x, int[]? axes, bool keepDims) =>
        axes is null ? W(keepDims ? T(x).sum().reshape(Ones(x.Rank)) : T(x).sum()) : W(T(x).sum(Longs(axes), keepDims));

    public Tensor Mean(Tensor x, int[]? axes, bool keepDims) =>
        axes is null ? W(keepDims ? T(x).mean().reshape(Ones(x.Rank)) : T(x).mean()) : W(T(x).mean(Longs(axes), keepDims));

    public Tensor Max(Tensor x, int[]? axes, bool keepDims) => Reduce(x, axes, keepDims, (t, a, k) => t.amax(a, k));

    public Tensor Min(Tensor x, int[]? axes, bool keepDims) => Reduce(x, axes, keepDims, (t, a, k) => t.amin(a, k));

    private static long[] Ones(int rank) => Enumerable.Repeat(1L, rank).ToArray();

    private static Tensor Reduce(Tensor x, int[]? axes, bool keepDims, Func<TT, long[], bool, TT> f) =>
        W(f(T(x), Longs(axes ?? Enumerable.Range(0, x.Rank).ToArray()), keepDims));

    public Tensor ArgMax(Tensor x, int axis, bool keepDims) => W(T(x).argmax(axis, keepDims));

    public Tensor TopKContains(Tensor predictions, Tensor targets, int k)
    {
        using var scope = torch.NewDisposeScope();
        var (_, idx) = T(predictions).topk(k, dim: -1);
        var hit = idx.eq(T(targets).to_type(ScalarType.Int64).unsqueeze(-1)).any(-1);
        return W(hit.MoveToOuterDisposeScope());
    }

    // ---- shapes and indexing ----

    public Tensor Reshape(Tensor x, long[] shape) => W(T(x).reshape(shape));
    public Tensor Transpose(Tensor x, int[] permutation) => W(T(x).permute(Longs(permutation)));
    public Tensor ExpandDims(Tensor x, int axis) => W(T(x).unsqueeze(axis));
    public Tensor Squeeze(Tensor x, int axis) => W(T(x).squeeze(axis));
    public Tensor Concatenate(IReadOnlyList<Tensor> xs, int axis) => W(torch.cat(xs.Select(T).ToArray(), axis));
    public Tensor Stack(IReadOnlyList<Tensor> xs, int axis) => W(torch.stack(xs.Select(T).ToArray(), axis));
    public Tensor Slice(Tensor x, int axis, long start, long length) => W(T(x).narrow(axis, start, length));
    public Tensor Take(Tensor x, Tensor indices, int axis) => W(T(x).index_select(axis, T(indices)));

    public Tensor OneHot(Tensor indices, int numClasses, DType dtype)
    {
        using var oh = torch.nn.functional.one_hot(T(indices).to_type(ScalarType.Int64), numClasses);
        return W(oh.to_type(ToScalarType(dtype)));
    }

    public Tensor BroadcastTo(Tensor x, long[] shape) => W(T(x).broadcast_to(shape));

    // ---- autodiff ----

    public Tensor[] Gradients(Tensor target, IReadOnlyList<Tensor> sources, bool retainGraph = false)
    {
        var inputs = sources.Select(T).ToArray();
        foreach (var (input, i) in inputs.Select((t, i) => (t, i)))
        {
            if (!input.requires_grad)
                throw new ArgumentException($"Source {i} of the gradient is not being recorded: pass trainable variables, or tensors returned by GradientTape.Watch.");
        }
        var grads = torch.autograd.grad(new[] { T(target) }, inputs, retain_graph: retainGraph, allow_unused: true);
        var result = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var g = grads[i];
            result[i] = g is null || g.IsInvalid ? W(torch.zeros_like(inputs[i])) : W(g);
        }
        return result;
    }

    public IDisposable NoGrad() => torch.no_grad();

    public Tensor Watch(Tensor x)
    {
        var t = T(x);
        return t.requires_grad ? x : W(t.detach().requires_grad_(true));
    }

    public Tensor StopGradient(Tensor x) => W(T(x).detach());

    // ---- memory ----

    public long LiveTensorCount => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    public ITensorScope NewScope() => new TorchScope(torch.NewDisposeScope());

    // libtorch's CPU tensors live in the C heap, which keeps freed blocks (see NativeHeap).
    public bool ReleaseFreeMemory(TimeSpan minInterval) => _device.type == DeviceType.CPU && Keras.Native.NativeHeap.TrimIfDue(minInterval);

    private sealed class TorchScope(DisposeScope scope) : ITensorScope
    {
        public T1 Keep<T1>(T1 tensor) where T1 : Tensor
        {
            if (tensor is TorchTensor tt) scope.MoveToOuter(tt.Value);
            return tensor;
        }

        public void Dispose() => scope.Dispose();
    }
}
