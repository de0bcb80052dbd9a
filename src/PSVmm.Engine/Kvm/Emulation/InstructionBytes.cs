using System.Text;

namespace PSVmm.Engine.Kvm.Emulation;

/// <summary>Formats instruction bytes for error messages ("0f 01 ca").</summary>
public static class InstructionBytes
{
    /// <summary>Lower-case hex bytes separated by spaces; at most <paramref name="maxBytes"/>, then "...".</summary>
    public static string ToHex(ReadOnlySpan<byte> bytes, int maxBytes = InstructionDecoder.MaxInstructionLength)
    {
        if (maxBytes < 0)
            maxBytes = 0;
        int shown = Math.Min(bytes.Length, maxBytes);
        var text = new StringBuilder(shown * 3 + 4);
        for (int i = 0; i < shown; i++)
        {
            if (i > 0)
                text.Append(' ');
            text.Append(bytes[i].ToString("x2"));
        }
        if (bytes.Length > shown)
            text.Append(shown > 0 ? " ..." : "...");
        return text.ToString();
    }
}
