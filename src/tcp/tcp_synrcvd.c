/* SYN-RECEIVED from a half-open record (tcp_halfopen.h): what it sends
 * (its SYN,ACK, a challenge ACK, a RST) and the answers RFC 9293
 * §3.10.7.4 gives in SYN-RECEIVED, from the record alone, in the order
 * sk_tcp_input takes them for a passive child:
 *
 *   - PAWS first with timestamps (RFC 7323 §5.3 R1): an old TSval is
 *     dropped and answered; a segment without timestamps is dropped (§3.2).
 *   - an unacceptable segment (a retransmitted SYN included: it lies just
 *     below RCV.NXT) is answered with the SYN,ACK again; an unacceptable
 *     RST is dropped.
 *   - RST at RCV.NXT: back to LISTEN, the record is dropped; an in-window
 *     RST that is not exact gets a challenge ACK (RFC 5961 §3.2), and so
 *     does an in-window SYN (RFC 5961 §4.2, a new ISN).
 *   - no ACK: dropped; an ACK not acknowledging our SYN: <SEQ=SEG.ACK><RST>.
 *   - the accept queue full: dropped (or reset, accept_overflow_reset).
 *   - an acceptable ACK: the connection is made (sk_listen_promote) from
 *     the SYN the record stands for, with the timings of its SYN,ACK, and
 *     takes the ACK, its text and FIN through sk_tcp_input.
 */
#include "tcp/tcp_conn.h"
#include "tcp/tcp_halfopen_impl.h"

#include "base/skassert.h"
#include "synack/error.h"

#include <string.h>

/* ---- what the record sends ---- */

/* The receive buffer the connection will have: its listener's limit
 * (SK_SO_RCVBUF, inherited at promotion) under the stack's cfg.rcvbuf. */
static uint32_t rec_rcvbuf(const sk_tcp_env *e, const sk_ho_rec *r)
{
    return sk_tcb_rcvbuf(e, &e->tcbs[r->listener]);
}

static uint8_t our_wscale(const sk_tcp_env *e, const sk_ho_rec *r)
{
    return (r->key.flags & SK_HO_WS) ? sk_tcb_our_wscale(e, &e->tcbs[r->listener]) : 0;
}

/* The window field of our SYN,ACK: the whole free buffer, at most 65535
 * (RFC 7323 §2.2: never scaled in a SYN), as sk_tcp_rcv_window gives a
 * child with an empty receive buffer. */
static uint32_t synack_wnd(const sk_tcp_env *e, const sk_ho_rec *r)
{
    uint32_t b = rec_rcvbuf(e, r);
    return b > 65535 ? 65535 : b;
}

/* The window field of a non-SYN ACK from SYN-RECEIVED (a challenge ACK):
 * sk_tcp_rcv_window and sk_tcp_fill_ack's rounding for an empty buffer,
 * after the SYN,ACK offered synack_wnd. */
static uint32_t ack_field(const sk_tcp_env *e, const sk_ho_rec *r, uint32_t cur)
{
    uint8_t ws = our_wscale(e, r);
    uint32_t buf = rec_rcvbuf(e, r);
    uint32_t space = buf;
    uint32_t max = (uint32_t)65535 << ws;
    if (space > max)
        space = max;
    uint32_t half = buf / 2;
    uint32_t step = half < r->adv_mss ? half : r->adv_mss;
    uint32_t win = (space <= cur || space - cur < step) ? cur : space;
    uint32_t field = win >> ws;
    if (field > 65535)
        field = 65535;
    if ((field << ws) < cur && field < 65535 && ((field + 1) << ws) <= buf)
        field++;
    return field;
}

/* RCV.WND: what we offered, from RCV.NXT (nothing before the SYN,ACK). */
static uint32_t rcv_wnd(const sk_tcp_env *e, const sk_ho_rec *r)
{
    if (!(r->key.flags & SK_HO_SENT))
        return 0;
    uint32_t w = synack_wnd(e, r);
    if (r->key.flags & SK_HO_WIDE) {
        uint32_t wide = ack_field(e, r, w) << our_wscale(e, r);
        if (wide > w)
            w = wide;
    }
    return w;
}

