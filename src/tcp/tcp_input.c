/* Segment arrival, written as the steps of RFC 9293 §3.10.7. Each step is a
 * small function returning a verdict; only tcp_output.c builds segments, so
 * these functions change state and record intent (ACK now, queue a RST on
 * the control queue) and report what each ACK said to the recovery module
 * (tcp_recovery.c), which output asks what to retransmit. */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"
#include "synack/error.h"

#include <string.h>

typedef enum { V_CONTINUE, V_DROP } verdict;

static uint32_t flight(const sk_tcb *t)
{
    return sk_seq_len(t->snd_una, t->x->snd_max);
}

static void drop(sk_tcp_env *e, const sk_tcb *t, int reason, sk_time now)
{
    sk_tcp_count_drop(e, reason, t, now);
}

static void ack_now(sk_tcp_env *e, sk_tcb *t)
{
    t->flags |= SK_TF_ACK_NOW;
    sk_tcb_mark_output(e, t);
}

/* The peer's options from its SYN: MSS (RFC 9293 §3.7.1: 536 when absent,
 * bounded by our own) and window scale (RFC 7323 §2.2: both must send it). */
void sk_tcp_take_syn_options(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    uint16_t peer = seg->opts.has_mss ? seg->opts.mss : SK_DEFAULT_MSS;
    /* RFC 8201 §5.2 / RFC 1191 §3: a path MTU learnt before bounds it too */
    sk_ipaddr raddr = sk_tcb_raddr(e, t);
    uint16_t path = sk_tcp_path_mtu(e, &raddr, now);
    uint16_t mtu_mss = sk_tcp_mss_from_mtu(sk_tcb_family(t), path);
    t->snd_mss = peer < mtu_mss ? peer : mtu_mss;
    /* refuse absurdly small segments, but never send more than our own
     * link carries (RFC 9293 §3.7.1: Eff.snd.MSS is bounded by MMS_S) */
    if (t->snd_mss < 64)
        t->snd_mss = mtu_mss < 64 ? mtu_mss : 64;
    sk_sack_on_syn(e, t, seg);
    sk_ts_on_syn(e, t, seg, now);
    if (seg->opts.has_wscale && e->ctx->cfg.window_scaling) {
        t->flags |= SK_TF_WS_OK;
        t->snd_wscale = seg->opts.wscale > 14 ? 14u : seg->opts.wscale & 15u; /* §2.3 */
    } else {
        t->flags &= ~(uint32_t)SK_TF_WS_OK;
        t->snd_wscale = 0;
        t->rcv_wscale = 0;
    }
    sk_cc_init(t, now); /* the initial window depends on the MSS */
}

/* Every RTT sample of an ACK goes through here to sk_rtt_sample. With
 * timestamps, RTTM (RFC 7323 §4.1) times every ACK that advances SND.UNA,
 * retransmissions included (the echo names the transmission it answers).
 * Without them, RFC 6298 §3 (Karn's rule): only an ACK that covers the
 * timed segment, which was never retransmitted, gives a sample. Either way
 * the ACK of the timed segment ends that timing, and RFC 6298 §5 (Karn's
 * backoff, RFC 9293 §3.8.2 MUST-19): the backed-off RTO stays until new
 * data is acknowledged without having been retransmitted; an ACK of a
 * retransmission gives no sample and must not collapse it. `facts` (may be
 * NULL) receives the sample, srtt and min RTT. */
static void take_rtt_sample(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now,
                            sk_cc_ack *facts)
{
    bool ts_sampled = sk_ts_rtt(e, t, seg, now, facts);
    if (!(t->flags & SK_TF_RTT_ACTIVE) || !sk_seq_gt(seg->ack, t->x->rtt_seq))
        return;
    t->flags &= ~(uint32_t)SK_TF_RTT_ACTIVE;
    if (!ts_sampled)
        sk_rtt_sample(e, t, (uint32_t)(now - t->x->rtt_time), now, facts);
    t->x->past.backoff = 0;
}

void sk_tcp_update_window(sk_tcb *t, const sk_tcp_repr *seg)
{
    /* RFC 7323 §2.2: the window in a SYN is never scaled. */
    uint32_t w = (seg->flags & SK_TCP_SYN) ? seg->window : (uint32_t)seg->window << t->snd_wscale;
    t->snd_wnd = w;
    t->x->snd_wl1 = seg->seq; /* SND.WL2 would be seg->ack: see the window update */
    if (w > t->x->max_snd_wnd)
        t->x->max_snd_wnd = w;
}

static void enter_established(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    sk_tcb_set_state(e, t, SK_TCP_ESTABLISHED, now);
    e->ctx->stats.established++;
    /* RFC 6298 §5.7: the SYN (or SYN,ACK) timed out and, by Karn's rule,
     * there is no sample: data transmission starts with RTO = 3 s. */
    if (t->x->timeouts > 0 && t->srtt == 0)
        t->flags |= SK_TF_RTO_3S; /* sk_tcb_rto */
    t->x->past.backoff = 0;
    t->x->timeouts = 0;
    sk_tcb_timer_set(e, t, SK_TIMER_RETRANSMIT, SK_TIME_NEVER);
    if (t->flags & SK_TF_KEEPALIVE)
        sk_tcb_keep_changed(e, t); /* synchronized: idleness counts from now */
    if (t->x->parent != SK_TCB_NONE)
        sk_listen_enqueue(e, t);
    sk_tcb_notify(e, t, SK_EV_CONNECTED | SK_EV_WRITABLE);
    if (t->flags & SK_TF_FIN_QUEUED) /* closed while the handshake ran */
        sk_tcb_set_state(e, t, SK_TCP_FIN_WAIT_1, now);
    sk_tcb_mark_output(e, t);
}

