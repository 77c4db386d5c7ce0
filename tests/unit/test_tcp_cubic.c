/* CUBIC (RFC 9438) and HyStart++ (RFC 9406), in virtual time.
 *
 * The window over time is checked against RFC 9438's formulas computed
 * here in floating point (the core uses integers): W_cubic(t) = C(t-K)^3 +
 * W_max, K = cbrt(W_max(1-β)/C), β = 0.7, fast convergence, the
 * Reno-friendly W_est. These tests drive the congestion control events
 * directly on an established connection's TCB with chosen facts (ACK
 * times, RTT samples): a driver keeps the pipe full (snd_nxt = snd_una +
 * cwnd) and acknowledges it in order. The end-to-end tests at the bottom
 * go through segments: β on fast retransmit, the loss window on timeout. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"
#include "tcp/tcp_cc_hystart.h"

#define MSS 1000u
#define C_CUBIC 0.4
#define BETA 0.7

static double cbrt_d(double x) /* Newton's method: the test needs no libm */
{
    if (x == 0)
        return 0;
    double neg = x < 0 ? -1 : 1, y = x * neg, r = y > 1 ? y / 3 : 1;
    for (int i = 0; i < 200; i++)
        r = r - (r * r * r - y) / (3 * r * r);
    return neg * r;
}

static double w_cubic_seg(double t, double k, double w_max)
{
    return C_CUBIC * (t - k) * (t - k) * (t - k) + w_max;
}

typedef struct {
    ts_script ts;
    sk_tcb *t;
    sk_time_us now;
    bool paced; /* the facts say the sender paces (cfg.pacing) */
} drv;

static bool drv_open(drv *d, const char *cc)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.congestion_control = cc;
    d->paced = false;
    ts_init(&d->ts, &cfg);
    d->ts.peer_mss = MSS;
    if (!ts_open_active(&d->ts, 0, TS_MS(10)))
        return false;
    d->t = sk_stack_tcb(d->ts.s, d->ts.sock);
    d->now = TS_SEC(1);
    if (d->t == NULL)
        return false;
    /* the tests drive the algorithm as if a window were in flight: the
     * connection takes its extension as sending would (tcp_ext.c) */
    if (!sk_tcb_ext_attach(&d->ts.s->env, d->t))
        return false;
    d->t->x->snd_nxt = d->t->x->snd_max = sk_seq_add(d->t->snd_una, d->t->cwnd);
    return true;
}

/* One ACK of `segs` segments (or what is outstanding, if less) at d->now
 * with an RTT sample `rtt_us` (0: none); the pipe is refilled to cwnd.
 * Returns the change of cwnd. */
static int64_t drv_ack_bytes(drv *d, uint32_t bytes, uint32_t rtt_us, uint32_t srtt_us,
                             bool app_limited)
{
    sk_tcb *t = d->t;
    uint32_t before = t->cwnd;
    sk_cc_ack a;
    memset(&a, 0, sizeof a);
    a.now = d->now;
    a.acked = bytes;
    if (a.acked > sk_seq_len(t->snd_una, t->x->snd_nxt))
        a.acked = sk_seq_len(t->snd_una, t->x->snd_nxt);
    a.ack = sk_seq_add(t->snd_una, a.acked);
    a.rtt_us = rtt_us;
    a.srtt_us = srtt_us;
    a.min_rtt_us = srtt_us;
    a.in_flight = sk_seq_len(a.ack, t->x->snd_max);
    a.app_limited = app_limited;
    a.paced = d->paced;
    sk_cc_on_ack(t, &a);
    t->snd_una = a.ack;
    sk_seq want = sk_seq_add(t->snd_una, t->cwnd);
    if (sk_seq_gt(want, t->x->snd_nxt))
        t->x->snd_nxt = t->x->snd_max = want;
    return (int64_t)t->cwnd - (int64_t)before;
}

static int64_t drv_ack(drv *d, uint32_t segs, uint32_t rtt_us, uint32_t srtt_us, bool app_limited)
{
    return drv_ack_bytes(d, segs * MSS, rtt_us, srtt_us, app_limited);
}

/* A congestion signal with the whole window in flight. */
static void drv_ecn(drv *d)
{
    d->t->x->snd_max = d->t->x->snd_nxt = sk_seq_add(d->t->snd_una, d->t->cwnd);
    sk_cc_ecn(d->t, d->now);
}

static void drv_slow_start_to(drv *d, uint32_t cwnd)
{
    while (d->t->cwnd < cwnd)
        drv_ack(d, 1, 0, 10000, false);
}

