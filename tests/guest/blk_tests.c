/*
 * The virtio-blk tests (command line `blk`): find and set up the device, then for each ring
 * format asked for (`blk.ring=split|packed|both`) initialize it (virtio 1.2 §3.1.1), run every
 * request kind (§5.2.6) and compare what it reads with what it wrote. The disk is left holding
 * the pattern described in README.md ("Disk pattern") for the host to check.
 */
#include "blk_tests.h"
#include "cmdline.h"
#include "dma.h"
#include "io.h"
#include "virtio_blk.h"

/* Disk layout in 512-byte sectors (README.md "Disk pattern"). */
#define AREA_SECTORS        256     /* [0, 256) is written with the pattern */
#define CHUNK               8       /* sectors per read/write request (4 KiB: fine for any blk_size <= 4096) */
#define DIRECT_A            0       /* [0, 64): direct multi-segment requests on queue 0 */
#define INDIRECT_START      64      /* [64, 128): indirect requests */
#define QUEUES_START        128     /* [128, 192): chunk c on queue c % queues */
#define DIRECT_B            192     /* [192, 256): direct, then zeroed in part: */
#define DISCARD_START       192     /* [192, 208) discarded */
#define WZ_START            208     /* [208, 224) write zeroes */
#define WZ_UNMAP_START      224     /* [224, 240) write zeroes with UNMAP */
#define ZERO_SECTORS        BLK_ZERO_SECTORS
#define MIN_CAPACITY        AREA_SECTORS

static u32 passed, failed;
static const char *ring_name;       /* 0 outside a ring run */
/* What each sector should hold in the current run. */
enum sector_state { PATTERN, ZEROS, UNKNOWN /* after a failed zeroing: not compared again */ };
static u8 expect[AREA_SECTORS];
static u8 *wbuf, *rbuf;             /* AREA_SECTORS sectors each, DMA memory */

static u8 pattern_byte(u64 sector, unsigned i, u32 seed)
{
    return (u8)(sector * 31 + i * 7 + seed);
}

static void result(int ok, const char *kind)
{
    if (ok)
        passed++;
    else
        failed++;
    if (ring_name)
        print("probe: blk %s %s ring=%s\n", kind, ok ? "ok" : "FAIL", ring_name);
    else
        print("probe: blk %s %s\n", kind, ok ? "ok" : "FAIL");
}

static void skip(const char *kind, const char *why)
{
    print("probe: blk %s skip ring=%s (%s)\n", kind, ring_name ? ring_name : "-", why);
}

/* A read or write of `count` sectors at `sector`, its data in `segs` equal pieces of buf. */
static void rw_io(struct blk_io *io, u32 type, u64 sector, unsigned count, u8 *buf, unsigned segs, int indirect)
{
    *io = (struct blk_io){ .type = type, .sector = sector, .ndata = segs, .indirect = indirect };
    u32 piece = count * SECTOR_SIZE / segs;
    for (unsigned i = 0; i < segs; i++)
        io->data[i] = (struct vq_seg){ (u64)buf + sector * SECTOR_SIZE + i * piece, piece, type == VIRTIO_BLK_T_IN };
}

static int statuses(const struct blk_io *io, unsigned n, u8 want, const char *kind)
{
    for (unsigned i = 0; i < n; i++)
        if (io[i].status != want) {
            print("probe: blk %s FAIL request %u (type %u sector %lu) status=%u want %u\n",
                  kind, i, io[i].type, io[i].sector, io[i].status, want);
            return 0;
        }
    return 1;
}

/* Reads or writes [start, start + count) in CHUNK-sector requests, all in flight together. */
static int transfer(struct blk_dev *b, unsigned qi, u32 type, u64 start, unsigned count, unsigned segs,
                    int indirect, const char *kind)
{
    static struct blk_io io[BLK_MAX_BATCH];
    unsigned n = count / CHUNK;
    u8 *buf = type == VIRTIO_BLK_T_IN ? rbuf : wbuf;
    for (unsigned i = 0; i < n; i++)
        rw_io(&io[i], type, start + (u64)i * CHUNK, CHUNK, buf, segs, indirect);
    if (!blk_execute(b, qi, io, n)) {
        print("probe: blk %s FAIL queue %u sectors %lu+%u did not complete\n", kind, qi, start, count);
        return 0;
    }
    for (unsigned i = 0; i < n; i++)
        if (type == VIRTIO_BLK_T_IN && io[i].written != CHUNK * SECTOR_SIZE + 1) {
            print("probe: blk %s FAIL read of sector %lu: used length %u, want %u\n", kind, io[i].sector,
                  io[i].written, CHUNK * SECTOR_SIZE + 1);
            return 0;
        }
    return statuses(io, n, VIRTIO_BLK_S_OK, kind);
}

