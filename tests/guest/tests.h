#ifndef TESTS_H
#define TESTS_H

#include "devices.h"

enum result { PASS, FAIL, SKIP };

/* Each test runs at CPL3, prints its `probe: <name> ...` line(s) and returns its result. */
enum result test_boot(void);
enum result test_pio(int have_testdev, u64 iterations);
enum result test_mmio(const struct probe_device *dev, u64 iterations);
enum result test_msi(const struct probe_device *dev, u64 iterations);
enum result test_int3(u64 iterations);

#endif
