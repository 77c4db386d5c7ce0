/* sk_impair's time-stepped Gilbert-Elliott chain (`ge=p/r@QUANTUM`): the
 * chain steps once per quantum of time on its own random stream, so a loss
 * burst lasts a time, not a number of frames, and the same seed gives the
 * same good/bad pattern in time whatever the frames offered.
 *
 * The statistical bounds are those of test_sim_impair_burst.c (5 standard
 * deviations of a stationary two-state chain, derived, not tuned): with one
 * frame per quantum the frames see the chain's states one for one. */
#include "impair.h"
#include "sk_test.h"

#include <math.h>
#include <string.h>

#define QUANTA 2000000u
#define Q_US 121u /* one 1514-byte frame at 100 Mbit/s, as the bench uses */

static sk_impair_config timed_cfg(double p, double r)
{
    sk_impair_config c;
    memset(&c, 0, sizeof c);
    c.ge_p = p;
    c.ge_r = r;
    c.ge_loss_bad = 1.0;
    c.ge_loss_good = 0.0;
    c.ge_quantum_us = Q_US;
    return c;
}

typedef struct {
    uint64_t frames, lost, runs, run_total;
} loss_trace;

/* Submit one frame at each of `n` times t0 + i * step_us (no rate, no
 * delay), popping at once; lost[i] (may be NULL) gets each frame's fate. */
static loss_trace run_times(const sk_impair_config *cfg, uint64_t seed, uint64_t t0,
                            uint64_t step_us, uint32_t n, uint8_t *lost_out)
{
    sk_impair imp;
    loss_trace t = {0, 0, 0, 0};
    SK_CHECK_EQ_I(sk_impair_init(&imp, cfg, seed), 0);
    uint8_t f[64] = {0}, out[64];
    int prev = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t now = t0 + (uint64_t)i * step_us;
        int lost = sk_impair_submit(&imp, now, f, sizeof f) == SK_IMPAIR_LOST;
        size_t len;
        while (sk_impair_pop(&imp, now, out, sizeof out, &len, NULL))
            ;
        if (lost_out != NULL)
            lost_out[i] = (uint8_t)lost;
        t.frames++;
        t.lost += (uint64_t)lost;
        t.run_total += (uint64_t)lost;
        t.runs += (uint64_t)(lost && !prev);
        prev = lost;
    }
    SK_CHECK_EQ(imp.stats.bad_frames, t.lost); /* loss_bad 1, loss_good 0 */
    sk_impair_free(&imp);
    return t;
}

static double pi_bad(const sk_impair_config *c) { return c->ge_p / (c->ge_p + c->ge_r); }

/* 5 sigma of the mean state over n consecutive quanta. */
static double state_bound(const sk_impair_config *c, double n)
{
    double pi = pi_bad(c), lambda = 1.0 - c->ge_p - c->ge_r;
    return 5.0 * sqrt(pi * (1.0 - pi) * (1.0 + lambda) / (1.0 - lambda) / n);
}

/* The bench's parameters, one frame per quantum: loss p / (p + r) = 0.99 %
 * in bursts of 1 / r = 4 frames, over seeds. */
static void test_one_frame_per_quantum_rate_and_bursts(void)
{
    sk_impair_config c = timed_cfg(0.0025, 0.25);
    double want = pi_bad(&c), bound = state_bound(&c, QUANTA);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        loss_trace t = run_times(&c, seed, 0, Q_US, QUANTA, NULL);
        double rate = (double)t.lost / QUANTA;
        SK_CHECK_MSG(fabs(rate - want) < bound, "seed %llu: loss %.5f, want %.5f +- %.5f",
                     (unsigned long long)seed, rate, want, bound);
        double mean = (double)t.run_total / (double)t.runs;
        double sd = sqrt((1.0 - c.ge_r) / (c.ge_r * c.ge_r) / (double)t.runs);
        SK_CHECK_MSG(fabs(mean - 1.0 / c.ge_r) < 5.0 * sd, "seed %llu: burst %.3f, want 4 +- %.3f",
                     (unsigned long long)seed, mean, 5.0 * sd);
    }
}

/* Four frames per quantum: the loss rate is still the time in bad, and a
 * burst is 4 / r frames long (1 / r quanta): the chain runs on time. */