/* True if rbuf's sector s holds zeros or the pattern, as asked. */
static int sector_is(u64 s, u32 seed, enum sector_state state)
{
    for (unsigned i = 0; i < SECTOR_SIZE; i++)
        if (rbuf[s * SECTOR_SIZE + i] != (state == ZEROS ? 0 : pattern_byte(s, i, seed)))
            return 0;
    return 1;
}

/* Compares rbuf's [start, start + count) with what the disk should hold: zeros or the pattern. */
static int compare(u64 start, unsigned count, u32 seed, const char *kind)
{
    for (u64 s = start; s < start + count; s++)
        for (unsigned i = 0; i < SECTOR_SIZE && expect[s] != UNKNOWN; i++) {
            u8 want = expect[s] == ZEROS ? 0 : pattern_byte(s, i, seed);
            u8 got = rbuf[s * SECTOR_SIZE + i];
            if (got != want) {
                print("probe: blk %s FAIL sector %lu byte %u reads 0x%x, want 0x%x\n", kind, s, i, got, want);
                return 0;
            }
        }
    return 1;
}

static int read_compare(struct blk_dev *b, u64 start, unsigned count, u32 seed, const char *kind)
{
    memset(rbuf + start * SECTOR_SIZE, 0xCC, (u64)count * SECTOR_SIZE);
    return transfer(b, 0, VIRTIO_BLK_T_IN, start, count, 2, 0, kind) && compare(start, count, seed, kind);
}

/* A request with no data, or with one device-readable/writable segment; returns its status or -1. */
static int single(struct blk_dev *b, unsigned qi, u32 type, u64 sector, void *data, u32 len, int device_writes)
{
    static struct blk_io io;
    io = (struct blk_io){ .type = type, .sector = sector, .ndata = data ? 1 : 0 };
    if (data)
        io.data[0] = (struct vq_seg){ (u64)data, len, device_writes };
    if (!blk_execute(b, qi, &io, 1))
        return -1;
    return io.status;
}

/* §5.2.6: GET_ID writes up to 20 bytes of serial number, NUL-padded if shorter. */
static void test_get_id(struct blk_dev *b)
{
    u8 *id = dma_alloc(VIRTIO_BLK_ID_BYTES, 8);
    char serial[VIRTIO_BLK_ID_BYTES + 1], want[64];
    int status = single(b, 0, VIRTIO_BLK_T_GET_ID, 0, id, VIRTIO_BLK_ID_BYTES, 1);
    if (status != VIRTIO_BLK_S_OK) {
        print("probe: blk get_id FAIL status=%d\n", status);
        result(0, "get_id");
        return;
    }
    unsigned n = 0;
    while (n < VIRTIO_BLK_ID_BYTES && id[n]) {
        serial[n] = (id[n] >= 0x20 && id[n] < 0x7F) ? (char)id[n] : '?';
        n++;
    }
    serial[n] = '\0';
    print("probe: blk serial=%s\n", serial);
    int ok = 1;
    if (option_string("blk.serial", want, sizeof(want))) {
        for (unsigned i = 0; i <= n && ok; i++)
            ok = serial[i] == want[i];
        if (!ok)
            print("probe: blk get_id FAIL serial=%s want %s\n", serial, want);
    }
    result(ok, "get_id");
}

/* One DISCARD or WRITE_ZEROES segment (§5.2.6.2 struct virtio_blk_discard_write_zeroes). */
struct dwz_segment {
    u64 sector;
    u32 num_sectors;
    u32 flags;
} __attribute__((packed));

