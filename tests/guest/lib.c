/* The two functions the compiler may call even in freestanding code (struct copies, zeroing). */
#include "probe.h"

void *memset(void *dst, int c, u64 n)
{
    u8 *d = dst;
    while (n--)
        *d++ = (u8)c;
    return dst;
}

void *memcpy(void *dst, const void *src, u64 n)
{
    u8 *d = dst;
    const u8 *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}
