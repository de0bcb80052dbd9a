using System.Globalization;
using PSVmm.Bench.DeviceModel;
using PSVmm.Durability;
using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Memory;

// Writes 4 KiB blocks of the image in a seeded random order, each block once, through the real
// virtio-blk device model (virtio-pci transport, request engine on its IoThread, io_uring or the
// thread pool on the image), `depth` writes in flight and a flush after every `flush-every`
// acknowledged writes, and logs what the device acknowledged (WriteLog) until it is killed.
// Cache modes: none (O_DIRECT), writeback (host page cache), writethrough (host page cache and
// the device's write cache turned off through CONFIG_WCE: each write is flushed before it completes).
// Usage: PSVmm.Durability --image PATH --cache none|writeback|writethrough --seed N [--depth 8] [--flush-every 16]
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--")).ToDictionary(p => p.a[2..], p => args[p.i + 1]);
string image = options["image"];
string cache = options["cache"];
int seed = int.Parse(options["seed"], CultureInfo.InvariantCulture);
int depth = int.Parse(options.GetValueOrDefault("depth", "8"), CultureInfo.InvariantCulture);
int flushEvery = int.Parse(options.GetValueOrDefault("flush-every", "16"), CultureInfo.InvariantCulture);
const ushort QueueSize = 64;

var order = BlockPattern.Order((int)(new FileInfo(image).Length / BlockPattern.BlockBytes), seed);
using var memory = new GuestMemory([new GuestRegion(0, 16 << 20)]);
using var disk = new DiskUnderTest(image, memory, QueueSize, cache: cache == "none" ? BlockCacheMode.None : BlockCacheMode.Writeback);
var driver = new SplitRingDriver(disk, QueueSize, BlockPattern.BlockBytes, (uint)(VirtioBlkFeatures.Flush | VirtioBlkFeatures.ConfigWce));
bool writeback = driver.SetWriteback(cache != "writethrough");
Console.WriteLine($"MODE {cache} writeback={(writeback ? 1 : 0)} .");
if (writeback == (cache == "writethrough"))
    throw new InvalidOperationException("the device did not take the writeback setting");

int flushSlot = depth;
var slotSeq = new long[depth];
var data = new byte[BlockPattern.BlockBytes];
long next = 0, inFlight = 0, acked = 0, flushes = 0;
bool flushing = false;

bool SubmitNext(int slot)
{
    if (next >= order.Length)
        return false;
    slotSeq[slot] = next;
    BlockPattern.Fill(next, order[next], data);
    driver.SubmitWrite(slot, (ulong)order[next] * (BlockPattern.BlockBytes / 512), data);
    next++;
    inFlight++;
    return true;
}

Console.WriteLine("READY .");
for (int slot = 0; slot < depth; slot++)
    SubmitNext(slot);
driver.Notify();
while (inFlight > 0 || flushing)
{
    int slot = driver.TryComplete();
    if (slot < 0)
    {
        Thread.SpinWait(20);
        continue;
    }

    if (slot == flushSlot)
    {
        Console.WriteLine(WriteLog.FlushCompleted(flushes));
        flushing = false;
        continue;
    }

    inFlight--;
    long seq = slotSeq[slot];
    Console.WriteLine(WriteLog.Written(seq, order[seq]));
    if (++acked % flushEvery == 0 && !flushing)
    {
        Console.WriteLine(WriteLog.FlushSubmitted(++flushes));
        driver.SubmitFlush(flushSlot);
        flushing = true;
    }

    SubmitNext(slot);
    driver.Notify();
}

Console.WriteLine("END .");