/* Congestion avoidance for `secs` seconds at RTT rtt_us, ACKs of `segs`
 * segments spread evenly over each RTT; calls check(t) at each time in
 * `at` (seconds since the first ACK). */
typedef struct {
    const double *at;
    size_t n_at, next;
    double err_max; /* largest |cwnd - expected| in segments at the checkpoints */
    double k, w_max; /* expected curve, segments */
} checks;

static void drv_ca(drv *d, double secs, uint32_t rtt_us, uint32_t segs, checks *ck)
{
    sk_time_us t0 = d->now, end = t0 + (sk_time_us)(secs * 1e6);
    while (d->now < end) {
        uint32_t n = d->t->cwnd / (segs * MSS);
        n = n == 0 ? 1 : n;
        sk_time_us start = d->now;
        for (uint32_t i = 0; i < n && d->now < end; i++) {
            d->now = start + (sk_time_us)rtt_us * i / n;
            drv_ack(d, segs, 0, rtt_us, false);
            double t = (double)(d->now - t0) / 1e6;
            if (ck != NULL && ck->next < ck->n_at && t >= ck->at[ck->next]) {
                double want = w_cubic_seg(t, ck->k, ck->w_max);
                double err = (double)d->t->cwnd / MSS - want;
                err = err < 0 ? -err : err;
                SK_CHECK_MSG(err <= 1.0, "t=%.3f s: cwnd %.2f segments, W_cubic %.2f", t,
                             (double)d->t->cwnd / MSS, want);
                if (err > ck->err_max)
                    ck->err_max = err;
                ck->next++;
            }
        }
        d->now = start + rtt_us;
    }
}

/* β = 0.7 on loss; K; the concave then convex curve: cwnd at several t
 * after a loss at W_max = 5000 segments within one MSS of W_cubic(t). RTT
 * 10 ms, where W_est stays below the curve (checked by the next test's
 * counterpart at 1 ms). */
static void test_cubic_curve(void)
{
    drv d;
    SK_CHECK(drv_open(&d, "cubic"));
    SK_CHECK_STR(ts_info(&d.ts).cc, "cubic");
    drv_slow_start_to(&d, 5000 * MSS);
    SK_CHECK_EQ(d.t->cwnd, 5000 * MSS);
    drv_ecn(&d);
    SK_CHECK_EQ(d.t->ssthresh, 3500 * MSS); /* §4.6: flight * β */
    SK_CHECK_EQ(d.t->cwnd, 3500 * MSS);
    /* §4.2 K = cbrt((W_max - cwnd_epoch) / C), = cbrt(W_max (1 - β) / C)
     * when the stage starts at the reduced window */
    double k = cbrt_d(5000 * (1 - BETA) / C_CUBIC);
    SK_CHECK(k > 15.53 && k < 15.54);
    static const double at[] = {2, 4, 8, 12, 15.536, 17, 19};
    checks ck = {at, sizeof at / sizeof at[0], 0, 0, k, 5000};
    drv_ca(&d, 19.5, 10000, 10, &ck);
    SK_CHECK_EQ(ck.next, ck.n_at);
    printf("  W_cubic: largest deviation %.3f segments at %zu checkpoints\n", ck.err_max,
           ck.n_at);
    ts_free(&d.ts);
}

/* §4.7 fast convergence: a loss before W_max was regained lowers W_max to
 * cwnd (1 + β) / 2, so the new plateau (cwnd at t = K) is that, not the
 * window at the loss. */
static void test_cubic_fast_convergence(void)
{
    drv d;
    SK_CHECK(drv_open(&d, "cubic"));
    drv_slow_start_to(&d, 5000 * MSS);
    drv_ecn(&d);
    drv_ca(&d, 4, 10000, 10, NULL);
    double cw = (double)d.t->cwnd / MSS; /* about W_cubic(4) = 4392 */
    SK_CHECK(cw < 4500 && cw > 4300);
    drv_ecn(&d);
    double w_max = cw * (1 + BETA) / 2, ss = (double)d.t->ssthresh / MSS;
    SK_CHECK(ss > cw * BETA - 1 && ss <= cw * BETA);
    double k = cbrt_d((w_max - ss) / C_CUBIC);
    static double at[1];
    at[0] = k;
    checks ck = {at, 1, 0, 0, k, w_max};
    drv_ca(&d, k + 0.5, 100000, 1, &ck);
    SK_CHECK_EQ(ck.next, 1);
    /* without fast convergence the plateau would be cw, far above */
    SK_CHECK((double)d.t->cwnd / MSS < cw - 100);
    ts_free(&d.ts);
}

