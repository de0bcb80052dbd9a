/*
 * ACPI soft-off (S5) from CPL3 (ACPI 6.5 §5.2.5 RSDP, §5.2.8 XSDT, §5.2.9 FADT, §4.8.3.7 sleep
 * control register, §7.4.2 \_S5). The tables lie below 1 MiB, inside the probe's identity map.
 */
#include "acpi.h"
#include "io.h"

#define FADT_FLAGS              112
#define FADT_FLAG_HW_REDUCED    (1u << 20)
#define FADT_X_DSDT             140
#define FADT_SLEEP_CONTROL      244     /* Generic Address Structure, 12 bytes */
#define FADT_MIN_LENGTH         256
#define GAS_SYSTEM_IO           1
#define SLP_TYP_SHIFT           2
#define SLP_EN                  0x20

static u32 rd32(const u8 *p) { return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24; }
static u64 rd64(const u8 *p) { return rd32(p) | (u64)rd32(p + 4) << 32; }

static int same(const u8 *p, const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (p[i] != (u8)s[i])
            return 0;
    return 1;
}

static int checksum_ok(const u8 *p, u32 length)
{
    u8 sum = 0;
    for (u32 i = 0; i < length; i++)
        sum += p[i];
    return sum == 0;
}

/* §5.2.5.1: the RSDP is on a 16-byte boundary in 0xE0000-0xFFFFF. */
static const u8 *find_rsdp(void)
{
    for (u64 a = 0xE0000; a < 0x100000; a += 16) {
        const u8 *p = (const u8 *)a;
        if (same(p, "RSD PTR ", 8) && checksum_ok(p, 20))
            return p;
    }
    return 0;
}

static const u8 *find_table(const u8 *rsdp, const char *signature)
{
    if (rsdp[15] < 2)
        return 0;                       /* ACPI 1.0: no XSDT, no sleep control register either */
    const u8 *xsdt = (const u8 *)rd64(rsdp + 24);
    if (!same(xsdt, "XSDT", 4) || !checksum_ok(xsdt, rd32(xsdt + 4)))
        return 0;
    for (u32 off = 36; off + 8 <= rd32(xsdt + 4); off += 8) {
        const u8 *table = (const u8 *)rd64(xsdt + off);
        if (same(table, signature, 4) && checksum_ok(table, rd32(table + 4)))
            return table;
    }
    return 0;
}

/* SLP_TYPa: the first element of Name(\_S5, Package(){...}) in the DSDT, found by its bytes. */
static int s5_sleep_type(const u8 *dsdt)
{
    u32 length = rd32(dsdt + 4);
    for (u32 i = 36; i + 8 < length; i++) {
        if (dsdt[i] != 0x08 || !same(dsdt + i + 1 + (dsdt[i + 1] == '\\'), "_S5_", 4))
            continue;
        const u8 *p = dsdt + i + 5 + (dsdt[i + 1] == '\\');
        if (*p++ != 0x12)               /* PackageOp */
            return -1;
        p += 1 + (*p >> 6);             /* PkgLength */
        p++;                            /* NumElements */
        if (*p == 0x0A)                 /* BytePrefix */
            return p[1];
        return *p <= 1 ? *p : -1;       /* ZeroOp, OneOp */
    }
    return -1;
}

void acpi_poweroff(void)
{
    const u8 *rsdp = find_rsdp();
    const u8 *fadt = rsdp ? find_table(rsdp, "FACP") : 0;
    if (!fadt || rd32(fadt + 4) < FADT_MIN_LENGTH || !(rd32(fadt + FADT_FLAGS) & FADT_FLAG_HW_REDUCED)) {
        print("probe: acpi poweroff FAIL no hardware-reduced FADT (rsdp=%x fadt=%x)\n", (u32)(u64)rsdp, (u32)(u64)fadt);
        return;
    }
    const u8 *gas = fadt + FADT_SLEEP_CONTROL;
    u64 port = rd64(gas + 4);
    const u8 *dsdt = (const u8 *)rd64(fadt + FADT_X_DSDT);
    int type = same(dsdt, "DSDT", 4) ? s5_sleep_type(dsdt) : -1;
    if (gas[0] != GAS_SYSTEM_IO || port == 0 || port > 0xFFFF || type < 0 || type > 7) {
        print("probe: acpi poweroff FAIL sleep control register space=%u port=0x%lx, \\_S5 type %d\n", gas[0], port, type);
        return;
    }
    print("probe: acpi poweroff port=0x%x slp_typ=%d\n", (u32)port, type);
    outb((u16)port, (u8)(type << SLP_TYP_SHIFT | SLP_EN));
    for (u64 start = rdtsc(); rdtsc() - start < (1UL << 32);)
        cpu_relax();
    print("probe: acpi poweroff FAIL still running after the S5 write\n");
}
