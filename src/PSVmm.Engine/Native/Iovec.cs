using System.Runtime.InteropServices;

namespace PSVmm.Engine.Native;

/// <summary>struct iovec (sys/uio.h): one contiguous buffer of a scatter list.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Iovec
{
    public byte* Base;
    public nuint Length;
}
