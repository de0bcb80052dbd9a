using PSVmm.Engine.Machine;

namespace PSVmm.Engine.Qemu;

/// <summary>
/// Reads a QEMU or StratoVirt command line into a <see cref="VmConfig"/>: -m, -smp, -name,
/// -kernel, -initrd, -append, -object iothread, -drive and -device virtio-blk-pci. Options that
/// mean nothing to PSVmm are listed in <see cref="QemuImport.Ignored"/>; anything it cannot
/// honour is a <see cref="VmException"/> naming the option and value. The values are checked as
/// values (numbers, references, conflicts, disk options); files are not opened.
/// </summary>
public static partial class QemuCommandLineReader
{
    public static QemuImport Read(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var reading = new Reading();
        int i = args.Count > 0 && IsProgramName(args[0]) ? 1 : 0;
        while (i < args.Count)
        {
            string arg = args[i++];
            if (arg.Length < 2 || arg[0] != '-')
            {
                throw new VmException("UnsupportedQemuOption", VmErrorCategory.InvalidArgument,
                    $"'{arg}' is not an option (QEMU would take a bare word as an IDE disk image). Use -drive file={arg},if=virtio for a disk.");
            }
            string option = arg.StartsWith("--", StringComparison.Ordinal) ? arg[1..] : arg;
            if (QemuOptionTables.IgnoredFlags.Contains(option))
            {
                reading.Ignored.Add(option);
                continue;
            }
            if (!TakesValue(option))
            {
                throw new VmException("UnsupportedQemuOption", VmErrorCategory.InvalidArgument,
                    $"{option} is an option PSVmm cannot honour. Remove it; PSVmm reads -m, -smp, -name, -kernel, -initrd, -append, -object iothread, -drive and -device virtio-blk-pci.");
            }
            if (i >= args.Count)
                throw new VmException("InvalidQemuCommandLine", VmErrorCategory.InvalidArgument, $"{option} needs a value, and the command line ends after it.");
            reading.Apply(option, args[i++]);
        }
        return reading.Finish();
    }

    /// <summary>qemu-system-x86_64, /usr/bin/stratovirt, ...: the program, not an argument.</summary>
    private static bool IsProgramName(string word)
    {
        string name = Path.GetFileName(word);
        return !word.StartsWith('-') && (name.Contains("qemu", StringComparison.OrdinalIgnoreCase) || name.Contains("stratovirt", StringComparison.OrdinalIgnoreCase));
    }

    private static bool TakesValue(string option) =>
        option is "-m" or "-smp" or "-name" or "-kernel" or "-initrd" or "-append" or "-object" or "-drive" or "-device"
        || QemuOptionTables.IgnoredWithValue.Contains(option);
}
