namespace Keras.Backend;

/// <summary>What the native runtime is and how it runs (see <see cref="KerasBackend.Info"/>).</summary>
/// <param name="Backend">The backend's name (<c>torch</c>).</param>
/// <param name="RuntimeVersion">The native runtime's version (libtorch's).</param>
/// <param name="BindingVersion">The managed binding's version (TorchSharp's).</param>
/// <param name="Device">The device tensors are created on.</param>
/// <param name="CudaAvailable">Whether a CUDA device is usable.</param>
/// <param name="Threads">Intra-op threads.</param>
/// <param name="InteropThreads">Inter-op threads.</param>
/// <param name="LoaderNote">How the native libraries were loaded (e.g. a patched shim and its path).</param>
public sealed record RuntimeInfo(
    string Backend,
    string RuntimeVersion,
    string BindingVersion,
    string Device,
    bool CudaAvailable,
    int Threads,
    int InteropThreads,
    string LoaderNote)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Backend} {RuntimeVersion} (binding {BindingVersion}) on {Device}, {Threads} threads, CUDA {(CudaAvailable ? "available" : "not available")}; {LoaderNote}";
}
