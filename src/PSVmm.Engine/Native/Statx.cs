using System.Runtime.InteropServices;

namespace PSVmm.Engine.Native;

/// <summary>
/// struct statx (linux/stat.h), the full 256 bytes the kernel may write; only the fields the
/// backend reads are named. Tmds.LibC's statx predates the direct-I/O alignment fields.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct Statx
{
    [FieldOffset(0x00)] public uint Mask;
    [FieldOffset(0x1c)] public ushort Mode;
    [FieldOffset(0x20)] public ulong Ino;
    [FieldOffset(0x28)] public ulong Size;
    [FieldOffset(0x30)] public ulong Blocks;
    [FieldOffset(0x88)] public uint DevMajor;
    [FieldOffset(0x8c)] public uint DevMinor;
    [FieldOffset(0x98)] public uint DioMemAlign;
    [FieldOffset(0x9c)] public uint DioOffsetAlign;
}
