/* The one emission path. Input, timers and application calls only record
 * intent (flags, queued bytes); sk_tcp_output() turns that intent into at
 * most one segment per call and updates the send state as if the segment
 * were sent (the caller always sends what it gets). */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"

#include <string.h>

/* ---- one segment budget ---- */

/* The options of a non-SYN segment of t: those of an owed ACK `rec`
 * (its TSecr and SACK blocks as of when it became due, tcp_ack.c),
 * or with rec NULL those of any segment now. Pure: building them changes
 * nothing, so output may size a segment before it decides to send. */
static void seg_options_of(const sk_tcb *t, sk_time now, const sk_ack_owed *rec,
                           sk_tcp_opts *o)
{
    memset(o, 0, sizeof *o);
    if (t->flags & SK_TF_TS_OK) {
        /* RFC 7323 §3.2: on every non-RST segment once negotiated; TSecr
         * is TS.Recent (§4.3) */
        o->has_ts = true;
        o->ts_val = sk_ts_now(t, now);
        o->ts_ecr = rec != NULL ? rec->ecr : t->ts_recent;
    }
    sk_sack_fill(t, o, sk_tcp_sack_room(o), rec);
    /* a tiny MTU (68 leaves an MSS of 28): fewer blocks, the oldest go
     * first, so that a segment still fits and carries a byte */
    while (o->n_sack > 0 && sk_tcp_opts_len(o) >= t->snd_mss)
        o->n_sack--;
}

static void seg_options(const sk_tcb *t, sk_time now, sk_tcp_opts *o)
{
    seg_options_of(t, now, NULL, o);
}

/* Payload bytes one segment may carry: the effective send MSS less this
 * segment's own TCP options (RFC 9293 §3.7.1: Eff.snd.MSS counts TCP
 * options against the MSS, which assumed a bare 20-byte header). The one
 * place the output path sizes a segment. */
static uint32_t seg_budget(const sk_tcb *t, sk_time now, sk_tcp_opts *o)
{
    seg_options(t, now, o);
    size_t ol = sk_tcp_opts_len(o);
    SK_ASSERT(ol < t->snd_mss); /* snd_mss >= 64, options <= 40 */
    return t->snd_mss - (uint32_t)ol;
}

/* ---- the receive window we offer (RFC 9293 §3.8.6.2.2, receiver SWS) ---- */

uint32_t sk_tcp_rcv_window(const sk_tcp_env *e, const sk_tcb *t)
{
    uint32_t space = sk_tcb_rcv_space(e, t);
    uint32_t max = (uint32_t)65535 << t->rcv_wscale;
    if (space > max)
        space = max;
    uint32_t cur = sk_seq_gt(t->rcv_adv, t->rcv_nxt) ? sk_seq_len(t->rcv_nxt, t->rcv_adv) : 0;
    if (space <= cur)
        return cur; /* never shrink the window (RFC 9293 §3.8.6) */
    uint32_t half = sk_tcb_rcvbuf(e, t) / 2;
    uint32_t step = half < t->adv_mss ? half : t->adv_mss;
    if (space - cur < step)
        return cur; /* do not move the right edge by small amounts */
    return space;
}

/* Fill the ACK and window part of a header for t, and a non-SYN
 * segment's options (output_syn sets a SYN's): `opts` when the caller
 * already built them to size the segment (seg_budget), else built here. */
static void sk_tcp_fill_ack(sk_tcp_env *e, sk_tcb *t, sk_tcp_repr *h, const sk_tcp_opts *opts,
                            sk_time now)
{
    if (!(h->flags & SK_TCP_SYN)) {
        if (opts != NULL)
            h->opts = *opts;
        else
            seg_options(t, now, &h->opts);
        sk_sack_sent(e, t, &h->opts);
    }
    uint32_t win = sk_tcp_rcv_window(e, t);
    uint32_t field;
    if (h->flags & SK_TCP_SYN) {
        field = win > 65535 ? 65535 : win; /* RFC 7323 §2.2: never scaled in a SYN */
        win = field;
    } else {
        field = win >> t->rcv_wscale;
        if (field > 65535)
            field = 65535;
        /* Rounding down must not shrink what we already offered, but
         * rounding up must not offer more than the buffer holds: data the
         * peer sends up to an edge we announced has to fit, or it is trimmed
         * and the peer's later segments (seq past that edge) are all
         * unacceptable - a deadlock. Then the window seems to shrink by less
         * than one scale unit (RFC 7323 §2.4, appendix F); rcv_adv keeps the
         * old edge, so what the peer already sent is still accepted. */
        uint32_t cur = sk_seq_gt(t->rcv_adv, t->rcv_nxt) ? sk_seq_len(t->rcv_nxt, t->rcv_adv) : 0;
        if ((field << t->rcv_wscale) < cur && field < 65535 &&
            ((field + 1) << t->rcv_wscale) <= sk_tcb_rcv_space(e, t))
            field++;
        win = field << t->rcv_wscale;
    }
    h->window = (uint16_t)field;
    if (t->state != SK_TCP_SYN_SENT) {
        h->flags |= SK_TCP_ACK;
        h->ack = t->rcv_nxt;
        t->x->last_ack_sent = t->rcv_nxt; /* RFC 7323 §4.3 Last.ACK.sent */
    }
    sk_seq edge = sk_seq_add(t->rcv_nxt, win);
    if (sk_seq_gt(edge, t->rcv_adv))
        t->rcv_adv = edge;
    t->x->rcv_unacked = 0;
    t->x->sackc_held = 0; /* this ACK reports what SACK compression held */
    t->flags &= ~(uint32_t)(SK_TF_ACK_NOW | SK_TF_CHALLENGE | SK_TF_ACK_PUSHED);
    sk_tcb_timer_set(e, t, SK_TIMER_DELACK, SK_TIME_NEVER);
}

