/* NewReno: slow start and congestion avoidance of RFC 5681 §3.1 (with
 * byte counting, RFC 3465 L = 2 SMSS in slow start: sk_cc_slow_start_inc), ssthresh of RFC 5681
 * eqn. 4, and the window at the end of recovery of RFC 6582 §3.2 step 3.
 * The recovery arithmetic shared with other algorithms is in tcp_cc.c. */
#include "tcp/tcp_conn.h"

typedef struct {
    uint32_t acc; /* bytes acked toward the next cwnd increase in CA */
    uint32_t prior_cwnd, prior_ssthresh; /* before the last congestion signal */
    bool have_prior;
    sk_cc_usage usage; /* slow start's cwnd-limited test (RFC 7661 §4.3) */
} newreno_state;

_Static_assert(sizeof(newreno_state) <= SK_CC_PRIV_SIZE, "newreno state fits cc_priv");

static newreno_state *st(sk_tcb *t)
{
    return (newreno_state *)(void *)t->x->cc_priv.bytes;
}

static void newreno_init(sk_tcb *t, sk_time now)
{
    (void)now;
    t->cwnd = sk_cc_initial_window(t);
    t->ssthresh = UINT32_MAX / 2;
    st(t)->acc = 0;
}

static void newreno_on_ack(sk_tcb *t, const sk_cc_ack *a)
{
    uint32_t mss = sk_cc_smss(t), acked = a->acked;
    newreno_state *s = st(t);
    if (t->cwnd < t->ssthresh) {
        /* slow start: grow by the bytes acked, at most 2 SMSS per ACK,
         * while cwnd limits the flow (RFC 7661 §4.3) */
        if (sk_cc_slow_start_limited(&s->usage, t, a))
            t->cwnd += sk_cc_slow_start_inc(t, acked);
        return;
    }
    /* congestion avoidance: about one SMSS per RTT (RFC 5681 eqn. 3,
     * counted in bytes so that delayed ACKs do not slow it down) */
    s->acc += acked;
    if (s->acc >= t->cwnd) {
        s->acc -= t->cwnd;
        t->cwnd += mss;
    }
}

/* RFC 5681 eqn. 4: ssthresh = max(FlightSize / 2, 2 * SMSS). */
static void newreno_on_congestion(sk_tcb *t, enum sk_cc_kind kind, sk_time now)
{
    (void)now;
    newreno_state *s = st(t);
    s->prior_cwnd = t->cwnd;
    s->prior_ssthresh = t->ssthresh;
    s->have_prior = true;
    if (kind == SK_CC_TIMEOUT_IN_RECOVERY) { /* reduced on entry: ssthresh kept */
        t->cwnd = sk_cc_smss(t);
        s->acc = 0;
        return;
    }
    uint32_t half = sk_cc_flight_for_ssthresh(t) / 2, floor = 2u * sk_cc_smss(t);
    t->ssthresh = half > floor ? half : floor;
    if (kind == SK_CC_TIMEOUT) {
        t->cwnd = sk_cc_smss(t); /* loss window, RFC 5681 §3.1 */
        s->acc = 0;
    } else {
        t->cwnd = t->ssthresh;
    }
}

static void newreno_on_recovery_exit(sk_tcb *t, const sk_cc_ack *a)
{
    t->cwnd = sk_cc_full_ack_window(t, a->ack);
}

/* RFC 5681 §4.1: RW = min(IW, cwnd); ssthresh is kept. */
static void newreno_after_idle(sk_tcb *t, sk_time now)
{
    (void)now;
    uint32_t iw = sk_cc_initial_window(t);
    if (t->cwnd > iw)
        t->cwnd = iw;
    st(t)->acc = 0;
}

/* The reduction was spurious: back to the window before it (RFC 4015
 * §3.2's full undo; the caller decides spuriousness). */
static void newreno_on_spurious(sk_tcb *t, sk_time now)
{
    (void)now;
    newreno_state *s = st(t);
    if (!s->have_prior)
        return;
    if (t->cwnd < s->prior_cwnd)
        t->cwnd = s->prior_cwnd;
    t->ssthresh = s->prior_ssthresh;
    s->have_prior = false;
}

/* Idle (tcp_ext.c): the congestion-avoidance byte count survives; the
 * undo state does not (no congestion signal can be undone after the
 * connection went idle: its episode had ended). */
static bool newreno_idle_pack(const sk_tcb *t, uint32_t w[SK_CC_IDLE_WORDS])
{
    const newreno_state *s = (const newreno_state *)(const void *)t->x->cc_priv.bytes;
    w[0] = s->acc;
    return true;
}

static void newreno_idle_unpack(sk_tcb *t, const uint32_t w[SK_CC_IDLE_WORDS])
{
    st(t)->acc = w[0];
}

const sk_cc_ops sk_cc_newreno = {
    .name = "newreno",
    .init = newreno_init,
    .on_ack = newreno_on_ack,
    .on_congestion = newreno_on_congestion,
    .on_recovery_exit = newreno_on_recovery_exit,
    .after_idle = newreno_after_idle,
    .on_spurious = newreno_on_spurious,
    .idle_pack = newreno_idle_pack,
    .idle_unpack = newreno_idle_unpack,
    .idle_fresh = {0}, /* no bytes counted toward the next increase */
};