/* §4.3: at a small RTT the Reno-friendly estimate W_est = W_est + α
 * segments_acked / cwnd (α = 3(1-β)/(1+β), 1 once W_est reaches the
 * window before the loss) grows faster than W_cubic, and cwnd follows it. */
static void test_cubic_reno_friendly(void)
{
    drv d;
    SK_CHECK(drv_open(&d, "cubic"));
    drv_slow_start_to(&d, 100 * MSS);
    drv_ecn(&d);
    double prior = 100, est = (double)d.t->cwnd / MSS, k = cbrt_d(100 * (1 - BETA) / C_CUBIC);
    sk_time_us t0 = d.now;
    bool reno_region = false;
    for (int rtt = 0; rtt < 500; rtt++) {
        uint32_t n = d.t->cwnd / MSS;
        for (uint32_t i = 0; i < n; i++) {
            d.now = t0 + (sk_time_us)rtt * 1000 + 1000u * i / n;
            double alpha = est >= prior ? 1.0 : 3 * (1 - BETA) / (1 + BETA);
            est += alpha / ((double)d.t->cwnd / MSS);
            drv_ack(&d, 1, 0, 1000, false);
        }
        double t = (double)(d.now - t0) / 1e6;
        if (w_cubic_seg(t, k, 100) < est - 5)
            reno_region = true;
    }
    double cw = (double)d.t->cwnd / MSS, diff = cw - est;
    SK_CHECK_MSG(diff <= 1 && diff >= -1, "cwnd %.2f, W_est %.2f segments", cw, est);
    SK_CHECK(reno_region);
    SK_CHECK(cw > w_cubic_seg((double)(d.now - t0) / 1e6, k, 100) + 5);
    ts_free(&d.ts);
}

/* §4.8: after a timeout, the first congestion avoidance stage follows
 * W_cubic with K = 0 and W_max = the window at the stage's start (70
 * segments here), not the curve through the window before the timeout
 * (W_max 100, K 4.2 s: 99.3 segments at t = 3 s). In the cubic region cwnd
 * lies between W_cubic(t) and W_cubic(t + RTT). */
static void test_cubic_after_timeout(void)
{
    drv d;
    SK_CHECK(drv_open(&d, "cubic"));
    drv_slow_start_to(&d, 100 * MSS);
    sk_cc_timeout(d.t, true, d.now);
    SK_CHECK_EQ(d.t->cwnd, MSS);
    SK_CHECK_EQ(d.t->ssthresh, 70 * MSS);
    d.t->x->snd_nxt = d.t->x->snd_max = sk_seq_add(d.t->snd_una, d.t->cwnd);
    drv_slow_start_to(&d, 70 * MSS);
    SK_CHECK_EQ(d.t->cwnd, 70 * MSS);
    drv_ca(&d, 3.0, 200000, 1, NULL);
    double lo = w_cubic_seg(3.0, 0, 70), hi = w_cubic_seg(3.2, 0, 70);
    double cw = (double)d.t->cwnd / MSS;
    SK_CHECK_MSG(cw >= lo - 1 && cw <= hi + 1, "cwnd %.2f segments, W_cubic(t) %.2f, (t+RTT) %.2f",
                 cw, lo, hi);
    ts_free(&d.ts);
}

/* RFC 5681 §4.1 with CUBIC: after idle, cwnd = min(IW, cwnd), ssthresh kept. */
static void test_cubic_after_idle(void)
{
    drv d;
    SK_CHECK(drv_open(&d, "cubic"));
    drv_slow_start_to(&d, 100 * MSS);
    drv_ecn(&d);
    uint32_t ss = d.t->ssthresh;
    sk_cc_after_idle(d.t, d.now + TS_SEC(5));
    SK_CHECK_EQ(d.t->cwnd, 10 * MSS);
    SK_CHECK_EQ(d.t->ssthresh, ss);
    ts_free(&d.ts);
}

/* §5.8: no growth while the application limits the flow. */
static void test_cubic_app_limited(void)
{
    drv d;
    SK_CHECK(drv_open(&d, "cubic"));
    drv_slow_start_to(&d, 100 * MSS);
    drv_ecn(&d);
    drv_ca(&d, 1, 10000, 1, NULL);
    uint32_t cw = d.t->cwnd;
    for (int i = 0; i < 500; i++) {
        d.now += 1000;
        SK_CHECK_EQ(drv_ack(&d, 1, 0, 10000, true), 0);
    }
    SK_CHECK_EQ(d.t->cwnd, cw);
    int64_t grown = 0;
    for (int i = 0; i < 500; i++) {
        d.now += 1000;
        grown += drv_ack(&d, 1, 0, 10000, false);
    }
    SK_CHECK(grown > 0);
    ts_free(&d.ts);
}

