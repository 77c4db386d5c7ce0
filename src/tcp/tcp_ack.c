/* The ACKs a connection owes, and the decisions that make them due (the
 * delayed-ACK rule, challenge ACKs). RFC 5681 §4.2 (and RFC 1122
 * §4.2.3.2): an ACK for at least every second full-sized segment, and an
 * immediate duplicate ACK for each out-of-order segment, which the sender
 * counts (RFC 5681 §3.2). A device read or a simulator instant may bring many segments
 * before the output routine runs once; a single flag would answer them all
 * with one stretch ACK (and slow start would grow by one SMSS per batch).
 * So input records each ACK as it becomes due - the value of RCV.NXT at
 * that moment - and the output routine sends one segment per record, in
 * order: what the peer sees does not depend on how arrivals were batched.
 *
 * Each record is the ACK as it would have been sent at that moment: its
 * TSecr is TS.Recent then (RFC 7323 §4.3; and TS.Recent follows the newest
 * owed ACK as Last.ACK.sent, sk_ack_point), and a duplicate ACK caused by
 * an out-of-order segment names that segment's range first (RFC 2018 §4:
 * "the first SACK block ... MUST specify the contiguous block of data
 * containing the segment which triggered this ACK"). The other blocks are
 * the ranges as they stand when the ACK is sent, cut at the highest
 * sequence number received when it became due (`high`): a later arrival
 * reported beside an older ACK value looks to the sender like reordering
 * (tcp_sack.c, sk_sack_fill).
 *
 * The records form a small ring per connection. Repeated ACKs (duplicate
 * ACKs) share a record with a count when they are alike: the same value and
 * TSecr, and a triggering segment in the same range (consecutive segments
 * beyond one hole). When the ring is full, the newest ACK replaces the last
 * record: that ACK then covers more (a stretch ACK), which is counted in
 * stats.acks_merged.
 *
 * SACK compression (cfg.sack_compress_*, as Linux's tcp_comp_sack_*, since
 * 4.20): RFC 5681 §4.2's duplicate ACK per out-of-order segment is kept
 * for the first three at one RCV.NXT, the DupThresh a sender counts
 * (RFC 6675 §2); with SACK in use, later ones are held and reported
 * together by one ACK after min(sack_compress_us, SRTT/20), or at once
 * when sack_compress_nr are held. Without it a Linux sender got 1-2 %
 * less goodput at 0.5-1 % loss, from Linux's own receiver (tcp_comp_sack_nr
 * 0) and from ours alike (bench/README-loss.md, session 13). A deviation
 * from §4.2's SHOULD, listed in docs/rfc-coverage.md. Any ACK
 * sent reports what is held (its blocks are the ranges as they stand) and
 * ends the wait: in a batch, the owed ACKs that output sends after it
 * report the held segments at once, and no timer ACK follows. */
#include "tcp/tcp_conn.h"

#define SK_SACKC_IMMEDIATE 3u /* duplicate ACKs sent at once per RCV.NXT */

static uint32_t slot(const sk_tcb *t, uint32_t i)
{
    return (t->x->ack_owed_head + i) % SK_ACK_OWED_MAX;
}

bool sk_ack_has_edge(const sk_ack_owed *o)
{
    return !sk_seq_eq(o->edge, o->ack);
}

sk_seq sk_ack_high(const sk_ack_owed *o)
{
    return sk_seq_add(o->ack, o->above);
}

/* Does the ACK described by `r` repeat record `o`? */
static bool alike(const sk_tcb *t, const sk_ack_owed *o, const sk_ack_owed *r)
{
    if (!sk_seq_eq(o->ack, r->ack) || o->ecr != r->ecr || sk_ack_has_edge(o) != sk_ack_has_edge(r))
        return false;
    return !sk_ack_has_edge(r) ||
           sk_rset_find(&t->x->reass, o->edge) == sk_rset_find(&t->x->reass, r->edge);
}

/* The ACK of RCV.NXT now, with TS.Recent and what arrived above. */
static sk_ack_owed now_record(const sk_tcb *t)
{
    uint32_t above = sk_seq_len(t->rcv_nxt, sk_sack_rcv_high(t));
    sk_ack_owed r = {.ack = t->rcv_nxt, .edge = t->rcv_nxt, .ecr = t->ts_recent};
    r.above = (above < SK_ACK_ABOVE_MAX ? above : SK_ACK_ABOVE_MAX) & SK_ACK_ABOVE_MAX;
    return r;
}

