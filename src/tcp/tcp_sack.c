/* SACK (RFC 2018) on the receiving side with DSACK (RFC 2883), and the
 * validation of the blocks an arriving ACK carries (for the sender's
 * recovery, RFC 6675, which is not here yet).
 *
 * What we hold out of order is the reassembly range set (t->x->reass). Which
 * ranges to report first is remembered as left edges of segments, newest
 * first (t->x->sack_recent): an edge names the range that now holds it, so
 * merges and ranges passed by rcv_nxt need no bookkeeping. */
#include "tcp/tcp_conn.h"

#include <string.h>

/* RFC 2018 §2: SACK only when both SYNs carry SACK-permitted (ours does
 * when configured; a SYN,ACK answers only an offer). */
void sk_sack_on_syn(const sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg)
{
    if (e->ctx->cfg.sack && seg->opts.sack_permitted)
        t->flags |= SK_TF_SACK_OK | (e->ctx->cfg.rack_tlp ? (uint32_t)SK_TF_RACK : 0u);
    else
        t->flags &= ~(uint32_t)(SK_TF_SACK_OK | SK_TF_RACK);
}

/* RFC 2883 §4: the first block reports the duplicate. Below rcv_nxt it is
 * what arrived again of the in-order data; above, what was already held
 * out of order (the part held from seq on). */
void sk_sack_on_data(sk_tcb *t, sk_seq seq, uint32_t len)
{
    if (!(t->flags & SK_TF_SACK_OK) || len == 0)
        return;
    sk_seq end = sk_seq_add(seq, len);
    if (sk_seq_lt(seq, t->rcv_nxt)) {
        t->x->dsack.start = seq;
        t->x->dsack.end = sk_seq_min(end, t->rcv_nxt);
        t->flags |= SK_TF_DSACK;
        return;
    }
    const sk_range *r = sk_rset_find(&t->x->reass, seq);
    if (r == NULL)
        return;
    t->x->dsack.start = seq;
    t->x->dsack.end = sk_seq_min(end, r->end);
    t->flags |= SK_TF_DSACK;
}

/* RFC 2018 §4: "the first SACK block ... MUST specify the contiguous block
 * of data containing the segment which triggered this ACK"; later ones
 * repeat the most recently reported. Edges whose range is gone (passed by
 * rcv_nxt) or that name the same range as the new one are dropped. */
void sk_sack_on_ooo(sk_tcb *t, sk_seq seq)
{
    if (!(t->flags & SK_TF_SACK_OK))
        return;
    const sk_range *mine = sk_rset_find(&t->x->reass, seq);
    sk_seq keep[SK_TCP_MAX_SACK];
    uint8_t n = 0;
    keep[n++] = seq;
    for (uint8_t i = 0; i < t->x->n_sack_recent && n < SK_TCP_MAX_SACK; i++) {
        const sk_range *r = sk_rset_find(&t->x->reass, t->x->sack_recent[i]);
        if (r != NULL && r != mine)
            keep[n++] = t->x->sack_recent[i];
    }
    memcpy(t->x->sack_recent, keep, n * sizeof keep[0]);
    t->x->n_sack_recent = n;
}

static bool already_listed(const sk_tcp_opts *o, uint8_t from, sk_seq left)
{
    for (uint8_t i = from; i < o->n_sack; i++)
        if (sk_seq_eq(o->sack[i].left, left))
            return true;
    return false;
}

/* Add held range r, cut at `high` (nothing received after the ACK became
 * due), unless it lies wholly above or is listed already. */
static void add_range(sk_tcp_opts *o, uint8_t from, const sk_range *r, sk_seq high)
{
    if (!sk_seq_lt(r->start, high) || already_listed(o, from, r->start))
        return;
    o->sack[o->n_sack].left = r->start;
    o->sack[o->n_sack].right = sk_seq_min(r->end, high);
    o->n_sack++;
}

/* The highest sequence number received: RCV.NXT, or the end of the
 * highest range held out of order. */
sk_seq sk_sack_rcv_high(const sk_tcb *t)
{
    uint32_t n = sk_rset_count(&t->x->reass);
    if (n == 0)
        return t->rcv_nxt;
    sk_seq end = sk_rset_at(&t->x->reass, n - 1u)->end;
    return sk_seq_max(end, t->rcv_nxt);
}

/* RFC 2018 §3: at most 4 blocks, 3 beside timestamps (`max`); the DSACK
 * block first (RFC 2883 §4), then the range holding an owed duplicate
 * ACK's own segment (RFC 2018 §4), then the ranges named by the recent
 * edges, then any other held ranges in sequence order, each reported once.
 *
 * An owed ACK reports nothing received after it became due: input may
 * take many segments before output sends the ACKs they made due
 * (tcp_ack.c), and an ACK whose value is older than RCV.NXT but whose
 * blocks show later arrivals would tell the sender that segments above a
 * gap the next ACK fills arrived before it. A sender takes that for
 * reordering (RFC 8985 §6.2 step 3; Linux's tcp_check_sack_reordering) and
 * waits a reordering window before each loss it detects from then on.
 * So each range is cut at the record's `high`: the ACKs leave as a
 * receiver that sent each at once would have sent them (a range that grew
 * below `high` is reported as it stands).
 *
 * An owed ACK older than a gap filled since reports no ranges (below).
 *
 * The DSACK block too goes only where the sender can tell it for one
 * (RFC 2883 §4): at or below the ACK's value, or inside the held range
 * reported as the second block. An owed ACK older than the duplicate
 * (the duplicate came later in the same device read) would carry it above
 * its cumulative point, where it reads as an ordinary block: data above a
 * hole that the next ACK fills, reordering again (seen in the seeded
 * simulation with a duplicating link). Such an ACK leaves it for a later
 * one: the duplicate's own ACK, or the ordinary ACK at RCV.NXT. */
