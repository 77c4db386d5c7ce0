/* Out-of-order reassembly. Out-of-order bytes are written straight into the
 * receive ring at their offset from rcv_nxt (within the advertised window,
 * so they always fit); a range set (base/rangeset.h) remembers what is
 * there. When rcv_nxt reaches a range, its bytes are committed to the
 * readable part of the ring. Overlaps and duplicates merge. */
#include "tcp/tcp_conn.h"

uint32_t sk_reass_cap(uint32_t rcvbuf)
{
    uint32_t n = rcvbuf / SK_REASS_BYTES;
    n = n < SK_REASS_MAX ? SK_REASS_MAX : n;
    return n > SK_REASS_CEIL ? SK_REASS_CEIL : n;
}

bool sk_reass_insert(sk_tcp_env *e, sk_tcb *t, sk_seq seq, const uint8_t *data, uint32_t len)
{
    (void)e;
    if (!sk_rset_insert(&t->x->reass, seq, sk_seq_add(seq, len)))
        return false; /* a new range and no room for it */
    sk_ring_write_at(&t->x->rcvbuf, sk_seq_len(t->rcv_nxt, seq), data, len);
    return true;
}

uint32_t sk_reass_advance(sk_tcb *t)
{
    uint32_t added = 0;
    while (sk_rset_count(&t->x->reass) > 0 && sk_seq_le(sk_rset_at(&t->x->reass, 0)->start, t->rcv_nxt)) {
        sk_seq end = sk_rset_at(&t->x->reass, 0)->end;
        if (sk_seq_gt(end, t->rcv_nxt)) {
            uint32_t n = sk_seq_len(t->rcv_nxt, end);
            sk_ring_commit(&t->x->rcvbuf, n);
            t->rcv_nxt = end;
            added += n;
        }
        sk_rset_remove_below(&t->x->reass, t->rcv_nxt);
    }
    return added;
}
