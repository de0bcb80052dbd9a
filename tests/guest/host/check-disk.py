#!/usr/bin/env python3
"""Checks the disk image a probe `blk` run left behind (tests/guest/README.md, "Disk pattern").

    check-disk.py IMAGE [--seed N] [--no-discard | --discard-any] [--no-write-zeroes]

Sectors are 512 bytes. Sector S in [0, 192) and [240, 256): byte i = (S*31 + i*7 + seed) & 0xFF.
Sectors [192, 208) (discard), [208, 224) (write zeroes), [224, 240) (write zeroes, unmap): all
zero, unless the device did not offer that command (then they hold the pattern too). With
--discard-any (the probe ran with blk.discard_zeroes=0) each discarded sector may be zeros or
still hold its pattern.
Exit status 0 if the image matches; otherwise the first mismatch is printed.
"""
import argparse
import sys

SECTOR = 512
AREA = 256
ZERO_RANGES = {"discard": range(192, 208), "write_zeroes": range(208, 240)}


def expected(sector, seed, zeroed):
    if sector in zeroed:
        return bytes(SECTOR)
    return bytes((sector * 31 + i * 7 + seed) & 0xFF for i in range(SECTOR))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("image")
    p.add_argument("--seed", type=int, default=0, help="the probe's blk.seed (0..255)")
    p.add_argument("--no-discard", action="store_true", help="the device did not offer DISCARD")
    p.add_argument("--discard-any", action="store_true", help="discarded sectors: zeros or the pattern")
    p.add_argument("--no-write-zeroes", action="store_true", help="the device did not offer WRITE_ZEROES")
    a = p.parse_args()
    zeroed = set()
    if not a.no_discard:
        zeroed.update(ZERO_RANGES["discard"])
    if not a.no_write_zeroes:
        zeroed.update(ZERO_RANGES["write_zeroes"])
    with open(a.image, "rb") as f:
        data = f.read(AREA * SECTOR)
    if len(data) < AREA * SECTOR:
        print(f"check-disk: {a.image} holds {len(data)} bytes, want at least {AREA * SECTOR}")
        return 1
    for s in range(AREA):
        want = expected(s, a.seed, zeroed)
        got = data[s * SECTOR:(s + 1) * SECTOR]
        if got != want and a.discard_any and s in ZERO_RANGES["discard"] and got == expected(s, a.seed, set()):
            continue
        if got != want:
            i = next(k for k in range(SECTOR) if got[k] != want[k])
            print(f"check-disk: sector {s} byte {i} is 0x{got[i]:02x}, want 0x{want[i]:02x}")
            return 1
    print(f"check-disk: ok ({AREA} sectors, seed {a.seed}, zeroed {len(zeroed)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
