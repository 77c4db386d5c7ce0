/* A byte ring buffer over caller-provided storage. Capacity may be any size
 * (not only a power of two). Used for TCP send and receive buffers: data is
 * appended at the tail, read or released at the head, and can be peeked at an
 * offset from the head without consuming (for retransmission). */
#ifndef SK_BASE_RING_H
#define SK_BASE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t head; /* index of the first byte held */
    size_t len;  /* bytes held */
} sk_ring;

void sk_ring_init(sk_ring *r, uint8_t *storage, size_t cap);
static inline size_t sk_ring_len(const sk_ring *r) { return r->len; }
static inline size_t sk_ring_cap(const sk_ring *r) { return r->cap; }
static inline size_t sk_ring_free(const sk_ring *r) { return r->cap - r->len; }
static inline bool sk_ring_empty(const sk_ring *r) { return r->len == 0; }

/* Append up to n bytes; returns bytes appended (min(n, free)). */
size_t sk_ring_write(sk_ring *r, const void *data, size_t n);
/* Write n bytes at offset `off` past the current tail-relative start, i.e.
 * at logical position len+off, without changing len (for out-of-order data
 * placed ahead). Returns bytes written, bounded by free space. */
size_t sk_ring_write_at(sk_ring *r, size_t off, const void *data, size_t n);
/* Extend len by n bytes already placed with sk_ring_write_at (n <= free). */
void sk_ring_commit(sk_ring *r, size_t n);
/* Copy up to n bytes from logical offset `off` (0 = head) without consuming.
 * Returns bytes copied. */
size_t sk_ring_peek(const sk_ring *r, size_t off, void *out, size_t n);
/* Consume up to n bytes from the head into out (out may be NULL to discard).
 * Returns bytes consumed. */
size_t sk_ring_read(sk_ring *r, void *out, size_t n);
/* Discard n bytes (n <= len) from the head. */
void sk_ring_drop(sk_ring *r, size_t n);
/* Contiguous readable span at logical offset off: sets *p and returns its
 * length (may be shorter than len-off when the data wraps). */
size_t sk_ring_span(const sk_ring *r, size_t off, const uint8_t **p);
/* Contiguous free span at the tail (logical offset len), for a writer that
 * fills the ring in place: sets *p (NULL when full) and returns its length,
 * shorter than sk_ring_free when the free space wraps. Publish what was
 * written with sk_ring_commit. */
size_t sk_ring_tail_span(sk_ring *r, uint8_t **p);
/* Copy the whole storage in logical order (offsets 0..cap from the head,
 * bytes placed ahead with sk_ring_write_at included) to dst[0..cap): a
 * ring re-initialised over dst with the same len holds what r holds at
 * the same offsets (a buffer moving to larger storage). */
void sk_ring_copy_window(const sk_ring *r, uint8_t *dst);

#endif