/* The ACK and window of an owed ACK of `ack` (at most RCV.NXT): the window
 * reaches the right edge we would offer now, so the edge never moves back
 * from one ACK of a batch to the next (RFC 9293 §3.8.6); rounding to the
 * scale rounds up where the buffer holds it, as in sk_tcp_fill_ack. */
static void fill_owed_ack(sk_tcp_env *e, sk_tcb *t, sk_tcp_repr *h, sk_seq ack)
{
    uint32_t behind = sk_seq_len(ack, t->rcv_nxt);
    uint32_t want = behind + sk_tcp_rcv_window(e, t);
    uint32_t room = behind + sk_tcb_rcv_space(e, t);
    uint32_t field = want >> t->rcv_wscale;
    if ((field << t->rcv_wscale) < want && field < 65535 && ((field + 1) << t->rcv_wscale) <= room)
        field++;
    if (field > 65535)
        field = 65535;
    h->window = (uint16_t)field;
    h->flags |= SK_TCP_ACK;
    h->ack = ack;
    sk_seq edge = sk_seq_add(ack, field << t->rcv_wscale);
    if (sk_seq_gt(edge, t->rcv_adv))
        t->rcv_adv = edge;
}

static void seg_init(const sk_tcb *t, sk_seg_out *out, sk_seq seq, uint8_t flags)
{
    memset(out, 0, sizeof *out);
    out->hdr.src_port = t->ends.lport;
    out->hdr.dst_port = t->ends.rport;
    out->hdr.seq = seq;
    out->hdr.flags = flags;
}

/* ---- pacing (cfg.pacing) ----
 *
 * Not an RFC requirement for TCP: the rate and ratios are Linux's
 * (tcp_update_pacing_rate, tcp_pacing_ss_ratio / _ca_ratio), the idea the
 * one RFC 9002 §7.7 asks of QUIC senders and draft-welzl-iccrg-pacing
 * surveys (docs/rfc-coverage.md). The rate is ratio x max(cwnd, flight)
 * / SRTT, the ratio in percent: pacing_ss_ratio in slow start (cwnd <
 * ssthresh), pacing_ca_ratio after (Linux's defaults 200 and 120), so
 * that slow start still doubles cwnd per RTT and congestion avoidance has
 * headroom above the ACK clock. Every data segment we send (new data,
 * retransmissions, probes of the loss detection) moves the next-send time
 * on by its own length at that rate, so each puts the next turn back, but only
 * new data waits for its turn: a retransmission repairs a hole the
 * receiver is waiting on and RFC 6675 / RFC 8985 send it at once (Linux
 * paces its retransmission queue too; we do not: docs/rfc-coverage.md),
 * and ACKs and control segments carry no load. Before the first RTT sample
 * there is no rate and nothing waits (a handshake whose SYN or SYN,ACK was
 * retransmitted gives none: its first flight goes as a burst); a timed
 * handshake gives one, and then the initial window is paced too, over
 * half an RTT, as Linux paces it after its SYN,ACK's sample. */

/* The pacing ratio in percent for t now, 0: no pacing. */
static uint32_t pace_ratio(const sk_tcp_env *e, const sk_tcb *t)
{
    const sk_stack_config *c = &e->ctx->cfg;
    if (!c->pacing || t->srtt == 0 || t->cwnd == 0)
        return 0;
    bool ss = t->cwnd < t->ssthresh;
    uint32_t r = ss ? c->pacing_ss_ratio : c->pacing_ca_ratio;
    return r != 0 ? r : (ss ? 200u : 120u);
}

