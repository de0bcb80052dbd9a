using System.Text;
using System.Text.RegularExpressions;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Machine;

/// <summary>
/// Checks a <see cref="VmConfig"/> and the files it names before any KVM resource is touched.
/// Every failure is a <see cref="VmException"/> with a stable ErrorId and a message that says what to fix.
/// </summary>
public static partial class VmConfigValidator
{
    public const int MaxNameLength = 64;

    /// <summary>Bytes of the image read to recognize it: enough to reach the bzImage "HdrS" signature.</summary>
    private const int KernelHeaderBytes = BzImageSignatureOffset + 4;

    // Linux boot protocol (Documentation/arch/x86/boot.rst): the setup header's "HdrS" magic at 0x202.
    private const int BzImageSignatureOffset = 0x202;
    private static ReadOnlySpan<byte> BzImageSignature => "HdrS"u8;
    private static ReadOnlySpan<byte> ElfMagic => [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();

    /// <summary>Checks <paramref name="config"/> and returns a private copy a machine can be created from without checking it again.</summary>
    public static ValidatedVmConfig Validate(VmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config = config.Clone();
        ValidateSettings(config);
        ValidateBlockDevices(config.BlockDevices);
        return new ValidatedVmConfig(config);
    }

    /// <summary>Checks everything of <paramref name="config"/> but its devices: what Set-Vm changes.</summary>
    public static void ValidateSettings(VmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ValidateName(config.Name);
        ValidateMemory(config.MemoryMB);
        ValidateCpuCount(config.CpuCount);
        ValidateKernel(config.KernelPath);
        ValidateInitrd(config.InitrdPath);
        ValidateKernelArgs(config.KernelArgs);
        ValidateCpuProfile(config.CpuProfile);
        ValidateConsoleLogPath(config.ConsoleLogPath);
    }

    private static void ValidateName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw Invalid("InvalidVmName", "The VM name is empty. Give the VM a name such as 'web1'.");
        if (name.Length > MaxNameLength || !NamePattern().IsMatch(name))
        {
            throw Invalid("InvalidVmName",
                $"The VM name '{name}' is not valid. Use 1 to {MaxNameLength} letters, digits, '.', '_' or '-', starting with a letter or digit.", name);
        }
    }

    private static void ValidateMemory(int memoryMB)
    {
        if (memoryMB < VmConfig.MinMemoryMB || memoryMB > VmConfig.MaxMemoryMB)
        {
            throw Invalid("InvalidMemorySize",
                $"MemoryMB {memoryMB} is out of range. Use a value from {VmConfig.MinMemoryMB} to {VmConfig.MaxMemoryMB}.", memoryMB);
        }

        long? hostMB = HostMemory.TotalMB();
        if (hostMB is long total && memoryMB > total)
        {
            throw Invalid("InvalidMemorySize",
                $"MemoryMB {memoryMB} is more than this host's physical memory ({total} MB). Use a smaller value.", memoryMB);
        }
    }

    private static void ValidateCpuCount(int cpuCount)
    {
        if (cpuCount < 1 || cpuCount > VmConfig.MaxCpuCount)
        {
            throw Invalid("InvalidCpuCount",
                $"CpuCount {cpuCount} is out of range. Use a value from 1 to {VmConfig.MaxCpuCount}.", cpuCount);
        }
    }

    private static void ValidateKernel(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw Invalid("KernelImageRequired", "No kernel image was given. Name a vmlinux, bzImage or multiboot ELF file with -Kernel.");
        if (Directory.Exists(path))
        {
            throw new VmException("KernelImageNotFound", VmErrorCategory.InvalidArgument,
                $"The kernel image '{path}' is a directory. Give the path of a vmlinux, bzImage or multiboot ELF file to -Kernel.")
            { TargetValue = path };
        }
        if (!File.Exists(path))
        {
            throw new VmException("KernelImageNotFound", VmErrorCategory.ObjectNotFound,
                $"The kernel image '{path}' does not exist. Check the path given to -Kernel.")
            { TargetValue = path };
        }

        var header = new byte[KernelHeaderBytes];
        int read;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new VmException("KernelImageAccessDenied", VmErrorCategory.PermissionDenied,
                $"The kernel image '{path}' cannot be read: {e.Message} Grant read access to the file.", e)
            { TargetValue = path };
        }
        catch (IOException e)
        {
            throw new VmException("InvalidKernelImage", VmErrorCategory.InvalidData,
                $"The kernel image '{path}' cannot be read: {e.Message}", e)
            { TargetValue = path };
        }

