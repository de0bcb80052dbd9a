/*
 * Port I/O, MMIO and timestamp helpers. MMIO goes through explicit `mov` instructions so the
 * compiler can never pick an instruction form a VMM's MMIO decoder might not handle.
 */
#ifndef IO_H
#define IO_H

#include "probe.h"

static inline void outb(u16 port, u8 v)  { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static inline u8 inb(u16 port)  { u8 v;  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline u32 mmio_read32(u64 addr)
{
    u32 v;
    __asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
    return v;
}

static inline void mmio_write32(u64 addr, u32 v)
{
    __asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static inline u8 mmio_read8(u64 addr)
{
    u8 v;
    __asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(addr) : "memory");
    return v;
}

static inline void mmio_write8(u64 addr, u8 v)
{
    __asm__ volatile("movb %0, (%1)" : : "q"(v), "r"(addr) : "memory");
}

static inline u16 mmio_read16(u64 addr)
{
    u16 v;
    __asm__ volatile("movw (%1), %0" : "=r"(v) : "r"(addr) : "memory");
    return v;
}

static inline void mmio_write16(u64 addr, u16 v)
{
    __asm__ volatile("movw %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

/* 64-bit registers as two 32-bit accesses, low half first (virtio 1.2 §4.1.3.1 allows this). */
static inline void mmio_write64(u64 addr, u64 v)
{
    mmio_write32(addr, (u32)v);
    mmio_write32(addr + 4, (u32)(v >> 32));
}

static inline u64 mmio_read64(u64 addr)
{
    u64 lo = mmio_read32(addr);
    return lo | (u64)mmio_read32(addr + 4) << 32;
}

/* Ordering for shared rings: x86 keeps stores in order and loads in order, so only the compiler
 * must be stopped, except store-then-load (publish an event index, then read the device's). */
static inline void barrier(void) { __asm__ volatile("" : : : "memory"); }
static inline void full_barrier(void) { __asm__ volatile("mfence" : : : "memory"); }

static inline u64 rdtsc(void)
{
    u32 lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((u64)hi << 32) | lo;
}

static inline void cpu_relax(void) { __asm__ volatile("pause" : : : "memory"); }

#endif /* IO_H */