/* The connection goes idle in congestion avoidance and gives its extension
 * back (tcp_ext.c: the CC state packed into the core) and wakes: the curve
 * goes on exactly as in a connection that kept it, through §5.8's
 * application-limited shift and the growth after it. */
static void test_cubic_curve_survives_idle_pack(void)
{
    static const char *const ccs[] = {"cubic", "newreno"};
    for (int k = 0; k < 2; k++) {
        drv a, b;
        SK_CHECK(drv_open(&a, ccs[k]));
        SK_CHECK(drv_open(&b, ccs[k]));
        drv *both[2] = {&a, &b};
        for (int i = 0; i < 2; i++) {
            drv_slow_start_to(both[i], 100 * MSS);
            drv_ecn(both[i]);
            drv_ca(both[i], 1, 10000, 1, NULL);
            both[i]->t->last_rcv = both[i]->now;
        }
        SK_CHECK_EQ(a.t->cwnd, b.t->cwnd);
        /* b: pack, lose the extension's bytes, unpack */
        sk_tcb *t = b.t;
        uint32_t w[SK_CC_IDLE_WORDS];
        SK_CHECK(sk_tcb_cc(t)->idle_pack(t, w));
        /* a curve that went through congestion avoidance is not a new
         * connection's: it needs its words (tcp_ext.c keeps a history) */
        SK_CHECK(memcmp(w, sk_tcb_cc(t)->idle_fresh, sizeof w) != 0);
        memset(&t->x->cc_priv, 0, sizeof t->x->cc_priv);
        sk_tcb_cc(t)->idle_unpack(t, w);
        uint32_t maxdiff = 0;
        for (int i = 0; i < 1000; i++) {
            a.now += 1000;
            b.now += 1000;
            bool limited = i < 300; /* a pause, then growth again */
            int64_t ga = drv_ack(&a, 1, 0, 10000, limited), gb = drv_ack(&b, 1, 0, 10000, limited);
            (void)ga;
            (void)gb;
            uint32_t d = a.t->cwnd > b.t->cwnd ? a.t->cwnd - b.t->cwnd : b.t->cwnd - a.t->cwnd;
            maxdiff = d > maxdiff ? d : maxdiff;
        }
        /* the per-ACK remainders are not kept: a byte late at most */
        SK_CHECK(maxdiff <= 1);
        SK_CHECK_EQ(a.t->cwnd, b.t->cwnd);
        SK_CHECK(a.t->cwnd > 70 * MSS); /* it did grow */
        ts_free(&a.ts);
        ts_free(&b.ts);
    }
}

/* §4.9: a congestion signal found spurious restores cwnd, ssthresh and the
 * curve; the same for NewReno. */
static void test_spurious_undo(void)
{
    static const char *const ccs[] = {"cubic", "newreno"};
    for (int i = 0; i < 2; i++) {
        drv d;
        SK_CHECK(drv_open(&d, ccs[i]));
        drv_slow_start_to(&d, 100 * MSS);
        uint32_t ss = d.t->ssthresh;
        drv_ecn(&d);
        SK_CHECK(d.t->cwnd < 100 * MSS);
        sk_cc_spurious(d.t, d.now);
        SK_CHECK_EQ(d.t->cwnd, 100 * MSS);
        SK_CHECK_EQ(d.t->ssthresh, ss);
        /* after a timeout too: the loss window goes back */
        d.t->x->snd_max = sk_seq_add(d.t->snd_una, d.t->cwnd);
        sk_cc_timeout(d.t, true, d.now);
        SK_CHECK_EQ(d.t->cwnd, MSS);
        sk_cc_spurious(d.t, d.now);
        SK_CHECK_EQ(d.t->cwnd, 100 * MSS);
        SK_CHECK_EQ(d.t->ssthresh, ss);
        /* nothing left to undo */
        sk_cc_spurious(d.t, d.now);
        SK_CHECK_EQ(d.t->cwnd, 100 * MSS);
        ts_free(&d.ts);
    }
}

/* §4.9 restores the curve too: a spurious second loss (which lowered W_max
 * by fast convergence and ended the epoch) is undone, and cwnd reaches the
 * first loss's W_max = 100 segments at its K = 4.22 s, as if the second
 * had not happened. */