/* The window the rate is taken from: cwnd, or the data in flight when
 * more (Linux's max(cwnd, packets_out)): a recovery that cut cwnd below
 * what is out does not slow the sending of what it still may send. */
static uint32_t pace_window(const sk_tcb *t)
{
    uint32_t fl = sk_seq_len(t->snd_una, t->x->snd_max);
    return fl > t->cwnd ? fl : t->cwnd;
}

/* Nanoseconds `n` bytes take at t's pacing rate (ratio x pace_window /
 * SRTT):
 * the turns are kept in ns so that the rounding of each to the
 * microsecond clock does not add up over a window. */
static uint64_t pace_interval_ns(const sk_tcb *t, uint32_t ratio, uint32_t n)
{
    return (uint64_t)n * t->srtt * 100000u / ((uint64_t)ratio * pace_window(t));
}

/* A data segment of n sequence bytes just left: the next may leave n
 * bytes' time after this one's turn, counted from the turn itself when
 * the segment went at it (within the microsecond the clock rounds to),
 * else from now (the connection had nothing to send, or waited on the
 * window). A segment sent before its turn (a retransmission) pushes the
 * turn on: it takes its share of the rate. */
static void pace_sent(sk_tcp_env *e, sk_tcb *t, uint32_t n, sk_time now)
{
    uint32_t ratio = pace_ratio(e, t);
    if (ratio == 0 || n == 0)
        return;
    uint64_t now_ns = now * 1000u;
    uint64_t base = t->x->pace_next_ns + 1000u > now_ns ? t->x->pace_next_ns : now_ns;
    t->x->pace_next_ns = base + pace_interval_ns(t, ratio, n);
}

/* New data must wait for its turn: arm the pacing timer for it, at the
 * turn rounded up to the microsecond. */
static bool pace_holds(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    if (pace_ratio(e, t) == 0 || t->x->pace_next_ns <= now * 1000u)
        return false;
    sk_tcb_timer_set(e, t, SK_TIMER_PACING, (t->x->pace_next_ns + 999u) / 1000u);
    e->ctx->stats.pacing_waits++;
    return true;
}

/* Linux's tcp_tso_autosize: while pacing, a super-segment carries about
 * 1 ms of the pacing rate (ratio x pace_window / SRTT), at least
 * two segments, so that one frame is not a burst the pacing would have
 * spread. */
static uint32_t pace_tso_room(const sk_tcp_env *e, const sk_tcb *t, uint32_t budget,
                              uint32_t tso_room)
{
    uint32_t ratio = pace_ratio(e, t);
    if (ratio == 0)
        return tso_room;
    uint64_t per_ms = (uint64_t)ratio * pace_window(t) * 10u / t->srtt; /* x 1000 / 100 */
    uint64_t cap = per_ms > 2u * (uint64_t)budget ? per_ms : 2u * (uint64_t)budget;
    return cap < tso_room ? (uint32_t)cap : tso_room;
}

static void arm_rexmt(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    if (sk_tcb_timer(e, t, SK_TIMER_RETRANSMIT) == SK_TIME_NEVER)
        sk_tcb_timer_set(e, t, SK_TIMER_RETRANSMIT, sk_time_after(now, sk_tcb_rto_current(t, e)));
}

/* The segment at SND.UNA was just sent again (fast retransmit, RFC 6675
 * NextSeg, RACK): the RTO restarts from it, so that the retransmission has
 * a whole RTO to be acknowledged. RFC 6298 (5.1) starts the timer only
 * when it is not running, so it could fire one RTO after the last
 * cumulative ACK, which with SACK recovery is about one RTT after that
 * ACK's successor brought the news of the loss: at 100 ms RTT and a 200 ms
 * RTO, 100 ms after the fast retransmission, before its ACK could return
 * (13 of 18 timeouts in the loss benchmark, all spurious). Linux does the
 * same (tcp_xmit_retransmit_queue rearms the RTO when it resends the head).
 * A timeout's own retransmission finds the timer stopped and arms it,
 * backed off, in arm_rexmt. See docs/rfc-coverage.md. */
static void restart_rexmt_for_head(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    if (sk_tcb_timer(e, t, SK_TIMER_RETRANSMIT) != SK_TIME_NEVER)
        sk_tcb_timer_set(e, t, SK_TIMER_RETRANSMIT, sk_time_after(now, sk_tcb_rto_current(t, e)));
}

/* A segment occupying sequence space [seq, seq+n) was just built; below
 * SND.MAX it is a retransmission for `cause`, what the path that scheduled
 * it recorded (sk_tcb_set_rexmit_cause). */
