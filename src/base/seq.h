/* TCP sequence numbers (RFC 9293 §3.4): 32-bit values compared modulo 2^32.
 * sk_seq is a one-field struct so that a raw `<` on two sequence numbers does
 * not compile; every comparison goes through the helpers below, which treat
 * b as "after" a when (b - a) mod 2^32 lies in (0, 2^31). */
#ifndef SK_BASE_SEQ_H
#define SK_BASE_SEQ_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint32_t v;
} sk_seq;

static inline sk_seq sk_seq_make(uint32_t v)
{
    sk_seq s = {v};
    return s;
}

/* a + n, wrapping. */
static inline sk_seq sk_seq_add(sk_seq a, uint32_t n)
{
    return sk_seq_make(a.v + n);
}

/* Signed distance b - a: positive when b is after a. */
static inline int32_t sk_seq_diff(sk_seq b, sk_seq a)
{
    return (int32_t)(b.v - a.v);
}

static inline bool sk_seq_eq(sk_seq a, sk_seq b) { return a.v == b.v; }
static inline bool sk_seq_lt(sk_seq a, sk_seq b) { return sk_seq_diff(b, a) > 0; }
static inline bool sk_seq_le(sk_seq a, sk_seq b) { return sk_seq_diff(b, a) >= 0; }
static inline bool sk_seq_gt(sk_seq a, sk_seq b) { return sk_seq_diff(a, b) > 0; }
static inline bool sk_seq_ge(sk_seq a, sk_seq b) { return sk_seq_diff(a, b) >= 0; }

static inline sk_seq sk_seq_max(sk_seq a, sk_seq b) { return sk_seq_ge(a, b) ? a : b; }
static inline sk_seq sk_seq_min(sk_seq a, sk_seq b) { return sk_seq_le(a, b) ? a : b; }

/* lo <= s < hi (half-open window, RFC 9293 §3.4 acceptability tests). */
static inline bool sk_seq_in(sk_seq s, sk_seq lo, sk_seq hi)
{
    return sk_seq_le(lo, s) && sk_seq_lt(s, hi);
}

/* Unsigned bytes from a to b (b at or after a). */
static inline uint32_t sk_seq_len(sk_seq a, sk_seq b)
{
    return b.v - a.v;
}

#endif