static sk_seq rcv_nxt(const sk_ho_rec *r)
{
    return sk_seq_add(r->irs, 1);
}

static sk_seq snd_max(const sk_ho_rec *r)
{
    return (r->key.flags & SK_HO_SENT) ? sk_seq_add(r->iss, 1) : r->iss;
}

static uint32_t ts_val(const sk_tcp_env *e, const sk_ho_rec *r, sk_time now)
{
    sk_tuple tu;
    sk_ho_tuple(r, &tu);
    return (uint32_t)(now / 1000u) + sk_tcp_ts_offset(e, &tu);
}

/* <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> with what output_syn announces. */
void sk_ho_build_synack(const sk_tcp_env *e, const sk_ho_rec *r, sk_time now, sk_ctl_seg *c)
{
    memset(c, 0, sizeof *c);
    sk_ho_tuple(r, &c->tuple);
    c->seq = r->iss;
    c->ack = rcv_nxt(r);
    c->flags = SK_TCP_SYN | SK_TCP_ACK;
    c->wnd = (uint16_t)synack_wnd(e, r);
    c->opts.has_mss = true;
    c->opts.mss = r->adv_mss;
    if (r->key.flags & SK_HO_WS) {
        c->opts.has_wscale = true;
        c->opts.wscale = our_wscale(e, r);
    }
    c->opts.sack_permitted = (r->key.flags & SK_HO_SACK) != 0;
    if (r->key.flags & SK_HO_TS) {
        c->opts.has_ts = true;
        c->opts.ts_val = ts_val(e, r, now);
        c->opts.ts_ecr = r->ts_recent;
    }
}

void sk_ho_count_resend(sk_ho_rec *r, sk_ctl_seg *c)
{
    c->cause = SK_REXMIT_SYN;
    r->key.flags |= SK_HO_RESENT;
    if (r->resends < UINT8_MAX)
        r->resends++;
}

/* The SYN,ACK again at once (a child's ACK_NOW in SYN-RECEIVED), from the
 * control queue; its timer runs on. A record still queued sends it anyway. */
static void resend_synack(sk_tcp_env *e, sk_ho_rec *r, sk_time now)
{
    if (r->key.flags & SK_HO_QUEUED)
        return;
    sk_ctl_seg c;
    sk_ho_build_synack(e, r, now, &c);
    sk_ho_count_resend(r, &c);
    sk_ctl_push_seg(e, &c, now);
}

/* RFC 5961 §3.2, §4.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, rate limited
 * (§7), with timestamps (RFC 7323 §3.2); the window is the scaled one. */
