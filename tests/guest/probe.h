/*
 * Constants shared by the assembly and the C parts of the probe guest, and (outside
 * __ASSEMBLER__) the declarations the C files share. The register map of the PSVmm
 * TestDevice is described in README.md.
 */
#ifndef PROBE_H
#define PROBE_H

/* Multiboot v1 (Multiboot Specification 0.6.96 §3.1.1, §3.2). */
#define MB_HEADER_MAGIC   0x1BADB002
#define MB_FLAG_ALIGN     (1 << 0)        /* page-align modules */
#define MB_FLAG_MEMINFO   (1 << 1)        /* ask for mem_lower/mem_upper */
#define MB_HEADER_FLAGS   (MB_FLAG_ALIGN | MB_FLAG_MEMINFO)
#define MB_BOOT_MAGIC     0x2BADB002      /* EAX at entry */
#define MB_INFO_MEM       (1 << 0)        /* info flags: mem_lower/mem_upper valid (§3.3) */
#define MB_INFO_CMDLINE   (1 << 2)        /* info flags: cmdline valid */

/* GDT selectors (layout in tables.c). */
#define KERNEL_CS         0x08
#define KERNEL_DS         0x10
#define USER_DS           0x1B            /* 0x18 | RPL 3 */
#define USER_CS           0x23            /* 0x20 | RPL 3 */
#define TSS_SEL           0x28

/* Control registers and MSRs (SDM Vol. 3A §2.5, §9.8.5 "Initializing IA-32e Mode"). */
#define CR0_PE            (1 << 0)
#define CR0_PG            (1 << 31)
#define CR4_PAE           (1 << 5)
#define MSR_EFER          0xC0000080
#define EFER_LME          (1 << 8)
#define RFLAGS_IF         0x200
#define RFLAGS_USER       0x202           /* IF | reserved bit 1 */

/* Interrupt vectors. */
#define VEC_BREAKPOINT    3
#define VEC_DOUBLE_FAULT  8
#define VEC_INVALID_OP    6
#define VEC_MSI           0x40
#define VEC_MSIX_BASE     0x41            /* virtio-blk MSI-X table entry i -> vector 0x41 + i */
#define MSIX_VECTORS      16
#define VEC_SPURIOUS      0xFF
#define VEC_STRAY         0x100           /* marker pushed by the catch-all stub for vectors 32..254 */

/* Local APIC, xAPIC MMIO mode (SDM Vol. 3A §10.4.1 Table 10-1). */
#define LAPIC_BASE        0xFEE00000
#define LAPIC_ID          0x020
#define LAPIC_EOI         0x0B0
#define LAPIC_SVR         0x0F0
#define LAPIC_LVT_LINT0   0x350
#define LAPIC_LVT_LINT1   0x360
#define LAPIC_SVR_ENABLE  0x100
#define LAPIC_LVT_MASKED  0x10000
#define LAPIC_EOI_ADDR    (LAPIC_BASE + LAPIC_EOI)

/* Legacy 8259 PICs: data ports (interrupt mask registers). */
#define PIC1_DATA         0x21
#define PIC2_DATA         0xA1

/* COM1 16550A. */
#define COM1              0x3F8
#define UART_THR          0               /* transmit holding register */
#define UART_RBR          0               /* receive buffer register (read) */
#define UART_IER          1
#define UART_LCR          3
#define UART_MCR          4
#define UART_LSR          5
#define UART_SCR          7               /* scratch register */
#define UART_LSR_DR       0x01            /* a received byte is waiting */
#define UART_LSR_THRE     0x20

/* PSVmm TestDevice. */
#define TESTDEV_SCRATCH_PORT 0xF0         /* 0xF0..0xF3: 32-bit scratch */
#define TESTDEV_EXIT_PORT    0xF4         /* write: exit with status (value & 0xFF); read: shutdown requested */
#define TESTDEV_MMIO         0xFEB00000
#define TESTDEV_SIGNATURE    0x00
#define TESTDEV_SCRATCH      0x04
#define TESTDEV_MSI_ADDR_LO  0x08
#define TESTDEV_MSI_ADDR_HI  0x0C
#define TESTDEV_MSI_DATA     0x10
#define TESTDEV_MSI_TRIGGER  0x14
#define TESTDEV_MSI_COUNT    0x18
#define TESTDEV_SHUTDOWN     0x1C
#define TESTDEV_SIGNATURE_VALUE 0x4D565350 /* "PSVM" little-endian */

/* Exit statuses other than "number of failed tests" (which stays below 0x80). */
#define EXIT_EXCEPTION    0x80            /* | vector, for an unexpected exception */

#ifndef __ASSEMBLER__

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;

/* Set by boot.S from EAX/EBX at the multiboot entry. */
extern u32 mb_magic;
extern u32 mb_info;
/* TSC at the multiboot entry (boot.S). */
extern u64 boot_tsc;

/* Counters written by the CPL0 interrupt handlers, read at CPL3. */
extern volatile u64 msi_received;
extern volatile u64 int3_count;
extern volatile u64 stray_interrupts;
extern volatile u64 msix_count[MSIX_VECTORS];   /* per vector VEC_MSIX_BASE + i */

/* Set at CPL3 before the deliberate #UD that asks CPL0 to triple-fault (see guest_exit). */
extern volatile u32 exit_fallback;

/* The APIC ID of this vCPU, read at CPL0 during setup (MSI destination). */
extern u32 boot_apic_id;

/* The register frame trap_common (vectors.S) builds; pushes run from the bottom up. */
struct trap_frame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8;
    u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector, error;
    u64 rip, cs, rflags, rsp, ss;          /* pushed by the CPU (SDM Vol. 3A §6.14.2) */
};

/* serial.c */
void serial_init(void);
void serial_wait_for_line(void);
void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* exit.c */
void guest_exit(u32 status) __attribute__((noreturn));
void cpl0_exit(u32 status) __attribute__((noreturn));
void cpl0_triple_fault(void) __attribute__((noreturn));

/* lib.c */
void *memset(void *dst, int c, u64 n);
void *memcpy(void *dst, const void *src, u64 n);

#endif /* __ASSEMBLER__ */
#endif /* PROBE_H */
