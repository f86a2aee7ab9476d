using System.Globalization;

namespace Keras.Native.Linux;

/// <summary>One mapping of this process's address space, as listed in <c>/proc/self/maps</c>.</summary>
/// <param name="Start">First address.</param>
/// <param name="End">One past the last address.</param>
/// <param name="Permissions">The permission field, e.g. <c>r-xp</c> or <c>rw-p</c>.</param>
/// <param name="Path">The mapped file, or null for anonymous memory and pseudo-entries such as <c>[heap]</c>.</param>
internal readonly record struct MemoryRegion(ulong Start, ulong End, string Permissions, string? Path)
{
    public bool IsReadable => Permissions.Length > 0 && Permissions[0] == 'r';

    public bool IsWritable => Permissions.Length > 1 && Permissions[1] == 'w';

    public bool IsExecutable => Permissions.Length > 2 && Permissions[2] == 'x';

    /// <summary>Whether <c>[address, address + length)</c> lies inside this region.</summary>
    public bool Contains(ulong address, ulong length) => address >= Start && length <= End - Start && address - Start <= End - Start - length;
}

/// <summary>Reads this process's memory mappings from <c>/proc/self/maps</c> (Linux).</summary>
internal static class ProcessMemoryMap
{
    /// <summary>The current mappings, in address order; empty when <c>/proc</c> is not available.</summary>
    public static IReadOnlyList<MemoryRegion> Read()
    {
        try
        {
            return Parse(File.ReadLines("/proc/self/maps"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Parses lines of the form <c>start-end perms offset dev inode [path]</c>; malformed lines are skipped.</summary>
    public static IReadOnlyList<MemoryRegion> Parse(IEnumerable<string> lines)
    {
        var regions = new List<MemoryRegion>();
        foreach (var line in lines)
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5)
            {
                continue;
            }

            var dash = fields[0].IndexOf('-');
            if (dash <= 0
                || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
                || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end)
                || end <= start)
            {
                continue;
            }

            var path = fields.Length == 6 ? fields[5].Trim() : null;
            regions.Add(new MemoryRegion(start, end, fields[1], path is not null && path.StartsWith('/') ? path : null));
        }

        return regions;
    }
}
