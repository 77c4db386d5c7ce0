/* The record of what was sent; see tcp_rtb.h. Lookups bisect; a split or
 * an append at the tail moves the entries above it. */
#include "tcp/tcp_rtb.h"

#include "base/skassert.h"

#include <string.h>

void sk_rtb_caps(uint32_t sndbuf, uint32_t *ent_cap, uint32_t *sack_cap)
{
    uint32_t holes = sndbuf / (2u * SK_RTB_SEG_NOMINAL);
    holes = holes < SK_RTB_SACK_MIN ? SK_RTB_SACK_MIN : holes;
    holes = holes > SK_RTB_SACK_MAX ? SK_RTB_SACK_MAX : holes;
    *sack_cap = holes;
    *ent_cap = holes * 3u < SK_RTB_CAP ? SK_RTB_CAP : holes * 3u;
}

static size_t round16(size_t n)
{
    return (n + 15u) & ~(size_t)15u;
}

size_t sk_rtb_size(uint32_t sndbuf)
{
    uint32_t ne, ns;
    sk_rtb_caps(sndbuf, &ne, &ns);
    return round16(sizeof(sk_rtb)) + round16(ne * sizeof(sk_rtb_ent)) +
           round16(ns * sizeof(sk_range)) + round16(ns * sizeof(sk_rec_hole));
}

sk_rtb *sk_rtb_place(void *mem, uint32_t sndbuf)
{
    uint32_t ne, ns;
    sk_rtb_caps(sndbuf, &ne, &ns);
    uint8_t *p = mem;
    sk_rtb *r = (sk_rtb *)mem;
    p += round16(sizeof(sk_rtb));
    r->ent = (sk_rtb_ent *)(void *)p;
    r->cap = ne;
    p += round16(ne * sizeof(sk_rtb_ent));
    sk_rset_init(&r->sacked, (sk_range *)(void *)p, ns);
    p += round16(ns * sizeof(sk_range));
    r->holes = (sk_rec_hole *)(void *)p;
    sk_rtb_init(r);
    return r;
}

sk_rtb *sk_rtb_move(void *mem, uint32_t sndbuf, const sk_rtb *from)
{
    sk_rtb *r = sk_rtb_place(mem, sndbuf);
    sk_rtb_ent *ent = r->ent;
    uint32_t cap = r->cap;
    sk_rset sacked = r->sacked;
    sk_rec_hole *holes = r->holes; /* scratch: nothing to copy */
    SK_ASSERT(from->n <= cap && from->sacked.n <= sacked.cap);
    uint32_t n = from->n <= cap ? from->n : cap;
    uint32_t ns = from->sacked.n <= sacked.cap ? from->sacked.n : sacked.cap;
    *r = *from;
    memcpy(ent, from->ent, n * sizeof *ent);
    memcpy(sacked.r, from->sacked.r, ns * sizeof *sacked.r);
    sacked.n = ns;
    r->ent = ent;
    r->n = n;
    r->cap = cap;
    r->sacked = sacked;
    r->holes = holes;
    return r;
}

void sk_rtb_init(sk_rtb *r)
{
    sk_rtb_ent *ent = r->ent;
    uint32_t cap = r->cap;
    sk_rset sacked = r->sacked;
    sk_rec_hole *holes = r->holes;
    memset(r, 0, sizeof *r);
    r->ent = ent;
    r->cap = cap;
    r->sacked = sacked;
    sk_rset_clear(&r->sacked);
    r->holes = holes;
    r->reo_wnd_mult = 1;
}

static bool same_kind(const sk_rtb_ent *a, const sk_rtb_ent *b)
{
    return a->marks == b->marks && a->xmits == b->xmits;
}

/* Record full: merge the first pair of touching neighbours with the same
 * marks and count, keeping the later send time (RACK then judges the pair
 * by its newest byte, which never calls a delivered byte lost early). A
 * junction within [lo, hi] is kept: it is a split the caller just made. */
static bool compact(sk_rtb *r, sk_seq lo, sk_seq hi)
{
    for (uint32_t i = 0; i + 1 < r->n; i++) {
        sk_rtb_ent *a = &r->ent[i], *b = &r->ent[i + 1];
        bool kept = sk_seq_le(lo, a->end) && sk_seq_le(a->end, hi);
        if (!kept && sk_seq_eq(a->end, b->seq) && same_kind(a, b)) {
            a->end = b->end;
            a->sent = a->sent > b->sent ? a->sent : b->sent;
            memmove(b, b + 1, (size_t)(r->n - i - 2) * sizeof *b);
            r->n--;
            return true;
        }
    }
    return false;
}

