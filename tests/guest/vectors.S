/*
 * Interrupt and exception entry points (all interrupt gates, so IF is clear inside).
 *
 * From CPL3 the CPU switches to TSS.RSP0 and pushes SS, RSP, RFLAGS, CS, RIP and, for some
 * exceptions, an error code (SDM Vol. 3A §6.14.2 "64-Bit Mode Stack Frame"). Handlers run
 * emulated under PVM, so the hot ones (MSI, int3) are a handful of instructions with no C.
 *
 * Every return forces RFLAGS.IF in the frame: the code we return to runs at CPL3, where
 * `sti` does not work under PVM, so a frame with IF clear would block all interrupts for good.
 */
#include "probe.h"

#define FRAME_RFLAGS 16             /* offset of RFLAGS above RIP in the CPU frame */

    .text
    .code64

/* MSI test vector: count, EOI (SDM Vol. 3A §10.8.5), return. */
    .globl isr_msi
isr_msi:
    pushq %rax
    incq msi_received(%rip)
    movl $LAPIC_EOI_ADDR, %eax      /* zero-extends into RAX: 0x00000000FEE000B0 */
    movl $0, (%rax)
    popq %rax
    orq $RFLAGS_IF, FRAME_RFLAGS(%rsp)
    iretq

/* virtio-blk MSI-X vectors 0x41..0x50: count per vector, EOI, return. */
.macro MSIX_HANDLER i
isr_msix_\i:
    pushq %rax
    incq msix_count + 8 * \i(%rip)
    movl $LAPIC_EOI_ADDR, %eax
    movl $0, (%rax)
    popq %rax
    orq $RFLAGS_IF, FRAME_RFLAGS(%rsp)
    iretq
.endm
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    MSIX_HANDLER \i
    .endr

/* int3 from CPL3 through the DPL3 gate: a trap, RIP already points past the int3. */
    .globl isr_int3
isr_int3:
    incq int3_count(%rip)
    orq $RFLAGS_IF, FRAME_RFLAGS(%rsp)
    iretq

/* LAPIC spurious vector: no EOI (SDM Vol. 3A §10.9). */
    .globl isr_spurious
isr_spurious:
    orq $RFLAGS_IF, FRAME_RFLAGS(%rsp)
    iretq

/* Exceptions 0..31: push a zero error code where the CPU pushes none, then the vector. */
.macro EXCEPTION vec, has_error
isr_exception_\vec:
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vec
    jmp trap_common
.endm

/* Vectors with an error code: SDM Vol. 3A §6.15, Table 6-1 ("Error Code" column). */
EXCEPTION 0, 0
EXCEPTION 1, 0
EXCEPTION 2, 0
EXCEPTION 3, 0
EXCEPTION 4, 0
EXCEPTION 5, 0
EXCEPTION 6, 0
EXCEPTION 7, 0
EXCEPTION 8, 1
EXCEPTION 9, 0
EXCEPTION 10, 1
EXCEPTION 11, 1
EXCEPTION 12, 1
EXCEPTION 13, 1
EXCEPTION 14, 1
EXCEPTION 15, 0
EXCEPTION 16, 0
EXCEPTION 17, 1
EXCEPTION 18, 0
EXCEPTION 19, 0
EXCEPTION 20, 0
EXCEPTION 21, 1
EXCEPTION 22, 0
EXCEPTION 23, 0
EXCEPTION 24, 0
EXCEPTION 25, 0
EXCEPTION 26, 0
EXCEPTION 27, 0
EXCEPTION 28, 0
EXCEPTION 29, 1
EXCEPTION 30, 1
EXCEPTION 31, 0

/* Any other vector (32..254 except VEC_MSI and the MSI-X vectors): an interrupt nobody asked for. */
    .globl isr_stray
isr_stray:
    pushq $0
    pushq $VEC_STRAY
    jmp trap_common

/* Saves the general registers as struct trap_frame and calls trap(frame). */
trap_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    /* CPU frame (40) + vector/error (16) + 15 registers (120) keep RSP 16-byte aligned. */
    movq %rsp, %rdi
    call trap
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp                  /* vector and error code */
    orq $RFLAGS_IF, FRAME_RFLAGS(%rsp)
    iretq

/* Entry points of exceptions 0..31, for the IDT builder in tables.c. */
    .section .rodata
    .balign 8
    .globl exception_entries
exception_entries:
    .irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad isr_exception_\vec
    .endr

    .globl msix_entries
msix_entries:
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    .quad isr_msix_\i
    .endr
