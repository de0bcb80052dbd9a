/*
 * Mapping MMIO above 4 GiB (a 64-bit BAR placed high by the firmware or the VMM) at CPL3.
 * boot.S maps only the first 4 GiB; the page tables are ordinary user-writable memory, so CPL3
 * links spare tables in. Only not-present entries become present, which needs no TLB
 * invalidation (SDM Vol. 3A §4.10.2.3: not-present translations are not cached).
 */
#include "paging.h"

#define PTE_TABLE  0x007            /* P | RW | US */
#define PTE_2M_UC  0x09F            /* P | RW | US | PWT | PCD | PS */
#define SPARE_TABLES 5              /* one PDPT and four page directories */

extern u64 pml4[512];
extern u64 high_tables[SPARE_TABLES][512];
static unsigned spare_used;

static u64 *spare_table(void)
{
    if (spare_used == SPARE_TABLES)
        return 0;
    return high_tables[spare_used++];
}

/* The table an entry points to, after linking a spare one in if it is not present. */
static u64 *next_level(volatile u64 *entry)
{
    if (*entry & 1)
        return (u64 *)(*entry & 0x000FFFFFFFFFF000UL);
    u64 *table = spare_table();
    if (table)
        *entry = (u64)table | PTE_TABLE;
    return table;
}

static int map_2m(u64 addr)
{
    u64 *pdpt = next_level(&pml4[(addr >> 39) & 511]);
    if (!pdpt)
        return 0;
    volatile u64 *pdpte = &pdpt[(addr >> 30) & 511];
    if (*pdpte & 0x80)              /* a 1 GiB page already maps it */
        return 1;
    u64 *pd = next_level(pdpte);
    if (!pd)
        return 0;
    volatile u64 *pde = &pd[(addr >> 21) & 511];
    if (!(*pde & 1))
        *pde = (addr & ~0x1FFFFFUL) | PTE_2M_UC;
    return 1;
}

int map_mmio(u64 addr, u64 size)
{
    if (size == 0 || addr + size < addr || addr + size > (1UL << 46))
        return 0;
    if (addr + size <= (1UL << 32))
        return 1;                   /* boot.S maps it */
    for (u64 a = addr & ~0x1FFFFFUL; a < addr + size; a += 0x200000)
        if (a >= (1UL << 32) && !map_2m(a))
            return 0;
    return 1;
}
