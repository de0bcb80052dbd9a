using System.Management.Automation;
using PSVmm.Engine.Machine;

namespace PSVmm.Commands;

/// <summary>
/// ConvertFrom-QemuCommandLine: a QEMU or StratoVirt command line as a VmConfig. One string is
/// split with shell quoting; several strings (an array, or piped one per argument) are the
/// arguments as given. The result is not checked against the files: New-VmConfig -QemuArgs and
/// Start-Vm do that.
/// </summary>
[Cmdlet(VerbsData.ConvertFrom, "QemuCommandLine")]
[OutputType(typeof(VmConfig))]
public sealed class ConvertFromQemuCommandLineCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    [Alias("ArgumentList")]
    public string[] CommandLine { get; set; } = [];

    private readonly List<string> _words = [];

    protected override void ProcessRecord() => _words.AddRange(CommandLine);

    protected override void EndProcessing() => WriteObject(QemuCommandLineImport.Read(this, _words));
}
