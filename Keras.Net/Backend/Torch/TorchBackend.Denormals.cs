using System.Runtime.InteropServices;

namespace Keras.Backend.Torch;

internal sealed partial class TorchBackend
{
    /// <summary>
    /// Flushes denormal floats to zero in libtorch's CPU kernels (as TensorFlow does by default).
    /// Arithmetic on denormals is tens of times slower on x86, and optimizer moments decay into that
    /// range during training; values below ~1.2e-38 become 0. TorchSharp 0.107 has no binding, so this
    /// calls libtorch's exported static <c>at::Context::setFlushDenormal</c> directly.
    /// It sets the calling thread's floating-point control register (threads started later inherit it).
    /// Returns false where the runtime cannot do it (not x86, or another libtorch build).
    /// </summary>
    internal static bool TrySetFlushDenormal(bool on)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return false;
        try
        {
            return LibTorch.SetFlushDenormal(on);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static class LibTorch
    {
        // A static member (static bool Context::setFlushDenormal(bool on)): no context argument.
        [DllImport("libtorch_cpu.so", EntryPoint = "_ZN2at7Context16setFlushDenormalEb")]
        [return: MarshalAs(UnmanagedType.U1)]
        public static extern bool SetFlushDenormal([MarshalAs(UnmanagedType.U1)] bool on);
    }
}