static void owe(sk_tcp_env *e, sk_tcb *t, const sk_ack_owed *r)
{
    t->x->rcv_unacked = 0;
    /* this ACK covers RCV.NXT, and so any pushed data: the application's
     * read before it leaves owes no ACK of its own (sk_ack_on_read) */
    t->flags &= ~(uint32_t)SK_TF_ACK_PUSHED;
    t->x->sackc_held = 0;
    sk_tcb_timer_set(e, t, SK_TIMER_DELACK, SK_TIME_NEVER);
    sk_tcb_mark_output(e, t);
    uint32_t n = t->x->n_ack_owed;
    sk_ack_owed *last = n > 0 ? &t->x->ack_owed[slot(t, n - 1)] : NULL;
    if (last != NULL && alike(t, last, r) && last->dups < UINT8_MAX) {
        last->dups++;
        last->above = r->above; /* (the same RCV.NXT: no gap was filled) */
        return;
    }
    if (n == SK_ACK_OWED_MAX) {
        *last = *r;
        e->ctx->stats.acks_merged++;
        return;
    }
    t->x->ack_owed[slot(t, n)] = *r;
    t->x->n_ack_owed = (uint8_t)(n + 1);
}

void sk_ack_owe(sk_tcp_env *e, sk_tcb *t)
{
    sk_ack_owed r = now_record(t);
    owe(e, t, &r);
}

/* SACK compression: true when the duplicate ACK of an out-of-order segment
 * (its range held, SACK in use) waits, the delayed-ACK timer then due
 * within min(sack_compress_us, SRTT/20). No RTT sample yet (SRTT 0), or
 * one under 20 us: never held. */
static bool sack_hold(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    const sk_stack_config *c = &e->ctx->cfg;
    sk_tcb_ext *x = t->x;
    uint32_t delay = t->srtt / 20u;
    if (c->sack_compress_nr == 0 || delay == 0)
        return false;
    if (!sk_seq_eq(x->sackc_ack, t->rcv_nxt)) {
        x->sackc_ack = t->rcv_nxt;
        x->sackc_dups = 0;
    }
    if (x->sackc_dups < SK_SACKC_IMMEDIATE) {
        x->sackc_dups++;
        return false;
    }
    if (x->sackc_held >= c->sack_compress_nr)
        return false; /* this one's ACK reports them all, at once */
    x->sackc_held++;
    if (delay > c->sack_compress_us)
        delay = c->sack_compress_us;
    sk_time due = sk_time_after(now, delay);
    if (sk_tcb_timer(e, t, SK_TIMER_DELACK) > due)
        sk_tcb_timer_set(e, t, SK_TIMER_DELACK, due);
    e->ctx->stats.sack_compressed++;
    return true;
}

void sk_ack_owe_ooo(sk_tcp_env *e, sk_tcb *t, sk_seq seq, sk_time now)
{
    sk_ack_owed r = now_record(t);
    if ((t->flags & SK_TF_SACK_OK) && sk_rset_find(&t->x->reass, seq) != NULL) {
        if (sack_hold(e, t, now))
            return;
        r.edge = seq; /* above RCV.NXT: not == ack */
    }
    owe(e, t, &r);
}

bool sk_ack_peek(const sk_tcb *t, sk_ack_owed *rec, bool *last)
{
    if (t->x->n_ack_owed == 0)
        return false;
    *rec = t->x->ack_owed[t->x->ack_owed_head];
    *last = t->x->n_ack_owed == 1 && rec->dups == 0;
    return true;
}

sk_seq sk_ack_point(const sk_tcb *t)
{
    if (t->x->n_ack_owed == 0)
        return t->x->last_ack_sent;
    return t->x->ack_owed[slot(t, t->x->n_ack_owed - 1u)].ack;
}

void sk_ack_pop(sk_tcb *t)
{
    if (t->x->n_ack_owed == 0)
        return;
    uint32_t h = t->x->ack_owed_head;
    if (t->x->ack_owed[h].dups > 0) {
        t->x->ack_owed[h].dups--;
        return;
    }
    t->x->ack_owed_head = (uint8_t)((h + 1) % SK_ACK_OWED_MAX);
    t->x->n_ack_owed--;
}

/* The receive MSS estimate (sk_ack_schedule's) from a segment of len bytes; a
 * merged (GRO) segment names the sender's segment size itself. */
void sk_ack_update_rcv_mss(sk_tcb *t, uint32_t len, uint16_t gso_size)
{
    uint32_t seen = gso_size > 0 ? gso_size : len;
    if (seen > t->rcv_mss)
        t->rcv_mss = (uint16_t)(seen < t->adv_mss ? seen : t->adv_mss);
}

/* Bytes a segment of len counts for in the every-second-segment rule
 * (RFC 5681 §4.2 counts segments): one longer than the MSS was merged by
 * the device (GRO) from ceil(len / MSS) segments, and counts as that many
 * full ones, so that 1.5 MSS merged is ACKed at once as its two segments
 * would have been. A segment up to the MSS counts its bytes, as before. */
uint32_t sk_ack_count_bytes(const sk_tcb *t, uint32_t len)
{
    uint32_t mss = t->rcv_mss;
    if (mss == 0 || len <= mss)
        return len;
    return (len / mss + (len % mss != 0)) * mss;
}