static void test_cubic_spurious_restores_curve(void)
{
    drv d;
    SK_CHECK(drv_open(&d, "cubic"));
    drv_slow_start_to(&d, 100 * MSS);
    drv_ecn(&d);
    double k = cbrt_d(100 * (1 - BETA) / C_CUBIC);
    sk_time_us t0 = d.now;
    drv_ca(&d, 1.0, 100000, 1, NULL);
    uint32_t cw = d.t->cwnd;
    drv_ecn(&d);
    SK_CHECK(d.t->cwnd < cw);
    sk_cc_spurious(d.t, d.now);
    SK_CHECK_EQ(d.t->cwnd, cw);
    SK_CHECK_EQ(d.t->ssthresh, 70 * MSS);
    double done = (double)(d.now - t0) / 1e6;
    static double at[1];
    at[0] = k - done;
    checks ck = {at, 1, 0, 0, k - done, 100};
    drv_ca(&d, k - done + 0.05, 100000, 1, &ck);
    SK_CHECK_EQ(ck.next, 1);
    ts_free(&d.ts);
}

/* ---- HyStart++ (RFC 9406) ---- */

/* One round: ACK, one segment each, everything in flight at its start;
 * the first `samples` ACKs carry RTT `rtt_us`. Returns the growth of the
 * round's last full-sized ACK (SMSS in slow start, SMSS/4 in CSS). */
/* ACKs this far apart form no ACK train (SK_HS_ACK_DELTA_US): the rounds
 * of the delay tests below exercise the delay test alone. */
#define HS_SPREAD_US (SK_HS_ACK_DELTA_US + 1000u)

static int64_t hs_round(drv *d, uint32_t rtt_us, uint32_t samples)
{
    sk_seq end = d->t->x->snd_nxt;
    int64_t last = 0;
    for (uint32_t i = 0; sk_seq_lt(d->t->snd_una, end); i++) {
        d->now += HS_SPREAD_US;
        uint32_t left = sk_seq_len(d->t->snd_una, end);
        bool full = left >= MSS; /* the round's last segment may be short */
        int64_t g = drv_ack_bytes(d, full ? MSS : left, i < samples ? rtt_us : 0, rtt_us, false);
        if (full)
            last = g;
    }
    return last;
}

#define ALL UINT32_MAX

/* Two rounds at `base`, a third at `third`: did slow start end (CSS)? */
static bool enters_css(uint32_t base, uint32_t third, uint32_t samples)
{
    drv d;
    SK_CHECK(drv_open(&d, "cubic"));
    SK_CHECK_EQ(hs_round(&d, base, ALL), MSS);
    SK_CHECK_EQ(hs_round(&d, base, ALL), MSS);
    int64_t g = hs_round(&d, third, samples);
    SK_CHECK_EQ(d.t->ssthresh, UINT32_MAX / 2); /* CSS is still slow start */
    ts_free(&d.ts);
    SK_CHECK(g == MSS || g == MSS / 4);
    return g == MSS / 4;
}

/* §4.2 the delay-increase test: RttThresh = max(4 ms, min(lastRoundMinRTT
 * / 8, 16 ms)), in each of its three regimes, to the microsecond; at least
 * N_RTT_SAMPLE = 8 samples in the round. */
static void test_hystart_delay_threshold(void)
{
    SK_CHECK(!enters_css(50000, 50000 + 6250 - 1, ALL));
    SK_CHECK(enters_css(50000, 50000 + 6250, ALL));
    SK_CHECK(!enters_css(10000, 10000 + 4000 - 1, ALL)); /* MIN_RTT_THRESH */
    SK_CHECK(enters_css(10000, 10000 + 4000, ALL));
    SK_CHECK(!enters_css(200000, 200000 + 16000 - 1, ALL)); /* MAX_RTT_THRESH */
    SK_CHECK(enters_css(200000, 200000 + 16000, ALL));
    SK_CHECK(!enters_css(50000, 90000, 7)); /* N_RTT_SAMPLE */
    SK_CHECK(enters_css(50000, 90000, 8));
}

/* CSS grows by SMSS / CSS_GROWTH_DIVISOR per ACK; the RTT falling below
 * the baseline means the exit was spurious: back to slow start. */
