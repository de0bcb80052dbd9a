/*
 * The probe guest's CPL3 part: runs the tests, reports, then exits (or idles until the host
 * asks it to shut down). boot.S `iretq`s here with CPL 3 and interrupts enabled.
 */
#include "acpi.h"
#include "blk_tests.h"
#include "cmdline.h"
#include "io.h"
#include "tests.h"

/* Set by boot.S from EAX and EBX at the multiboot entry. */
u32 mb_magic = 0;
u32 mb_info = 0;
u64 boot_tsc = 0;

static u32 passed, failed;

static void count(enum result r)
{
    if (r == PASS)
        passed++;
    else if (r == FAIL)
        failed++;
}

/*
 * `idle`: poll the exit port's read side (1 = the host asks for a shutdown). CPL3 cannot `hlt`,
 * so it spins; each poll is a VM exit, so polls are spaced ~2^20 TSC cycles apart.
 */
static void idle_until_shutdown_requested(void)
{
    print("probe: idle\n");
    while (!(inl(TESTDEV_EXIT_PORT) & 1)) {
        u64 start = rdtsc();
        for (int i = 0; i < (1 << 16) && rdtsc() - start < (1UL << 20); i++)
            cpu_relax();
    }
    print("probe: shutdown requested\n");
}

__attribute__((noreturn)) void probe_main(void)
{
    u64 cpl3_tsc = rdtsc();
    serial_init();
    count(test_boot());

    multiboot_read();
    print("probe: cmdline=%s\n", multiboot_cmdline());
    if (multiboot_has_memory())
        print("probe: memory lower_kib=%u upper_kib=%u\n", multiboot_mem_lower_kib(), multiboot_mem_upper_kib());

    /* `fault`: test the failure path (a #PF, reported by CPL0, exit status 0x8E). */
    if (option_flag("fault")) {
        print("probe: fault requested\n");
        (void)*(volatile u32 *)0x100000000UL;   /* above the 4 GiB identity map */
    }

    print("probe: stat boot_cycles=%lu\n", cpl3_tsc - boot_tsc);

    int have_testdev = testdev_present();
    count(test_pio(have_testdev, option_number("pio", 1000, 1, 10000000)));
    struct probe_device device;
    const struct probe_device *dev = probe_device_find(&device, have_testdev) ? &device : 0;
    count(test_mmio(dev, option_number("mmio", 1000, 1, 10000000)));
    count(test_msi(dev, option_number("msi", 1000, 1, 10000000)));
    count(test_int3(option_number("int3", 1000, 1, 10000000)));
    if (option_flag("blk")) {
        u32 blk_passed, blk_failed;
        blk_tests(&blk_passed, &blk_failed);
        passed += blk_passed;
        failed += blk_failed;
    }

    if (stray_interrupts)
        print("probe: stray interrupts=%lu\n", stray_interrupts);
    print("probe: done passed=%u failed=%u\n", passed, failed);

    if (option_flag("idle"))
        idle_until_shutdown_requested();
    if (option_flag("poweroff")) {
        acpi_poweroff();
        failed++;                       /* still here: the power-off did not happen */
    }
    guest_exit(failed < 0x7F ? failed : 0x7F);
}
