/* CUBIC (RFC 9438) with HyStart++ (RFC 9406) for the initial slow start.
 *
 * Windows are kept in bytes; the cubic function is evaluated in integer
 * arithmetic (no libm in the core): time in milliseconds, the cube root by
 * bisection. W_cubic(t) = C*(t-K)^3 + W_max with C = 0.4 segments/s^3
 * (§4.2), β_cubic = 0.7 (§4.6), α_cubic = 3(1-β)/(1+β) = 9/17 (§4.3).
 * t is measured from the `now` of the ACK that began the congestion
 * avoidance stage (t_epoch); the core reads no clock. */
#include "tcp/tcp_cc_hystart.h"
#include "tcp/tcp_conn.h"

#define CUBIC_BETA_NUM 7u    /* β_cubic = 7/10 */
#define CUBIC_BETA_DEN 10u
#define CUBIC_ALPHA_NUM 9u   /* α_cubic = 3 * 0.3 / 1.7 = 9/17 */
#define CUBIC_ALPHA_DEN 17u
#define CUBIC_T_MAX_MS (1 << 20) /* |t - K| beyond ~17 min is clamped */
#define CUBIC_WND_MAX (UINT32_MAX / 2)

/* The part of the state a spurious congestion signal restores (§4.9). */
typedef struct {
    sk_time t_epoch;
    int32_t k_ms;        /* K in milliseconds (negative when cwnd_epoch > W_max) */
    uint32_t w_max;      /* bytes */
    uint32_t cwnd_epoch; /* cwnd when the congestion avoidance stage began */
    uint32_t w_est;      /* Reno-friendly estimate, bytes (§4.3) */
    uint32_t cwnd_prior; /* cwnd before the last reduction */
    bool epoch_valid;
} cubic_curve;

typedef struct {
    cubic_curve c;
    cubic_curve undo;     /* the curve before the last congestion signal */
    uint32_t undo_cwnd, undo_ssthresh;
    uint32_t inc_rem;     /* remainder of the per-ACK cwnd increase */
    uint32_t est_rem;     /* remainder of the per-ACK W_est increase */
    sk_time last_ack;     /* for the application-limited shift (§5.8) */
    bool after_rto;       /* the first stage after a timeout: K = 0 (§4.8) */
    bool have_undo;
    sk_hystart hs;
    sk_cc_usage usage;    /* slow start's cwnd-limited test (§5.8) */
} cubic_state;

_Static_assert(sizeof(cubic_state) <= SK_CC_PRIV_SIZE, "cubic state fits cc_priv");

static cubic_state *st(sk_tcb *t)
{
    return (cubic_state *)(void *)t->x->cc_priv.bytes;
}

/* floor(cbrt(x)) for any 64-bit x, by bisection. */
static uint32_t icbrt64(uint64_t x)
{
    uint64_t lo = 0, hi = 2642245; /* cbrt(2^64 - 1) < 2642246 */
    while (lo < hi) {
        uint64_t mid = (lo + hi + 1) / 2;
        if (mid * mid * mid <= x)
            lo = mid;
        else
            hi = mid - 1;
    }
    return (uint32_t)lo;
}

/* §4.2: K = cubic_root((W_max - cwnd_epoch) / C), in ms: with W in
 * segments (bytes / MSS) and C = 2/5, K_ms^3 = diff * 2.5e9 / MSS. */
static int32_t cubic_k_ms(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss)
{
    uint32_t diff = w_max > cwnd_epoch ? w_max - cwnd_epoch : cwnd_epoch - w_max;
    int32_t k = (int32_t)icbrt64((uint64_t)diff * 2500000000ull / mss);
    return w_max >= cwnd_epoch ? k : -k;
}

