/* Out-of-order reassembly. Out-of-order bytes are written straight into the
 * receive ring at their offset from rcv_nxt (within the advertised window,
 * so they always fit); a small sorted array of [start, end) ranges remembers
 * what is there. When rcv_nxt reaches a range, its bytes are committed to
 * the readable part of the ring. Overlaps and duplicates merge. */
#include "tcp/tcp_conn.h"

#include <string.h>

bool sk_reass_insert(sk_tcp_env *e, sk_tcb *t, sk_seq seq, const uint8_t *data, uint32_t len)
{
    (void)e;
    sk_seq end = sk_seq_add(seq, len);
    uint32_t off = sk_seq_len(t->rcv_nxt, seq);
    /* find the first range that ends at or after seq */
    uint8_t i = 0;
    while (i < t->n_reass && sk_seq_lt(t->reass[i].end, seq))
        i++;
    /* ranges i..j-1 touch or overlap [seq, end) and merge with it */
    uint8_t j = i;
    sk_seq nstart = seq, nend = end;
    while (j < t->n_reass && sk_seq_le(t->reass[j].start, end)) {
        nstart = sk_seq_min(nstart, t->reass[j].start);
        nend = sk_seq_max(nend, t->reass[j].end);
        j++;
    }
    if (i == j && t->n_reass == SK_REASS_MAX)
        return false; /* a new range and no room for it */
    sk_ring_write_at(&t->rcvbuf, off, data, len);
    if (i == j) {
        memmove(&t->reass[i + 1], &t->reass[i], (size_t)(t->n_reass - i) * sizeof t->reass[0]);
        t->n_reass++;
    } else if (j - i > 1) {
        memmove(&t->reass[i + 1], &t->reass[j], (size_t)(t->n_reass - j) * sizeof t->reass[0]);
        t->n_reass = (uint8_t)(t->n_reass - (j - i - 1));
    }
    t->reass[i].start = nstart;
    t->reass[i].end = nend;
    return true;
}

uint32_t sk_reass_advance(sk_tcb *t)
{
    uint32_t added = 0;
    while (t->n_reass > 0 && sk_seq_le(t->reass[0].start, t->rcv_nxt)) {
        if (sk_seq_gt(t->reass[0].end, t->rcv_nxt)) {
            uint32_t n = sk_seq_len(t->rcv_nxt, t->reass[0].end);
            sk_ring_commit(&t->rcvbuf, n);
            t->rcv_nxt = t->reass[0].end;
            added += n;
        }
        memmove(&t->reass[0], &t->reass[1], (size_t)(t->n_reass - 1) * sizeof t->reass[0]);
        t->n_reass--;
    }
    return added;
}