static void account_sent(sk_tcp_env *e, sk_tcb *t, sk_seg_out *out, uint32_t n, sk_time now,
                         enum sk_rexmit_cause cause)
{
    sk_seq seq = out->hdr.seq;
    if (sk_seq_lt(seq, t->x->snd_max)) {
        /* every path that sends below SND.MAX names its cause first */
        SK_ASSERT(cause > SK_REXMIT_NONE && cause < SK_REXMIT__COUNT);
        out->retransmit = true;
        out->cause = cause;
        t->x->past.retransmits++;
        e->ctx->stats.retransmits++;
        e->ctx->stats.retransmits_by_cause[cause < SK_REXMIT__COUNT ? cause : SK_REXMIT_NONE]++;
        t->flags &= ~(uint32_t)SK_TF_RTT_ACTIVE; /* Karn: never time a retransmission */
    } else if (!(t->flags & SK_TF_RTT_ACTIVE) && n > 0) {
        /* new data is timed even while the RTO is backed off: only a
         * valid sample ends the backoff (RFC 6298 §5) */
        t->flags |= SK_TF_RTT_ACTIVE;
        t->x->rtt_seq = seq;
        t->x->rtt_time = now;
    }
    sk_rec_sent(t, seq, n); /* before SND.MAX moves */
    sk_seq end = sk_seq_add(seq, n);
    if (sk_seq_gt(end, t->x->snd_max))
        t->x->snd_max = end;
    if (n > 0) {
        if (out->retransmit && sk_seq_eq(seq, t->snd_una))
            restart_rexmt_for_head(e, t, now);
        arm_rexmt(e, t, now);
        t->x->last_snd = now;
        /* the SYN is not recorded: SND.UNA passes it outside the ACK
         * processing that trims the record (data may wait in SYN-SENT) */
        if (t->x->rtb != NULL && !(out->hdr.flags & SK_TCP_SYN) &&
            !sk_rtb_sent(t->x->rtb, seq, end, now))
            e->ctx->stats.rtb_coarse++;
    }
    e->ctx->stats.bytes_out += out->hdr.payload_len;
}

/* SYN or SYN,ACK with our options (MSS; window scale when allowed). */
static bool output_syn(sk_tcp_env *e, sk_tcb *t, sk_time now, sk_seg_out *out)
{
    bool synack = t->state == SK_TCP_SYN_RECEIVED;
    seg_init(t, out, t->iss, SK_TCP_SYN);
    out->hdr.opts.has_mss = true;
    out->hdr.opts.mss = t->adv_mss;
    bool ws = synack ? (t->flags & SK_TF_WS_OK) != 0 : e->ctx->cfg.window_scaling;
    if (ws) {
        out->hdr.opts.has_wscale = true;
        out->hdr.opts.wscale = t->rcv_wscale;
    }
    /* RFC 2018 §2 and RFC 7323 §3.2: offered on a SYN when configured,
     * answered on a SYN,ACK only when the peer's SYN offered them */
    out->hdr.opts.sack_permitted = synack ? (t->flags & SK_TF_SACK_OK) != 0 : e->ctx->cfg.sack;
    if (synack ? (t->flags & SK_TF_TS_OK) != 0 : e->ctx->cfg.timestamps) {
        out->hdr.opts.has_ts = true;
        out->hdr.opts.ts_val = sk_ts_now(t, now);
        out->hdr.opts.ts_ecr = synack ? t->ts_recent : 0; /* §3.2: TSecr 0 on a SYN */
    }
    sk_tcp_fill_ack(e, t, &out->hdr, NULL, now);
    t->x->snd_nxt = sk_seq_add(t->iss, 1);
    account_sent(e, t, out, 1, now, SK_REXMIT_SYN);
    return true;
}

/* The sequence number of an ACK without data. After a timeout snd_nxt went
 * back to snd_una, but the peer may hold everything up to snd_max already:
 * SEQ=SND.NXT would then be old, and the peer would drop the segment, ACK
 * and all (RFC 9293 §3.10.7.4 acceptability), answering with an ACK of its
 * own that we may drop for the same reason. Like BSD, send SND.MAX, but not
 * past the right edge of the peer's window (a zero-window probe byte lies
 * there, and the peer's RCV.NXT is still before it). */
static sk_seq ack_seq(const sk_tcb *t)
{
    sk_seq edge = sk_seq_add(t->snd_una, t->snd_wnd);
    if (sk_seq_le(t->x->snd_max, edge))
        return t->x->snd_max;
    return sk_seq_gt(edge, t->x->snd_nxt) ? edge : t->x->snd_nxt;
}

