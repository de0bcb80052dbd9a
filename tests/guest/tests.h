#ifndef TESTS_H
#define TESTS_H

#include "probe.h"

enum result { PASS, FAIL, SKIP };

/* Each test runs at CPL3, prints its `probe: <name> ...` line(s) and returns its result. */
enum result test_boot(void);
int testdev_present(void);
enum result test_pio(int have_testdev, u64 iterations);
enum result test_mmio(int have_testdev, u64 iterations);
enum result test_msi(int have_testdev, u64 iterations);
enum result test_int3(u64 iterations);

#endif
