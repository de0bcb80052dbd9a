/*
 * Split virtqueue, driver side (virtio 1.2 §2.7): descriptor table, available ring (driver
 * area), used ring (device area); indirect descriptors (§2.7.5.3) and EVENT_IDX (§2.7.10).
 * The buffer ID is the head descriptor's index.
 */
#include "dma.h"
#include "io.h"
#include "virtq.h"

#define DESC_F_NEXT     1
#define DESC_F_WRITE    2
#define DESC_F_INDIRECT 4
#define USED_F_NO_NOTIFY 1          /* used ring flags (§2.7.10) */

struct split_desc {                 /* §2.7.5 */
    u64 addr;
    u32 len;
    u16 flags;
    u16 next;
};

/* Available ring: flags, idx, ring[size], used_event (§2.7.6). */
#define AVAIL(q)        ((volatile u16 *)(q)->driver_addr)
#define AVAIL_FLAGS     0
#define AVAIL_IDX       1
#define AVAIL_RING      2
#define USED_EVENT(q)   (AVAIL(q)[AVAIL_RING + (q)->size])
/* Used ring: flags, idx, {le32 id, le32 len}[size], avail_event (§2.7.8). */
#define USED16(q)       ((volatile u16 *)(q)->device_addr)
#define USED_ELEM(q, i) ((volatile u32 *)((q)->device_addr + 4 + 8UL * (i)))
#define AVAIL_EVENT(q)  (*(volatile u16 *)((q)->device_addr + 4 + 8UL * (q)->size))

static struct split_desc *descs(struct virtq *q) { return (struct split_desc *)q->desc_addr; }

int split_init(struct virtq *q)
{
    /* §2.7: alignment 16 (table), 2 (available), 4 (used). */
    void *desc = dma_alloc(16UL * q->size, 16);
    void *avail = dma_alloc(6 + 2UL * q->size, 2);
    void *used = dma_alloc(6 + 8UL * q->size, 4);
    if (!desc || !avail || !used)
        return 0;
    q->desc_addr = (u64)desc;
    q->driver_addr = (u64)avail;
    q->device_addr = (u64)used;
    for (u16 i = 0; i < q->size; i++)
        descs(q)[i].next = (u16)(i + 1);            /* free list */
    q->free_head = 0;
    return 1;
}

static void fill(struct split_desc *d, const struct vq_seg *s, u16 flags)
{
    d->addr = s->addr;
    d->len = s->len;
    d->flags = (u16)(flags | (s->device_writes ? DESC_F_WRITE : 0));
}

int split_add(struct virtq *q, const struct vq_seg *segs, unsigned n, int use_indirect, u16 *id)
{
    unsigned needed = use_indirect ? 1 : n;
    if (q->num_free < needed)
        return 0;
    u16 head = q->free_head;
    struct split_desc *d = descs(q);
    if (use_indirect) {
        /* §2.7.5.3.1: a table of n descriptors chained by next, referenced by one INDIRECT descriptor. */
        struct split_desc *table = (struct split_desc *)(q->indirect_tables + (u64)head * VIRTQ_MAX_SEGMENTS * 16);
        for (unsigned i = 0; i < n; i++) {
            fill(&table[i], &segs[i], i + 1 < n ? DESC_F_NEXT : 0);
            table[i].next = (u16)(i + 1 < n ? i + 1 : 0);
        }
        d[head].addr = (u64)table;
        d[head].len = 16 * n;
        d[head].flags = DESC_F_INDIRECT;
        q->free_head = d[head].next;
    } else {
        u16 i = head, last = head;
        for (unsigned k = 0; k < n; k++) {
            fill(&d[i], &segs[k], k + 1 < n ? DESC_F_NEXT : 0);
            last = i;
            i = d[i].next;
        }
        q->free_head = d[last].next;
    }
    q->num_free = (u16)(q->num_free - needed);
    q->chain_len[head] = (u16)needed;
    /* §2.7.13: the ring entry, then (ordered after it) the new index. */
    AVAIL(q)[AVAIL_RING + q->avail_idx % q->size] = head;
    barrier();
    q->avail_idx++;
    AVAIL(q)[AVAIL_IDX] = q->avail_idx;
    *id = head;
    return 1;
}

int split_needs_kick(struct virtq *q)
{
    full_barrier();                 /* the index store before the event load */
    u16 old = q->kicked_idx;
    q->kicked_idx = q->avail_idx;
    if (q->event_idx)
        return vring_need_event(AVAIL_EVENT(q), q->avail_idx, old);
    return !(USED16(q)[0] & USED_F_NO_NOTIFY);
}

int split_used(struct virtq *q, u16 *id, u32 *len)
{
    if (USED16(q)[1] == q->last_used)
        return 0;
    barrier();                      /* read the element after the index (§2.7.14) */
    volatile u32 *e = USED_ELEM(q, q->last_used % q->size);
    u32 head = e[0];
    *len = e[1];
    q->last_used++;
    if (head >= q->size || q->chain_len[head] == 0) {
        print("probe: virtq FAIL queue %u: used id %u is not an outstanding buffer\n", q->index, head);
        q->errors++;
        return 0;
    }
    /* Back onto the free list: the chain's descriptors follow their next links (one if indirect). */
    struct split_desc *d = descs(q);
    u16 last = (u16)head;
    for (u16 k = 1; k < q->chain_len[head]; k++)
        last = d[last].next;
    d[last].next = q->free_head;
    q->free_head = (u16)head;
    q->num_free = (u16)(q->num_free + q->chain_len[head]);
    q->chain_len[head] = 0;
    *id = (u16)head;
    return 1;
}

/* With EVENT_IDX: used_event = the next used index we have not seen; otherwise flags = 0. */
int split_arm(struct virtq *q)
{
    if (q->event_idx)
        USED_EVENT(q) = q->last_used;
    else
        AVAIL(q)[AVAIL_FLAGS] = 0;
    full_barrier();
    return USED16(q)[1] != q->last_used;
}
