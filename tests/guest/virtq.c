/* The format-independent part of a virtqueue: buffer IDs and cookies, notifications. */
#include "dma.h"
#include "io.h"
#include "virtq.h"

int virtq_init(struct virtq *q, u16 index, u16 size, int packed, int event_idx, int indirect)
{
    *q = (struct virtq){ .packed = packed, .event_idx = event_idx, .indirect = indirect,
                         .index = index, .size = size, .num_free = size };
    if (size == 0 || size > VIRTQ_MAX_SIZE)
        return 0;
    q->indirect_tables = dma_alloc((u64)size * VIRTQ_MAX_SEGMENTS * 16, 16);
    if (!q->indirect_tables)
        return 0;
    return packed ? packed_init(q) : split_init(q);
}

int virtq_add(struct virtq *q, const struct vq_seg *segs, unsigned n, int use_indirect, void *cookie)
{
    u16 id;
    if (n == 0 || n > VIRTQ_MAX_SEGMENTS || (use_indirect && !q->indirect))
        return 0;
    if (!(q->packed ? packed_add(q, segs, n, use_indirect, &id) : split_add(q, segs, n, use_indirect, &id)))
        return 0;
    q->cookie[id] = cookie;
    return 1;
}

void virtq_kick(struct virtq *q)
{
    /* The ring writes are ordered before the event read by full_barrier inside needs_kick. */
    if (q->packed ? packed_needs_kick(q) : split_needs_kick(q)) {
        mmio_write16(q->notify, q->index);      /* §4.1.5.2: queue index, 16-bit */
        q->notifications++;
    } else {
        q->notifications_suppressed++;
    }
}

void *virtq_get(struct virtq *q, u32 *len)
{
    u16 id;
    if (!(q->packed ? packed_used(q, &id, len) : split_used(q, &id, len)))
        return 0;
    void *cookie = q->cookie[id];
    q->cookie[id] = 0;
    return cookie;
}

int virtq_arm(struct virtq *q)
{
    return q->packed ? packed_arm(q) : split_arm(q);
}
