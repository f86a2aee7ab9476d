namespace Keras.Native;

/// <summary>
/// Describes the loaded native runtime: versions, which <c>LibTorchSharp</c> file is in use (and whether it is a
/// patched copy), CUDA availability and thread counts. Obtained from <see cref="TorchRuntime.Info"/>.
/// </summary>
public sealed record TorchRuntimeInfo
{
    /// <summary>The libtorch version TorchSharp was built against (<c>torch.__version__</c>), e.g. <c>2.10.0.0</c>.</summary>
    public required string LibTorchVersion { get; init; }

    /// <summary>The TorchSharp package version, e.g. <c>0.107.0</c>.</summary>
    public required string TorchSharpVersion { get; init; }

    /// <summary>
    /// Full path of the <c>LibTorchSharp</c> library in use, or null when the platform loader does not report it.
    /// When <see cref="ShimPatched"/> is true this is the patched copy in the cache folder (if the private temporary
    /// fallback had to be used, that copy is deleted once loaded, so the path may no longer exist).
    /// </summary>
    public string? ShimPath { get; init; }

    /// <summary>True when the shim could not load as shipped and a copy with weakened version requirements is in use.</summary>
    public bool ShimPatched { get; init; }

    /// <summary>When <see cref="ShimPatched"/> is true, the shipped file the patched copy was made from; otherwise null.</summary>
    public string? OriginalShimPath { get; init; }

    /// <summary>True when a verified patched copy from an earlier run was reused rather than written now.</summary>
    public bool PatchedShimReused { get; init; }

    /// <summary>The symbol versions made weak in the patched copy, as <c>library:version</c> (e.g. <c>libstdc++.so.6:GLIBCXX_3.4.32</c>); empty when not patched.</summary>
    public IReadOnlyList<string> WeakenedVersions { get; init; } = [];

    /// <summary>The folder libtorch's libraries were loaded from when this bootstrap loaded them itself; otherwise null.</summary>
    public string? LibTorchDirectory { get; init; }

    /// <summary>Whether libtorch reports a usable CUDA device (<c>torch.cuda.is_available()</c>).</summary>
    public bool CudaAvailable { get; init; }

    /// <summary>libtorch's intra-op thread count (<c>torch.get_num_threads()</c>) when this snapshot was taken.</summary>
    public int NumThreads { get; init; }

    /// <summary>libtorch's inter-op thread count (<c>torch.get_num_interop_threads()</c>) when this snapshot was taken.</summary>
    public int NumInteropThreads { get; init; }

    /// <summary>
    /// True when libtorch's MKL was let past its CPU-vendor check on this AMD CPU, so its GEMMs use the AVX2/AVX-512
    /// kernels it would use on an Intel CPU with the same instruction sets (<c>KERAS_NET_MKL_VENDOR_DISPATCH=0</c>
    /// turns this off). <see cref="MklDispatchNote"/> says why when it is false.
    /// </summary>
    public bool MklVendorDispatch { get; init; }

    /// <summary>How MKL chooses its CPU code path in this process, or why the AMD override was not applied.</summary>
    public string MklDispatchNote { get; init; } = string.Empty;

    /// <summary>The steps the bootstrap took, for diagnostics.</summary>
    public IReadOnlyList<string> LoadTrace { get; init; } = [];

    /// <summary>A one-line summary (without the load trace), e.g. for logs and diagnostics.</summary>
    /// <returns>The summary.</returns>
    public override string ToString()
    {
        var shim = ShimPath ?? "(path unknown)";
        if (ShimPatched)
        {
            shim += $" (patched copy of {OriginalShimPath}, weakened {string.Join(", ", WeakenedVersions)}, {(PatchedShimReused ? "reused from cache" : "created")})";
        }

        return $"libtorch {LibTorchVersion}, TorchSharp {TorchSharpVersion}, shim {shim}, " +
            $"CUDA {(CudaAvailable ? "available" : "not available")}, {NumThreads} intra-op / {NumInteropThreads} inter-op threads, " +
            $"MKL: {MklDispatchNote}";
    }
}