static void test_zeroing(struct blk_dev *b, u32 type, u64 start, u32 flags, u32 seed, const char *kind)
{
    struct dwz_segment *seg = dma_alloc(sizeof(*seg), 16);
    *seg = (struct dwz_segment){ start, ZERO_SECTORS, flags };
    int status = single(b, 0, type, 0, seg, sizeof(*seg), 0);
    if (status != VIRTIO_BLK_S_OK) {
        print("probe: blk %s FAIL status=%d for sectors %lu+%u\n", kind, status, start, ZERO_SECTORS);
        result(0, kind);
        return;
    }
    /*
     * The range reads as zeros now (DISCARD with `blk.discard_zeroes=0`: each sector as zeros or
     * still its pattern, since §5.2.6 leaves discarded data undefined); the rest of [192, 256)
     * as before.
     */
    int lenient = type == VIRTIO_BLK_T_DISCARD && !option_number("blk.discard_zeroes", 1, 0, 1);
    memset(rbuf + DIRECT_B * SECTOR_SIZE, 0xCC, 64 * SECTOR_SIZE);
    int ok = transfer(b, 0, VIRTIO_BLK_T_IN, DIRECT_B, 64, 2, 0, kind);
    unsigned zeros = 0;
    for (u64 s = start; s < start + ZERO_SECTORS && ok; s++) {
        expect[s] = ZEROS;
        if (sector_is(s, seed, ZEROS)) {
            zeros++;
        } else if (lenient && sector_is(s, seed, PATTERN)) {
            expect[s] = PATTERN;
        } else {
            compare(s, 1, seed, kind);      /* prints the first wrong byte */
            for (u64 t = s; t < start + ZERO_SECTORS; t++)
                expect[t] = UNKNOWN;
            ok = 0;
        }
    }
    ok = ok && compare(DIRECT_B, 64, seed, kind);
    if (ok && lenient)
        print("probe: blk discard zeroed=%u/%u\n", zeros, ZERO_SECTORS);
    result(ok, kind);
}

/* §5.2.5: with CONFIG_WCE the driver may switch the cache mode by writing `writeback`. */
static void test_writeback(struct blk_dev *b)
{
    u64 field = b->vp->device.address + 0x20;
    u8 before = mmio_read8(field), flipped = before ? 0 : 1;
    mmio_write8(field, flipped);
    u8 after = mmio_read8(field);
    mmio_write8(field, before);
    u8 restored = mmio_read8(field);
    int ok = after == flipped && restored == before;
    if (!ok)
        print("probe: blk writeback FAIL was %u, wrote %u, read %u, restored %u\n", before, flipped, after, restored);
    result(ok, "writeback");
}

/*
 * Masked vector (PCI Local Bus 3.0 §6.8.2.9-10): a completion while queue 0's entry is masked
 * raises no interrupt but sets its pending bit; unmasking delivers it and clears the bit.
 */
static void test_msix_pending(struct blk_dev *b)
{
    const unsigned entry = 1;
    struct virtq *q = &b->queues[0];
    static struct blk_io io;
    int ok = 1;
    msix_mask(b->vp, entry, 1);
    u64 before = msix_count[entry];
    virtq_arm(q);
    io = (struct blk_io){ .type = VIRTIO_BLK_T_IN, .ndata = 1,
                          .data = { { (u64)rbuf, SECTOR_SIZE, 1 } } };
    struct vq_seg segs[3] = {
        { (u64)&b->req_mem[0], 16, 0 }, { (u64)rbuf, SECTOR_SIZE, 1 }, { (u64)&b->req_mem[0].status, 1, 1 } };
    b->req_mem[0] = (struct blk_req_mem){ VIRTIO_BLK_T_IN, 0, 0, 0xEE };
    if (!virtq_add(q, segs, 3, 0, &io)) {
        print("probe: blk msix_pending FAIL cannot add a request\n");
        msix_mask(b->vp, entry, 0);
        result(0, "msix_pending");
        return;
    }
    virtq_kick(q);
    u32 len;
    void *done = 0;
    u64 start = rdtsc();
    while (!(done = virtq_get(q, &len)) && rdtsc() - start < (1UL << 33))
        cpu_relax();
    /* Give a wrongly delivered interrupt time to arrive before looking. */
    for (u64 t = rdtsc(); rdtsc() - t < (1UL << 24);)
        cpu_relax();
    int pending = msix_pending(b->vp, entry);
    if (done != &io || b->req_mem[0].status != VIRTIO_BLK_S_OK) {
        print("probe: blk msix_pending FAIL request did not complete while masked (status %u)\n", b->req_mem[0].status);
        ok = 0;
    } else if (msix_count[entry] != before) {
        print("probe: blk msix_pending FAIL interrupt delivered while the vector was masked\n");
        ok = 0;
    } else if (!pending) {
        print("probe: blk msix_pending FAIL PBA bit %u clear after a masked completion\n", entry);
        ok = 0;
    }
    msix_mask(b->vp, entry, 0);
    if (ok && !blk_wait_interrupt(entry, before, 1UL << 33)) {
        print("probe: blk msix_pending FAIL no interrupt after unmasking\n");
        ok = 0;
    }
    if (ok && msix_pending(b->vp, entry)) {
        print("probe: blk msix_pending FAIL PBA bit %u still set after delivery\n", entry);
        ok = 0;
    }
    if (ok)
        print("probe: msix pending ok\n");
    result(ok, "msix_pending");
}

