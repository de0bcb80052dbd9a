using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Engine.Qemu;
using PSVmm.Errors;

namespace PSVmm.Commands;

/// <summary>
/// ConvertTo-QemuCommandLine: the qemu-system-x86_64 arguments that run a VmConfig's machine
/// under QEMU with KVM, one string per argument (<c>$a = ConvertTo-QemuCommandLine $cfg; &amp; qemu-system-x86_64 @a</c>),
/// or with -AsString one shell-quoted line per configuration that starts with the program.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "QemuCommandLine")]
[OutputType(typeof(string))]
public sealed class ConvertToQemuCommandLineCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public VmConfig[] Config { get; set; } = [];

    [Parameter]
    public SwitchParameter AsString { get; set; }

    [Parameter]
    public SwitchParameter Fastest { get; set; }

    [Parameter]
    public QemuAio? Aio { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Cpu { get; set; } = new QemuWriteOptions().Cpu;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string QemuPath { get; set; } = "qemu-system-x86_64";

    protected override void ProcessRecord()
    {
        var options = new QemuWriteOptions { Fastest = Fastest, Aio = Aio, Cpu = Cpu };
        foreach (var config in Config)
        {
            IReadOnlyList<string> args;
            try
            {
                args = QemuCommandLineWriter.Write(config, options);
            }
            catch (VmException e)
            {
                WriteError(VmErrors.From(e, config));
                continue;
            }
            if (AsString)
                WriteObject(ShellWords.Join([QemuPath, .. args]));
            else
                WriteObject(args, enumerateCollection: true);
        }
    }
}