static void test_hystart_css_and_back(void)
{
    drv d;
    SK_CHECK(drv_open(&d, "cubic"));
    hs_round(&d, 50000, ALL);
    hs_round(&d, 50000, ALL);
    /* the 8th sample of this round ends slow start (its own ACK has grown
     * cwnd already): the ACKs after it grow by a quarter */
    sk_seq end = d.t->x->snd_nxt;
    for (uint32_t i = 0; sk_seq_lt(d.t->snd_una, end); i++) {
        d.now += HS_SPREAD_US;
        int64_t g = drv_ack(&d, 1, 60000, 60000, false);
        SK_CHECK_EQ(g, i < 8 ? MSS : MSS / 4);
    }
    SK_CHECK_EQ(hs_round(&d, 60000, ALL), MSS / 4);
    /* the RTT falls back below the CSS baseline (60 ms): slow start again */
    SK_CHECK_EQ(hs_round(&d, 59999, ALL), MSS);
    SK_CHECK_EQ(hs_round(&d, 59999, ALL), MSS);
    SK_CHECK_EQ(d.t->ssthresh, UINT32_MAX / 2);
    ts_free(&d.ts);
}

/* CSS lasts CSS_ROUNDS = 5 rounds (the one it began in counts), then
 * congestion avoidance: ssthresh = cwnd. */
static void test_hystart_css_rounds(void)
{
    drv d;
    SK_CHECK(drv_open(&d, "cubic"));
    hs_round(&d, 50000, ALL);
    hs_round(&d, 50000, ALL);
    SK_CHECK_EQ(hs_round(&d, 60000, ALL), MSS / 4);
    for (int r = 2; r <= 5; r++) {
        SK_CHECK_EQ(hs_round(&d, 60000, ALL), MSS / 4);
        SK_CHECK_EQ(d.t->ssthresh, UINT32_MAX / 2);
    }
    d.now += 1000;
    uint32_t cw = d.t->cwnd;
    drv_ack(&d, 1, 60000, 60000, false); /* the first ACK of round 6 */
    SK_CHECK_EQ(d.t->ssthresh, cw);
    SK_CHECK(d.t->cwnd >= d.t->ssthresh);
    /* congestion avoidance now: far less than a quarter SMSS per ACK */
    int64_t g = drv_ack(&d, 1, 60000, 60000, false);
    SK_CHECK(g < (int64_t)MSS / 4);
    ts_free(&d.ts);
}

/* Two spread rounds at 50 ms (cwnd 10 -> 40 segments), then a round whose
 * ACKs come `gap_us` apart, with one gap of `hole_us` before ACK `hole_at`
 * (0: none). Returns the index of the ACK that ended slow start (ssthresh
 * = cwnd, cwnd before that ACK's growth unchanged after), or -1. */
static int train_round_p(bool paced, uint32_t gap_us, uint32_t hole_at, uint32_t hole_us)
{
    drv d;
    SK_CHECK(drv_open(&d, "cubic"));
    d.paced = paced;
    hs_round(&d, 50000, ALL);
    hs_round(&d, 50000, ALL);
    SK_CHECK_EQ(d.t->ssthresh, UINT32_MAX / 2);
    sk_seq end = d.t->x->snd_nxt;
    int exit_at = -1;
    for (uint32_t i = 0; sk_seq_lt(d.t->snd_una, end) && exit_at < 0; i++) {
        d.now += (hole_at != 0 && i == hole_at) ? hole_us : gap_us;
        drv_ack(&d, 1, 50000, 50000, false);
        if (d.t->ssthresh != UINT32_MAX / 2) {
            SK_CHECK_EQ(d.t->ssthresh, d.t->cwnd);
            exit_at = (int)i;
        }
    }
    /* after the exit: congestion avoidance, no slow-start growth */
    if (exit_at >= 0)
        SK_CHECK(drv_ack(&d, 1, 50000, 50000, false) < (int64_t)MSS / 4);
    ts_free(&d.ts);
    return exit_at;
}

static int train_round(uint32_t gap_us, uint32_t hole_at, uint32_t hole_us)
{
    return train_round_p(false, gap_us, hole_at, hole_us);
}

/* The ACK-train exit (extension, docs/rfc-coverage.md): ACKs each within
 * ACK_DELTA (2 ms) of the previous, spanning minRTT / 2 = 25 ms from the
 * round's first ACK, end slow start: ACK 25 is 25 ms after ACK 0. */
static void test_hystart_ack_train_exit(void)
{
    SK_CHECK_EQ(train_round(1000, 0, 0), 25);
    SK_CHECK_EQ(train_round(SK_HS_ACK_DELTA_US, 0, 0), 13); /* 26 ms */
    /* a gap early in the round ends the train: it restarts only next round */
    SK_CHECK_EQ(train_round(1000, 3, SK_HS_ACK_DELTA_US + 1), -1);
}

/* A paced sender (cfg.pacing) spreads its slow-start flight over half an
 * RTT itself: its train must span the whole minRTT, as Linux's
 * hystart_update asks when it paces. The round of 40 ACKs 1 ms apart that
 * ended slow start at 25 ms above no longer does (it spans 40 ms); ACKs
 * 2 ms apart reach 50 ms at ACK 25. */
