#ifndef BLK_TESTS_H
#define BLK_TESTS_H

#include "probe.h"

/* Runs the virtio-blk tests (option `blk`) at CPL3; prints `probe: blk ...` lines. */
void blk_tests(u32 *passed, u32 *failed);

#endif
