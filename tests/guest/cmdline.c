/*
 * The multiboot information (Multiboot Specification 0.6.96 §3.3) as far as the probe uses it:
 * memory sizes and the command line. Options are space-separated words, `name` or `name=value`;
 * other words (QEMU passes the kernel path first) are ignored.
 */
#include "cmdline.h"

struct multiboot_info {
    u32 flags;
    u32 mem_lower;              /* KiB below 1 MiB (flags bit 0) */
    u32 mem_upper;              /* KiB from 1 MiB up to the first hole (flags bit 0) */
    u32 boot_device;
    u32 cmdline;                /* physical address of a NUL-terminated string (flags bit 2) */
};

static char cmdline[256];
static u32 info_flags, mem_lower_kib, mem_upper_kib;

void multiboot_read(void)
{
    /* Without the boot magic EBX is not a multiboot information address: use nothing from it. */
    if (mb_magic != MB_BOOT_MAGIC || mb_info == 0)
        return;
    const volatile struct multiboot_info *info = (const volatile struct multiboot_info *)(u64)mb_info;
    info_flags = info->flags;
    if (info_flags & MB_INFO_MEM) {
        mem_lower_kib = info->mem_lower;
        mem_upper_kib = info->mem_upper;
    }
    if ((info_flags & MB_INFO_CMDLINE) && info->cmdline != 0) {
        const volatile char *src = (const volatile char *)(u64)info->cmdline;
        for (unsigned i = 0; i < sizeof(cmdline) - 1 && src[i]; i++)
            cmdline[i] = (src[i] >= 0x20 && src[i] < 0x7F) ? src[i] : '?';
    }
}

const char *multiboot_cmdline(void) { return cmdline; }
int multiboot_has_memory(void) { return (info_flags & MB_INFO_MEM) != 0; }
u32 multiboot_mem_lower_kib(void) { return mem_lower_kib; }
u32 multiboot_mem_upper_kib(void) { return mem_upper_kib; }

/* The value of word `name=...`, "" for a bare `name`, or 0 if absent. */
static const char *option_value(const char *name)
{
    for (const char *w = cmdline; *w;) {
        while (*w == ' ')
            w++;
        const char *n = name;
        const char *p = w;
        while (*n && *p == *n) {
            n++;
            p++;
        }
        if (*n == '\0' && (*p == '\0' || *p == ' '))
            return "";
        if (*n == '\0' && *p == '=')
            return p + 1;
        while (*w && *w != ' ')
            w++;
    }
    return 0;
}

int option_flag(const char *name)
{
    return option_value(name) != 0;
}

static int digit_value(char c, unsigned base)
{
    int d = (c >= '0' && c <= '9') ? c - '0'
          : (c >= 'a' && c <= 'f') ? c - 'a' + 10
          : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 99;
    return d < (int)base ? d : -1;
}

u64 option_number(const char *name, u64 fallback, u64 min, u64 max)
{
    const char *v = option_value(name);
    unsigned base = 10;
    if (v && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        base = 16;
        v += 2;
    }
    if (v == 0 || digit_value(*v, base) < 0)
        return fallback;
    u64 n = 0;
    for (int d; (d = digit_value(*v, base)) >= 0; v++) {
        if (n > max / base)
            return max;
        n = n * base + (u64)d;
        if (n > max)
            return max;
    }
    return n < min ? min : n;
}

unsigned option_string(const char *name, char *out, unsigned size)
{
    const char *v = option_value(name);
    unsigned n = 0;
    if (v == 0 || size == 0)
        return 0;
    while (v[n] && v[n] != ' ' && n + 1 < size) {
        out[n] = v[n];
        n++;
    }
    out[n] = '\0';
    return n;
}