static void test_hystart_ack_train_paced(void)
{
    SK_CHECK_EQ(train_round_p(true, 1000, 0, 0), -1);
    SK_CHECK_EQ(train_round_p(true, SK_HS_ACK_DELTA_US, 0, 0), 25); /* 50 ms */
}

/* ACKs spread over the round (each more than ACK_DELTA after the last):
 * no train, slow start goes on though the round spans far more than
 * minRTT / 2. */
static void test_hystart_ack_train_spread(void)
{
    SK_CHECK_EQ(train_round(SK_HS_ACK_DELTA_US + 1, 0, 0), -1);
    SK_CHECK_EQ(train_round(HS_SPREAD_US, 0, 0), -1);
}

/* RFC 9406 §4.3: only the initial slow start uses HyStart++; after a
 * timeout, slow start ignores RTT increases. */
static void test_hystart_initial_only(void)
{
    drv d;
    SK_CHECK(drv_open(&d, "cubic"));
    hs_round(&d, 50000, ALL);
    drv_slow_start_to(&d, 1000 * MSS);
    sk_cc_timeout(d.t, true, d.now);
    SK_CHECK_EQ(d.t->cwnd, MSS);
    SK_CHECK_EQ(d.t->ssthresh, 700 * MSS);
    /* all but the first segment had arrived: the retransmission's ACK
     * covers the whole flight */
    d.now += 1000;
    drv_ack_bytes(&d, sk_seq_len(d.t->snd_una, d.t->x->snd_nxt), 0, 50000, false);
    SK_CHECK_EQ(d.t->cwnd, 3 * MSS); /* + 2 SMSS: RFC 3465 L = 2 */
    /* rounds of 3, 6 ... 48 segments at 50 ms, then 96 and 192 at 90 ms:
     * HyStart++ would have entered CSS in the first of those */
    for (int r = 0; r < 5; r++)
        SK_CHECK_EQ(hs_round(&d, 50000, ALL), MSS);
    SK_CHECK_EQ(hs_round(&d, 90000, ALL), MSS);
    SK_CHECK_EQ(hs_round(&d, 90000, ALL), MSS);
    SK_CHECK(d.t->cwnd < d.t->ssthresh);
    ts_free(&d.ts);
}

/* ---- end to end, through segments ---- */

static void open_default(ts_script *ts)
{
    ts_init(ts, NULL);
    ts->peer_mss = 1000;
    SK_CHECK(ts_open_active(ts, 0, TS_MS(10)));
    SK_CHECK_STR(ts_info(ts).cc, "cubic");
    SK_CHECK_EQ(ts_info(ts).cwnd, 10000); /* IW 10 (RFC 6928) */
}

/* Fast retransmit with CUBIC: ssthresh = 0.7 FlightSize (Limited
 * Transmit's segments not counted), cwnd = ssthresh + 3 SMSS; the full
 * ACK ends recovery at <= ssthresh. */
static void test_cubic_fast_retransmit_beta(void)
{
    ts_script ts;
    open_default(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 12000), 12000);
    for (uint32_t i = 0; i < 10; i++)
        TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 1001 + 1000 * i, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, TS_SEC(1));
    sk_time_us t = TS_MS(1010);
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 11001, .ack = 5001, .len = 1000);
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 12001, .ack = 5001, .len = 1000);
    TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, t);
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.ssthresh, 7000); /* (12000 - 2000) * 0.7; NewReno: 5000 */
    SK_CHECK_EQ(in.cwnd, 10000);
    TS_INJECT(&ts, t + TS_MS(10), .flags = TS_A, .seq = 5001, .ack = 13001);
    in = ts_info(&ts);
    SK_CHECK_EQ(in.cwnd, 2000); /* min(ssthresh, max(FlightSize 0, SMSS) + SMSS) */
    SK_CHECK_EQ(in.unacked, 0);
    TS_NOTHING(&ts, t + TS_MS(10));
    ts_free(&ts);
}