static bool output_pure_ack(sk_tcp_env *e, sk_tcb *t, sk_seq seq, sk_time now, sk_seg_out *out)
{
    seg_init(t, out, seq, 0);
    sk_tcp_fill_ack(e, t, &out->hdr, NULL, now);
    return true;
}

/* The ACKs input recorded as owed (tcp_ack.c), oldest first, each a pure
 * ACK of its own. The last one, when it acknowledges RCV.NXT, is left to
 * the ordinary path (ACK now) so that it can ride on data. */
static bool output_owed_ack(sk_tcp_env *e, sk_tcb *t, sk_seq seq, sk_time now, sk_seg_out *out)
{
    sk_ack_owed rec;
    bool last;
    if (!sk_ack_peek(t, &rec, &last))
        return false;
    sk_ack_pop(t);
    if (last && sk_seq_eq(rec.ack, t->rcv_nxt)) {
        t->flags |= SK_TF_ACK_NOW;
        return false;
    }
    seg_init(t, out, seq, 0);
    fill_owed_ack(e, t, &out->hdr, rec.ack);
    /* timestamps and SACK blocks as on every segment (RFC 7323 §3.2,
     * RFC 2018 §4), as of when the ACK became due; Last.ACK.sent is the
     * ACK this segment carries */
    seg_options_of(t, now, &rec, &out->hdr.opts);
    sk_sack_sent(e, t, &out->hdr.opts);
    t->x->last_ack_sent = rec.ack;
    return true;
}

/* Build a data (and/or FIN) segment at `seq` with `len` payload bytes;
 * `opts`: the options seg_budget sized it with (NULL: build them). */
static void build_data(sk_tcp_env *e, sk_tcb *t, sk_seg_out *out, sk_seq seq, uint32_t len,
                       bool fin, const sk_tcp_opts *opts, sk_time now)
{
    uint32_t data_len = (uint32_t)sk_ring_len(&t->x->sndbuf);
    uint32_t off = sk_seq_len(t->x->snd_buf_seq, seq);
    seg_init(t, out, seq, fin ? SK_TCP_FIN : 0);
    out->data_off = off;
    out->hdr.payload_len = len;
    if (len > 0 && off + len == data_len)
        out->hdr.flags |= SK_TCP_PSH;
    if (len > 0)
        sk_ack_quick_end(t); /* an exchange: our ACKs ride on our data */
    if (fin)
        t->flags |= SK_TF_FIN_SENT;
    sk_tcp_fill_ack(e, t, &out->hdr, opts, now);
}

/* The retransmission the recovery module asks for (tcp_recovery.c: fast
 * retransmit, a partial ACK's hole, RFC 6675 NextSeg): up to s->max bytes
 * at s->seq, our FIN with them when it lies right after and within; snd_nxt
 * unchanged. */
static bool output_rexmit(sk_tcp_env *e, sk_tcb *t, sk_time now, sk_seg_out *out)
{
    sk_tcp_opts opts;
    uint32_t budget = seg_budget(t, now, &opts);
    sk_rec_seg s;
    if (!sk_rec_next_rexmit(t, budget, &s))
        return false;
    uint32_t data_len = (uint32_t)sk_ring_len(&t->x->sndbuf);
    uint32_t off = sk_seq_len(t->x->snd_buf_seq, s.seq);
    uint32_t len = off < data_len ? data_len - off : 0;
    if (len > s.max)
        len = s.max;
    bool fin = (t->flags & SK_TF_FIN_SENT) &&
               sk_seq_eq(sk_seq_add(s.seq, len), sk_tcb_fin_seq(t));
    if (len == 0 && !fin)
        return false;
    build_data(e, t, out, s.seq, len, fin, &opts, now);
    account_sent(e, t, out, len + (fin ? 1u : 0u), now, s.cause);
    pace_sent(e, t, len, now);
    return true;
}

/* RFC 8985 §7.3: the tail loss probe. New data when some waits and the
 * peer's window has room (beyond cwnd), else the last segment sent again;
 * one per episode (tlp_pending until its ACK); the RTO restarts. */
