namespace PSVmm.Engine.Qemu;

/// <summary>The QEMU and StratoVirt options that mean nothing to PSVmm: they are reported in a warning, not errors.</summary>
internal static class QemuOptionTables
{
    /// <summary>Options with a value: display, consoles, monitors, machine and CPU model, firmware, acceleration, host-side files.</summary>
    public static readonly HashSet<string> IgnoredWithValue = new(StringComparer.Ordinal)
    {
        "-display", "-monitor", "-mon", "-qmp", "-serial", "-chardev", "-parallel", "-vga", "-vnc",
        "-machine", "-M", "-cpu", "-accel", "-bios", "-L", "-pflash", "-boot", "-rtc", "-k",
        "-pidfile", "-D", "-d", "-msg", "-sandbox", "-overcommit", "-uuid", "-smbios", "-audiodev",
    };

    /// <summary>Flags: KVM on (PSVmm always uses it), no default devices, no reboot (PSVmm stops the VM on a reset), daemon and sandbox settings.</summary>
    public static readonly HashSet<string> IgnoredFlags = new(StringComparer.Ordinal)
    {
        "-enable-kvm", "-nodefaults", "-nographic", "-no-reboot", "-no-shutdown", "-daemonize", "-no-hpet",
        "-no-acpi", "-disable-seccomp", "-no-user-config", "-S", "-mem-prealloc", "-full-screen",
    };
}
