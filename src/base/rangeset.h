/* A bounded set of disjoint sequence-number ranges [start, end), kept sorted
 * and merged (ranges that overlap or touch become one). Sequence arithmetic
 * is modulo 2^32 (base/seq.h), so a set may straddle the wrap as long as it
 * spans less than 2^31, which a TCP window always does.
 *
 * Two users: the receiver's reassembly queue (what arrived out of order,
 * reported in SACK blocks, RFC 2018) and, later, the sender's SACK
 * scoreboard (what the peer holds, RFC 6675). Hence "mark" (insert-merge),
 * "forget below" (rcv_nxt or snd_una advanced), lookup of the range that
 * holds a sequence number, and the first hole after a point (NextSeg).
 *
 * The ranges live in storage the caller gives (sk_rset_init: an array and
 * its capacity; no allocation here): the reassembly queue uses an array of
 * SK_RSET_CAP in the TCB, the SACK scoreboard one sized from the send
 * buffer inside the send buffer's block (tcp_bufs.c). An insert that needs
 * a new range when the set is full changes nothing and returns false: the
 * caller counts it (a reassembly drop; a scoreboard simply forgets).
 */
#ifndef SK_BASE_RANGESET_H
#define SK_BASE_RANGESET_H

#include "base/seq.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_RSET_CAP 16

typedef struct {
    sk_seq start, end; /* [start, end), start before end */
} sk_range;

typedef struct {
    sk_range *r; /* r[0..n) ascending, disjoint, not touching; room for cap */
    uint32_t n, cap;
} sk_rset;

/* An empty set over `cap` ranges of caller storage `r` (cap 0: always full). */
static inline void sk_rset_init(sk_rset *rs, sk_range *r, uint32_t cap)
{
    rs->r = r;
    rs->n = 0;
    rs->cap = cap;
}
/* The ranges of `from` into `to`'s storage (the first to->cap of them,
 * ascending: a set moving to larger storage keeps them all). */
static inline void sk_rset_copy(sk_rset *to, const sk_rset *from)
{
    uint32_t n = from->n < to->cap ? from->n : to->cap;
    for (uint32_t i = 0; i < n; i++)
        to->r[i] = from->r[i];
    to->n = n;
}
/* Empty the set, keeping its storage. */
static inline void sk_rset_clear(sk_rset *rs)
{
    rs->n = 0;
}
static inline uint32_t sk_rset_count(const sk_rset *rs)
{
    return rs->n;
}
static inline uint32_t sk_rset_capacity(const sk_rset *rs)
{
    return rs->cap;
}
static inline bool sk_rset_full(const sk_rset *rs)
{
    return rs->n == rs->cap;
}
/* Range i in ascending order, i < sk_rset_count(). */
static inline const sk_range *sk_rset_at(const sk_rset *rs, uint32_t i)
{
    return &rs->r[i];
}

/* Mark [start, end) as held, merging with every range it overlaps or
 * touches. An empty range is a no-op (true). False, and the set unchanged,
 * when the range would need a new slot and the set is full. */
bool sk_rset_insert(sk_rset *rs, sk_seq start, sk_seq end);
/* Forget everything before `s`: ranges that end at or before it go, a range
 * that straddles it now starts at `s`. */
void sk_rset_remove_below(sk_rset *rs, sk_seq s);
/* The range holding `s`, or NULL. */
const sk_range *sk_rset_find(const sk_rset *rs, sk_seq s);
static inline bool sk_rset_contains(const sk_rset *rs, sk_seq s)
{
    return sk_rset_find(rs, s) != NULL;
}
/* Every byte of [start, end) is held (one range, since ranges never touch). */
bool sk_rset_covers(const sk_rset *rs, sk_seq start, sk_seq end);
/* The first hole at or after `from` that some held range closes: *hole =
 * [first unheld byte >= from, start of the next range). False when no range
 * lies past `from` (the rest is unknown, not a hole). */
bool sk_rset_first_hole(const sk_rset *rs, sk_seq from, sk_range *hole);

#endif