static bool output_tlp(sk_tcp_env *e, sk_tcb *t, sk_time now, sk_seg_out *out)
{
    sk_rtb *r = t->x->rtb;
    r->tlp_probe_due = false;
    sk_tcp_opts opts;
    uint32_t budget = seg_budget(t, now, &opts);
    uint32_t data_len = (uint32_t)sk_ring_len(&t->x->sndbuf);
    uint32_t off = sk_seq_len(t->x->snd_buf_seq, t->x->snd_nxt);
    uint32_t avail = off < data_len ? data_len - off : 0;
    uint32_t fl = sk_seq_len(t->snd_una, t->x->snd_nxt);
    uint32_t rwnd = t->snd_wnd > fl ? t->snd_wnd - fl : 0;
    if (avail > 0 && rwnd > 0 && sk_seq_eq(t->x->snd_nxt, t->x->snd_max)) {
        uint32_t len = avail < budget ? avail : budget;
        len = len < rwnd ? len : rwnd;
        build_data(e, t, out, t->x->snd_nxt, len, false, &opts, now);
        t->x->snd_nxt = sk_seq_add(t->x->snd_nxt, len);
        account_sent(e, t, out, len, now, SK_REXMIT_NONE);
        pace_sent(e, t, len, now);
        r->tlp_is_retrans = false;
    } else {
        bool fin = (t->flags & SK_TF_FIN_SENT) != 0;
        sk_seq dend = fin ? sk_tcb_fin_seq(t) : t->x->snd_max;
        uint32_t len = sk_seq_len(t->snd_una, dend);
        len = len < budget ? len : budget;
        if (len == 0 && !fin)
            return false;
        build_data(e, t, out, sk_seq_add(dend, (uint32_t)0 - len), len, fin, &opts, now);
        account_sent(e, t, out, len + (fin ? 1u : 0u), now, SK_REXMIT_TLP);
        pace_sent(e, t, len, now);
        r->tlp_is_retrans = true;
    }
    r->tlp_pending = true;
    r->tlp_end_seq = t->x->snd_max;
    e->ctx->stats.tlp_probes++;
    sk_tcb_timer_set(e, t, SK_TIMER_RETRANSMIT, sk_time_after(now, sk_tcb_rto_current(t, e)));
    return true;
}

/* Sender silly-window avoidance and Nagle (RFC 9293 §3.8.6.2.1, RFC 1122
 * §4.2.3.4, RFC 896). The go-back-N after a timeout (SND.NXT < SND.MAX)
 * follows the same rules: a short segment there only when it is the whole
 * rest of what was sent (that was short already); one the window cut off
 * waits, as new data would, for ACKs that are on their way (data is in
 * flight) or for the override timeout (maybe_persist) when none is. */
static bool worth_sending(const sk_tcb *t, uint32_t len, uint32_t budget, uint32_t avail,
                          uint32_t in_flight)
{
    if (len >= budget) /* a full-sized segment (its options take their share) */
        return true;
    if (sk_seq_lt(t->x->snd_nxt, t->x->snd_max) && len == sk_seq_len(t->x->snd_nxt, t->x->snd_max))
        return true;
    bool idle = in_flight == 0 || (t->flags & SK_TF_NODELAY);
    if (len == avail && (idle || (t->flags & SK_TF_FIN_QUEUED)))
        return true;
    return idle && t->x->max_snd_wnd > 0 && len >= t->x->max_snd_wnd / 2;
}

/* Zero window: probe with one byte past the window when the persist timer
 * fires (RFC 9293 §3.8.6.1); the byte is not counted as in flight, so the
 * probe runs on the persist timer, never on the retransmission timer. With
 * no data left the probe is our FIN, which needs window room just as a
 * byte does: a peer that keeps its window closed and answers the probes
 * keeps the connection open (MUST-37), as it does for data. */
static bool output_probe(sk_tcp_env *e, sk_tcb *t, sk_time now, sk_seg_out *out, bool fin)
{
    t->flags &= ~(uint32_t)SK_TF_FORCE_ONE;
    build_data(e, t, out, t->x->snd_nxt, fin ? 0u : 1u, fin, NULL, now);
    sk_seq end = sk_seq_add(t->x->snd_nxt, 1);
    if (sk_seq_gt(end, t->x->snd_max)) {
        t->x->snd_max = end;
        /* a new probe byte: once the window opens, the segment that
         * carries it again is traced as a retransmission */
        sk_tcb_set_rexmit_cause(t, SK_REXMIT_WINDOW_PROBE);
    }
    e->ctx->stats.bytes_out += fin ? 0u : 1u;
    t->x->last_snd = now;
    sk_tcb_timer_set(e, t, SK_TIMER_PERSIST, sk_time_after(now, sk_tcb_rto_current(t, e)));
    return true;
}

/* Data waits, nothing is in flight and nothing may be sent: the window is
 * zero, or too small to be worth a segment (sender SWS avoidance). Nothing
 * but a window update from the peer would restart us, and a lost update
 * would deadlock the connection, so the persist timer runs in both cases:
 * for a zero window it sends a probe (RFC 9293 §3.8.6.1), for a small one
 * it is the override timeout of RFC 9293 §3.8.6.2.1 / RFC 1122 §4.2.3.4
 * that sends what the window allows. */
