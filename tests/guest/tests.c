/*
 * The checks the probe runs at CPL3, and the timings it reports (`probe: stat name=value`,
 * TSC cycles: compare them within one run, not across runs or machines).
 */
#include "io.h"
#include "devices.h"
#include "tests.h"

/* Spins until *counter >= target. Bounded by ~2^31 TSC cycles, and by a poll count in case the TSC stands still. */
static int wait_for(volatile u64 *counter, u64 target)
{
    u64 start = rdtsc();
    for (u64 polls = 0; polls < (1UL << 28); polls++) {
        if (*counter >= target)
            return 1;
        if (rdtsc() - start > (1UL << 31))
            break;
        cpu_relax();
    }
    return *counter >= target;
}

enum result test_boot(void)
{
    u16 cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    unsigned cpl = cs & 3;
    if (cpl == 3 && mb_magic == MB_BOOT_MAGIC) {
        print("probe: boot ok cpl=%u\n", cpl);
        return PASS;
    }
    print("probe: boot FAIL cpl=%u eax=0x%x (want cpl 3, eax 0x%x)\n", cpl, mb_magic, MB_BOOT_MAGIC);
    return FAIL;
}

static const u32 patterns[] = { 0x00000000, 0xFFFFFFFF, 0xA5A55A5A, 0x5A5AA5A5, 0x12345678, 0x80000001 };
#define PATTERN_COUNT (sizeof(patterns) / sizeof(patterns[0]))

static int pio_check(unsigned width, u16 port, u32 wrote, u32 read)
{
    if (wrote == read)
        return 1;
    print("probe: pio FAIL port=0x%x width=%u wrote=0x%x read=0x%x\n", port, width, wrote, read);
    return 0;
}

/*
 * Scratch port write/read-back at every width. Without the test device, the UART's scratch
 * register (8-bit, present in QEMU's and PSVmm's 16550A) stands in so the path is still tested.
 */
enum result test_pio(int have_testdev, u64 iterations)
{
    int ok = 1;
    u16 port = have_testdev ? TESTDEV_SCRATCH_PORT : COM1 + UART_SCR;
    for (unsigned i = 0; i < PATTERN_COUNT; i++) {
        u32 p = patterns[i];
        outb(port, (u8)p);
        ok &= pio_check(1, port, (u8)p, inb(port));
        if (!have_testdev)
            continue;
        outw(port, (u16)p);
        ok &= pio_check(2, port, (u16)p, inw(port));
        outl(port, p);
        ok &= pio_check(4, port, p, inl(port));
        /* A narrower read of a 32-bit value returns its low bytes. */
        ok &= pio_check(1, port, (u8)p, inb(port));
        ok &= pio_check(2, port, (u16)p, inw(port));
    }
    if (!ok)
        return FAIL;

    u64 start = rdtsc();
    for (u64 i = 0; i < iterations; i++) {
        u32 wrote, read;
        if (have_testdev) {
            outl(port, wrote = (u32)i);
            read = inl(port);
        } else {
            outb(port, (u8)(wrote = (u8)i));
            read = inb(port);
        }
        if (!pio_check(have_testdev ? 4 : 1, port, wrote, read))
            return FAIL;
    }
    u64 cycles = rdtsc() - start;
    print("probe: pio ok\n");
    print("probe: pio port=0x%x (%s)\n", port, have_testdev ? "test device scratch" : "uart scratch, no test device");
    print("probe: stat pio_write_read_cycles=%lu\n", cycles / iterations);
    return PASS;
}

static int mmio_check(const struct probe_device *dev, u32 wrote)
{
    mmio_write32(dev->scratch, wrote);
    u32 read = mmio_read32(dev->scratch) ^ dev->scratch_xor;
    if (read == wrote)
        return 1;
    print("probe: mmio FAIL %s scratch wrote=0x%x read=0x%x\n", dev->name, wrote, read);
    return 0;
}

/* Identification and scratch registers of the device's MMIO page. */
enum result test_mmio(const struct probe_device *dev, u64 iterations)
{
    if (dev == 0) {
        print("probe: mmio skip (no test device)\n");
        return SKIP;
    }
    u32 id = mmio_read32(dev->id_register);
    if ((id & dev->id_mask) != dev->id_value) {
        print("probe: mmio FAIL %s id=0x%x (want 0x%x)\n", dev->name, id, dev->id_value);
        return FAIL;
    }
    for (unsigned i = 0; i < PATTERN_COUNT; i++)
        if (!mmio_check(dev, patterns[i]))
            return FAIL;
    u64 start = rdtsc();
    for (u64 i = 0; i < iterations; i++)
        if (!mmio_check(dev, (u32)i))
            return FAIL;
    u64 cycles = rdtsc() - start;
    print("probe: mmio ok\n");
    print("probe: stat mmio_write_read_cycles=%lu\n", cycles / iterations);
    return PASS;
}

/*
 * MSI from the device: fixed delivery, physical destination = this APIC, edge, vector VEC_MSI
 * (SDM Vol. 3A §10.11 "Message Signalled Interrupts"). One at a time, waiting for each: a
 * second edge MSI raised while the first is still pending in the IRR would merge with it.
 */
enum result test_msi(const struct probe_device *dev, u64 iterations)
{
    if (dev == 0) {
        print("probe: msi skip (no test device)\n");
        return SKIP;
    }
    if (!dev->program_msi(dev, LAPIC_BASE | (boot_apic_id & 0xFF) << 12, VEC_MSI)) {
        print("probe: msi FAIL %s has no MSI capability\n", dev->name);
        return FAIL;
    }

    u32 device_before = dev->msi_count ? mmio_read32(dev->msi_count) : 0;
    u64 before = msi_received;
    u64 start = rdtsc();
    u64 sent = 0;
    while (sent < iterations) {
        mmio_write32(dev->msi_trigger, 1);
        sent++;
        if (!wait_for(&msi_received, before + sent))
            break;
    }
    u64 cycles = rdtsc() - start;
    u64 received = msi_received - before;
    u32 device_count = dev->msi_count ? mmio_read32(dev->msi_count) - device_before : (u32)sent;

    if (received != iterations || device_count != iterations) {
        print("probe: msi FAIL count=%lu sent=%lu device_count=%u (want %lu)\n",
              received, sent, device_count, iterations);
        return FAIL;
    }
    print("probe: msi ok count=%lu\n", received);
    print("probe: stat msi_roundtrip_cycles=%lu\n", cycles / iterations);
    return PASS;
}

/* `int3` through the DPL3 gate: CPL3 -> CPL0 handler -> iretq back. */
enum result test_int3(u64 iterations)
{
    u64 before = int3_count;
    u64 start = rdtsc();
    for (u64 i = 0; i < iterations; i++)
        __asm__ volatile("int3" : : : "memory");
    u64 cycles = rdtsc() - start;
    u64 count = int3_count - before;
    if (count != iterations) {
        print("probe: int3 FAIL count=%lu (want %lu)\n", count, iterations);
        return FAIL;
    }
    print("probe: int3 ok\n");
    print("probe: stat int3_roundtrip_cycles=%lu\n", cycles / iterations);
    return PASS;
}
