/* A byte ring over caller storage. Logical offset o (0 = head) lives at the
 * physical index (head + o) mod cap; the modulo is a single conditional
 * subtraction because head < cap and o <= cap, so any capacity works, not
 * only powers of two. Every copy is at most two memcpy calls: up to the end
 * of the storage, then from its start. */
#include "base/ring.h"

#include <string.h>

#include "base/skassert.h"

void sk_ring_init(sk_ring *r, uint8_t *storage, size_t cap)
{
    SK_ASSERT(storage != NULL || cap == 0);
    r->buf = storage;
    r->cap = cap;
    r->head = 0;
    r->len = 0;
}

/* Physical index of logical offset off (off <= cap). */
static size_t ring_index(const sk_ring *r, size_t off)
{
    size_t i = r->head + off;
    return i >= r->cap ? i - r->cap : i;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Copy n bytes (n <= cap) into the ring starting at logical offset off. */
static void ring_copy_in(sk_ring *r, size_t off, const uint8_t *src, size_t n)
{
    if (n == 0)
        return;
    size_t at = ring_index(r, off);
    size_t first = min_size(n, r->cap - at);
    memcpy(r->buf + at, src, first);
    memcpy(r->buf, src + first, n - first);
}

/* Copy n bytes (n <= cap) out of the ring starting at logical offset off. */
static void ring_copy_out(const sk_ring *r, size_t off, uint8_t *dst, size_t n)
{
    if (n == 0)
        return;
    size_t at = ring_index(r, off);
    size_t first = min_size(n, r->cap - at);
    memcpy(dst, r->buf + at, first);
    memcpy(dst + first, r->buf, n - first);
}

size_t sk_ring_write(sk_ring *r, const void *data, size_t n)
{
    n = min_size(n, sk_ring_free(r));
    ring_copy_in(r, r->len, data, n);
    r->len += n;
    return n;
}

size_t sk_ring_write_at(sk_ring *r, size_t off, const void *data, size_t n)
{
    size_t room = sk_ring_free(r);
    if (off >= room)
        return 0;
    n = min_size(n, room - off);
    ring_copy_in(r, r->len + off, data, n);
    return n;
}

void sk_ring_commit(sk_ring *r, size_t n)
{
    SK_ASSERT(n <= sk_ring_free(r));
    r->len += min_size(n, sk_ring_free(r));
}

size_t sk_ring_peek(const sk_ring *r, size_t off, void *out, size_t n)
{
    if (off >= r->len)
        return 0;
    n = min_size(n, r->len - off);
    ring_copy_out(r, off, out, n);
    return n;
}

/* Release n bytes (n <= len) from the head. The head is never reset to 0
 * when the ring empties: bytes placed ahead with sk_ring_write_at must stay
 * where they are until committed. */
static void ring_advance(sk_ring *r, size_t n)
{
    r->head = ring_index(r, n);
    r->len -= n;
}

size_t sk_ring_read(sk_ring *r, void *out, size_t n)
{
    n = min_size(n, r->len);
    if (out != NULL)
        ring_copy_out(r, 0, out, n);
    if (n > 0)
        ring_advance(r, n);
    return n;
}

void sk_ring_drop(sk_ring *r, size_t n)
{
    SK_ASSERT(n <= r->len);
    n = min_size(n, r->len);
    if (n > 0)
        ring_advance(r, n);
}

size_t sk_ring_span(const sk_ring *r, size_t off, const uint8_t **p)
{
    if (off >= r->len) {
        *p = NULL;
        return 0;
    }
    size_t at = ring_index(r, off);
    *p = r->buf + at;
    return min_size(r->len - off, r->cap - at);
}

size_t sk_ring_tail_span(sk_ring *r, uint8_t **p)
{
    size_t room = sk_ring_free(r);
    if (room == 0) {
        *p = NULL;
        return 0;
    }
    size_t at = ring_index(r, r->len);
    *p = r->buf + at;
    return min_size(room, r->cap - at);
}

void sk_ring_copy_window(const sk_ring *r, uint8_t *dst)
{
    if (r->cap == 0)
        return;
    memcpy(dst, r->buf + r->head, r->cap - r->head);
    memcpy(dst + (r->cap - r->head), r->buf, r->head);
}
