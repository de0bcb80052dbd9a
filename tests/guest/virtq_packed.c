/*
 * Packed virtqueue, driver side (virtio 1.2 §2.8): one descriptor ring that the driver and
 * the device both write, told apart by the AVAIL/USED flag bits and the wrap counters
 * (§2.8.1); event suppression structures in the driver and device areas (§2.8.10, §2.8.14).
 */
#include "dma.h"
#include "io.h"
#include "virtq.h"

#define DESC_F_NEXT     1
#define DESC_F_WRITE    2
#define DESC_F_INDIRECT 4
#define DESC_F_AVAIL    (1 << 7)
#define DESC_F_USED     (1 << 15)

/* Event suppression structure (§2.8.14): desc = offset | wrap << 15, flags. */
#define EVENT_FLAGS_ENABLE  0
#define EVENT_FLAGS_DISABLE 1
#define EVENT_FLAGS_DESC    2

struct packed_desc {                /* §2.8.13 */
    u64 addr;
    u32 len;
    u16 id;
    u16 flags;
};

static volatile struct packed_desc *ring(struct virtq *q) { return (volatile struct packed_desc *)q->desc_addr; }
static volatile u16 *driver_event(struct virtq *q) { return (volatile u16 *)q->driver_addr; }
static volatile u16 *device_event(struct virtq *q) { return (volatile u16 *)q->device_addr; }

int packed_init(struct virtq *q)
{
    void *desc = dma_alloc(16UL * q->size, 16);
    void *driver = dma_alloc(4, 4);
    void *device = dma_alloc(4, 4);
    if (!desc || !driver || !device)
        return 0;
    q->desc_addr = (u64)desc;
    q->driver_addr = (u64)driver;
    q->device_addr = (u64)device;
    q->avail_wrap = 1;              /* §2.8.1: both wrap counters start at 1 */
    q->used_wrap = 1;
    for (u16 i = 0; i < q->size; i++)
        q->free_ids[i] = (u16)(q->size - 1 - i);
    q->free_id_count = q->size;
    return 1;
}

/* §2.8.1: an available descriptor has AVAIL = the driver's wrap counter and USED = its inverse. */
static u16 avail_bits(u16 wrap)
{
    return wrap ? DESC_F_AVAIL : DESC_F_USED;
}

int packed_add(struct virtq *q, const struct vq_seg *segs, unsigned n, int use_indirect, u16 *id_out)
{
    unsigned needed = use_indirect ? 1 : n;
    if (q->num_free < needed || q->free_id_count == 0)
        return 0;
    u16 id = q->free_ids[--q->free_id_count];
    u16 head = q->next_avail, pos = head, wrap = q->avail_wrap, head_flags = 0;
    volatile struct packed_desc *d = ring(q);

    if (use_indirect) {
        /* §2.8.19: a table of n descriptors laid out in order, no NEXT flags, no IDs used. */
        struct packed_desc *table = (struct packed_desc *)(q->indirect_tables + (u64)id * VIRTQ_MAX_SEGMENTS * 16);
        for (unsigned i = 0; i < n; i++) {
            table[i].addr = segs[i].addr;
            table[i].len = segs[i].len;
            table[i].id = 0;
            table[i].flags = segs[i].device_writes ? DESC_F_WRITE : 0;
        }
        d[pos].addr = (u64)table;
        d[pos].len = 16 * n;
        d[pos].id = id;
        head_flags = (u16)(DESC_F_INDIRECT | avail_bits(wrap));
        if (++pos == q->size) {
            pos = 0;
            wrap ^= 1;
        }
    } else {
        for (unsigned k = 0; k < n; k++) {
            u16 flags = (u16)((segs[k].device_writes ? DESC_F_WRITE : 0) | (k + 1 < n ? DESC_F_NEXT : 0) | avail_bits(wrap));
            d[pos].addr = segs[k].addr;
            d[pos].len = segs[k].len;
            d[pos].id = id;         /* §2.8.6: the ID goes in the last one; every one is allowed */
            if (k == 0)
                head_flags = flags;
            else
                d[pos].flags = flags;
            if (++pos == q->size) {
                pos = 0;
                wrap ^= 1;
            }
        }
    }
    /* §2.8.21.1: the head's flags last, so the device never sees a partial chain. */
    barrier();
    d[head].flags = head_flags;
    q->next_avail = pos;
    q->avail_wrap = wrap;
    q->num_free = (u16)(q->num_free - needed);
    q->added_since_kick = (u16)(q->added_since_kick + needed);
    q->chain_len[id] = (u16)needed;
    *id_out = id;
    return 1;
}

/* §2.8.21.3.1 (driver notification): the device's event suppression structure decides. */
int packed_needs_kick(struct virtq *q)
{
    full_barrier();
    u16 new_pos = q->next_avail, old = (u16)(new_pos - q->added_since_kick);
    q->added_since_kick = 0;
    u16 flags = device_event(q)[1] & 3;
    if (flags == EVENT_FLAGS_DISABLE)
        return 0;
    if (flags != EVENT_FLAGS_DESC || !q->event_idx)
        return 1;
    u16 off_wrap = device_event(q)[0];
    u16 event = off_wrap & 0x7FFF;
    /* An event index in the previous lap counts as `size` positions earlier. */
    if ((off_wrap >> 15) != q->avail_wrap)
        event = (u16)(event - q->size);
    return vring_need_event(event, new_pos, old);
}

static int is_used(struct virtq *q, u16 flags)
{
    int avail = (flags & DESC_F_AVAIL) != 0, used = (flags & DESC_F_USED) != 0;
    return avail == used && used == q->used_wrap;
}

/* §2.8.7 (used descriptors): one per buffer, at the position of its first descriptor. */
int packed_used(struct virtq *q, u16 *id, u32 *len)
{
    volatile struct packed_desc *d = &ring(q)[q->last_used];
    if (!is_used(q, d->flags))
        return 0;
    barrier();
    u16 buffer = d->id;
    *len = d->len;
    if (buffer >= q->size || q->chain_len[buffer] == 0) {
        print("probe: virtq FAIL queue %u: used id %u at %u is not an outstanding buffer\n", q->index, buffer, q->last_used);
        q->errors++;
        return 0;
    }
    u16 next = (u16)(q->last_used + q->chain_len[buffer]);
    if (next >= q->size) {
        next = (u16)(next - q->size);
        q->used_wrap ^= 1;
    }
    q->last_used = next;
    q->num_free = (u16)(q->num_free + q->chain_len[buffer]);
    q->chain_len[buffer] = 0;
    q->free_ids[q->free_id_count++] = buffer;
    *id = buffer;
    return 1;
}

/* §2.8.10: with EVENT_IDX ask for an interrupt at the next used position, else enable them all. */
int packed_arm(struct virtq *q)
{
    if (q->event_idx) {
        driver_event(q)[0] = (u16)(q->last_used | q->used_wrap << 15);
        barrier();
        driver_event(q)[1] = EVENT_FLAGS_DESC;
    } else {
        driver_event(q)[1] = EVENT_FLAGS_ENABLE;
    }
    full_barrier();
    return is_used(q, ring(q)[q->last_used].flags);
}