static void challenge(sk_tcp_env *e, sk_ho_rec *r, sk_time now)
{
    if (!sk_ack_challenge_allowed(e, now))
        return;
    sk_ctl_seg c;
    memset(&c, 0, sizeof c);
    sk_ho_tuple(r, &c.tuple);
    c.seq = snd_max(r);
    c.ack = rcv_nxt(r);
    c.flags = SK_TCP_ACK;
    c.wnd = (uint16_t)ack_field(e, r, rcv_wnd(e, r));
    if (r->key.flags & SK_HO_TS) {
        c.opts.has_ts = true;
        c.opts.ts_val = ts_val(e, r, now);
        c.opts.ts_ecr = r->ts_recent;
    }
    if (r->key.flags & SK_HO_SENT)
        r->key.flags |= SK_HO_WIDE;
    sk_ctl_push_seg(e, &c, now);
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> (sk_tcb_reset), then gone. */
void sk_ho_reset(sk_tcp_env *e, uint32_t i, sk_time now)
{
    sk_ho_rec *r = sk_ho_rec_at(e, i);
    sk_tuple tu;
    sk_ho_tuple(r, &tu);
    if (sk_ctl_push(e, &tu, snd_max(r), rcv_nxt(r), SK_TCP_RST | SK_TCP_ACK, now))
        e->ctx->stats.resets_out++;
    sk_ho_remove(e, i, true, now);
}

/* ---- a segment for a record ---- */

/* RFC 7323 §5.3 R1 and §3.2 (sk_ts_check); false when dropped. */
static bool rec_paws(sk_tcp_env *e, sk_ho_rec *r, const sk_tcp_repr *seg, sk_time now)
{
    enum sk_paws v = sk_ts_paws(e, (r->key.flags & SK_HO_TS) != 0, true, r->ts_recent, seg, NULL, now);
    if (v == SK_PAWS_ANSWER)
        resend_synack(e, r, now);
    return v == SK_PAWS_OK;
}

/* An ACK one below RCV.NXT acknowledging our SYN (tcp_input.c's
 * ack_past_peer_probe): its ACK is taken though the segment is not. */
static bool ack_past_probe(const sk_ho_rec *r, const sk_tcp_repr *seg)
{
    return sk_tcp_seg_len(seg) == 0 && (seg->flags & SK_TCP_ACK) &&
           !(seg->flags & (SK_TCP_RST | SK_TCP_SYN)) && sk_seq_eq(seg->seq, r->irs) &&
           sk_seq_gt(seg->ack, r->iss) && sk_seq_le(seg->ack, snd_max(r));
}

/* RFC 9293 §3.10.7.4 first (check_seq); false when dropped (answered). */
static bool rec_seq_ok(sk_tcp_env *e, sk_ho_rec *r, const sk_tcp_repr *seg, sk_time now)
{
    uint32_t len = sk_tcp_seg_len(seg);
    uint32_t wnd = rcv_wnd(e, r);
    sk_seq nxt = rcv_nxt(r), wend = sk_seq_add(nxt, wnd);
    bool ok;
    if (len == 0)
        ok = wnd == 0 ? sk_seq_eq(seg->seq, nxt) : sk_seq_in(seg->seq, nxt, wend);
    else
        ok = wnd != 0 &&
             (sk_seq_in(seg->seq, nxt, wend) || sk_seq_in(sk_seq_add(seg->seq, len - 1), nxt, wend));
    if (ok || (wnd == 0 && sk_seq_eq(seg->seq, nxt) && !(seg->flags & (SK_TCP_RST | SK_TCP_SYN))) ||
        ack_past_probe(r, seg))
        return true;
    if (seg->flags & SK_TCP_RST) {
        sk_tcp_count_drop(e, SK_DROP_TCP_RST_OUT_OF_WINDOW, NULL, now);
        return false;
    }
    sk_tcp_count_drop(e, SK_DROP_TCP_OUT_OF_WINDOW, NULL, now);
    resend_synack(e, r, now);
    return false;
}

/* §4.3 / §5.3 R3 (sk_ts_record): Last.ACK.sent is RCV.NXT once the
 * SYN,ACK went out. */
static void rec_ts_record(sk_ho_rec *r, const sk_tcp_repr *seg)
{
    if (!(r->key.flags & SK_HO_TS) || !(r->key.flags & SK_HO_SENT) || !seg->opts.has_ts ||
        (seg->flags & SK_TCP_RST) || !sk_seq_le(seg->seq, rcv_nxt(r)) ||
        sk_ts_before(seg->opts.ts_val, r->ts_recent))
        return;
    r->ts_recent = seg->opts.ts_val;
}

/* The SYN the record stands for, and what its handshake left
 * (sk_listen_promote). */
static void rec_handshake(const sk_tcp_env *e, const sk_ho_rec *r, sk_tcp_repr *syn,
                          sk_listen_hs *hs)
{
    memset(syn, 0, sizeof *syn);
    syn->flags = SK_TCP_SYN;
    syn->seq = r->irs;
    syn->window = r->syn_wnd;
    syn->opts.has_mss = true;
    syn->opts.mss = r->peer_mss;
    syn->opts.has_wscale = (r->key.flags & SK_HO_WS) != 0;
    syn->opts.wscale = r->wscale;
    syn->opts.sack_permitted = (r->key.flags & SK_HO_SACK) != 0;
    syn->opts.has_ts = (r->key.flags & SK_HO_TS) != 0;
    syn->opts.ts_val = r->ts_recent;
    memset(hs, 0, sizeof *hs);
    hs->from_record = true;
    hs->iss = r->iss;
    hs->adv_mss = r->adv_mss;
    hs->rcv_wnd = rcv_wnd(e, r);
    hs->timeouts = r->count;
    hs->resends = r->resends;
    /* the last SYN,ACK the output list sent, armed then for the interval
     * of its level (a queued record's timer has fired once more since) */
    bool queued = (r->key.flags & SK_HO_QUEUED) != 0;
    hs->last_snd = r->deadline - sk_ho_interval(e, queued && r->count > 0 ? r->count - 1u : r->count);
    /* Karn: the timer firing ends the timing (fire_retransmit) */
    hs->rtt_timed = !(r->key.flags & SK_HO_RESENT) && r->count == 0;
    hs->rtt_time = hs->last_snd;
    if (r->key.flags & SK_HO_SOFT)
        hs->soft_error = r->soft_kind ? SK_ECONNREFUSED : SK_EHOSTUNREACH;
}

/* Second to fifth steps; the acceptable ACK makes the connection. */
static void rec_acceptable(sk_tcp_env *e, uint32_t i, const sk_tuple *tu, const sk_tcp_repr *seg,
                           sk_time now)
{
    sk_ho_rec *r = sk_ho_rec_at(e, i);
    if (seg->flags & SK_TCP_RST) {
        if (!sk_seq_eq(seg->seq, rcv_nxt(r))) {
            sk_tcp_count_drop(e, SK_DROP_TCP_RST_CHALLENGED, NULL, now);
            challenge(e, r, now);
            return;
        }
        e->ctx->stats.resets_in++;
        sk_ho_remove(e, i, true, now); /* from a passive open: back to LISTEN */
        return;
    }
    if (seg->flags & SK_TCP_SYN) {
        sk_tcp_count_drop(e, SK_DROP_TCP_SYN_CHALLENGED, NULL, now);
        challenge(e, r, now);
        return;
    }
    if (!(seg->flags & SK_TCP_ACK)) {
        sk_tcp_count_drop(e, SK_DROP_TCP_NO_ACK, NULL, now);
        return;
    }
    if (!sk_seq_gt(seg->ack, r->iss) || sk_seq_gt(seg->ack, snd_max(r))) {
        if (sk_ctl_push(e, tu, seg->ack, sk_seq_make(0), SK_TCP_RST, now))
            e->ctx->stats.resets_out++;
        sk_tcp_count_drop(e, SK_DROP_TCP_BAD_ACK, NULL, now);
        return;
    }
    sk_tcb *l = &e->tcbs[r->listener];
    if (l->x->lsn->acceptq.len >= l->x->lsn->backlog) {
        sk_tcp_count_drop(e, SK_DROP_TCP_ACCEPTQ_FULL, NULL, now);
        if (e->ctx->cfg.accept_overflow_reset)
            sk_ho_reset(e, i, now);
        return;
    }
    sk_tcp_repr syn;
    sk_listen_hs hs;
    rec_handshake(e, r, &syn, &hs);
    sk_ho_rec saved = *r;
    sk_ho_remove(e, i, false, now);
    sk_tcb *t = sk_listen_promote(e, l, tu, &syn, &hs, now);
    if (t == NULL) {
        sk_ho_restore(e, &saved, now);
        return;
    }
    e->ctx->stats.ho_promoted++;
    sk_tcp_input(e, t, tu, seg, now);
    SK_ASSERT(t->state != SK_TCP_SYN_RECEIVED);
    if (t->state == SK_TCP_SYN_RECEIVED)
        sk_tcb_close(e, t, 0, now);
    sk_tcb_ext_settle(e, t);
}

void sk_ho_input(sk_tcp_env *e, uint32_t i, const sk_tuple *tu, const sk_tcp_repr *seg,
                 sk_time now)
{
    sk_ho_rec *r = sk_ho_rec_at(e, i);
    if (!rec_paws(e, r, seg, now) || !rec_seq_ok(e, r, seg, now))
        return;
    rec_ts_record(r, seg);
    rec_acceptable(e, i, tu, seg, now);
}