/* §4.2 Figure 1: W_cubic(t) in bytes, t in ms since t_epoch. */
static uint32_t w_cubic(const cubic_curve *c, int64_t t_ms, uint32_t mss)
{
    int64_t d = t_ms - c->k_ms;
    if (d > CUBIC_T_MAX_MS)
        d = CUBIC_T_MAX_MS;
    if (d < -CUBIC_T_MAX_MS)
        d = -CUBIC_T_MAX_MS;
    /* C * d^3 segments with d in ms: 0.4 * d^3 / 1e9 = d^3 * 2 / 5e12;
     * kept in milli-segments so that the product stays in 64 bits */
    int64_t off_mseg = d * d * d * 2 / 5000000;
    int64_t w = (int64_t)c->w_max + off_mseg * (int64_t)mss / 1000;
    if (w < (int64_t)mss)
        return mss;
    return w > (int64_t)CUBIC_WND_MAX ? CUBIC_WND_MAX : (uint32_t)w;
}

static void cubic_init(sk_tcb *t, sk_time now)
{
    cubic_state *s = st(t);
    t->cwnd = sk_cc_initial_window(t);
    t->ssthresh = UINT32_MAX / 2;
    s->c.epoch_valid = false;
    s->last_ack = now;
    sk_hystart_init(&s->hs);
}

/* The first ACK of a congestion avoidance stage starts the epoch. */
static void start_epoch(cubic_state *s, const sk_tcb *t, sk_time now)
{
    cubic_curve *c = &s->c;
    c->epoch_valid = true;
    c->t_epoch = now;
    c->cwnd_epoch = t->cwnd;
    c->w_est = t->cwnd;
    s->inc_rem = s->est_rem = 0;
    if (s->after_rto || c->w_max == 0) {
        /* §4.8: after a timeout (or before any loss) the curve starts at
         * the window of this stage, K = 0 */
        c->w_max = t->cwnd;
        s->after_rto = false;
    }
    c->k_ms = cubic_k_ms(c->w_max, c->cwnd_epoch, sk_cc_smss(t));
}

/* §4.3: W_est += α_cubic * segments_acked / cwnd (segments), in bytes
 * α * acked * MSS / cwnd; α becomes 1 once W_est reaches cwnd_prior. */
static void grow_w_est(cubic_state *s, const sk_tcb *t, uint32_t acked)
{
    cubic_curve *c = &s->c;
    bool reno = c->cwnd_prior != 0 && c->w_est >= c->cwnd_prior;
    uint64_t num = (uint64_t)acked * sk_cc_smss(t) * (reno ? 1u : CUBIC_ALPHA_NUM) + s->est_rem;
    uint64_t den = (uint64_t)t->cwnd * (reno ? 1u : CUBIC_ALPHA_DEN);
    uint64_t w = c->w_est + num / den;
    s->est_rem = (uint32_t)(num % den);
    c->w_est = w > CUBIC_WND_MAX ? CUBIC_WND_MAX : (uint32_t)w;
}

/* §4.2: target = W_cubic(t + RTT) bounded to [cwnd, 1.5 cwnd]; cwnd grows
 * by (target - cwnd) / cwnd per SMSS acknowledged (§4.4, §4.5), unless
 * W_cubic(t) < W_est: the Reno-friendly region, cwnd = W_est (§4.3). */
static void congestion_avoidance(cubic_state *s, sk_tcb *t, const sk_cc_ack *a)
{
    cubic_curve *c = &s->c;
    uint32_t mss = sk_cc_smss(t);
    int64_t t_ms = a->now > c->t_epoch ? (int64_t)((a->now - c->t_epoch) / 1000) : 0;
    uint32_t rtt_ms = (a->srtt_us != 0 ? a->srtt_us : a->min_rtt_us) / 1000;
    grow_w_est(s, t, a->acked);
    if (w_cubic(c, t_ms, mss) < c->w_est) {
        if (c->w_est > t->cwnd)
            t->cwnd = c->w_est;
        return;
    }
    uint32_t target = w_cubic(c, t_ms + rtt_ms, mss);
    uint32_t cap = t->cwnd + t->cwnd / 2;
    if (target > cap)
        target = cap;
    if (target <= t->cwnd)
        return;
    uint64_t num = (uint64_t)(target - t->cwnd) * a->acked + s->inc_rem;
    uint64_t w = t->cwnd + num / t->cwnd;
    s->inc_rem = (uint32_t)(num % t->cwnd);
    t->cwnd = w > CUBIC_WND_MAX ? CUBIC_WND_MAX : (uint32_t)w;
}