static void test_four_frames_per_quantum(void)
{
    sk_impair_config c = timed_cfg(0.01, 0.2);
    uint32_t n = 4u * 500000u;
    loss_trace t = run_times(&c, 21, 0, Q_US / 4u + 1u, n, NULL);
    /* frames at 31 us steps: 121 / 31 = 3.9 frames per quantum on average */
    double quanta = (double)n * (Q_US / 4u + 1u) / Q_US;
    double rate = (double)t.lost / (double)n;
    SK_CHECK_MSG(fabs(rate - pi_bad(&c)) < state_bound(&c, quanta), "loss %.5f, want %.5f",
                 rate, pi_bad(&c));
    double per_q = (double)n / quanta, mean = (double)t.run_total / (double)t.runs;
    /* frames in a burst of B quanta: per_q * B, give or take the phase of
     * the frames in the quantum (variance at most 1/4 per burst) */
    double var = per_q * per_q * (1.0 - c.ge_r) / (c.ge_r * c.ge_r) + 0.25;
    double sd = sqrt(var / (double)t.runs);
    SK_CHECK_MSG(fabs(mean - per_q / c.ge_r) < 5.0 * sd, "burst %.2f frames, want %.2f",
                 mean, per_q / c.ge_r);
}

/* The same seed gives the same pattern in time: sparse, irregular frames
 * (every 7th or 13th quantum, a few microseconds into it) meet exactly
 * the states a frame in every quantum met, even when uniform loss, dup and
 * jitter draw from the frame stream in between. */
static void test_same_pattern_whatever_is_offered(void)
{
    sk_impair_config c = timed_cfg(0.02, 0.25);
    enum { N = 200000 };
    static uint8_t dense[N];
    run_times(&c, 77, 5000, Q_US, N, dense);
    sk_impair_config noisy = c;
    noisy.loss = 0.3;
    noisy.dup = 0.2;
    noisy.jitter_us = 500;
    sk_impair imp;
    SK_CHECK_EQ_I(sk_impair_init(&imp, &noisy, 77), 0);
    uint8_t f[64] = {0}, out[64];
    uint64_t q = 0, checked = 0, bad_seen = 0, mismatched = 0;
    while (q < N) {
        uint64_t before = imp.stats.bad_frames;
        uint64_t now = 5000 + q * Q_US + (q == 0 ? 0 : q % 100u);
        sk_impair_submit(&imp, now, f, sizeof f);
        size_t len;
        while (sk_impair_pop(&imp, UINT64_MAX, out, sizeof out, &len, NULL))
            ;
        int bad = imp.stats.bad_frames != before;
        mismatched += (uint64_t)(bad != dense[q]);
        bad_seen += (uint64_t)bad;
        checked++;
        q += (q % 2u) ? 7u : 13u;
    }
    sk_impair_free(&imp);
    SK_CHECK_EQ(mismatched, 0);
    SK_CHECK(checked > 10000);
    SK_CHECK(bad_seen > 100); /* the comparison saw bad states, not only good */
}

/* Quantum 0 starts at the first frame: a link whose traffic begins at 10 s
 * has the pattern of one beginning at 0. */
static void test_origin_is_the_first_frame(void)
{
    sk_impair_config c = timed_cfg(0.02, 0.25);
    enum { N = 50000 };
    static uint8_t a[N], b[N];
    run_times(&c, 5, 0, Q_US, N, a);
    run_times(&c, 5, 10000000u, Q_US, N, b);
    SK_CHECK(memcmp(a, b, N) == 0);
}

/* With a rate the chain is read at each frame's time on the wire, not its
 * submission: frames all submitted at once, each taking one quantum to
 * serialize, meet the states of consecutive quanta, as frames submitted
 * one per quantum do. */
static void test_wire_time_behind_a_rate(void)
{
    sk_impair_config c = timed_cfg(0.02, 0.25);
    enum { N = 20000 };
    static uint8_t spaced[N];
    run_times(&c, 8, 0, Q_US, N, spaced);
    sk_impair_config r = c;
    r.bandwidth_bps = 8000000; /* 121 bytes take 121 us */
    sk_impair imp;
    SK_CHECK_EQ_I(sk_impair_init(&imp, &r, 8), 0);
    uint8_t f[121] = {0};
    uint64_t mismatched = 0, lost = 0;
    for (uint32_t i = 0; i < N; i++) {
        int l = sk_impair_submit(&imp, 0, f, sizeof f) == SK_IMPAIR_LOST;
        mismatched += (uint64_t)(l != spaced[i]);
        lost += (uint64_t)l;
    }
    sk_impair_free(&imp);
    SK_CHECK_EQ(mismatched, 0);
    SK_CHECK(lost > 50);
}

/* Frames within one quantum share its state: all lost or none. The
 * per-frame chain (no quantum) steps between them instead. */
