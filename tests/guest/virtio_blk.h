/*
 * virtio-blk driver (virtio 1.2 §5.2) on top of virtio_pci and virtq: device configuration,
 * requests, completion by MSI-X interrupt.
 */
#ifndef VIRTIO_BLK_H
#define VIRTIO_BLK_H

#include "virtio_pci.h"
#include "virtq.h"

/* Feature bits (§5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX       1
#define VIRTIO_BLK_F_SEG_MAX        2
#define VIRTIO_BLK_F_GEOMETRY       4
#define VIRTIO_BLK_F_RO             5
#define VIRTIO_BLK_F_BLK_SIZE       6
#define VIRTIO_BLK_F_FLUSH          9
#define VIRTIO_BLK_F_TOPOLOGY       10
#define VIRTIO_BLK_F_CONFIG_WCE     11
#define VIRTIO_BLK_F_MQ             12
#define VIRTIO_BLK_F_DISCARD        13
#define VIRTIO_BLK_F_WRITE_ZEROES   14

/* Request types and statuses (§5.2.6). */
#define VIRTIO_BLK_T_IN             0
#define VIRTIO_BLK_T_OUT            1
#define VIRTIO_BLK_T_FLUSH          4
#define VIRTIO_BLK_T_GET_ID         8
#define VIRTIO_BLK_T_DISCARD        11
#define VIRTIO_BLK_T_WRITE_ZEROES   13
#define VIRTIO_BLK_S_OK             0
#define VIRTIO_BLK_S_IOERR          1
#define VIRTIO_BLK_S_UNSUPP         2
#define VIRTIO_BLK_WZ_UNMAP         1       /* discard/write zeroes segment flag */
#define VIRTIO_BLK_ID_BYTES         20
#define SECTOR_SIZE                 512     /* virtio-blk sectors are always 512 bytes */

#define BLK_MAX_QUEUES              8
#define BLK_ZERO_SECTORS            16      /* sectors one DISCARD/WRITE_ZEROES test request covers */
#define BLK_MAX_BATCH               64

/* Device configuration layout (§5.2.4), the fields the probe reads. */
struct blk_config {
    u64 capacity;
    u32 size_max, seg_max, blk_size;
    u8 physical_block_exp, alignment_offset;
    u16 min_io_size;
    u32 opt_io_size;
    u8 writeback;
    u16 num_queues;
    u32 max_discard_sectors, max_discard_seg, discard_sector_alignment;
    u32 max_write_zeroes_sectors, max_write_zeroes_seg;
    u8 write_zeroes_may_unmap;
};

/* Header and status of one request, in DMA memory (§5.2.6). */
struct blk_req_mem {
    u32 type;
    u32 reserved;
    u64 sector;
    u8 status;
} __attribute__((packed));

/* One request for blk_execute: the data segments lie between the header and the status byte. */
struct blk_io {
    u32 type;
    u64 sector;
    struct vq_seg data[VIRTQ_MAX_SEGMENTS - 2];
    unsigned ndata;
    int indirect;
    /* results */
    int done;
    u8 status;
    u32 written;                /* used length the device reported */
};

struct blk_dev {
    struct virtio_pci *vp;
    u64 features;
    struct blk_config config;
    unsigned num_queues;
    struct virtq queues[BLK_MAX_QUEUES];
    struct blk_req_mem *req_mem;            /* BLK_MAX_BATCH headers */
    u32 max_in_flight;
    u32 interrupts_missed;                  /* completions found only by the polling fallback */
};

int blk_read_config(const struct virtio_pci *vp, struct blk_config *c);
/* blk_setup.c: reset, features, queues (MSI-X entry 1 + q), DRIVER_OK; 0 on failure (printed). */
int blk_initialize(struct blk_dev *b, int packed, unsigned nq);
/* Reads and prints the configuration; checks it fits the features and the tests' needs. */
int blk_check_config(struct blk_dev *b, unsigned nq, u64 min_capacity);
/* Runs the requests on queue qi, as many in flight as fit; 0 if any did not complete (printed). */
int blk_execute(struct blk_dev *b, unsigned qi, struct blk_io *io, unsigned n);
/* Waits (bounded) until the counter of MSI-X entry `entry` differs from `before`. */
int blk_wait_interrupt(unsigned entry, u64 before, u64 tsc_limit);

#endif