static void cubic_on_ack(sk_tcb *t, const sk_cc_ack *a)
{
    cubic_state *s = st(t);
    sk_time last = s->last_ack;
    s->last_ack = a->now;
    if (t->cwnd < t->ssthresh) {
        if (!sk_cc_slow_start_limited(&s->usage, t, a))
            return; /* §5.8: the application, not cwnd, limits the flow */
        if (s->hs.active)
            sk_hystart_on_ack(&s->hs, t, a);
        else
            t->cwnd += sk_cc_slow_start_inc(t, a->acked);
        return;
    }
    if (!s->c.epoch_valid)
        start_epoch(s, t, a->now);
    else if (a->app_limited && a->now > last && last >= s->c.t_epoch)
        s->c.t_epoch += a->now - last; /* the curve waits for the application */
    if (a->app_limited)
        return; /* §5.8: no growth while the application, not cwnd, limits the flow */
    congestion_avoidance(s, t, a);
}

/* §4.6 multiplicative decrease with §4.7 fast convergence; §4.8 on a
 * timeout: the loss window, and the next stage's curve starts at K = 0. */
static void cubic_on_congestion(sk_tcb *t, enum sk_cc_kind kind, sk_time now)
{
    (void)now;
    cubic_state *s = st(t);
    s->undo = s->c;
    s->undo_cwnd = t->cwnd;
    s->undo_ssthresh = t->ssthresh;
    s->have_undo = true;
    sk_hystart_stop(&s->hs);
    cubic_curve *c = &s->c;
    if (kind == SK_CC_TIMEOUT_IN_RECOVERY) {
        /* the episode's reduction was made on entry: W_max, ssthresh kept;
         * the loss window, and a new epoch when slow start ends */
        c->epoch_valid = false;
        t->cwnd = sk_cc_smss(t);
        return;
    }
    if (c->w_max != 0 && t->cwnd < c->w_max) /* §4.7: release bandwidth sooner */
        c->w_max = (uint32_t)((uint64_t)t->cwnd * (CUBIC_BETA_DEN + CUBIC_BETA_NUM) /
                              (2 * CUBIC_BETA_DEN));
    else
        c->w_max = t->cwnd;
    c->cwnd_prior = t->cwnd;
    c->epoch_valid = false;
    uint32_t ss = (uint32_t)((uint64_t)sk_cc_flight_for_ssthresh(t) * CUBIC_BETA_NUM /
                             CUBIC_BETA_DEN);
    uint32_t smss = sk_cc_smss(t);
    t->ssthresh = ss > 2u * smss ? ss : 2u * smss;
    if (kind == SK_CC_TIMEOUT) {
        t->cwnd = smss; /* RFC 5681 §3.1 loss window */
        s->after_rto = true;
    } else {
        t->cwnd = t->ssthresh;
    }
}

static void cubic_on_recovery_exit(sk_tcb *t, const sk_cc_ack *a)
{
    t->cwnd = sk_cc_full_ack_window(t, a->ack);
    st(t)->c.epoch_valid = false;
}

/* RFC 5681 §4.1 restart window; the next stage starts a new epoch. */
static void cubic_after_idle(sk_tcb *t, sk_time now)
{
    cubic_state *s = st(t);
    uint32_t iw = sk_cc_initial_window(t);
    if (t->cwnd > iw)
        t->cwnd = iw;
    s->c.epoch_valid = false;
    s->last_ack = now;
}

/* Idle (tcp_ext.c): the curve survives (W_max, cwnd_epoch, W_est,
 * cwnd_prior, the epoch's age at the last ACK, and how long before the
 * last segment received that ACK came; K is computed again from W_max and
 * cwnd_epoch), so §5.8's shift of the epoch by the idle time works across
 * the pause as without it; so do the §4.8 flag and whether HyStart++ still
 * runs. Not kept: the undo state (no congestion signal can be undone after
 * its episode ended), the per-ACK remainders (under one byte per ACK),
 * HyStart++'s round and RTT history (slow start after the pause measures
 * afresh) and the slow-start usage round (RFC 7661: everything sent was
 * acknowledged, so the next ACK starts a new round anyway). An epoch older than 71 minutes at its last ACK, or a last ACK
 * more than 17 minutes before the last segment, is dropped (the next stage
 * starts a new one, as after an idle period). Without an epoch, the words
 * that only an epoch reads (cwnd_epoch, W_est, the ages) are written as
 * their saturated or zero values, so that a connection still in its first
 * slow start packs to sk_cc_cubic.idle_fresh whatever its timing. */
