/*
 * CPL0 setup: GDT, TSS (with an all-zero I/O permission bitmap), IDT, legacy PIC mask and
 * local APIC enable. Runs once, emulated under PVM, so it does as little as it can: the GDT and
 * TSS are static data and only the fields holding addresses split across bit fields are filled
 * here.
 */
#include "io.h"

extern char kernel_stack_top[], ist1_stack_top[];
extern void (*const exception_entries[32])(void);
extern void (*const msix_entries[MSIX_VECTORS])(void);
void isr_msi(void), isr_int3(void), isr_spurious(void), isr_stray(void);

u32 boot_apic_id;

/*
 * Segment descriptors (SDM Vol. 3A §3.4.5 "Segment Descriptors"; L bit for 64-bit code:
 * §5.2.1 "Code-Segment Descriptor in 64-bit Mode"). Access byte 0x9A/0xFA = present, DPL 0/3,
 * code, readable; 0x92/0xF2 = present, DPL 0/3, data, writable. Flags 0xA = G | L (D must be
 * 0 with L), 0xC = G | D/B. Base and limit are ignored in 64-bit mode except for the TSS.
 */
u64 gdt[7] __attribute__((aligned(16))) = {
    0,
    0x00AF9A000000FFFF,     /* 0x08 kernel code, 64-bit */
    0x00CF92000000FFFF,     /* 0x10 kernel data */
    0x00CFF2000000FFFF,     /* 0x18 user data (SS at CPL3) */
    0x00AFFA000000FFFF,     /* 0x20 user code, 64-bit */
    0, 0,                   /* 0x28 TSS, 16 bytes: filled by cpu_init */
};

/* GDTR image (SDM Vol. 3A §3.5.1). boot.S loads it in 32-bit mode, which reads a 32-bit base. */
struct __attribute__((packed)) descriptor_pointer {
    u16 limit;
    u64 base;
};
struct descriptor_pointer gdt_pointer = { sizeof(gdt) - 1, (u64)gdt };

/*
 * 64-bit TSS (SDM Vol. 3A §7.7 "Task Management in 64-bit Mode", Figure 7-11) followed by the
 * I/O permission bitmap (SDM Vol. 1 "I/O Permission Bit Map", in the Input/Output chapter):
 * one bit per port, 0 = CPL3 may access it. IOPL=3 in RFLAGS is not honoured under PVM, so this
 * bitmap is the only way CPL3 gets port I/O. The CPU reads two bytes of the map per check,
 * so a byte of all ones must follow the last byte of the map, inside the TSS limit.
 */
struct __attribute__((packed)) tss64 {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
    u8 iomap[65536 / 8];
    u8 iomap_end;
};
_Static_assert(__builtin_offsetof(struct tss64, iomap) == 104, "64-bit TSS layout");

static struct tss64 tss __attribute__((aligned(16))) = {
    .rsp = { (u64)kernel_stack_top },       /* RSP0: stack for entries from CPL3 */
    .ist = { (u64)ist1_stack_top },         /* IST1: #DF */
    .iomap_base = __builtin_offsetof(struct tss64, iomap),
    .iomap_end = 0xFF,
};

/* 64-bit IDT gate (SDM Vol. 3A §6.14.1 "64-Bit Mode IDT", Figure 6-8). */
struct __attribute__((packed)) idt_gate {
    u16 offset_low;
    u16 selector;
    u8 ist;
    u8 type_attr;           /* P | DPL << 5 | type (0xE: 64-bit interrupt gate) */
    u16 offset_mid;
    u32 offset_high;
    u32 reserved;
};

static struct idt_gate idt[256] __attribute__((aligned(16)));

static void set_gate(unsigned vector, void (*handler)(void), unsigned dpl, unsigned ist)
{
    u64 offset = (u64)handler;
    struct idt_gate *g = &idt[vector];
    g->offset_low = (u16)offset;
    g->selector = KERNEL_CS;
    g->ist = (u8)ist;
    g->type_attr = (u8)(0x80 | dpl << 5 | 0xE);
    g->offset_mid = (u16)(offset >> 16);
    g->offset_high = (u32)(offset >> 32);
    g->reserved = 0;
}

/* TSS descriptor in 64-bit mode (SDM Vol. 3A §7.2.3, Figure 7-4): type 9 = available 64-bit TSS. */
static void set_tss_descriptor(void)
{
    u64 base = (u64)&tss;
    u64 limit = sizeof(tss) - 1;
    gdt[TSS_SEL / 8] = (limit & 0xFFFF)
        | (base & 0xFFFFFF) << 16
        | (u64)0x89 << 40                   /* P | DPL 0 | type 9 */
        | ((limit >> 16) & 0xF) << 48
        | ((base >> 24) & 0xFF) << 56;
    gdt[TSS_SEL / 8 + 1] = base >> 32;
}

void cpu_init(void)
{
    set_tss_descriptor();
    __asm__ volatile("ltr %w0" : : "r"(TSS_SEL));

    for (unsigned v = 32; v < 256; v++)
        set_gate(v, isr_stray, 0, 0);
    for (unsigned v = 0; v < 32; v++)
        set_gate(v, exception_entries[v], 0, 0);
    set_gate(VEC_BREAKPOINT, isr_int3, 3, 0);           /* DPL 3: `int3` allowed from CPL3 */
    set_gate(VEC_DOUBLE_FAULT, exception_entries[VEC_DOUBLE_FAULT], 0, 1);
    set_gate(VEC_MSI, isr_msi, 0, 0);
    for (unsigned i = 0; i < MSIX_VECTORS; i++)
        set_gate(VEC_MSIX_BASE + i, msix_entries[i], 0, 0);
    set_gate(VEC_SPURIOUS, isr_spurious, 0, 0);
    struct descriptor_pointer idtr = { sizeof(idt) - 1, (u64)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));

    /*
     * Mask both 8259s and the APIC's LINT0/LINT1: firmware (SeaBIOS under QEMU) leaves the PIT
     * on IRQ0 with the PIC vector base at 8, which would arrive as a fake #DF.
     */
    outb(PIC1_DATA, 0xFF);
    outb(PIC2_DATA, 0xFF);
    mmio_write32(LAPIC_BASE + LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
    mmio_write32(LAPIC_BASE + LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);

    /* Software-enable the local APIC (SDM Vol. 3A §10.4.7.1, §10.9): SVR bit 8, spurious vector 0xFF. */
    mmio_write32(LAPIC_BASE + LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_SPURIOUS);
    boot_apic_id = mmio_read32(LAPIC_BASE + LAPIC_ID) >> 24;
}
