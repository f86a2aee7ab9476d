using Keras.Data;

namespace Keras.Backend;

/// <summary>
/// The seam between Keras and a compute runtime (Keras 3's <c>keras.backend</c>): every tensor
/// operation the layers, losses and optimizers need. Layers never call a runtime directly; they
/// call <see cref="Ops"/>, which calls the current backend. A new runtime (CUDA libtorch,
/// libtensorflow, …) implements this interface and nothing above it changes.
/// Axes are always normalised (non-negative) by <see cref="Ops"/> before they reach a backend.
/// </summary>
public partial interface IBackend
{
    /// <summary>The backend's name (<c>"torch"</c>).</summary>
    string Name { get; }

    /// <summary>The device tensors are created on (<c>"cpu"</c>, <c>"cuda:0"</c>).</summary>
    string Device { get; }

    /// <summary>Versions, device and threads of the native runtime.</summary>
    RuntimeInfo GetInfo();

    /// <summary>
    /// Applies per-thread runtime settings (e.g. flushing denormal floats) to the calling thread;
    /// <see cref="KerasBackend.Current"/> calls it once on every thread that uses the backend.
    /// </summary>
    void PrepareThread();

    /// <summary>Sets the number of intra-op threads.</summary>
    void SetNumThreads(int threads);

    // ---- creation and transfer ----
    Tensor FromHost(HostArray array, DType? dtype = null);
    /// <summary>Wraps a tensor of the runtime's own type (e.g. a TorchSharp tensor), or returns null for other objects.</summary>
    Tensor? FromNative(object value);
    Tensor Full(Shape shape, double value, DType dtype);
    Tensor Arange(long start, long stop, long step, DType dtype);
    Tensor RandomUniform(Shape shape, double minval, double maxval, DType dtype, long seed);
    Tensor RandomNormal(Shape shape, double mean, double stddev, DType dtype, long seed);
    /// <summary>A random permutation of 0..n-1 (int64).</summary>
    Tensor RandomPermutation(long n, long seed);
    Tensor Cast(Tensor x, DType dtype);

    // ---- variables ----
    Tensor CreateVariable(Tensor initialValue, bool trainable);
    void Assign(Tensor variable, Tensor value);
    void AssignAdd(Tensor variable, Tensor delta);
    void AssignSub(Tensor variable, Tensor delta);
    void SetRequiresGrad(Tensor variable, bool requiresGrad);
    /// <summary>In place: <c>variable = variable * scale + alpha * other</c> (other may be null).</summary>
    void ScaleAdd(Tensor variable, double scale, Tensor? other, double alpha);
    /// <summary>In place: <c>variable += value</c> (a number; no tensor is allocated).</summary>
    void AddScalar(Tensor variable, double value);
    /// <summary>In place: <c>variable += value * a * b</c>.</summary>
    void AddProduct(Tensor variable, Tensor a, Tensor b, double value);
    /// <summary>In place: <c>variable += value * a / b</c>.</summary>
    void AddQuotient(Tensor variable, Tensor a, Tensor b, double value);
    /// <summary>In place: <c>variable = sqrt(source)</c> (no tensor is allocated).</summary>
    void AssignSqrt(Tensor variable, Tensor source);

    // ---- elementwise ----
    Tensor Add(Tensor a, Tensor b);
    Tensor Add(Tensor a, double b);
    Tensor Subtract(Tensor a, Tensor b);
    Tensor Multiply(Tensor a, Tensor b);
    Tensor Multiply(Tensor a, double b);
    Tensor Divide(Tensor a, Tensor b);
    Tensor Power(Tensor a, double exponent);
    Tensor Maximum(Tensor a, Tensor b);
    Tensor Minimum(Tensor a, Tensor b);
    Tensor Clip(Tensor x, double min, double max);
    Tensor Negative(Tensor x);
    Tensor Abs(Tensor x);
    Tensor Sign(Tensor x);
    Tensor Square(Tensor x);
    Tensor Sqrt(Tensor x);
    Tensor Exp(Tensor x);
    Tensor Log(Tensor x);
    Tensor Log1p(Tensor x);
    Tensor Tanh(Tensor x);
    Tensor Floor(Tensor x);
    Tensor Round(Tensor x);
    Tensor Equal(Tensor a, Tensor b);
    Tensor Greater(Tensor a, Tensor b);
    Tensor GreaterEqual(Tensor a, Tensor b);
    Tensor Less(Tensor a, Tensor b);
    Tensor Where(Tensor condition, Tensor a, Tensor b);