static void test_one_quantum_one_state(void)
{
    sk_impair_config c = timed_cfg(0.2, 0.2);
    uint64_t mixed = 0, quanta_bad = 0;
    sk_impair imp;
    SK_CHECK_EQ_I(sk_impair_init(&imp, &c, 3), 0);
    uint8_t f[8] = {0};
    for (uint64_t q = 0; q < 2000; q++) {
        int n_lost = 0;
        for (int i = 0; i < 10; i++)
            n_lost += sk_impair_submit(&imp, q * Q_US + (uint64_t)i, f, sizeof f) == SK_IMPAIR_LOST;
        mixed += (uint64_t)(n_lost != 0 && n_lost != 10);
        quanta_bad += (uint64_t)(n_lost == 10);
    }
    sk_impair_free(&imp);
    SK_CHECK_EQ(mixed, 0);
    SK_CHECK(quanta_bad > 500); /* pi = 0.5 */
    /* per frame: 2000 frames at one instant still see a varying chain */
    sk_impair_config pf = c;
    pf.ge_quantum_us = 0;
    SK_CHECK_EQ_I(sk_impair_init(&imp, &pf, 3), 0);
    uint64_t lost = 0;
    for (int i = 0; i < 2000; i++)
        lost += sk_impair_submit(&imp, 0, f, sizeof f) == SK_IMPAIR_LOST;
    sk_impair_free(&imp);
    SK_CHECK_MSG(lost > 500 && lost < 1500, "per-frame chain lost %llu of 2000",
                 (unsigned long long)lost);
}

static void test_parse_quantum(void)
{
    sk_impair_config c;
    SK_CHECK_EQ_I(sk_impair_parse("ge=0.25%/25%@121us", &c, NULL, 0), 0);
    SK_CHECK(c.ge_p == 0.0025 && c.ge_r == 0.25 && c.ge_quantum_us == 121);
    SK_CHECK(c.ge_loss_bad == 1.0 && c.ge_loss_good == 0.0);
    SK_CHECK_EQ_I(sk_impair_parse("ge = 0.1/0.5/0.75/0.01 @ 1.5ms, loss=1%", &c, NULL, 0), 0);
    SK_CHECK(c.ge_quantum_us == 1500 && c.ge_loss_bad == 0.75 && c.ge_loss_good == 0.01);
    SK_CHECK(c.loss == 0.01);
    SK_CHECK_EQ_I(sk_impair_parse("ge=1%/25%", &c, NULL, 0), 0);
    SK_CHECK_EQ(c.ge_quantum_us, 0); /* per frame */
}

static void expect_error(const char *spec, const char *msg)
{
    sk_impair_config c;
    memset(&c, 0x5A, sizeof c);
    sk_impair_config before = c;
    char err[200];
    SK_CHECK_MSG(sk_impair_parse(spec, &c, err, sizeof err) == -1, "accepted '%s'", spec);
    SK_CHECK_STR(err, msg);
    SK_CHECK(memcmp(&c, &before, sizeof c) == 0);
}

static void test_parse_quantum_errors(void)
{
    expect_error("ge=1%/25%@", "ge: ge quantum: '' is not a number");
    expect_error("ge=1%/25%@121", "ge: ge quantum: '121' needs a unit (us, ms, s)");
    expect_error("ge=1%/25%@2min", "ge: ge quantum: unknown unit 'min' (us, ms, s)");
    expect_error("ge=1%/25%@0us", "ge: quantum '0us' rounds to 0 us (per-frame steps: leave out '@')");
    expect_error("ge=1%/25%@0.4us",
                 "ge: quantum '0.4us' rounds to 0 us (per-frame steps: leave out '@')");
    expect_error("ge=1%/25%@5000s", "ge: ge quantum: '5000s' is too large");
    expect_error("ge=1%@121us",
                 "ge: '1%' needs p/r, both above 0 (p/r[/loss_bad[/loss_good]])");
    expect_error("ge=1%/25%@1us@2us", "ge: ge quantum: unknown unit 'us@2us' (us, ms, s)");
}

int main(void)
{
    SK_RUN(test_one_frame_per_quantum_rate_and_bursts);
    SK_RUN(test_four_frames_per_quantum);
    SK_RUN(test_same_pattern_whatever_is_offered);
    SK_RUN(test_origin_is_the_first_frame);
    SK_RUN(test_wire_time_behind_a_rate);
    SK_RUN(test_one_quantum_one_state);
    SK_RUN(test_parse_quantum);
    SK_RUN(test_parse_quantum_errors);
    return sk_test_finish();
}
