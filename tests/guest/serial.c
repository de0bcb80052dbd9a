/*
 * Polled output on COM1 and a small printf. Works at CPL3 (through the TSS I/O bitmap) and at
 * CPL0. Supports %s %c %u %d %x, with an optional `l` for 64-bit values, and %%.
 */
#include <stdarg.h>
#include "io.h"

/* Set once a wait for THRE times out: a UART that never drains is then written blindly. */
static int uart_stuck;

void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);        /* no UART interrupts: output is polled */
    outb(COM1 + UART_LCR, 0x03);        /* 8 data bits, no parity, 1 stop bit, DLAB = 0 */
    outb(COM1 + UART_MCR, 0x03);        /* DTR | RTS, loopback off */
}

static void serial_putc(char c)
{
    if (!uart_stuck) {
        int polls = 0;
        while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE)) {
            if (++polls == 100000) {
                uart_stuck = 1;
                break;
            }
            cpu_relax();
        }
    }
    outb(COM1 + UART_THR, (u8)c);
}

/* Blocks until the host sends a line (Send-VmConsole) and consumes it. */
void serial_wait_for_line(void)
{
    for (;;) {
        while (!(inb(COM1 + UART_LSR) & UART_LSR_DR))
            cpu_relax();
        if (inb(COM1 + UART_RBR) == '\n')
            return;
    }
}

static void put_unsigned(u64 v, unsigned base)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n)
        serial_putc(digits[--n]);
}

void print(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            serial_putc(*p);
            continue;
        }
        int is_long = 0;
        if (p[1] == 'l') {
            is_long = 1;
            p++;
        }
        switch (*++p) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            while (*s)
                serial_putc(*s++);
            break;
        }
        case 'c':
            serial_putc((char)va_arg(ap, int));
            break;
        case 'u':
            put_unsigned(is_long ? va_arg(ap, u64) : va_arg(ap, u32), 10);
            break;
        case 'd': {
            long v = is_long ? va_arg(ap, long) : va_arg(ap, int);
            if (v < 0) {
                serial_putc('-');
                v = -v;
            }
            put_unsigned((u64)v, 10);
            break;
        }
        case 'x':
            put_unsigned(is_long ? va_arg(ap, u64) : va_arg(ap, u32), 16);
            break;
        case '%':
            serial_putc('%');
            break;
        case '\0':
            p--;                        /* a lone '%' at the end */
            break;
        default:
            serial_putc('%');
            serial_putc(*p);
            break;
        }
    }
    va_end(ap);
}
