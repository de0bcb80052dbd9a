/*
 * Memory the device reads and writes: a bump allocator over RAM the image does not use,
 * [DMA_BASE, DMA_END) (the identity map makes virtual = guest-physical addresses).
 */
#ifndef DMA_H
#define DMA_H

#include "probe.h"

#define DMA_BASE 0x400000UL         /* 4 MiB: the image ends near 1.1 MiB */
#define DMA_END  0x800000UL         /* so the blk tests need 8 MiB of RAM */

/* Forgets every allocation (after a device reset). */
void dma_reset(void);
/* Zeroed memory, aligned to `align` (a power of two); 0 when the region is exhausted. */
void *dma_alloc(u64 size, u64 align);

#endif
