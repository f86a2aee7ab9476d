using System.Diagnostics;
using System.Runtime.InteropServices;
using Keras.Backend;
using Keras.Native;

namespace Keras.Net.Tests.Native;

/// <summary>Giving the C heap's free pages back to the operating system (glibc's malloc_trim).</summary>
[TestClass]
[DoNotParallelize] // measures this process's resident memory
public class NativeHeapTests
{
    private static long ResidentBytes()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }

    [TestMethod]
    public void TrimReturnsTheFreeBlocksBetweenLiveOnesToTheSystem()
    {
        Assert.IsTrue(NativeHeap.CanTrim, "this Linux host's C library is glibc, which can trim");
        // 64 KiB blocks stay below glibc's mmap threshold, so they come from the heap. Freeing every other one
        // leaves 128 MiB of free blocks that cannot merge with each other or with the heap's top: the fragmented
        // state a training loop leaves behind. Their pages stay resident until trimmed.
        const int count = 4096, size = 64 * 1024;
        var blocks = new IntPtr[count];
        var ones = new byte[size];
        Array.Fill(ones, (byte)1);
        try
        {
            for (int i = 0; i < count; i++)
            {
                blocks[i] = Marshal.AllocHGlobal(size); // malloc
                Marshal.Copy(ones, 0, blocks[i], size); // touch every page
            }
            for (int i = 1; i < count; i += 2)
            {
                Marshal.FreeHGlobal(blocks[i]);
                blocks[i] = IntPtr.Zero;
            }
            long before = ResidentBytes();
            Assert.IsTrue(NativeHeap.Trim());
            long released = before - ResidentBytes();
            // 128 MiB were freed; at least half of it must leave the process (other threads may allocate meanwhile).
            Assert.IsTrue(released > 64L << 20, $"resident memory fell by {released >> 20} MiB after trimming 128 MiB of free blocks");
        }
        finally
        {
            foreach (var block in blocks)
            {
                if (block != IntPtr.Zero) Marshal.FreeHGlobal(block);
            }
        }
    }

    [TestMethod]
    public void ReleasesAreSpacedByTheRequestedInterval()
    {
        // Fit asks after every step; the interval keeps the cost (milliseconds a release) to about one a second.
        Assert.IsTrue(KerasBackend.Current.ReleaseFreeMemory(TimeSpan.Zero), "a release with no minimum interval happens");
        Assert.IsFalse(KerasBackend.Current.ReleaseFreeMemory(TimeSpan.FromHours(1)), "a second one within the hour is skipped");
        Assert.IsTrue(NativeHeap.TrimIfDue(TimeSpan.Zero));
    }
}