/* The first entry that ends after `s` (ends ascend: bisect). */
static uint32_t first_after(const sk_rtb *r, sk_seq s)
{
    uint32_t lo = 0, hi = r->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (sk_seq_le(r->ent[mid].end, s))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int holder(const sk_rtb *r, sk_seq s)
{
    uint32_t i = first_after(r, s);
    if (i < r->n && sk_seq_lt(r->ent[i].seq, s))
        return (int)i;
    return -1;
}

/* Split the range holding `s` strictly inside so that one starts at `s`;
 * false when the record is full and nothing outside [lo, hi] could merge. */
static bool split_at(sk_rtb *r, sk_seq s, sk_seq lo, sk_seq hi)
{
    int i = holder(r, s);
    if (i < 0)
        return true;
    if (r->n == r->cap) {
        if (!compact(r, lo, hi))
            return false;
        i = holder(r, s);
        if (i < 0)
            return true;
    }
    memmove(&r->ent[i + 1], &r->ent[i], (size_t)(r->n - (uint32_t)i) * sizeof r->ent[0]);
    r->n++;
    r->ent[i].end = s;
    r->ent[i + 1].seq = s;
    return true;
}

/* New data at the tail: grow the last range when it was sent at the same
 * time with the same marks, else append (compacting when full, else grow
 * the last range anyway: coarser). */
static bool append(sk_rtb *r, sk_seq seq, sk_seq end, sk_time now)
{
    sk_rtb_ent *last = r->n > 0 ? &r->ent[r->n - 1] : NULL;
    if (last != NULL && sk_seq_eq(last->end, seq) && last->sent == now && last->xmits == 1 &&
        last->marks == 0) {
        last->end = end;
        return true;
    }
    if (r->n == r->cap && !compact(r, seq, seq)) {
        last = &r->ent[r->n - 1];
        last->end = end;
        last->sent = now;
        return false;
    }
    sk_rtb_ent *x = &r->ent[r->n++];
    x->seq = seq;
    x->end = end;
    x->sent = now;
    x->xmits = 1;
    x->marks = 0;
    return true;
}

bool sk_rtb_sent(sk_rtb *r, sk_seq seq, sk_seq end, sk_time now)
{
    if (!sk_seq_lt(seq, end))
        return true;
    bool exact = true;
    sk_seq tail = r->n > 0 ? r->ent[r->n - 1].end : seq;
    if (r->n == 0 || sk_seq_ge(seq, tail))
        return append(r, seq, end, now);
    /* a retransmission of [seq, min(end, tail)), new data past the tail */
    sk_seq rend = sk_seq_min(end, tail);
    exact = split_at(r, seq, seq, rend) && exact;
    exact = split_at(r, rend, seq, rend) && exact;
    for (uint32_t i = first_after(r, seq); i < r->n && sk_seq_lt(r->ent[i].seq, rend); i++) {
        sk_rtb_ent *x = &r->ent[i];
        if (x->xmits < UINT8_MAX)
            x->xmits++;
        x->sent = now;
        x->marks = (uint8_t)(SK_RTB_REXMIT | ((x->marks & SK_RTB_LOST) ? SK_RTB_WAS_LOST : 0u));
    }
    if (sk_seq_gt(end, tail))
        exact = append(r, tail, end, now) && exact;
    return exact;
}

void sk_rtb_acked(sk_rtb *r, sk_seq una)
{
    uint32_t k = first_after(r, una);
    if (k > 0) {
        memmove(&r->ent[0], &r->ent[k], (size_t)(r->n - k) * sizeof r->ent[0]);
        r->n -= k;
    }
    if (r->n > 0 && sk_seq_lt(r->ent[0].seq, una))
        r->ent[0].seq = una;
    sk_rset_remove_below(&r->sacked, una);
}

bool sk_rtb_sack(sk_rtb *r, sk_seq l, sk_seq right)
{
    return sk_rset_insert(&r->sacked, l, right);
}

uint32_t sk_rtb_sacked_above(const sk_rtb *r, sk_seq from)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < sk_rset_count(&r->sacked); i++) {
        const sk_range *x = sk_rset_at(&r->sacked, i);
        if (sk_seq_le(x->end, from))
            continue;
        n += sk_seq_len(sk_seq_max(x->start, from), x->end);
    }
    return n;
}

const sk_rtb_ent *sk_rtb_find(const sk_rtb *r, sk_seq s)
{
    uint32_t i = first_after(r, s);
    if (i < r->n && sk_seq_le(r->ent[i].seq, s))
        return &r->ent[i];
    return NULL;
}

void sk_rtb_split(sk_rtb *r, sk_seq l, sk_seq right)
{
    split_at(r, l, l, right);
    split_at(r, right, l, right);
}
