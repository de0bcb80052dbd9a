/*
 * Ending the run. The normal way is a write to the exit port (PSVmm TestDevice, or QEMU's
 * isa-debug-exit at the same port). If the port does nothing, the guest triple-faults, which a
 * VMM sees as a shutdown (KVM_EXIT_SHUTDOWN; QEMU exits with -no-reboot): it never hangs.
 */
#include "io.h"

volatile u32 exit_fallback;

/* An IDT with limit 0 turns the #UD into #GP, then #DF, then a triple fault (SDM Vol. 3A §6.15, #DF). */
void cpl0_triple_fault(void)
{
    static const struct __attribute__((packed)) { u16 limit; u64 base; } no_idt = { 0, 0 };
    __asm__ volatile("lidt %0\n\tud2" : : "m"(no_idt));
    for (;;)
        ;
}

/* CPL3: CPL0 is reachable only through an exception, so the fallback goes through a #UD. */
void guest_exit(u32 status)
{
    outl(TESTDEV_EXIT_PORT, status);

    /* A VMM may stop the vCPU asynchronously; give it up to ~2^31 cycles (about a second). */
    u64 start = rdtsc();
    for (u64 i = 0; i < (1UL << 26) && rdtsc() - start < (1UL << 31); i++)
        cpu_relax();

    print("probe: exit port ignored, forcing a triple fault\n");
    exit_fallback = 1;
    __asm__ volatile("ud2");
    for (;;)
        cpu_relax();
}

/* CPL0 (from an exception handler): each instruction is emulated, so the wait is short. */
void cpl0_exit(u32 status)
{
    outl(TESTDEV_EXIT_PORT, status);
    for (int i = 0; i < 1000; i++)
        cpu_relax();
    cpl0_triple_fault();
}
