/*
 * Boot path: multiboot v1 header, 32-bit entry, switch to long mode, CPL0 setup, drop to CPL3.
 *
 * Everything here runs at CPL0, which PVM runs through KVM's instruction emulator: keep it
 * short and use only ordinary integer instructions (see PLATFORM.md).
 */
#include "probe.h"

/*
 * Multiboot header (Multiboot Specification 0.6.96 §3.1.1): must lie 4-byte aligned in the
 * first 8192 bytes of the file; the linker script puts this section first. Flag bit 16 (a.out
 * kludge) stays clear, so loaders take the load addresses and the entry point from the ELF file.
 */
    .section .multiboot, "a"
    .balign 4
    .long MB_HEADER_MAGIC
    .long MB_HEADER_FLAGS
    .long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

/*
 * Multiboot machine state (§3.2): 32-bit protected mode, flat 4 GiB CS/DS, paging off,
 * IF clear, EAX = 0x2BADB002, EBX = physical address of the multiboot information.
 * The GDTR may be invalid, so we load our own before touching a segment register.
 */
    .section .text.boot32, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    movl %eax, mb_magic
    movl %ebx, mb_info
    rdtsc                           /* for the boot_cycles stat */
    movl %eax, boot_tsc
    movl %edx, boot_tsc + 4

    /* Enter IA-32e mode (SDM Vol. 3A §9.8.5): PAE, CR3, EFER.LME, then CR0.PG. */
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $pml4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE), %eax
    movl %eax, %cr0

    /* lgdt reads a 32-bit base here; the GDT lies below 4 GiB. */
    lgdt gdt_pointer
    ljmp $KERNEL_CS, $long_mode

    .text
    .code64
long_mode:
    movl $KERNEL_DS, %eax
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %fs
    movl %eax, %gs
    movq $kernel_stack_top, %rsp

    call cpu_init                   /* tables.c: TSS, IDT, PIC mask, LAPIC enable */

    /*
     * Drop to CPL3 (SDM Vol. 3A §6.14.3, IRET in IA-32e mode): the frame is SS, RSP, RFLAGS,
     * CS, RIP. The user stack pointer is 8 below a 16-byte boundary, as after a `call`.
     */
    pushq $USER_DS
    pushq $(user_stack_top - 8)
    pushq $RFLAGS_USER
    pushq $USER_CS
    pushq $probe_main
    iretq

/*
 * Identity map of the first 4 GiB with 2 MiB pages (SDM Vol. 3A §4.5 "4-Level Paging", the
 * PML4E, PDPTE and "PDE that maps a 2-MByte page" formats). Every level has P, R/W and
 * U/S set so CPL3 can reach RAM and the MMIO window (test device, IOAPIC, LAPIC). The top GiB
 * is the MMIO hole, mapped uncached (PCD | PWT). Built by the assembler: no CPL0 work at boot.
 */
#define PTE_P     0x001
#define PTE_RW    0x002
#define PTE_US    0x004
#define PTE_PWT   0x008
#define PTE_PCD   0x010
#define PTE_PS    0x080
#define PTE_TABLE (PTE_P | PTE_RW | PTE_US)
#define PTE_2M    (PTE_P | PTE_RW | PTE_US | PTE_PS)

    .data
    .balign 4096
    .globl pml4, high_tables
pml4:
    .quad pdpt + PTE_TABLE
    .fill 511, 8, 0
pdpt:
    .quad page_directories + 0 * 4096 + PTE_TABLE
    .quad page_directories + 1 * 4096 + PTE_TABLE
    .quad page_directories + 2 * 4096 + PTE_TABLE
    .quad page_directories + 3 * 4096 + PTE_TABLE
    .fill 508, 8, 0
page_directories:
    .set page, 0
    .rept 3 * 512                   /* [0, 3 GiB): RAM, write-back */
    .quad (page << 21) + PTE_2M
    .set page, page + 1
    .endr
    .rept 512                       /* [3 GiB, 4 GiB): MMIO hole, uncached */
    .quad (page << 21) + PTE_2M + PTE_PCD + PTE_PWT
    .set page, page + 1
    .endr
/* Spare tables for MMIO above 4 GiB (64-bit BARs), linked in at CPL3 by paging.c. */
high_tables:
    .fill 5 * 512, 8, 0

/* Stacks. The linker script keeps .bss inside the loaded file image (see probe.ld). */
    .bss
    .balign 4096
    .globl kernel_stack_top, ist1_stack_top, user_stack_top
    .skip 16384
kernel_stack_top:                   /* CPL0: setup, then TSS.RSP0 for entries from CPL3 */
    .skip 4096
ist1_stack_top:                     /* #DF, so a broken stack still reports */
    .skip 16384
user_stack_top:                     /* CPL3 */
