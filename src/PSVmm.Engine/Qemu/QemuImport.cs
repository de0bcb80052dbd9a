using PSVmm.Engine.Machine;

namespace PSVmm.Engine.Qemu;

/// <summary>
/// What <see cref="QemuCommandLineReader"/> made of a command line: the VM, and the options it
/// left out because they mean nothing to PSVmm (each as written, e.g. "-display none"), for
/// the one warning the cmdlets give.
/// </summary>
public sealed record QemuImport(VmConfig Config, IReadOnlyList<string> Ignored);