#define IDLE_AGE_SAT UINT32_MAX
#define IDLE_GAP_SAT ((1u << 30) - 1u) /* the two top bits are the flags */

static uint32_t sat_us(sk_time d, uint32_t sat)
{
    return d >= sat ? sat : (uint32_t)d;
}

static bool cubic_idle_pack(const sk_tcb *t, uint32_t w[SK_CC_IDLE_WORDS])
{
    const cubic_state *s = (const cubic_state *)(const void *)t->x->cc_priv.bytes;
    const cubic_curve *c = &s->c;
    bool epoch = c->epoch_valid && s->last_ack >= c->t_epoch;
    w[0] = c->w_max;
    w[1] = c->cwnd_prior;
    w[2] = epoch ? c->cwnd_epoch : 0;
    w[3] = epoch ? c->w_est : 0;
    w[4] = epoch ? sat_us(s->last_ack - c->t_epoch, IDLE_AGE_SAT) : IDLE_AGE_SAT;
    w[5] = epoch && t->last_rcv >= s->last_ack ? sat_us(t->last_rcv - s->last_ack, IDLE_GAP_SAT)
                                               : IDLE_GAP_SAT;
    w[5] |= (s->after_rto ? 1u << 30 : 0u) | (s->hs.active ? 1u << 31 : 0u);
    return true;
}

static void cubic_idle_unpack(sk_tcb *t, const uint32_t w[SK_CC_IDLE_WORDS])
{
    cubic_state *s = st(t);
    cubic_curve *c = &s->c;
    uint32_t gap = w[5] & IDLE_GAP_SAT;
    c->w_max = w[0];
    c->cwnd_prior = w[1];
    c->cwnd_epoch = w[2];
    c->w_est = w[3];
    c->k_ms = cubic_k_ms(c->w_max, c->cwnd_epoch, sk_cc_smss(t));
    s->last_ack = t->last_rcv - (gap == IDLE_GAP_SAT || gap > t->last_rcv ? 0 : gap);
    c->epoch_valid = w[4] != IDLE_AGE_SAT && gap != IDLE_GAP_SAT && s->last_ack >= w[4];
    c->t_epoch = c->epoch_valid ? s->last_ack - w[4] : 0;
    s->after_rto = (w[5] & (1u << 30)) != 0;
    sk_hystart_init(&s->hs);
    s->hs.active = (w[5] & (1u << 31)) != 0;
}

/* §4.9: a spurious congestion signal restores the window and the curve. */
static void cubic_on_spurious(sk_tcb *t, sk_time now)
{
    (void)now;
    cubic_state *s = st(t);
    if (!s->have_undo)
        return;
    s->c = s->undo;
    s->after_rto = false;
    if (t->cwnd < s->undo_cwnd)
        t->cwnd = s->undo_cwnd;
    t->ssthresh = s->undo_ssthresh;
    s->have_undo = false;
}

const sk_cc_ops sk_cc_cubic = {
    .name = "cubic",
    .init = cubic_init,
    .on_ack = cubic_on_ack,
    .on_congestion = cubic_on_congestion,
    .on_recovery_exit = cubic_on_recovery_exit,
    .after_idle = cubic_after_idle,
    .idle_pack = cubic_idle_pack,
    .idle_unpack = cubic_idle_unpack,
    /* no W_max, no epoch, HyStart++ running (cubic_init) */
    .idle_fresh = {0, 0, 0, 0, IDLE_AGE_SAT, IDLE_GAP_SAT | 1u << 31},
    .on_spurious = cubic_on_spurious,
};