/* Delayed ACK (RFC 1122 §4.2.3.2, RFC 5681 §4.2): at least every second
 * full-sized segment, and within delack_us otherwise. "Full-sized" is the
 * sender's SMSS, which may be below the MSS we announced (a smaller MTU on
 * its side): rcv_mss is the largest segment seen so far (at least 536,
 * RFC 9293 §3.7.1, at most our MSS), as Linux estimates it. */
void sk_ack_schedule(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    if (t->quick_acks > 0) {
        t->quick_acks = (t->quick_acks - 1u) & 0xFu;
        if (t->x->rcv_unacked < 2u * t->rcv_mss)
            e->ctx->stats.acks_quick++; /* (a pair would have been ACKed anyway) */
        sk_ack_owe(e, t);
        return;
    }
    if (t->x->rcv_unacked >= 2u * t->rcv_mss) {
        sk_ack_owe(e, t); /* one ACK per pair, also within a batch */
        return;
    }
    if (sk_tcb_timer(e, t, SK_TIMER_DELACK) == SK_TIME_NEVER)
        sk_tcb_timer_set(e, t, SK_TIMER_DELACK, sk_time_after(now, e->ctx->cfg.delack_us));
}

/* Quick-ACK mode, as Linux's receiver enters it (tcp_incr_quickack): at
 * the first data a sender in slow start grows its window by what each ACK
 * covers and waits for the odd segment's ACK at every flight's end; after
 * a duplicate segment (a timeout or a spurious retransmission: the peer
 * sends again from a cut window) the same. Each of the next arrivals is
 * ACKed at once, as many as half the window holds segments (at least 2,
 * at most cfg.quick_acks), Linux's count. RFC 5681 §4.2 and RFC 1122
 * §4.2.3.2 bound only how long an ACK may wait. A connection that sends
 * data leaves the mode (sk_ack_quick_end): its ACKs ride on its replies,
 * where Linux's ping-pong mode ignores the count. */
void sk_ack_quick(sk_tcp_env *e, sk_tcb *t)
{
    uint32_t n = e->ctx->cfg.quick_acks;
    if (n == 0)
        return;
    uint32_t wnd = sk_seq_gt(t->rcv_adv, t->rcv_nxt) ? sk_seq_len(t->rcv_nxt, t->rcv_adv) : 0;
    uint32_t half = t->rcv_mss > 0 ? wnd / (2u * t->rcv_mss) : 0;
    if (half < 2u)
        half = 2u;
    if (n > half)
        n = half;
    if (n > t->quick_acks)
        t->quick_acks = n & 0xFu;
}

/* After a read (sk_tcp_user_recv) that left the receive buffer empty,
 * with a delayed ACK pending and in-order data since our last ACK that
 * carried PSH (the end of one of the sender's writes): the ACK goes now,
 * not at the delayed-ACK timer, as Linux's receiver does (ICSK_ACK_PUSHED,
 * tcp_cleanup_rbuf). No second segment may come to trigger it: the sender
 * may be waiting for this ACK, its window full or its write done, and a
 * delayed ACK then costs it up to delack_us of idle time and an RTT sample
 * that long. RFC 1122 §4.2.3.2 and RFC 5681 §4.2 bound how long an ACK may
 * wait, not how soon it may go. An application that answers in the same
 * turn sends the ACK on its reply (the last owed ACK rides on data,
 * tcp_output.c), as with Linux's ping-pong mode. cfg.push_ack false: the
 * delayed-ACK rule alone. */
void sk_ack_on_read(sk_tcp_env *e, sk_tcb *t)
{
    if (!(t->flags & SK_TF_ACK_PUSHED) || !e->ctx->cfg.push_ack)
        return;
    if (sk_ring_len(&t->x->rcvbuf) > 0 || sk_tcb_timer(e, t, SK_TIMER_DELACK) == SK_TIME_NEVER)
        return;
    t->flags &= ~(uint32_t)SK_TF_ACK_PUSHED;
    e->ctx->stats.acks_pushed++;
    sk_ack_owe(e, t);
}

/* RFC 5961 §7: challenge ACKs are rate limited per stack. The challenge is
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (§3.2, §4.2); in SYN-RECEIVED it must
 * not be another SYN,ACK (the output for an ACK owed there), so it is
 * recorded apart (SK_TF_CHALLENGE). */
bool sk_ack_challenge_allowed(sk_tcp_env *e, sk_time now)
{
    if (now - e->chal_window_start >= SK_SEC(1) || now < e->chal_window_start) {
        e->chal_window_start = now;
        e->chal_count = 0;
    }
    if (e->chal_count >= e->ctx->cfg.challenge_ack_limit)
        return false;
    e->chal_count++;
    e->ctx->stats.challenge_acks++;
    return true;
}

void sk_ack_challenge(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    if (!sk_ack_challenge_allowed(e, now))
        return;
    t->flags |= t->state == SK_TCP_SYN_RECEIVED ? SK_TF_CHALLENGE : SK_TF_ACK_NOW;
    sk_tcb_mark_output(e, t);
}