/* §4.8: a timeout sets ssthresh with β and cwnd to one SMSS. */
static void test_cubic_timeout(void)
{
    ts_script ts;
    open_default(&ts);
    SK_CHECK_EQ_I(ts_send(&ts, TS_SEC(1), 10000), 10000);
    for (uint32_t i = 0; i < 10; i++)
        TS_EXPECT(&ts, TS_SEC(1), .flags = TS_A, .seq = 1001 + 1000 * i, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, TS_SEC(2) - 1);
    TS_EXPECT(&ts, TS_SEC(2), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1000);
    TS_NOTHING(&ts, TS_SEC(2));
    sk_tcp_info in = ts_info(&ts);
    SK_CHECK_EQ(in.cwnd, 1000);
    SK_CHECK_EQ(in.ssthresh, 7000);
    /* a second timeout keeps ssthresh, the loss window stays one SMSS */
    TS_EXPECT(&ts, TS_SEC(4), .flags = TS_A, .seq = 1001, .ack = 5001, .len = 1000);
    in = ts_info(&ts);
    SK_CHECK_EQ(in.cwnd, 1000);
    SK_CHECK_EQ(in.ssthresh, 7000);
    TS_INJECT(&ts, TS_MS(4010), .flags = TS_A, .seq = 5001, .ack = 11001);
    TS_NOTHING(&ts, TS_MS(4010));
    ts_free(&ts);
}

/* One slow-start ACK of `acked` bytes with `flight` bytes outstanding
 * before it, the sender application-limited or not; the change of cwnd. */
static int64_t ss_ack(drv *d, uint32_t flight, uint32_t acked, bool app_limited)
{
    d->t->x->snd_nxt = d->t->x->snd_max = sk_seq_add(d->t->snd_una, flight);
    d->now += 10000;
    int64_t grown = drv_ack_bytes(d, acked, 0, 10000, app_limited);
    d->t->x->snd_nxt = d->t->x->snd_max = d->t->snd_una; /* the driver's refill undone */
    return grown;
}

/* RFC 7661 §4.3, RFC 9438 §5.8 in slow start (both algorithms): no growth
 * while application-limited with at most half of cwnd in flight in the
 * round trip; growth once more than half was (Linux's cwnd < 2 *
 * max_packets_out), or when not application-limited at all. */
static void test_slow_start_app_limited(void)
{
    static const char *const algs[] = {"cubic", "newreno"};
    for (size_t i = 0; i < 2; i++) {
        drv d;
        SK_CHECK(drv_open(&d, algs[i]));
        uint32_t iw = d.t->cwnd;
        SK_CHECK_EQ(iw, 10 * MSS);
        SK_CHECK(d.t->cwnd < d.t->ssthresh);
        for (int r = 0; r < 5; r++) /* one small segment per round trip */
            SK_CHECK_EQ(ss_ack(&d, 100, 100, true), 0);
        /* exactly half of cwnd in flight: still application-limited */
        SK_CHECK_EQ(ss_ack(&d, 5 * MSS, 5 * MSS, true), 0);
        SK_CHECK_EQ(d.t->cwnd, iw);
        /* more than half: cwnd-limited enough to grow (by 2 SMSS, RFC 3465 L) */
        SK_CHECK_EQ(ss_ack(&d, 6 * MSS, 3 * MSS, true), 2 * MSS);
        /* cwnd is 12 SMSS now: 6 in flight is half again (the round's
         * largest flight across several ACKs: pkt_restart_idle) */
        SK_CHECK_EQ(ss_ack(&d, 6 * MSS, 6 * MSS, true), 0);
        /* a new round with a small flight: no growth again */
        SK_CHECK_EQ(ss_ack(&d, 100, 100, true), 0);
        SK_CHECK_EQ(ss_ack(&d, 100, 100, true), 0);
        /* not application-limited (data waiting): growth whatever the flight */
        SK_CHECK_EQ(ss_ack(&d, 100, 100, false), 100);
        ts_free(&d.ts);
    }
}

int main(void)
{
    SK_RUN(test_cubic_curve);
    SK_RUN(test_cubic_curve_survives_idle_pack);
    SK_RUN(test_cubic_fast_convergence);
    SK_RUN(test_cubic_reno_friendly);
    SK_RUN(test_cubic_after_timeout);
    SK_RUN(test_cubic_after_idle);
    SK_RUN(test_cubic_app_limited);
    SK_RUN(test_slow_start_app_limited);
    SK_RUN(test_spurious_undo);
    SK_RUN(test_cubic_spurious_restores_curve);
    SK_RUN(test_hystart_delay_threshold);
    SK_RUN(test_hystart_css_and_back);
    SK_RUN(test_hystart_css_rounds);
    SK_RUN(test_hystart_initial_only);
    SK_RUN(test_hystart_ack_train_exit);
    SK_RUN(test_hystart_ack_train_spread);
    SK_RUN(test_hystart_ack_train_paced);
    SK_RUN(test_cubic_fast_retransmit_beta);
    SK_RUN(test_cubic_timeout);
    return sk_test_finish();
}