static const sk_range *dsack_holder(const sk_tcb *t, sk_seq ack, sk_seq high)
{
    if (sk_seq_le(t->x->dsack.end, ack))
        return NULL;
    const sk_range *r = sk_rset_find(&t->x->reass, t->x->dsack.start);
    if (r == NULL || sk_seq_gt(t->x->dsack.end, r->end) || sk_seq_gt(t->x->dsack.end, high))
        return NULL;
    return r;
}

void sk_sack_fill(const sk_tcb *t, sk_tcp_opts *o, uint8_t max, const sk_ack_owed *rec)
{
    o->n_sack = 0;
    if (!(t->flags & SK_TF_SACK_OK))
        return;
    /* (a record that saw SK_ACK_ABOVE_MAX or more above its ACK is not
     * cut: its own segment's range may lie beyond) */
    sk_seq high = rec != NULL && rec->above < SK_ACK_ABOVE_MAX ? sk_ack_high(rec)
                                                               : sk_sack_rcv_high(t);
    sk_seq ack = rec != NULL ? rec->ack : t->rcv_nxt;
    /* an owed ACK below RCV.NXT: a gap it had has been filled since, and
     * the ranges it held above the gap went with it into the in-order
     * data; the ranges still held, above, would be reported without them,
     * and the next ACK's cumulative point would show those ranges arriving
     * after the ones reported (reordering, above). It reports none: the
     * next ACK tells the whole */
    if (sk_seq_lt(ack, t->rcv_nxt))
        high = ack;
    if ((t->flags & SK_TF_DSACK) && max > 0) {
        const sk_range *holder = dsack_holder(t, ack, high);
        if (sk_seq_le(t->x->dsack.end, ack) || (holder != NULL && max > 1)) {
            o->sack[0].left = t->x->dsack.start;
            o->sack[0].right = t->x->dsack.end;
            o->n_sack = 1;
            if (holder != NULL) /* §4: the range holding it, second */
                add_range(o, 1, holder, high);
        }
    }
    uint8_t first = o->n_sack > 0 ? 1 : 0; /* the DSACK block may repeat a range */
    const sk_range *own =
        rec != NULL && sk_ack_has_edge(rec) ? sk_rset_find(&t->x->reass, rec->edge) : NULL;
    if (own != NULL && o->n_sack < max)
        add_range(o, first, own, high);
    for (uint8_t i = 0; i < t->x->n_sack_recent && o->n_sack < max; i++) {
        const sk_range *r = sk_rset_find(&t->x->reass, t->x->sack_recent[i]);
        if (r != NULL)
            add_range(o, first, r, high);
    }
    for (uint32_t i = 0; i < sk_rset_count(&t->x->reass) && o->n_sack < max; i++)
        add_range(o, first, sk_rset_at(&t->x->reass, i), high);
}

/* A duplicate is reported once (RFC 2883 §4: in the ACK it triggers), by
 * the first ACK whose first block is it (sk_sack_fill may leave it to a
 * later ACK). */
void sk_sack_sent(sk_tcp_env *e, sk_tcb *t, const sk_tcp_opts *o)
{
    e->ctx->stats.sack_blocks_out += o->n_sack;
    uint8_t ranges = o->n_sack;
    if ((t->flags & SK_TF_DSACK) && o->n_sack > 0 &&
        sk_seq_eq(o->sack[0].left, t->x->dsack.start) &&
        sk_seq_eq(o->sack[0].right, t->x->dsack.end)) {
        e->ctx->stats.dsack_out++;
        t->flags &= ~(uint32_t)SK_TF_DSACK;
        ranges--;
    }
    if (o->n_sack == sk_tcp_sack_room(o) && sk_rset_count(&t->x->reass) > ranges)
        e->ctx->stats.sack_ranges_untold++;
}

/* A block is valid within [SND.UNA, SND.MAX], and above this ACK's own
 * cumulative point (RFC 2018 §3: blocks describe data we sent that the
 * peer holds beyond SEG.ACK). A first block at or below SEG.ACK is a DSACK
 * (RFC 2883 §4): counted, not kept. Others are ignored and counted: a
 * stale block, or a peer that reports what we never sent. */
void sk_sack_on_ack(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg)
{
    t->x->n_peer_sack = 0;
    if (!(t->flags & SK_TF_SACK_OK))
        return;
    sk_seq low = sk_seq_max(t->snd_una, seg->ack);
    for (uint8_t i = 0; i < seg->opts.n_sack; i++) {
        sk_seq l = seg->opts.sack[i].left, r = seg->opts.sack[i].right;
        if (i == 0 && sk_seq_lt(l, r) && sk_seq_le(r, seg->ack)) {
            e->ctx->stats.dsack_in++;
            continue;
        }
        if (!sk_seq_lt(l, r) || sk_seq_lt(l, low) || sk_seq_gt(r, t->x->snd_max)) {
            e->ctx->stats.sack_blocks_bad++;
            continue;
        }
        e->ctx->stats.sack_blocks_in++;
        t->x->peer_sack[t->x->n_peer_sack++] = seg->opts.sack[i];
    }
}
