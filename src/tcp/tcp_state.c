/* Connection state: transitions, opening a TCB, closing it cleanly or with
 * an error, resets, and the application's FIN. */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"

#include "synack/error.h"

#include <string.h>

static const char *const state_names[SK_TCP__STATE_COUNT] = {
    "CLOSED",      "LISTEN",     "SYN-SENT",   "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
    "FIN-WAIT-2",  "CLOSE-WAIT", "CLOSING",    "LAST-ACK",     "TIME-WAIT",
};

const char *sk_tcp_state_name(enum sk_tcp_state st)
{
    return (unsigned)st < SK_TCP__STATE_COUNT ? state_names[st] : "?";
}

const char *sk_timer_name(enum sk_timer_kind k)
{
    static const char *const names[SK_TIMER__COUNT] = {"retransmit", "delayed-ack", "persist",
                                                       "keepalive", "time-wait"};
    return (unsigned)k < SK_TIMER__COUNT ? names[k] : "?";
}

bool sk_tcb_synchronized(const sk_tcb *t)
{
    return t->state >= SK_TCP_ESTABLISHED;
}

void sk_tcb_set_state(sk_tcp_env *e, sk_tcb *t, enum sk_tcp_state st, sk_time now)
{
    enum sk_tcp_state old = t->state;
    if (old == st)
        return;
    t->state = (unsigned)st & 0xFu;
    sk_tcp_trace_state(e, t, old, now);
}

/* The smallest window shift that lets the whole receive buffer be offered
 * (RFC 7323 §2.3: at most 14). */
static uint8_t our_wscale(uint32_t rcvbuf)
{
    uint8_t ws = 0;
    while (ws < 14 && ((uint32_t)65535 << ws) < rcvbuf)
        ws++;
    return ws;
}

/* From the connection's receive buffer (SK_SO_RCVBUF as it stands when
 * the SYN or SYN,ACK is built: RFC 7323 §2.2, the scale is fixed then). */
uint8_t sk_tcp_our_wscale(const sk_tcp_env *e, uint32_t rcvbuf)
{
    return e->ctx->cfg.window_scaling ? our_wscale(rcvbuf) : 0;
}

void sk_tcb_init_conn(sk_tcp_env *e, sk_tcb *t, const sk_tuple *tu, uint16_t adv_mss, sk_time now)
{
    t->adv_mss = adv_mss;
    t->rcv_mss = adv_mss < SK_DEFAULT_MSS ? adv_mss : SK_DEFAULT_MSS;
    t->snd_mss = adv_mss < SK_DEFAULT_MSS ? adv_mss : SK_DEFAULT_MSS;
    t->rcv_wscale = sk_tcb_our_wscale(e, t) & 15u; /* at most 14 */
    t->last_rcv = now;
    t->ts_offset = sk_tcp_ts_offset(e, tu);
    sk_rtt_init(t);
    sk_cc_init(t, now);
}

uint32_t sk_tcb_rcv_space(const sk_tcp_env *e, const sk_tcb *t)
{
    size_t used = sk_ring_len(&t->x->rcvbuf);
    uint32_t lim = sk_tcb_rcvbuf(e, t);
    return used >= lim ? 0 : (uint32_t)(lim - used);
}

uint32_t sk_tcb_rcv_room(const sk_tcp_env *e, const sk_tcb *t)
{
    uint32_t space = sk_tcb_rcv_space(e, t);
    uint32_t cur = sk_seq_gt(t->rcv_adv, t->rcv_nxt) ? sk_seq_len(t->rcv_nxt, t->rcv_adv) : 0;
    return cur > space ? cur : space;
}

void sk_tcb_close(sk_tcp_env *e, sk_tcb *t, int err, sk_time now)
{
    sk_tcb_set_state(e, t, SK_TCP_CLOSED, now);
    sk_tcb_timer_clear_all(e, t);
    sk_tcb_unmark_output(e, t);
    sk_demux_remove(e, t);
    t->flags &= ~(uint32_t)(SK_TF_ACK_NOW | SK_TF_REXMIT_ONE | SK_TF_FORCE_ONE | SK_TF_KEEP_PROBE);
    if (!(t->flags & SK_TF_APP_HELD) || err != 0) {
        sk_tcb_free_buffers(e, t);
    } else if (t->x->sndbuf.buf != NULL) {
        sk_ring_drop(&t->x->sndbuf, sk_ring_len(&t->x->sndbuf));
        sk_tcb_trim_buffers(e, t);
    }
    SK_ASSERT(err <= 0 && err >= INT8_MIN); /* SK_E* codes are small negatives (int8_t) */
    if (err != 0 && t->error == 0)
        t->error = (int8_t)err;
    sk_listen_detach(e, t); /* dies before accept(): leaves its listener */
    sk_tcb_notify(e, t, err != 0 ? (SK_EV_ERROR | SK_EV_READABLE) : SK_EV_CLOSED);
    sk_tcb_release_if_unheld(e, t);
}

void sk_tcb_reset(sk_tcp_env *e, sk_tcb *t, int err, sk_time now)
{
    if (t->state != SK_TCP_CLOSED && t->state != SK_TCP_LISTEN && t->state != SK_TCP_SYN_SENT &&
        t->state != SK_TCP_TIME_WAIT) {
        /* RFC 9293 §3.10.4 ABORT: <SEQ=SND.NXT><CTL=RST>. Our snd_nxt rolls
         * back to snd_una after a timeout; snd_max is the RFC's SND.NXT, and
         * a RST below the peer's RCV.NXT would be dropped (RFC 5961 §3.2). */
        sk_tuple tu = sk_tcb_tuple(e, t);
        if (sk_ctl_push(e, &tu, sk_tcb_snd_max(e, t), t->rcv_nxt, SK_TCP_RST | SK_TCP_ACK, now))
            e->ctx->stats.resets_out++;
    }
    sk_tcb_close(e, t, err, now);
}

/* RFC 9293 §3.10.4 CLOSE / shutdown of the send side: the FIN follows the
 * data already queued. In SYN-SENT and SYN-RECEIVED it waits for the
 * handshake to finish (see enter_established in tcp_input.c). */
void sk_tcb_queue_fin(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    if (t->flags & SK_TF_FIN_QUEUED)
        return;
    t->flags |= SK_TF_FIN_QUEUED; /* at sk_tcb_fin_seq: after what is queued */
    if (t->state == SK_TCP_ESTABLISHED)
        sk_tcb_set_state(e, t, SK_TCP_FIN_WAIT_1, now);
    else if (t->state == SK_TCP_CLOSE_WAIT)
        sk_tcb_set_state(e, t, SK_TCP_LAST_ACK, now);
    sk_tcb_mark_output(e, t);
}
