#ifndef CMDLINE_H
#define CMDLINE_H

#include "probe.h"

/* Copies what the probe needs out of the multiboot information (call once, at CPL3). */
void multiboot_read(void);
const char *multiboot_cmdline(void);
int multiboot_has_memory(void);
u32 multiboot_mem_lower_kib(void);
u32 multiboot_mem_upper_kib(void);

/* True if the command line holds the word `name` (or `name=...`). */
int option_flag(const char *name);
/* The number in `name=N` (decimal, or hex with 0x), clamped to [min, max]; fallback if absent or not a number. */
u64 option_number(const char *name, u64 fallback, u64 min, u64 max);
/* Copies the value of `name=value` into out (NUL-terminated, truncated to size - 1); its length, 0 if absent. */
unsigned option_string(const char *name, char *out, unsigned size);

#endif