/* The largest number of data segments (1, 2 or 4) seg_max allows. */
static unsigned data_segments(struct blk_dev *b)
{
    u32 max = (b->features >> VIRTIO_BLK_F_SEG_MAX & 1) ? b->config.seg_max : 4;
    return max >= 4 ? 4 : max >= 2 ? 2 : 1;
}

static void run_requests(struct blk_dev *b, u32 seed)
{
    u64 f = b->features;
    unsigned segs = data_segments(b);
    memset(expect, PATTERN, sizeof(expect));
    for (u64 s = 0; s < AREA_SECTORS; s++)
        for (unsigned i = 0; i < SECTOR_SIZE; i++)
            wbuf[s * SECTOR_SIZE + i] = pattern_byte(s, i, seed);

    test_get_id(b);

    if (f >> VIRTIO_BLK_F_RO & 1) {
        /* A read-only device fails writes with IOERR (§5.2.6.2); nothing else here applies. */
        static struct blk_io io;
        rw_io(&io, VIRTIO_BLK_T_OUT, 0, CHUNK, wbuf, 1, 0);
        int ok = blk_execute(b, 0, &io, 1) && statuses(&io, 1, VIRTIO_BLK_S_IOERR, "read_only");
        print("probe: blk device is read-only (VIRTIO_BLK_F_RO)\n");
        result(ok, "read_only");
        return;
    }

    /* Direct multi-segment writes, all in flight together, then read back. */
    b->max_in_flight = 0;
    int ok = transfer(b, 0, VIRTIO_BLK_T_OUT, DIRECT_A, 64, segs, 0, "write")
          && transfer(b, 0, VIRTIO_BLK_T_OUT, DIRECT_B, 64, segs, 0, "write");
    result(ok, "write");
    u32 write_in_flight = b->max_in_flight;
    result(read_compare(b, DIRECT_A, 64, seed, "read") && read_compare(b, DIRECT_B, 64, seed, "read"), "read");
    print("probe: blk multi_segment data_segments=%u\n", segs);
    if (write_in_flight < 2)
        print("probe: blk inflight FAIL at most %u request(s) in flight\n", write_in_flight);
    else
        print("probe: blk inflight max=%u\n", write_in_flight);
    result(write_in_flight >= 2, "inflight");

    if (f >> VIRTIO_F_INDIRECT_DESC & 1) {
        memset(rbuf + INDIRECT_START * SECTOR_SIZE, 0xCC, 64 * SECTOR_SIZE);
        ok = transfer(b, 0, VIRTIO_BLK_T_OUT, INDIRECT_START, 64, segs, 1, "indirect")
          && transfer(b, 0, VIRTIO_BLK_T_IN, INDIRECT_START, 64, 8, 1, "indirect")
          && compare(INDIRECT_START, 64, seed, "indirect");
        result(ok, "indirect");
    } else {
        skip("indirect", "INDIRECT_DESC not negotiated");
        if (!transfer(b, 0, VIRTIO_BLK_T_OUT, INDIRECT_START, 64, segs, 0, "write"))
            result(0, "write");             /* the range still gets the pattern, directly */
    }

    /* Every queue: chunk c of [128, 192) goes through queue c % queues, written then read back. */
    ok = 1;
    memset(rbuf + QUEUES_START * SECTOR_SIZE, 0xCC, 64 * SECTOR_SIZE);
    for (unsigned c = 0; c < 64 / CHUNK && ok; c++) {
        unsigned qi = c % b->num_queues;
        u64 sector = QUEUES_START + (u64)c * CHUNK;
        ok = transfer(b, qi, VIRTIO_BLK_T_OUT, sector, CHUNK, segs, 0, "queues")
          && transfer(b, qi, VIRTIO_BLK_T_IN, sector, CHUNK, 1, 0, "queues");
    }
    ok = ok && compare(QUEUES_START, 64, seed, "queues");
    print("probe: blk queues count=%u\n", b->num_queues);
    result(ok, "queues");

    if (f >> VIRTIO_BLK_F_FLUSH & 1) {
        int status = single(b, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
        if (status != VIRTIO_BLK_S_OK)
            print("probe: blk flush FAIL status=%d\n", status);
        result(status == VIRTIO_BLK_S_OK, "flush");
    } else {
        skip("flush", "FLUSH not offered");
    }

    if (f >> VIRTIO_BLK_F_CONFIG_WCE & 1)
        test_writeback(b);
    else
        skip("writeback", "CONFIG_WCE not offered");

    u32 align = b->config.discard_sector_alignment;
    if ((f >> VIRTIO_BLK_F_DISCARD & 1) && align > 1 && (DISCARD_START % align || ZERO_SECTORS % align))
        skip("discard", "discard_sector_alignment does not divide the 16-sector range at 192");
    else if (f >> VIRTIO_BLK_F_DISCARD & 1)
        test_zeroing(b, VIRTIO_BLK_T_DISCARD, DISCARD_START, 0, seed, "discard");
    else
        skip("discard", "DISCARD not offered");
    if (f >> VIRTIO_BLK_F_WRITE_ZEROES & 1) {
        test_zeroing(b, VIRTIO_BLK_T_WRITE_ZEROES, WZ_START, 0, seed, "write_zeroes");
        test_zeroing(b, VIRTIO_BLK_T_WRITE_ZEROES, WZ_UNMAP_START, VIRTIO_BLK_WZ_UNMAP, seed, "write_zeroes_unmap");
    } else {
        skip("write_zeroes", "WRITE_ZEROES not offered");
    }

    /* §5.2.6.2: a request beyond the capacity fails with IOERR; an unknown type with UNSUPP. */
    static struct blk_io io;
    rw_io(&io, VIRTIO_BLK_T_IN, 0, CHUNK, rbuf, 1, 0);
    io.sector = b->config.capacity;
    ok = blk_execute(b, 0, &io, 1) && statuses(&io, 1, VIRTIO_BLK_S_IOERR, "out_of_range");
    result(ok, "out_of_range");
    int status = single(b, 0, 0xFF, 0, 0, 0, 0);
    if (status != VIRTIO_BLK_S_UNSUPP)
        print("probe: blk unsupported FAIL type 0xff status=%d want %u\n", status, VIRTIO_BLK_S_UNSUPP);
    result(status == VIRTIO_BLK_S_UNSUPP, "unsupported");

    test_msix_pending(b);
}

/* Timing: 4 KiB reads one at a time on queue 0, each completed by its interrupt (`blk.iters=N`). */
static void timed_reads(struct blk_dev *b)
{
    static struct blk_io io;
    u64 iterations = option_number("blk.iters", 100, 1, 1000000);
    u64 start = rdtsc();
    for (u64 i = 0; i < iterations; i++) {
        rw_io(&io, VIRTIO_BLK_T_IN, (i % (AREA_SECTORS / CHUNK)) * CHUNK, CHUNK, rbuf, 1, 0);
        if (!blk_execute(b, 0, &io, 1) || !statuses(&io, 1, VIRTIO_BLK_S_OK, "timed_read")) {
            result(0, "timed_read");
            return;
        }
    }
    print("probe: stat blk_read_4k_cycles=%lu\n", (rdtsc() - start) / iterations);
}

/* Initializes the device for one ring format and runs every request kind on it. */
static void run_ring(struct blk_dev *b, int packed, unsigned nq, u32 seed)
{
    ring_name = packed ? "packed" : "split";
    int ok = blk_initialize(b, packed, nq);
    if (ok) {
        wbuf = dma_alloc((u64)AREA_SECTORS * SECTOR_SIZE, 4096);
        rbuf = dma_alloc((u64)AREA_SECTORS * SECTOR_SIZE, 4096);
        if (!wbuf || !rbuf) {
            print("probe: blk init FAIL no memory for the data buffers\n");
            ok = 0;
        }
    }
    result(ok, "init");
    if (!ok)
        return;
    ok = blk_check_config(b, nq, MIN_CAPACITY);
    result(ok, "config");
    if (!ok)
        return;
    u64 irq_before = 0;
    for (unsigned i = 1; i <= nq; i++)
        irq_before += msix_count[i];
    b->interrupts_missed = 0;
    run_requests(b, seed);
    if (option_flag("blk.hold")) {
        /* Lets a host test read live device state while this driver still has the device up. */
        print("probe: blk hold %s (send a line on the console to go on)\n", ring_name);
        serial_wait_for_line();
    }
    timed_reads(b);
    u64 irqs = 0;
    u32 sent = 0, suppressed = 0;
    for (unsigned i = 0; i < nq; i++) {
        irqs += msix_count[1 + i];
        sent += b->queues[i].notifications;
        suppressed += b->queues[i].notifications_suppressed;
    }
    irqs -= irq_before;
    print("probe: blk interrupts=%lu notifications=%u suppressed=%u missed_interrupts=%u\n",
          irqs, sent, suppressed, b->interrupts_missed);
    if (irqs == 0 || b->interrupts_missed)
        print("probe: blk interrupts FAIL %lu interrupt(s), %u completion(s) found only by polling\n", irqs, b->interrupts_missed);
    result(irqs > 0 && b->interrupts_missed == 0, "interrupts");
}

void blk_tests(u32 *passed_out, u32 *failed_out)
{
    static struct virtio_pci vp;
    static struct blk_dev b;
    char ring[16] = "split";
    unsigned nq = (unsigned)option_number("blk.queues", 1, 1, BLK_MAX_QUEUES);
    u32 seed = (u32)option_number("blk.seed", 0, 0, 255);
    u64 ecam = option_number("ecam", 0, 0, 0xFFFFFFFFFFFFUL);
    option_string("blk.ring", ring, sizeof(ring));
    int want_split = ring[0] == 's' || ring[0] == 'b', want_packed = ring[0] == 'p' || ring[0] == 'b';
    passed = failed = 0;
    print("probe: blk start queues=%u ring=%s seed=%u ecam=0x%lx\n", nq, ring, seed, ecam);

    if (multiboot_has_memory() && (1024 + (u64)multiboot_mem_upper_kib()) * 1024 < DMA_END) {
        print("probe: blk FAIL %u KiB of RAM above 1 MiB; the tests use [0x%lx, 0x%lx)\n",
              multiboot_mem_upper_kib(), DMA_BASE, DMA_END);
        result(0, "memory");
        print("probe: blk done passed=%u failed=%u\n", passed, failed);
        *passed_out = passed;
        *failed_out = failed;
        return;
    }
    int ecam_result;
    int ok = virtio_pci_probe(&vp, ecam, &ecam_result);
    if (ecam_result >= 0) {
        ecam_result ? passed++ : failed++;
    }
    result(ok, "pci");
    if (ok) {
        u32 direct = mmio_read32(vp.common.address + VCOMMON_MSIX), windowed;
        if (!vp.pci_cfg_cap) {
            skip("pci_cfg", "no VIRTIO_PCI_CAP_PCI_CFG capability");
        } else {
            /* §4.1.4.9: the same common-configuration dword through the PCI configuration window. */
            virtio_pci_cfg_read32(&vp, vp.common.bar, vp.common.offset + VCOMMON_MSIX, &windowed);
            if (windowed != direct)
                print("probe: blk pci_cfg FAIL window reads 0x%x, BAR reads 0x%x\n", windowed, direct);
            result(windowed == direct, "pci_cfg");
        }
        ok = msix_enable(&vp, 1 + nq, boot_apic_id);
        result(ok, "msix");
    }
    if (ok) {
        b.vp = &vp;
        if (!want_split && !want_packed)
            print("probe: blk FAIL blk.ring=%s: want split, packed or both\n", ring), failed++;
        if (want_split)
            run_ring(&b, 0, nq, want_packed ? seed + 0x80 : seed);
        if (want_packed)
            run_ring(&b, 1, nq, seed);
        ring_name = 0;
        /* Leave the device reset: the disk content is final. */
        virtio_reset(&vp);
    }
    print("probe: blk done passed=%u failed=%u\n", passed, failed);
    *passed_out = passed;
    *failed_out = failed;
}
