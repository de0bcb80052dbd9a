/*
 * The C side of interrupt handling (CPL0): unexpected exceptions are reported and end the run;
 * interrupts nobody asked for are counted and acknowledged.
 */
#include "io.h"

volatile u64 msi_received;
volatile u64 int3_count;
volatile u64 stray_interrupts;
volatile u64 msix_count[MSIX_VECTORS];

static const char *const exception_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
    "#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
    "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

void trap(struct trap_frame *f)
{
    if (f->vector == VEC_STRAY) {
        stray_interrupts++;
        mmio_write32(LAPIC_EOI_ADDR, 0);    /* harmless if the vector needed none */
        return;
    }
    if (f->vector == VEC_INVALID_OP && exit_fallback)
        cpl0_triple_fault();

    /* A fault while reporting a fault: report nothing more, just leave. */
    static int reporting;
    if (reporting++)
        cpl0_exit(EXIT_EXCEPTION | (u32)f->vector);

    u64 cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    print("probe: FAIL exception %s vector=%lu rip=0x%lx cs=0x%lx error=0x%lx cr2=0x%lx rsp=0x%lx\n",
          exception_names[f->vector & 31], f->vector, f->rip, f->cs, f->error, cr2, f->rsp);
    cpl0_exit(EXIT_EXCEPTION | (u32)f->vector);
}