static void maybe_persist(sk_tcp_env *e, sk_tcb *t, uint32_t avail, uint32_t in_flight, sk_time now)
{
    if (avail > 0 && in_flight == 0 && sk_tcb_timer(e, t, SK_TIMER_RETRANSMIT) == SK_TIME_NEVER &&
        sk_tcb_timer(e, t, SK_TIMER_PERSIST) == SK_TIME_NEVER)
        sk_tcb_timer_set(e, t, SK_TIMER_PERSIST, sk_time_after(now, sk_tcb_rto_current(t, e)));
}

/* Limited Transmit (RFC 3042): on each of the first two duplicate ACKs one
 * new segment may go beyond cwnd (cwnd itself unchanged), so that a small
 * window still produces the three duplicate ACKs fast retransmit needs. */
static uint32_t limited_transmit(const sk_tcb *t)
{
    if ((t->flags & SK_TF_IN_RECOVERY) || t->x->dupacks == 0 || t->x->dupacks > 2 ||
        sk_seq_lt(t->x->snd_nxt, t->x->snd_max))
        return 0;
    return (uint32_t)t->x->dupacks * t->snd_mss;
}

/* TCP segmentation offload: how many payload bytes of `len` one frame
 * carries when the device cuts it into segments of `budget` (the MSS less
 * this segment's options, the same on every piece: the device copies the
 * header). Only new data at SND.MAX goes out that way (retransmissions
 * stay one MSS: RFC 6675 NextSeg, RFC 6298 §5.4); the frame holds every
 * full segment the window allows, plus the short tail when sending it
 * alone would pass the sender SWS / Nagle rules (worth_sending), so the
 * device puts on the wire exactly the segments one-MSS output would have
 * sent in a row at this `now`. Returns len unchanged (at most budget) when
 * there is no room for two segments. */
static uint32_t tso_len(const sk_tcb *t, uint32_t len, uint32_t budget, uint32_t avail,
                        uint32_t in_flight, uint32_t tso_room)
{
    if (tso_room < 2 * budget || len <= budget || sk_seq_lt(t->x->snd_nxt, t->x->snd_max))
        return len < budget ? len : budget;
    uint32_t cap = tso_room - tso_room % budget; /* whole segments only */
    if (len > cap)
        return cap;
    uint32_t full = len - len % budget;
    uint32_t tail = len - full;
    if (tail > 0 && !worth_sending(t, tail, budget, avail - full, in_flight + full))
        return full;
    return len;
}

