#ifndef ACPI_H
#define ACPI_H

#include "probe.h"

/*
 * `poweroff`: instead of the debug-exit port, power the machine off the way an ACPI OS does on a
 * hardware-reduced platform: find the FADT through the RSDP and XSDT, take SLP_TYPa from the
 * DSDT's \_S5 package, and write SLP_TYPa | SLP_EN to the FADT's sleep control register.
 * Returns only if the machine is still running afterwards (or has no such register).
 */
void acpi_poweroff(void);

#endif
