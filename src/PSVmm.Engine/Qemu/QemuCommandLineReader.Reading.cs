using PSVmm.Engine.Machine;

namespace PSVmm.Engine.Qemu;

public static partial class QemuCommandLineReader
{
    /// <summary>The state of one read: machine options applied as they come, disks put together at the end.</summary>
    private sealed class Reading
    {
        private readonly VmConfig _config = new();
        private readonly List<QemuDrive> _drives = [];
        private readonly List<QemuBlockDevice> _devices = [];
        private readonly List<string> _ioThreads = [];
        private readonly HashSet<string> _given = new(StringComparer.Ordinal);

        public List<string> Ignored { get; } = [];

        public void Apply(string option, string value)
        {
            if (option is "-m" or "-smp" or "-name" or "-kernel" or "-initrd" or "-append" && !_given.Add(option))
            {
                throw new VmException("ConflictingQemuOptions", VmErrorCategory.InvalidArgument,
                    $"{option} is given more than once. Give it once.");
            }
            switch (option)
            {
                case "-m":
                    ReadMemory(value);
                    break;
                case "-smp":
                    ReadCpus(value);
                    break;
                case "-name":
                    ReadName(value);
                    break;
                case "-kernel":
                    _config.KernelPath = value;
                    break;
                case "-initrd":
                    _config.InitrdPath = value;
                    break;
                case "-append":
                    _config.KernelArgs = value;
                    break;
                case "-object":
                    ReadObject(value);
                    break;
                case "-drive":
                    ReadDrive(value);
                    break;
                case "-device":
                    _devices.Add(QemuBlockDevice.Parse(value));
                    break;
                default:
                    Ignored.Add($"{option} {value}");
                    break;
            }
        }

        public QemuImport Finish()
        {
            _config.BlockDevices = QemuDisks.Assemble(_drives, _devices, _ioThreads, Ignored);
            return new QemuImport(_config, Ignored);
        }

        private void ReadMemory(string value)
        {
            var keys = QemuOptionList.Parse("-m", value, impliedKey: "size");
            if (keys.Take("size") is { } size)
                _config.MemoryMB = QemuValues.MemoryMB("-m", "size", size);
            Reject("-m", value, keys, "PSVmm has no memory hot-plug (slots=, maxmem=)");
        }

        private void ReadCpus(string value)
        {
            var keys = QemuOptionList.Parse("-smp", value, impliedKey: "cpus");
            int? cpus = keys.Take("cpus") is { } c ? QemuValues.Int("-smp", "cpus", c) : null;
            var topology = new List<string>();
            int product = 1;
            foreach (string key in new[] { "sockets", "dies", "clusters", "cores", "threads" })
            {
                if (keys.Take(key) is { } n)
                {
                    product *= QemuValues.Int("-smp", key, n);
                    topology.Add($"{key}={n}");
                }
            }
            _config.CpuCount = cpus ?? (topology.Count > 0 ? product : _config.CpuCount);
            if (keys.Take("maxcpus") is { } max && QemuValues.Int("-smp", "maxcpus", max) != _config.CpuCount)
            {
                throw new VmException("UnsupportedQemuOptionValue", VmErrorCategory.InvalidArgument,
                    $"-smp {value}: maxcpus={max} cannot be honoured: PSVmm has no CPU hot-plug. Leave maxcpus= out or make it equal to cpus=.");
            }
            if (topology.Count > 0)
                Ignored.Add($"-smp {string.Join(',', topology)} (PSVmm gives the guest {_config.CpuCount} CPUs without a topology)");
            Reject("-smp", value, keys, "PSVmm reads cpus=, maxcpus= and the topology keys");
        }

        private void ReadName(string value)
        {
            var keys = QemuOptionList.Parse("-name", value, impliedKey: "guest");
            if (keys.Take("guest") is { } name)
                _config.Name = name;
            foreach (string key in new[] { "process", "debug-threads" })
            {
                if (keys.Take(key) is { } v)
                    Ignored.Add($"-name {key}={v}");
            }
            Reject("-name", value, keys, "PSVmm reads guest=");
        }

        private void ReadObject(string value)
        {
            var keys = QemuOptionList.Parse("-object", value, impliedKey: "qom-type");
            string? type = keys.Take("qom-type");
            if (type != "iothread")
            {
                throw new VmException("UnsupportedQemuOption", VmErrorCategory.InvalidArgument,
                    $"-object {value}: PSVmm has no object of type '{type}'. Its one object type is iothread.");
            }
            string id = keys.Take("id") is { Length: > 0 } given ? given
                : throw new VmException("InvalidQemuCommandLine", VmErrorCategory.InvalidArgument, $"-object {value}: id= is missing. Name the iothread with id=.");
            if (_ioThreads.Contains(id))
                throw new VmException("ConflictingQemuOptions", VmErrorCategory.InvalidArgument, $"-object {value}: an iothread with id '{id}' is declared twice. Give each iothread its own id.");
            _ioThreads.Add(id);
            foreach (string key in new[] { "poll-max-ns", "poll-grow", "poll-shrink", "aio-max-batch", "thread-pool-min", "thread-pool-max" })
            {
                if (keys.Take(key) is { } v)
                    Ignored.Add($"-object iothread,id={id},{key}={v} (a QEMU tuning PSVmm does not have)");
            }
            Reject("-object", value, keys, "PSVmm reads id= of an iothread");
        }

        private void ReadDrive(string value)
        {
            var drive = QemuDrive.Parse(value);
            if (drive.Interface == "pflash")
            {
                Ignored.Add($"-drive {value} (firmware: PSVmm boots the kernel directly)");
                return;
            }
            if (drive.Id is { } id && _drives.Any(d => d.Id == id))
                throw new VmException("ConflictingQemuOptions", VmErrorCategory.InvalidArgument, $"-drive {value}: another -drive has id '{id}'. Give each drive its own id.");
            _drives.Add(drive);
            if (drive.IsVirtioInterface)
                _devices.Add(QemuBlockDevice.ForDrive(drive));
        }

        private static void Reject(string option, string value, QemuOptionList keys, string what)
        {
            if (keys.Rest.Count > 0)
            {
                throw new VmException("UnsupportedQemuOption", VmErrorCategory.InvalidArgument,
                    $"{option} {value}: PSVmm cannot honour {string.Join(", ", keys.Rest)} ({what}). Remove {(keys.Rest.Count == 1 ? "it" : "them")}.");
            }
        }
    }
}
