/* A bounded FIFO of datagrams: at most cap_n records and cap_bytes payload
 * bytes (Linux bounds a socket's queue by bytes only; bounding the count
 * too keeps a flood of empty datagrams bounded). The records and the payload ring are
 * one allocation, taken when the first datagram is queued and given back
 * when the queue empties, so an idle socket holds no queue memory. */
#include "udp/udp.h"

#include "base/skassert.h"

#include <string.h>

static size_t mem_size(const sk_udp_queue *q)
{
    return sizeof(sk_udp_rec) * q->cap_n + q->cap_bytes;
}

void sk_udpq_init(sk_udp_queue *q, uint32_t cap_n, uint32_t cap_bytes)
{
    memset(q, 0, sizeof *q);
    q->cap_n = cap_n;
    q->cap_bytes = cap_bytes;
}

bool sk_udpq_fits(const sk_udp_queue *q, size_t len)
{
    if (q->n >= q->cap_n || len > q->cap_bytes)
        return false;
    return q->rec == NULL || len <= sk_ring_free(&q->bytes);
}

static bool take_storage(sk_udp_queue *q, const sk_udp_mem *m)
{
    if (q->rec != NULL)
        return true;
    uint8_t *p = m->alloc(m->ctx, mem_size(q));
    if (p == NULL)
        return false;
    q->rec = (sk_udp_rec *)(void *)p;
    sk_ring_init(&q->bytes, p + sizeof(sk_udp_rec) * q->cap_n, q->cap_bytes);
    q->head = 0;
    return true;
}

bool sk_udpq_push(sk_udp_queue *q, const sk_udp_mem *m, const sk_udp_rec *r, const void *data,
                  bool *nomem)
{
    if (nomem != NULL)
        *nomem = false;
    if (!sk_udpq_fits(q, r->len))
        return false;
    if (!take_storage(q, m)) {
        if (nomem != NULL)
            *nomem = true;
        return false;
    }
    size_t w = r->len > 0 ? sk_ring_write(&q->bytes, data, r->len) : 0;
    SK_ASSERT(w == r->len);
    (void)w;
    q->rec[(q->head + q->n) % q->cap_n] = *r;
    q->n++;
    return true;
}

const sk_udp_rec *sk_udpq_peek(const sk_udp_queue *q)
{
    return q->n == 0 ? NULL : &q->rec[q->head];
}

size_t sk_udpq_copy(const sk_udp_queue *q, void *buf, size_t cap)
{
    const sk_udp_rec *r = sk_udpq_peek(q);
    if (r == NULL || cap == 0)
        return 0;
    return sk_ring_peek(&q->bytes, 0, buf, r->len < cap ? r->len : cap);
}

static void give_back(sk_udp_queue *q, const sk_udp_mem *m)
{
    if (q->rec == NULL)
        return;
    m->release(m->ctx, q->rec, mem_size(q));
    q->rec = NULL;
    memset(&q->bytes, 0, sizeof q->bytes);
    q->head = q->n = 0;
}

void sk_udpq_pop(sk_udp_queue *q, const sk_udp_mem *m)
{
    if (q->n == 0)
        return;
    sk_ring_drop(&q->bytes, q->rec[q->head].len);
    q->head = (q->head + 1) % q->cap_n;
    q->n--;
    if (q->n == 0)
        give_back(q, m);
}

void sk_udpq_clear(sk_udp_queue *q, const sk_udp_mem *m)
{
    give_back(q, m);
}
