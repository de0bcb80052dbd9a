#include "dma.h"

static u64 next = DMA_BASE;

void dma_reset(void)
{
    next = DMA_BASE;
}

void *dma_alloc(u64 size, u64 align)
{
    u64 start = (next + align - 1) & ~(align - 1);
    if (start + size > DMA_END || start + size < start)
        return 0;
    next = start + size;
    return memset((void *)start, 0, size);
}
