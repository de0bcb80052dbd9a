namespace PSVmm.Durability;

/// <summary>
/// What the helper writes: block numbers in a seeded random order, each block once, and for
/// write <c>seq</c> to block <c>b</c> 4 KiB that only that write produces.
/// </summary>
public static class BlockPattern
{
    public const int BlockBytes = 4096;

    /// <summary>Every block of the image once, in the order the run with <paramref name="seed"/> writes them.</summary>
    public static int[] Order(int blocks, int seed)
    {
        var order = Enumerable.Range(0, blocks).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }

    public static void Fill(long seq, long block, Span<byte> destination)
    {
        ulong state = (ulong)seq * 0x9E3779B97F4A7C15UL ^ (ulong)block * 0xC2B2AE3D27D4EB4FUL ^ 0x5DEECE66DUL;
        for (int i = 0; i + 8 <= destination.Length; i += 8)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            BitConverter.TryWriteBytes(destination[i..], state);
        }

        // Readable in a hex dump: which write this block holds.
        BitConverter.TryWriteBytes(destination, seq);
        BitConverter.TryWriteBytes(destination[8..], block);
    }

    public static byte[] Of(long seq, long block)
    {
        var data = new byte[BlockBytes];
        Fill(seq, block, data);
        return data;
    }
}
