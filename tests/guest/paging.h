#ifndef PAGING_H
#define PAGING_H

#include "probe.h"

/* Makes [addr, addr + size) reachable from CPL3, uncached; 0 if out of spare page tables. */
int map_mmio(u64 addr, u64 size);

#endif