    // ---- neural-network functions ----
    Tensor Relu(Tensor x);
    Tensor Relu6(Tensor x);
    Tensor LeakyRelu(Tensor x, double negativeSlope);
    Tensor Elu(Tensor x, double alpha);
    Tensor Selu(Tensor x);
    Tensor Gelu(Tensor x, bool approximate);
    Tensor Sigmoid(Tensor x);
    Tensor HardSigmoid(Tensor x);
    Tensor Silu(Tensor x);
    Tensor Mish(Tensor x);
    Tensor Softplus(Tensor x);
    Tensor Softsign(Tensor x);
    Tensor Softmax(Tensor x, int axis);
    Tensor LogSoftmax(Tensor x, int axis);
    Tensor LogSumExp(Tensor x, int[] axes, bool keepDims);
    Tensor Dropout(Tensor x, double rate, long seed);

    // ---- linear algebra and reductions ----
    Tensor MatMul(Tensor a, Tensor b);
    /// <summary><c>x @ kernel + bias</c> in one call (bias may be null).</summary>
    Tensor Dense(Tensor x, Tensor kernel, Tensor? bias);
    Tensor Sum(Tensor x, int[]? axes, bool keepDims);
    Tensor Mean(Tensor x, int[]? axes, bool keepDims);
    Tensor Max(Tensor x, int[]? axes, bool keepDims);
    Tensor Min(Tensor x, int[]? axes, bool keepDims);
    Tensor ArgMax(Tensor x, int axis, bool keepDims);
    Tensor TopKContains(Tensor predictions, Tensor targets, int k);

    // ---- shapes and indexing ----
    Tensor Reshape(Tensor x, long[] shape);
    Tensor Transpose(Tensor x, int[] permutation);
    Tensor ExpandDims(Tensor x, int axis);
    Tensor Squeeze(Tensor x, int axis);
    Tensor Concatenate(IReadOnlyList<Tensor> xs, int axis);
    Tensor Stack(IReadOnlyList<Tensor> xs, int axis);
    Tensor Slice(Tensor x, int axis, long start, long length);
    /// <summary>Rows of <paramref name="x"/> along <paramref name="axis"/> at the int64 <paramref name="indices"/>.</summary>
    Tensor Take(Tensor x, Tensor indices, int axis);
    Tensor OneHot(Tensor indices, int numClasses, DType dtype);
    Tensor BroadcastTo(Tensor x, long[] shape);

    // ---- autodiff ----
    /// <summary>Gradients of the scalar <paramref name="target"/> with respect to <paramref name="sources"/> (zeros where unconnected).</summary>
    Tensor[] Gradients(Tensor target, IReadOnlyList<Tensor> sources, bool retainGraph = false);
    /// <summary>A tensor equal to <paramref name="x"/> whose gradient can be taken (Keras/TF's <c>tape.watch</c>).</summary>
    Tensor Watch(Tensor x);
    /// <summary>Disables gradient recording until disposed.</summary>
    IDisposable NoGrad();
    /// <summary>Detaches a tensor from gradient recording (Keras's <c>stop_gradient</c>).</summary>
    Tensor StopGradient(Tensor x);

    // ---- memory ----
    /// <summary>Runtime tensors created on the calling thread and not yet freed (a leak diagnostic).</summary>
    long LiveTensorCount { get; }

    /// <summary>Opens a scope that frees every tensor created inside it when disposed, except those kept.</summary>
    ITensorScope NewScope();

    /// <summary>
    /// Gives memory the runtime's allocators hold free back to the operating system, if the last release was
    /// at least <paramref name="minInterval"/> ago (it costs up to ~100 ms). <c>Fit</c> calls it after every
    /// epoch so that a long training run's resident memory follows what is in use. Returns whether it released.
    /// </summary>
    bool ReleaseFreeMemory(TimeSpan minInterval);
}

/// <summary>A region whose temporary tensors are freed together (see <see cref="Ops.Scope"/>).</summary>
public interface ITensorScope : IDisposable
{
    /// <summary>Keeps <paramref name="tensor"/> alive past this scope (moves it to the enclosing scope, if any).</summary>
    T Keep<T>(T tensor) where T : Tensor;
}