static bool output_data(sk_tcp_env *e, sk_tcb *t, sk_time now, sk_seg_out *out,
                        uint32_t tso_room)
{
    /* the go-back-N after a timeout skips what the peer SACKed since, and
     * sends a hole between SACKed ranges whole, however short */
    bool rto_rec = sk_rec_rto_recovery(t);
    uint32_t gbn_hole = rto_rec ? sk_rec_rto_skip_sacked(t) : UINT32_MAX;
    uint32_t data_len = (uint32_t)sk_ring_len(&t->x->sndbuf);
    uint32_t off = sk_seq_len(t->x->snd_buf_seq, t->x->snd_nxt);
    uint32_t avail = off < data_len ? data_len - off : 0;
    /* RFC 5681 §4.1: nothing sent for more than an RTO, nothing in flight:
     * the ACK clock is gone, start again from the restart window */
    if (avail > 0 && sk_seq_eq(t->snd_una, t->x->snd_max) &&
        now - t->x->last_snd > sk_tcb_rto_current(t, e))
        sk_cc_after_idle(t, now);
    /* the peer's window counts every byte above SND.UNA; cwnd, in the loss
     * recovery after a timeout, what is still in the network */
    uint32_t in_flight = sk_seq_len(t->snd_una, t->x->snd_nxt);
    uint32_t cwnd_flight = rto_rec ? sk_rec_rto_flight(t) : in_flight;
    uint32_t cwnd = t->cwnd + limited_transmit(t) + sk_spur_frto_allowance(t);
    uint32_t cwnd_room = cwnd > cwnd_flight ? cwnd - cwnd_flight : 0;
    uint32_t rwnd_room = t->snd_wnd > in_flight ? t->snd_wnd - in_flight : 0;
    uint32_t usable = cwnd_room < rwnd_room ? cwnd_room : rwnd_room;
    uint32_t room;
    if (sk_rec_new_data_room(t, &room)) { /* RFC 6675 (C): cwnd - pipe, and the peer's window */
        uint32_t rwnd = t->snd_wnd > in_flight ? t->snd_wnd - in_flight : 0;
        usable = room < rwnd ? room : rwnd;
    }
    uint32_t len = avail < usable ? avail : usable;
    sk_tcp_opts opts;
    uint32_t budget = seg_budget(t, now, &opts);
    len = tso_len(t, len, budget, avail, in_flight, pace_tso_room(e, t, budget, tso_room));
    if (len > gbn_hole)
        len = gbn_hole;
    /* our FIN follows the queued bytes */
    bool fin_waits = (t->flags & SK_TF_FIN_QUEUED) &&
                     sk_seq_eq(sk_seq_add(t->x->snd_nxt, avail), sk_tcb_fin_seq(t));
    bool forced = (t->flags & SK_TF_FORCE_ONE) != 0; /* the persist timer fired */
    if (forced && (avail > 0 || fin_waits) && usable == 0)
        return output_probe(e, t, now, out, avail == 0);
    t->flags &= ~(uint32_t)SK_TF_FORCE_ONE;
    if (len > 0 && !forced && len != gbn_hole && !worth_sending(t, len, budget, avail, in_flight))
        len = 0;
    /* a FIN alone takes a sequence number the peer's window must have room
     * for (RFC 9293 §3.8.6.1): into a zero window it goes as a probe */
    bool fin = fin_waits && len == avail && (len > 0 || t->snd_wnd > in_flight || forced);
    if (len == 0 && !fin) {
        maybe_persist(e, t, avail + (fin_waits ? 1u : 0u), in_flight, now);
        if (t->flags & SK_TF_ACK_NOW)
            return output_pure_ack(e, t, ack_seq(t), now, out);
        return false;
    }
    /* pacing holds new data only: the go-back-N after a timeout (below
     * SND.MAX) is sent as the window allows, a bare FIN carries no load */
    if (len > 0 && !forced && sk_seq_eq(t->x->snd_nxt, t->x->snd_max) && pace_holds(e, t, now)) {
        if (t->flags & SK_TF_ACK_NOW)
            return output_pure_ack(e, t, ack_seq(t), now, out);
        return false;
    }
    build_data(e, t, out, t->x->snd_nxt, len, fin, &opts, now);
    if (len > budget)
        out->hdr.gso_size = (uint16_t)budget; /* a super-segment */
    t->x->snd_nxt = sk_seq_add(t->x->snd_nxt, len + (fin ? 1u : 0u));
    account_sent(e, t, out, len + (fin ? 1u : 0u), now, (enum sk_rexmit_cause)t->x->rexmit_cause);
    pace_sent(e, t, len, now);
    if (!out->retransmit)
        sk_tlp_arm(e, t, now); /* RFC 8985 §7.2: after new data */
    return true;
}

bool sk_tcp_output(sk_tcp_env *e, sk_tcb *t, sk_time now, uint32_t tso_room, sk_seg_out *out)
{
    switch (t->state) {
    case SK_TCP_CLOSED:
    case SK_TCP_LISTEN:
        return false;
    case SK_TCP_SYN_SENT:
        if (sk_seq_eq(t->x->snd_nxt, t->iss))
            return output_syn(e, t, now, out);
        return false;
    case SK_TCP_SYN_RECEIVED:
        if (sk_seq_eq(t->x->snd_nxt, t->iss) || (t->flags & SK_TF_ACK_NOW))
            return output_syn(e, t, now, out);
        /* RFC 5961 §3.2: the challenge is <SEQ=SND.NXT><ACK=RCV.NXT><ACK> */
        if (t->flags & SK_TF_CHALLENGE)
            return output_pure_ack(e, t, t->x->snd_nxt, now, out);
        return false;
    case SK_TCP_TIME_WAIT:
        if (output_owed_ack(e, t, t->x->snd_max, now, out))
            return true;
        if (t->flags & SK_TF_ACK_NOW)
            return output_pure_ack(e, t, t->x->snd_max, now, out);
        return false;
    default:
        break;
    }
    if (output_owed_ack(e, t, ack_seq(t), now, out))
        return true;
    if (t->flags & SK_TF_KEEP_PROBE) {
        /* RFC 9293 §3.8.4: SEG.SEQ = SND.NXT - 1, no data; the next probe
         * (or the verdict) an interval after this one */
        t->flags &= ~(uint32_t)SK_TF_KEEP_PROBE;
        t->x->past.keep_next = sk_time_after(now, sk_tcb_keep(e, t)->intvl);
        sk_tcb_keep_changed(e, t);
        return output_pure_ack(e, t, sk_seq_add(t->snd_una, (uint32_t)0 - 1u), now, out);
    }
    if (t->x->rtb != NULL && t->x->rtb->tlp_probe_due && output_tlp(e, t, now, out))
        return true;
    if (output_rexmit(e, t, now, out))
        return true;
    return output_data(e, t, now, out, tso_room);
}
