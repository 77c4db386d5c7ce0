/* Congestion control behind a small table of functions. NewReno: slow start
 * and congestion avoidance of RFC 5681 §3.1 (with byte counting, RFC 3465
 * L=1 SMSS in slow start) and the window arithmetic of RFC 6582; the
 * recovery state machine lives in tcp_input.c. */
#include "tcp/tcp_conn.h"

static uint32_t flight_size(const sk_tcb *t)
{
    return sk_seq_len(t->snd_una, t->snd_max);
}

/* RFC 5681 §3.1 (IW) with the RFC 3390 / 5681 initial window rule. */
static uint32_t initial_window(const sk_tcb *t)
{
    uint32_t mss = t->snd_mss;
    return mss > 2190 ? 2 * mss : (mss > 1095 ? 3 * mss : 4 * mss);
}

static void newreno_init(sk_tcb *t)
{
    t->cwnd = initial_window(t);
    t->ssthresh = UINT32_MAX / 2;
    t->cc_acc = 0;
}

static void newreno_on_ack(sk_tcb *t, uint32_t acked)
{
    uint32_t mss = t->snd_mss;
    if (t->cwnd < t->ssthresh) {
        /* slow start: grow by the bytes acked, at most one SMSS per ACK */
        t->cwnd += acked < mss ? acked : mss;
        return;
    }
    /* congestion avoidance: about one SMSS per RTT (RFC 5681 eqn. 3,
     * counted in bytes so that delayed ACKs do not slow it down) */
    t->cc_acc += acked;
    if (t->cc_acc >= t->cwnd) {
        t->cc_acc -= t->cwnd;
        t->cwnd += mss;
    }
}

/* RFC 5681 eqn. 4: ssthresh = max(FlightSize / 2, 2 * SMSS), where data
 * sent by Limited Transmit does not count (RFC 5681 §3.2 step 2). */
static uint32_t newreno_ssthresh(const sk_tcb *t)
{
    uint32_t fl = flight_size(t);
    fl = fl > t->lt_bytes ? fl - t->lt_bytes : 0;
    uint32_t half = fl / 2, floor = 2u * t->snd_mss;
    return half > floor ? half : floor;
}

static void newreno_on_timeout(sk_tcb *t)
{
    t->ssthresh = newreno_ssthresh(t);
    t->cwnd = t->snd_mss; /* loss window, RFC 5681 §3.1 */
    t->cc_acc = 0;
}

/* RFC 5681 §4.1: RW = min(IW, cwnd); ssthresh is kept. */
static void newreno_after_idle(sk_tcb *t)
{
    uint32_t iw = initial_window(t);
    if (t->cwnd > iw)
        t->cwnd = iw;
    t->cc_acc = 0;
}

const sk_cc_ops sk_cc_newreno = {
    "newreno", newreno_init, newreno_on_ack, newreno_ssthresh, newreno_on_timeout,
    newreno_after_idle,
};
