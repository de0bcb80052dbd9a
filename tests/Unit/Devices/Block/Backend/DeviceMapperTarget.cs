namespace PSVmm.Tests.Devices.Block.Backend;

/// <summary>
/// A device-mapper device (dmsetup) whose table a test writes, e.g. a linear part and a part of
/// the "error" target; removed on Dispose. Needs root and /dev/mapper/control.
/// </summary>
internal sealed class DeviceMapperTarget : IDisposable
{
    private const string Control = "/dev/mapper/control";

    private DeviceMapperTarget(string name) => Name = name;

    public string Name { get; }

    public string Path => "/dev/mapper/" + Name;

    /// <summary>Creates the device from <paramref name="table"/> lines, or returns null with the reason.</summary>
    public static DeviceMapperTarget? TryCreate(string[] table, string[] targets, out string whyNot)
    {
        if (!File.Exists(Control))
        {
            whyNot = $"device-mapper is absent here ({Control} does not exist)";
            return null;
        }

        var (code, listed, error) = HostCommand.Run("dmsetup", "targets");
        string[] missing = targets.Where(t => code != 0 || !listed.Split('\n').Any(l => l.StartsWith(t + " ", StringComparison.Ordinal))).ToArray();
        if (missing.Length > 0)
        {
            whyNot = $"dmsetup targets lacks {string.Join(", ", missing)} ({code}: {error.Trim()})";
            return null;
        }

        string name = "psvmm-test-" + Guid.NewGuid().ToString("n")[..12];
        string tableFile = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllLines(tableFile, table);
            (code, _, error) = HostCommand.Run("dmsetup", "create", name, tableFile);
        }
        finally
        {
            File.Delete(tableFile);
        }

        if (code != 0)
        {
            whyNot = $"dmsetup create failed ({code}: {error.Trim()})";
            return null;
        }

        HostCommand.Run("dmsetup", "mknodes", name);
        whyNot = "";
        return new DeviceMapperTarget(name);
    }

    public void Dispose() => HostCommand.Run("dmsetup", "remove", "--retry", Name);
}