/* ---- SYN-SENT (RFC 9293 §3.10.7.3) ---- */

/* An unacceptable ACK's answer: <SEQ=SEG.ACK><CTL=RST> (queued; false
 * when the control queue is full). */
static bool rst_at_ack(sk_tcp_env *e, const sk_tcb *t, sk_seq ack, sk_time now)
{
    sk_tuple tu = sk_tcb_tuple(e, t);
    return sk_ctl_push(e, &tu, ack, sk_seq_make(0), SK_TCP_RST, now);
}

/* Returns true when a SYN,ACK completed the handshake: its text and FIN
 * are then processed from the sixth step on (synack_text). */
static bool input_syn_sent(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    bool has_ack = (seg->flags & SK_TCP_ACK) != 0;
    /* first: the ACK must acknowledge our SYN */
    if (has_ack && (sk_seq_le(seg->ack, t->iss) || sk_seq_gt(seg->ack, t->x->snd_max))) {
        if (!(seg->flags & SK_TCP_RST) && rst_at_ack(e, t, seg->ack, now))
            e->ctx->stats.resets_out++;
        drop(e, t, SK_DROP_TCP_BAD_ACK, now);
        return false;
    }
    /* second: a RST is accepted only with an acceptable ACK (RFC 5961 §3.2
     * for SYN-SENT) */
    if (seg->flags & SK_TCP_RST) {
        if (!has_ack) {
            drop(e, t, SK_DROP_TCP_SYNSENT_BAD, now);
            return false;
        }
        e->ctx->stats.resets_in++;
        sk_tcb_close(e, t, SK_ECONNREFUSED, now);
        return false;
    }
    /* fourth: the SYN */
    if (!(seg->flags & SK_TCP_SYN)) {
        drop(e, t, SK_DROP_TCP_SYNSENT_BAD, now);
        return false;
    }
    t->irs = seg->seq;
    t->rcv_nxt = sk_seq_add(seg->seq, 1);
    t->rcv_adv = t->rcv_nxt;
    sk_tcb_heard(e, t, now); /* keepalive idleness counts from here, not from connect */
    sk_tcp_take_syn_options(e, t, seg, now);
    sk_tcp_update_window(t, seg);
    if (has_ack) {
        t->snd_una = seg->ack;
        e->progress++; /* our SYN acknowledged: the path works both ways */
        if (sk_seq_gt(t->x->snd_nxt, t->snd_una) == false)
            t->x->snd_nxt = t->snd_una;
        take_rtt_sample(e, t, seg, now, NULL);
        t->flags &= ~(uint32_t)SK_TF_RTT_ACTIVE;
        enter_established(e, t, now);
        ack_now(e, t); /* RFC 9293: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
        return true;
    }
    /* simultaneous open: SYN-RECEIVED, send SYN,ACK with our ISS. Text
     * and a FIN on the crossed SYN (SYN+FIN included) are not taken: our
     * SYN,ACK does not acknowledge them, so the peer sends them again
     * (RFC 9293 would queue them until ESTABLISHED; Linux drops them too). */
    t->x->snd_nxt = t->iss;
    sk_tcb_set_state(e, t, SK_TCP_SYN_RECEIVED, now);
    sk_tcb_timer_set(e, t, SK_TIMER_RETRANSMIT, SK_TIME_NEVER);
    sk_tcb_mark_output(e, t);
    return false;
}

/* ---- synchronized states: first, check the sequence number ---- */

/* A data-less ACK one below RCV.NXT that acknowledges new data. A peer that
 * probes a zero window with a byte of data, as we do (RFC 9293 §3.8.6.1),
 * sends its later ACKs with SEQ = its SND.UNA while that byte is beyond the
 * window it knows of; when we took the byte, that is RCV.NXT - 1. Dropping
 * those ACKs, while the peer drops ours for the same reason, is an endless
 * ACK war in which neither reopened window is ever seen, yet "the reopening
 * of the window [must] be reliably reported" (§3.8.6.1). The ACK field of
 * such a segment is valid news; Linux, too, accepts segments back to the
 * RCV.NXT of its last window update. Without new data acknowledged (a
 * keepalive probe) the segment is only answered, as before. */
static bool ack_past_peer_probe(const sk_tcb *t, const sk_tcp_repr *seg)
{
    return sk_tcp_seg_len(seg) == 0 && (seg->flags & SK_TCP_ACK) &&
           !(seg->flags & (SK_TCP_RST | SK_TCP_SYN)) &&
           sk_seq_eq(sk_seq_add(seg->seq, 1), t->rcv_nxt) && sk_seq_gt(seg->ack, t->snd_una) &&
           sk_seq_le(seg->ack, t->x->snd_max);
}

/* *ack_only is set for a segment that is not acceptable only because our
 * window is zero: its ACK is still processed (RFC 9293 §3.10.7.4: "special
 * allowance should be made to accept valid ACKs, URGs, and RSTs"), its
 * text and FIN are not. */
static verdict check_seq(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now,
                         bool *ack_only)
{
    uint32_t len = sk_tcp_seg_len(seg);
    /* RCV.WND is the window we advertised (right edge rcv_adv), not the
     * free buffer space, which may be larger (no scaling, receiver SWS). */
    uint32_t wnd = sk_seq_gt(t->rcv_adv, t->rcv_nxt) ? sk_seq_len(t->rcv_nxt, t->rcv_adv) : 0;
    sk_seq wend = sk_seq_add(t->rcv_nxt, wnd);
    bool ok;
    if (len == 0)
        ok = wnd == 0 ? sk_seq_eq(seg->seq, t->rcv_nxt) : sk_seq_in(seg->seq, t->rcv_nxt, wend);
    else
        ok = wnd != 0 && (sk_seq_in(seg->seq, t->rcv_nxt, wend) ||
                          sk_seq_in(sk_seq_add(seg->seq, len - 1), t->rcv_nxt, wend));
    /* A zero-window probe at RCV.NXT is not acceptable, but it is the way
     * the peer asks for our window: it gets the ACK below. */
    if (ok)
        return V_CONTINUE;
    if ((wnd == 0 && sk_seq_eq(seg->seq, t->rcv_nxt) && !(seg->flags & (SK_TCP_RST | SK_TCP_SYN))) ||
        ack_past_peer_probe(t, seg)) {
        *ack_only = true;
        return V_CONTINUE;
    }
    if (seg->flags & SK_TCP_RST) {
        drop(e, t, SK_DROP_TCP_RST_OUT_OF_WINDOW, now);
        return V_DROP;
    }
    if (t->state == SK_TCP_TIME_WAIT && (seg->flags & SK_TCP_FIN)) /* FIN again: restart 2MSL */
        sk_tcb_timer_set(e, t, SK_TIMER_TIME_WAIT, sk_time_after(now, e->ctx->cfg.time_wait_us));
    if (seg->payload_len > 0 &&
        sk_seq_le(sk_seq_add(seg->seq, (uint32_t)seg->payload_len), t->rcv_nxt))
        sk_ack_quick(e, t); /* text we hold: the peer sends it again (tcp_ack.c) */
    drop(e, t, SK_DROP_TCP_OUT_OF_WINDOW, now);
    ack_now(e, t);
    return V_DROP;
}

/* second: RST (RFC 5961 §3.2: exact match resets, in-window is challenged) */
static verdict check_rst(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    if (!(seg->flags & SK_TCP_RST))
        return V_CONTINUE;
    if (!sk_seq_eq(seg->seq, t->rcv_nxt)) {
        drop(e, t, SK_DROP_TCP_RST_CHALLENGED, now);
        sk_ack_challenge(e, t, now);
        return V_DROP;
    }
    e->ctx->stats.resets_in++;
    switch (t->state) {
    case SK_TCP_SYN_RECEIVED:
        /* from a passive open: back to LISTEN, i.e. forget this TCB */
        sk_tcb_close(e, t, (t->flags & SK_TF_PASSIVE) ? 0 : SK_ECONNREFUSED, now);
        break;
    case SK_TCP_CLOSING:
    case SK_TCP_LAST_ACK:
    case SK_TCP_TIME_WAIT:
        sk_tcb_close(e, t, 0, now);
        break;
    default:
        sk_tcb_close(e, t, SK_ECONNRESET, now);
        break;
    }
    return V_DROP;
}

/* fourth: SYN in a synchronized state (RFC 5961 §4: challenge ACK). */
static verdict check_syn(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    if (!(seg->flags & SK_TCP_SYN))
        return V_CONTINUE;
    drop(e, t, SK_DROP_TCP_SYN_CHALLENGED, now);
    sk_ack_challenge(e, t, now);
    return V_DROP;
}

/* ---- fifth: the ACK field ---- */

static void timer_on_ack(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    t->x->timeouts = 0; /* progress: the retry count starts over */
    /* RFC 6298 §5.2-5.3: stop the timer when all is acknowledged, else
     * restart it */
    if (sk_seq_eq(t->snd_una, t->x->snd_max))
        sk_tcb_timer_set(e, t, SK_TIMER_RETRANSMIT, SK_TIME_NEVER);
    else
        sk_tcb_timer_set(e, t, SK_TIMER_RETRANSMIT, sk_time_after(now, sk_tcb_rto_current(t, e)));
}

/* Release acknowledged bytes from the send buffer (SYN and FIN occupy
 * sequence numbers but no buffer bytes). */
static void release_acked(sk_tcp_env *e, sk_tcb *t, sk_seq ack)
{
    /* before the ACK frees room: was the buffer the limit? (auto-tuning) */
    bool grow = sk_seq_gt(ack, t->x->snd_buf_seq) && sk_tcb_sndbuf_limited(e, t);
    if (sk_seq_gt(ack, t->x->snd_buf_seq)) {
        uint32_t n = sk_seq_len(t->x->snd_buf_seq, ack);
        size_t held = sk_ring_len(&t->x->sndbuf);
        if (n > held)
            n = (uint32_t)held;
        sk_ring_drop(&t->x->sndbuf, n);
        t->x->snd_buf_seq = sk_seq_add(t->x->snd_buf_seq, n);
        if (n > 0)
            sk_tcb_notify(e, t, SK_EV_WRITABLE);
    }
    if (t->x->rtb != NULL)
        sk_rtb_acked(t->x->rtb, ack);
    if (grow && !sk_ring_empty(&t->x->sndbuf))
        sk_tcb_sndbuf_grow(e, t);
    sk_tcb_trim_buffers(e, t);
}

/* An ACK of new data: the RTT sample, the CC facts, what the ACK said to
 * the recovery module (tcp_recovery.c), then SND.UNA moves. */
static void on_new_ack(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, int32_t sacked,
                       sk_time now)
{
    sk_cc_ack facts;
    sk_cc_ack_facts(t, seg->ack, now, &facts);
    facts.paced = e->ctx->cfg.pacing;
    take_rtt_sample(e, t, seg, now, &facts); /* before snd_una moves */
    t->x->past.delivered_hi = (uint32_t)(facts.delivered >> 32); /* the low word: SND.UNA, below */
    sk_rec_ack ra = {.ack = seg->ack, .acked = facts.acked, .sacked_delta = sacked,
                     .facts = &facts};
    sk_rec_on_ack(e, t, &ra, now);
    t->snd_una = seg->ack;
    e->progress++; /* RFC 4861 §7.3.1: new data acknowledged */
    if (sk_seq_lt(t->x->snd_nxt, t->snd_una))
        t->x->snd_nxt = t->snd_una;
    release_acked(e, t, seg->ack);
    /* an ACK of a zero-window probe byte: the backoff was the persist
     * timer's (probes are never timed), and the probe was taken */
    if (sk_tcb_timer(e, t, SK_TIMER_PERSIST) != SK_TIME_NEVER)
        t->x->past.backoff = 0;
    timer_on_ack(e, t, now);
    sk_tcb_timer_set(e, t, SK_TIMER_PERSIST, SK_TIME_NEVER);
    sk_rec_after_ack(e, t, now); /* the probe timeout (RFC 8985 §7.2) */
    sk_tcb_mark_output(e, t);
}

/* RFC 5681 §2 "duplicate acknowledgment", reported to the recovery
 * module (tcp_recovery.c: RFC 6582 §3.2 steps 1-4, RFC 6675 §5). An ACK
 * with a zero window is not one: it answers a window probe (the probe byte
 * sits past the window, so it is no outstanding data) and says nothing
 * about loss; counting it would fast-retransmit into a closed window after
 * the third probe. */
bool sk_tcp_ack_is_bare(const sk_tcb *t, const sk_tcp_repr *seg)
{
    uint32_t w = (uint32_t)seg->window << t->snd_wscale;
    return seg->payload_len == 0 && !(seg->flags & (SK_TCP_SYN | SK_TCP_FIN)) && w == t->snd_wnd;
}

static void on_dup_ack(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, int32_t sacked,
                       sk_time now)
{
    if (flight(t) == 0 || seg->window == 0)
        return;
    /* RFC 6675 §2: an ACK whose SACK blocks cover octets not yet SACKed is
     * a duplicate "even if it carries new data, changes the advertised
     * window" (a receiver's window moves a little from ACK to ACK); RFC
     * 5681 §2's conditions hold for the rest */
    bool sack_news = sacked > 0;
    if (!sack_news && !sk_tcp_ack_is_bare(t, seg))
        return;
    sk_rec_ack ra = {.ack = seg->ack, .sacked_delta = sacked, .dup = true};
    sk_rec_on_ack(e, t, &ra, now);
}

static bool our_fin_acked(const sk_tcb *t)
{
    return (t->flags & SK_TF_FIN_SENT) && sk_seq_gt(t->snd_una, sk_tcb_fin_seq(t));
}

static void enter_time_wait(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    sk_tcb_set_state(e, t, SK_TCP_TIME_WAIT, now);
    for (int k = 0; k < SK_TCB_TIMERS; k++) { /* keepalive: off in TIME-WAIT (derived) */
        if (k != SK_TIMER_KEEPALIVE)
            sk_tcb_timer_set(e, t, (enum sk_timer_kind)k, SK_TIME_NEVER);
    }
    sk_tcb_timer_set(e, t, SK_TIMER_TIME_WAIT, sk_time_after(now, e->ctx->cfg.time_wait_us));
    sk_tcb_trim_buffers(e, t);
    sk_tcb_notify(e, t, SK_EV_CLOSED);
}

/* RFC 9293 §3.10.7.4 fifth, TIME-WAIT: "The only thing that can arrive in
 * this state is a retransmission of the remote FIN. Acknowledge it, and
 * restart the 2 MSL timeout." Every acceptable segment restarts the timer
 * and one that occupies sequence space (text, FIN) is ACKed; a bare ACK is
 * not: after a simultaneous close both ends are in TIME-WAIT, and ACKing
 * each other's ACKs would never end (Linux, too, answers an in-window bare
 * ACK there with nothing). An unacceptable one is answered by check_seq. */
static void time_wait_segment(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    if (sk_tcp_seg_len(seg) > 0)
        ack_now(e, t);
    sk_tcb_timer_set(e, t, SK_TIMER_TIME_WAIT, sk_time_after(now, e->ctx->cfg.time_wait_us));
}

/* The state-specific part of step five; V_DROP when the TCB is gone. */
static verdict ack_state_effects(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    switch (t->state) {
    case SK_TCP_FIN_WAIT_1:
        if (our_fin_acked(t)) {
            sk_tcb_set_state(e, t, SK_TCP_FIN_WAIT_2, now);
            /* an orphaned FIN-WAIT-2 must not live forever (like Linux's
             * tcp_fin_timeout): reuse the TIME-WAIT timer */
            if (!(t->flags & SK_TF_APP_HELD))
                sk_tcb_timer_set(e, t, SK_TIMER_TIME_WAIT,
                                 sk_time_after(now, e->ctx->cfg.time_wait_us));
        }
        break;
    case SK_TCP_CLOSING:
        if (our_fin_acked(t))
            enter_time_wait(e, t, now);
        break;
    case SK_TCP_LAST_ACK:
        if (our_fin_acked(t)) {
            sk_tcb_close(e, t, 0, now);
            return V_DROP;
        }
        break;
    case SK_TCP_TIME_WAIT:
        time_wait_segment(e, t, seg, now);
        break;
    default:
        break;
    }
    return V_CONTINUE;
}

static verdict check_ack(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    if (!(seg->flags & SK_TCP_ACK)) {
        drop(e, t, SK_DROP_TCP_NO_ACK, now);
        return V_DROP;
    }
    if (t->state == SK_TCP_SYN_RECEIVED) {
        if (!sk_seq_gt(seg->ack, t->snd_una) || sk_seq_gt(seg->ack, t->x->snd_max)) {
            if (rst_at_ack(e, t, seg->ack, now))
                e->ctx->stats.resets_out++;
            drop(e, t, SK_DROP_TCP_BAD_ACK, now);
            return V_DROP;
        }
        if (sk_listen_acceptq_full(e, t)) {
            /* the accept queue is full: drop the ACK (the peer's next
             * segment or our SYN,ACK's retransmission tries again), or
             * reset (accept_overflow_reset, Linux's tcp_abort_on_overflow) */
            drop(e, t, SK_DROP_TCP_ACCEPTQ_FULL, now);
            if (e->ctx->cfg.accept_overflow_reset)
                sk_tcb_reset(e, t, 0, now);
            return V_DROP;
        }
        /* a cookie's SYN,ACK was never timed: its TSval's low bits hold
         * options, not the clock (Linux takes no sample either) */
        if (!(t->flags & SK_TF_SYNCOOKIE))
            take_rtt_sample(e, t, seg, now, NULL);
        t->flags &= ~(uint32_t)SK_TF_RTT_ACTIVE;
        t->snd_una = seg->ack;
        e->progress++; /* our SYN-ACK acknowledged */
        if (sk_seq_lt(t->x->snd_nxt, t->snd_una))
            t->x->snd_nxt = t->snd_una;
        sk_tcp_update_window(t, seg);
        enter_established(e, t, now);
        return V_CONTINUE;
    }
    /* RFC 5961 §5.2: acceptable range is [SND.UNA - MAX.SND.WND, SND.NXT] */
    if (sk_seq_gt(seg->ack, t->x->snd_max)) {
        drop(e, t, SK_DROP_TCP_BAD_ACK, now);
        ack_now(e, t);
        return V_DROP;
    }
    if (sk_seq_lt(seg->ack, sk_seq_add(t->snd_una, (uint32_t)0 - t->x->max_snd_wnd))) {
        drop(e, t, SK_DROP_TCP_OLD_ACK, now);
        sk_ack_challenge(e, t, now);
        return V_DROP;
    }
    sk_sack_on_ack(e, t, seg);
    sk_seq prior_una = t->snd_una;
    bool was_recovering = (t->flags & SK_TF_IN_RECOVERY) != 0;
    int32_t sacked = sk_rec_mark_sacked(e, t, seg, now); /* the scoreboard, RACK */
    if (sk_seq_gt(seg->ack, t->snd_una))
        on_new_ack(e, t, seg, sacked, now);
    else if (sk_seq_eq(seg->ack, t->snd_una))
        on_dup_ack(e, t, seg, sacked, now);
    sk_spur_on_ack(e, t, seg, prior_una, was_recovering, now); /* tcp_spurious.c */
    /* window update (RFC 9293 §3.10.7.4, fifth, ESTABLISHED): if SND.UNA
     * =< SEG.ACK and (SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2
     * =< SEG.ACK)). SND.WL2 is the ACK of the segment that last updated
     * the window, which SND.UNA had reached by then and never goes below,
     * so SND.WL2 =< SND.UNA =< SEG.ACK holds whenever it is asked: the
     * test needs no SND.WL2, and the TCB keeps none (checked with an
     * assertion over the test suite and fuzz_stack before it went). */
    if (sk_seq_le(t->snd_una, seg->ack) && sk_seq_le(t->x->snd_wl1, seg->seq)) {
        uint32_t old = t->snd_wnd;
        sk_tcp_update_window(t, seg);
        if (t->snd_wnd > old) {
            if (old == 0 || sk_tcb_timer(e, t, SK_TIMER_PERSIST) != SK_TIME_NEVER) {
                /* the persist episode (zero or too small a window) is
                 * over: a stale persist timer would otherwise back off
                 * the retransmission timer */
                t->x->past.backoff = 0;
                sk_tcb_timer_set(e, t, SK_TIMER_PERSIST, SK_TIME_NEVER);
            }
            sk_tcb_mark_output(e, t);
        }
    }
    return ack_state_effects(e, t, seg, now);
}

/* ---- seventh: segment text; eighth: FIN ---- */

static void process_fin(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    /* The FIN ends the peer's stream (RFC 9293 §3.10.7.4 eighth): bytes
     * held out of order beyond it can never be delivered; a range left
     * there would start at the new RCV.NXT and read as deliverable */
    if (sk_rset_count(&t->x->reass) > 0) {
        drop(e, t, SK_DROP_TCP_DATA_AFTER_FIN, now);
        sk_rset_clear(&t->x->reass);
    }
    t->rcv_nxt = sk_seq_add(t->rcv_nxt, 1);
    t->flags |= SK_TF_FIN_RCVD;
    t->flags &= ~(uint32_t)SK_TF_OOO_FIN;
    ack_now(e, t);
    sk_tcb_notify(e, t, SK_EV_READABLE | SK_EV_HUP);
    switch (t->state) {
    case SK_TCP_SYN_RECEIVED:
    case SK_TCP_ESTABLISHED:
        sk_tcb_set_state(e, t, SK_TCP_CLOSE_WAIT, now);
        break;
    case SK_TCP_FIN_WAIT_1:
        if (our_fin_acked(t))
            enter_time_wait(e, t, now);
        else
            sk_tcb_set_state(e, t, SK_TCP_CLOSING, now);
        break;
    case SK_TCP_FIN_WAIT_2:
        enter_time_wait(e, t, now);
        break;
    default:
        break;
    }
}

static void deliver_in_order(sk_tcp_env *e, sk_tcb *t, const uint8_t *data, uint32_t len,
                             const sk_tcp_repr *seg, sk_time now)
{
    sk_ack_update_rcv_mss(t, len, seg->gso_size);
    if (sk_seq_eq(t->rcv_nxt, sk_seq_add(t->irs, 1)))
        sk_ack_quick(e, t); /* the connection's first data (tcp_ack.c) */
    if (seg->flags & SK_TCP_PSH)
        t->flags |= SK_TF_ACK_PUSHED; /* the end of a write: sk_ack_on_read */
    sk_ring_write(&t->x->rcvbuf, data, len);
    t->rcv_nxt = sk_seq_add(t->rcv_nxt, len);
    bool had_holes = sk_rset_count(&t->x->reass) > 0;
    uint32_t more = sk_reass_advance(t);
    /* the peer sent up to the window we offered, less than a segment
     * short: the window held it back (receive auto-tuning, tcp_bufs.c) */
    if (!sk_seq_lt(t->rcv_nxt, t->rcv_adv) || sk_seq_len(t->rcv_nxt, t->rcv_adv) < t->adv_mss)
        t->x->rcv_auto |= SK_RCV_WND_FILLED;
    t->x->rcv_unacked += sk_ack_count_bytes(t, len) + more;
    e->ctx->stats.bytes_in += len + more; /* bytes the reassembly queue released count too */
    sk_tcb_notify(e, t, SK_EV_READABLE);
    /* a FIN held out of order first: one arrival owes one ACK, of it all */
    if ((t->flags & SK_TF_OOO_FIN) && sk_seq_eq(t->x->reass_fin, t->rcv_nxt))
        process_fin(e, t, now);
    if (had_holes)
        sk_ack_owe(e, t); /* RFC 5681 §4.2: ACK at once when a hole fills */
    else
        sk_ack_schedule(e, t, now);
}

static verdict process_text(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    if (seg->payload_len == 0)
        return V_CONTINUE;
    if (t->state != SK_TCP_ESTABLISHED && t->state != SK_TCP_FIN_WAIT_1 &&
        t->state != SK_TCP_FIN_WAIT_2) {
        drop(e, t, SK_DROP_TCP_DATA_AFTER_FIN, now);
        return V_CONTINUE;
    }
    if (t->flags & SK_TF_RCV_CLOSED) {
        /* RFC 1122 §4.2.2.13: nobody will read this; reset */
        drop(e, t, SK_DROP_TCP_RCV_CLOSED, now);
        sk_tcb_reset(e, t, 0, now);
        return V_DROP;
    }
    const uint8_t *data = seg->payload;
    uint32_t len = (uint32_t)seg->payload_len;
    sk_seq seq = seg->seq;
    if (sk_seq_lt(seq, t->rcv_nxt)) { /* trim what we already have */
        uint32_t skip = sk_seq_len(seq, t->rcv_nxt);
        data += skip;
        len -= skip;
        seq = t->rcv_nxt;
    }
    /* a FIN held out of order ends the stream: no byte lies past it
     * (RFC 9293 §3.10.7.4 eighth) */
    if ((t->flags & SK_TF_OOO_FIN) && sk_seq_gt(sk_seq_add(seq, len), t->x->reass_fin)) {
        len = sk_seq_gt(t->x->reass_fin, seq) ? sk_seq_len(seq, t->x->reass_fin) : 0;
        if (len == 0) {
            /* all of it lies past the FIN: dropped, but it arrived out of
             * order (RCV.NXT is below the FIN), which owes an immediate
             * duplicate ACK (RFC 5681 §4.2 SHOULD; RFC 9293 §3.10.7.4
             * seventh: an unacceptable segment's text gets an ACK) */
            drop(e, t, SK_DROP_TCP_DATA_AFTER_FIN, now);
            sk_ack_owe(e, t);
            return V_CONTINUE;
        }
    }
    uint32_t off = sk_seq_len(t->rcv_nxt, seq);
    uint32_t space = sk_tcb_rcv_room(e, t);
    if (len > space - off) /* trim what lies past the window */
        len = space - off;
    if (len == 0)
        return V_CONTINUE;
    if (!sk_tcb_ensure_rcvbuf(e, t)) {
        drop(e, t, SK_DROP_TCP_NO_MEMORY, now);
        return V_DROP;
    }
    sk_tcb_heard(e, t, now);
    if (off == 0) {
        deliver_in_order(e, t, data, len, seg, now);
    } else if (sk_reass_insert(e, t, seq, data, len)) {
        sk_sack_on_ooo(t, seq);
        e->ctx->stats.ooo_segments++;
        /* one duplicate ACK per out-of-order segment (RFC 5681 §4.2), even
         * when several arrive before the next output call, its first SACK
         * block this segment's (RFC 2018 §4); a merged (GRO) segment gets
         * one, as Linux sends: its SACK block covers all it holds. After
         * the first three at one RCV.NXT, SACK compression may hold it
         * (tcp_ack.c) */
        sk_ack_owe_ooo(e, t, seq, now);
    } else {
        drop(e, t, SK_DROP_TCP_REASS_FULL, now);
        sk_ack_owe(e, t);
    }
    return V_CONTINUE;
}

static void check_fin(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    if (!(seg->flags & SK_TCP_FIN) || (t->flags & SK_TF_FIN_RCVD))
        return;
    sk_seq fin_seq = sk_seq_add(seg->seq, (uint32_t)seg->payload_len);
    if (sk_seq_eq(fin_seq, t->rcv_nxt)) {
        process_fin(e, t, now);
    } else if (sk_seq_gt(fin_seq, t->rcv_nxt)) {
        t->flags |= SK_TF_OOO_FIN;
        t->x->reass_fin = fin_seq;
        ack_now(e, t);
    }
}

/* RFC 9293 §3.10.7.3 fourth: "If there are other controls or text in the
 * segment, then continue processing at the sixth step" - a SYN,ACK may
 * carry data and a FIN (ESTABLISHED -> CLOSE-WAIT). The text begins after
 * the SYN, at SEG.SEQ + 1. */
static void synack_text(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    if (seg->payload_len == 0 && !(seg->flags & SK_TCP_FIN))
        return;
    sk_tcp_repr rest = *seg;
    rest.seq = sk_seq_add(seg->seq, 1);
    rest.flags = (uint8_t)(seg->flags & ~SK_TCP_SYN);
    if (process_text(e, t, &rest, now) == V_DROP)
        return;
    check_fin(e, t, &rest, now);
}

/* TIME-WAIT may be reopened by a new SYN with a larger sequence number
 * (RFC 9293 §3.6.1; RFC 6191 with timestamps: sk_ts_reopen_ok) if the new ISS is
 * "larger than the largest sequence number it used on the previous
 * connection incarnation": the ISN generator (or a fixed ISN) gives no
 * such promise after a fast transfer, so the new ISS is the old SND.MAX
 * plus 2^16 (a full unscaled window). Returns true when the SYN was
 * handed to the listener. */
static bool time_wait_reopen(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    uint8_t ctl = SK_TCP_SYN | SK_TCP_ACK | SK_TCP_RST | SK_TCP_FIN;
    if (t->state != SK_TCP_TIME_WAIT || (seg->flags & ctl) != SK_TCP_SYN)
        return false;
    sk_tuple tu = sk_tcb_tuple(e, t);
    sk_tcb *l = sk_demux_listener(e, &tu.laddr, tu.lport);
    if (!sk_ts_reopen_ok(t, seg) || l == NULL || !sk_listen_syn_room(e, l))
        return false;
    sk_seq iss = sk_seq_add(t->x->snd_max, 65536u);
    sk_tcb_close(e, t, 0, now);
    sk_listen_syn(e, l, &tu, seg, &iss, now);
    return true;
}

/* Simultaneous open (RFC 9293 §3.5 figure 8, line 6): in SYN-RECEIVED
 * reached from SYN-SENT, the peer's SYN,ACK <SEQ=IRS><ACK=ISS+1> completes
 * the handshake. Its SYN lies just below RCV.NXT, so the generic sequence
 * test would drop it and the SYN test would challenge it; like Linux, let it
 * through to the ACK processing. */
static bool simultaneous_synack(const sk_tcb *t, const sk_tcp_repr *seg)
{
    return t->state == SK_TCP_SYN_RECEIVED && !(t->flags & SK_TF_PASSIVE) &&
           (seg->flags & (SK_TCP_SYN | SK_TCP_ACK | SK_TCP_RST | SK_TCP_FIN)) ==
               (SK_TCP_SYN | SK_TCP_ACK) &&
           seg->payload_len == 0 && sk_seq_eq(seg->seq, t->irs);
}

static void input_other(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now);

void sk_tcp_input(sk_tcp_env *e, sk_tcb *t, const sk_tuple *tu, const sk_tcp_repr *seg,
                  sk_time now)
{
    if (t->state == SK_TCP_LISTEN) {
        sk_listen_input(e, t, tu, seg, now);
        return;
    }
    if (t->state == SK_TCP_SYN_SENT) {
        if (input_syn_sent(e, t, seg, now))
            synack_text(e, t, seg, now);
        return;
    }
    if (time_wait_reopen(e, t, seg, now))
        return;
    input_other(e, t, seg, now);
    /* A connection nobody holds that this segment took to TIME-WAIT (t
     * may have been closed and freed instead: then it is CLOSED) lives
     * on as a compact record, which sends the ACK it owes
     * (tcp_timewait.c) */
    if (t->state == SK_TCP_TIME_WAIT && !(t->flags & (SK_TF_APP_HELD | SK_TF_IN_ACCEPTQ)))
        sk_tw_take(e, t, now);
}

static void input_other(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now)
{
    sk_tcb_heard(e, t, now); /* keepalive idleness counts from here */
    if (t->keep_sent != 0) { /* the probes are answered: the next may be sooner */
        t->keep_sent = 0;
        sk_tcb_keep_changed(e, t);
    }
    t->x->probes_unanswered = 0;
    bool crossed = simultaneous_synack(t, seg);
    bool ack_only = false;
    if (!sk_ts_check(e, t, seg, now)) /* RFC 7323 §5.3 R1 (PAWS), before the sequence test */
        return;
    sk_sack_on_data(t, seg->seq, (uint32_t)seg->payload_len); /* a duplicate? (RFC 2883) */
    if (!crossed && check_seq(e, t, seg, now, &ack_only) == V_DROP)
        return;
    sk_ts_record(t, seg, now); /* R3: after the segment proved acceptable */
    if (check_rst(e, t, seg, now) == V_DROP ||
        (!crossed && check_syn(e, t, seg, now) == V_DROP) || check_ack(e, t, seg, now) == V_DROP)
        return;
    if (ack_only) {
        /* zero window: the ACK was taken, the text is not; answer with our
         * (still zero) window so that the peer keeps probing */
        drop(e, t, SK_DROP_TCP_OUT_OF_WINDOW, now);
        ack_now(e, t);
        return;
    }
    /* sixth (URG) is not supported: the pointer is ignored, data is inline */
    if (process_text(e, t, seg, now) == V_DROP)
        return;
    check_fin(e, t, seg, now);
}

/* RFC 9293 §3.10.7.1: CLOSED. A RST is dropped; otherwise answer with RST:
 * <SEQ=SEG.ACK><CTL=RST> if ACK is on, else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
void sk_tcp_input_closed(sk_tcp_env *e, const sk_tuple *tu, const sk_tcp_repr *seg,
                         sk_time now)
{
    /* A SYN+FIN to a closed port is a scanner's probe, dropped as in
     * LISTEN (sk_listen_input) without an answer: a deviation from the RST
     * §3.10.7.1 asks for, kept from when the parser refused the pair. */
    if ((seg->flags & (SK_TCP_SYN | SK_TCP_FIN)) == (SK_TCP_SYN | SK_TCP_FIN)) {
        sk_tcp_count_drop(e, SK_DROP_TCP_SYN_FIN, NULL, now);
        return;
    }
    sk_tcp_count_drop(e, SK_DROP_TCP_NO_SOCKET, NULL, now);
    if (seg->flags & SK_TCP_RST)
        return;
    if (!sk_tcp_rst_allowed(e, now))
        return;
    bool ok;
    if (seg->flags & SK_TCP_ACK)
        ok = sk_ctl_push(e, tu, seg->ack, sk_seq_make(0), SK_TCP_RST, now);
    else
        ok = sk_ctl_push(e, tu, sk_seq_make(0), sk_seq_add(seg->seq, sk_tcp_seg_len(seg)),
                         SK_TCP_RST | SK_TCP_ACK, now);
    if (ok)
        e->ctx->stats.resets_out++;
}
