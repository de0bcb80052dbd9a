namespace PSVmm.Engine.Machine;

/// <summary>The host's physical memory, from /proc/meminfo.</summary>
internal static class HostMemory
{
    /// <summary>MemTotal in MiB, or null when /proc/meminfo cannot be read.</summary>
    public static long? TotalMB()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (TryParseKiB(line, "MemTotal:", out long kib))
                    return kib / 1024;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>Parses a line such as "MemTotal:       24684000 kB".</summary>
    internal static bool TryParseKiB(string line, string key, out long kib)
    {
        kib = 0;
        if (!line.StartsWith(key, StringComparison.Ordinal))
            return false;
        var rest = line.AsSpan(key.Length).Trim();
        int space = rest.IndexOf(' ');
        var number = space < 0 ? rest : rest[..space];
        return long.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out kib);
    }
}