        if (!LooksLikeKernel(header.AsSpan(0, read)))
        {
            throw new VmException("InvalidKernelImage", VmErrorCategory.InvalidData,
                $"'{path}' is not a kernel image: it has neither an ELF header nor a bzImage setup header (\"HdrS\" at 0x202). Give a vmlinux, bzImage or multiboot ELF file.")
            { TargetValue = path };
        }
    }

    internal static bool LooksLikeKernel(ReadOnlySpan<byte> header)
    {
        if (header.Length >= ElfMagic.Length && header[..ElfMagic.Length].SequenceEqual(ElfMagic))
            return true;
        return header.Length >= KernelHeaderBytes
            && header.Slice(BzImageSignatureOffset, BzImageSignature.Length).SequenceEqual(BzImageSignature);
    }

    private static void ValidateInitrd(string? path)
    {
        if (path is null)
            return;
        if (Directory.Exists(path))
        {
            throw new VmException("InitrdNotFound", VmErrorCategory.InvalidArgument,
                $"The initrd '{path}' is a directory. Give the path of an initramfs file to -Initrd, or leave it out.")
            { TargetValue = path };
        }
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new VmException("InitrdNotFound", VmErrorCategory.ObjectNotFound,
                $"The initrd '{path}' does not exist. Check the path given to -Initrd, or leave it out.")
            { TargetValue = path };
        }
    }

    private static void ValidateKernelArgs(string? args)
    {
        if (string.IsNullOrEmpty(args))
            return;
        if (args.AsSpan().IndexOfAny('\0', '\n', '\r') >= 0)
            throw Invalid("InvalidKernelArgs", "The kernel arguments contain a NUL or line-break character. Put all arguments on one line.");
        // The command line is copied with its terminating NUL into a fixed guest area.
        long bytes = Encoding.UTF8.GetByteCount(args) + 1L;
        if (bytes > (long)MemoryLayout.CommandLineMaxSize)
        {
            throw Invalid("InvalidKernelArgs",
                $"The kernel arguments are {bytes - 1} bytes long; at most {MemoryLayout.CommandLineMaxSize - 1} bytes fit. Shorten them.");
        }
    }

    private static void ValidateCpuProfile(CpuProfile profile)
    {
        if (!Enum.IsDefined(profile))
            throw Invalid("InvalidCpuProfile", $"CpuProfile {(int)profile} is not known. Use Auto, Host or Pvm.");
    }

    private static void ValidateConsoleLogPath(string? path)
    {
        if (path is null)
            return;
        if (string.IsNullOrWhiteSpace(path))
            throw Invalid("ConsoleLogPathNotFound", "The console log path is empty. Give a file path, or leave -ConsoleLogPath out.");
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw Invalid("ConsoleLogPathNotFound", $"The console log path '{path}' is a directory. Give a file path inside it.", path);
        string? dir = Path.GetDirectoryName(full);
        if (dir is null || !Directory.Exists(dir))
        {
            throw new VmException("ConsoleLogPathNotFound", VmErrorCategory.ObjectNotFound,
                $"The folder of the console log path '{path}' does not exist. Create '{dir}' first or choose another path.")
            { TargetValue = path };
        }
    }

    private static VmException Invalid(string errorId, string message, object? target = null) =>
        new(errorId, VmErrorCategory.InvalidArgument, message) { TargetValue = target };
}
