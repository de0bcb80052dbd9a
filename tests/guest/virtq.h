/*
 * Virtqueues, driver side: the split (virtio 1.2 §2.7) and packed (§2.8) formats behind one
 * interface. Buffers are identified by the cookie given to virtq_add.
 */
#ifndef VIRTQ_H
#define VIRTQ_H

#include "probe.h"

#define VIRTQ_MAX_SIZE      256
#define VIRTQ_MAX_SEGMENTS  16      /* per buffer, and per indirect table */

/* One element of a buffer: guest-physical address, length, device-writable or not. */
struct vq_seg {
    u64 addr;
    u32 len;
    int device_writes;
};

struct virtq {
    int packed, event_idx, indirect;
    u16 index, size;
    u64 notify;                 /* notification address (§4.1.4.4) */
    u64 desc_addr, driver_addr, device_addr;
    void *cookie[VIRTQ_MAX_SIZE];          /* by buffer ID */
    u16 chain_len[VIRTQ_MAX_SIZE];         /* descriptors a buffer occupies, by ID */
    u8 *indirect_tables;                   /* VIRTQ_MAX_SEGMENTS descriptors per buffer ID */
    u16 num_free;
    u16 last_used;              /* split: used index; packed: position of the next used descriptor */
    u32 notifications, notifications_suppressed;
    u32 errors;                 /* device wrote a used element the driver cannot accept */
    /* split */
    u16 free_head, avail_idx, kicked_idx;
    /* packed */
    u16 next_avail, avail_wrap, used_wrap, added_since_kick;
    u16 free_ids[VIRTQ_MAX_SIZE], free_id_count;
};

/* Allocates the rings (dma.c) for a queue of `size` entries; 0 on exhaustion. */
int virtq_init(struct virtq *q, u16 index, u16 size, int packed, int event_idx, int indirect);
/* Makes a buffer available; 0 if the ring has no room (nothing is added then). */
int virtq_add(struct virtq *q, const struct vq_seg *segs, unsigned n, int use_indirect, void *cookie);
/* Notifies the device unless its event suppression says not to (§2.7.10, §2.8.10). */
void virtq_kick(struct virtq *q);
/* The cookie of the next used buffer and its written length, or 0 if none. */
void *virtq_get(struct virtq *q, u32 *len);
/* Asks for an interrupt at the next used buffer; returns 1 if one is already there (§2.7.10, §2.8.10). */
int virtq_arm(struct virtq *q);

/* Format-specific parts (virtq_split.c, virtq_packed.c). */
int split_init(struct virtq *q);
int split_add(struct virtq *q, const struct vq_seg *segs, unsigned n, int use_indirect, u16 *id);
int split_needs_kick(struct virtq *q);
int split_used(struct virtq *q, u16 *id, u32 *len);
int split_arm(struct virtq *q);
int packed_init(struct virtq *q);
int packed_add(struct virtq *q, const struct vq_seg *segs, unsigned n, int use_indirect, u16 *id);
int packed_needs_kick(struct virtq *q);
int packed_used(struct virtq *q, u16 *id, u32 *len);
int packed_arm(struct virtq *q);

/* §2.7.10.1: the device asked for a notification between old (exclusive) and new (inclusive). */
static inline int vring_need_event(u16 event, u16 new_idx, u16 old)
{
    return (u16)(new_idx - event - 1) < (u16)(new_idx - old);
}

#endif
