/* sk_impair's bursty loss (Gilbert-Elliott) and its `ge=` spec item.
 *
 * The statistical checks use bounds derived from the chain, not tuned to a
 * seed. For the state indicator X (1 = bad) of a stationary two-state chain
 * with p (good -> bad) and r (bad -> good):
 *   pi = P(bad) = p / (p + r), corr(X_t, X_t+k) = lambda^k, lambda = 1 - p - r,
 *   Var(mean of N) ~= pi (1 - pi) / N * (1 + lambda) / (1 - lambda).
 * A frame's loss L given the state is Bernoulli(loss_bad or loss_good), so
 *   E[L] = pi * loss_bad + (1 - pi) * loss_good and
 *   Var(mean L) ~= [(loss_bad - loss_good)^2 Var(X part) + E[Var(L | X)]] / N.
 * Stays in bad are geometric with mean 1 / r and variance (1 - r) / r^2.
 * Each check allows 5 standard deviations (a correct model fails one with
 * probability below 1e-6); the chain starts in good, whose bias (about
 * 1 / (p + r) frames) is far below the bound. Seeded, so the runs repeat. */
#include "impair.h"
#include "sk_test.h"

#include <math.h>
#include <string.h>

#define FRAMES 1000000u

typedef struct {
    uint64_t lost;
    uint64_t runs;      /* maximal runs of consecutive lost frames */
    uint64_t run_total; /* frames in those runs */
} loss_trace;

/* Push FRAMES frames through a link with no delay, popping each at once, and
 * record the loss pattern. */
static loss_trace run_link(const sk_impair_config *cfg, uint64_t seed, sk_impair_stats *stats)
{
    sk_impair imp;
    loss_trace t = {0, 0, 0};
    SK_CHECK_EQ_I(sk_impair_init(&imp, cfg, seed), 0);
    uint8_t f[64] = {0}, out[64];
    int prev_lost = 0;
    for (uint32_t i = 0; i < FRAMES; i++) {
        int lost = sk_impair_submit(&imp, i, f, sizeof f) == SK_IMPAIR_LOST;
        size_t len;
        while (sk_impair_pop(&imp, i, out, sizeof out, &len, NULL))
            ;
        t.lost += (uint64_t)lost;
        t.run_total += (uint64_t)lost;
        t.runs += (uint64_t)(lost && !prev_lost);
        prev_lost = lost;
    }
    *stats = imp.stats;
    sk_impair_free(&imp);
    return t;
}

static double stationary_bad(double p, double r) { return p / (p + r); }

/* 5 standard deviations of the mean loss over n frames (see the top). */
static double loss_bound(const sk_impair_config *c, double n)
{
    double pi = stationary_bad(c->ge_p, c->ge_r), lambda = 1.0 - c->ge_p - c->ge_r;
    double d = c->ge_loss_bad - c->ge_loss_good;
    double state = d * d * pi * (1.0 - pi) * (1.0 + lambda) / (1.0 - lambda);
    double within = pi * c->ge_loss_bad * (1.0 - c->ge_loss_bad) +
                    (1.0 - pi) * c->ge_loss_good * (1.0 - c->ge_loss_good);
    return 5.0 * sqrt((state + within) / n);
}

static sk_impair_config ge_cfg(double p, double r, double bad, double good)
{
    sk_impair_config c;
    memset(&c, 0, sizeof c);
    c.ge_p = p;
    c.ge_r = r;
    c.ge_loss_bad = bad;
    c.ge_loss_good = good;
    return c;
}

/* The simplified form (loss only in bad, always lost there): the long-run
 * loss rate is p / (p + r) and a loss burst lasts 1 / r frames on average. */
static void test_simple_form_rate_and_bursts(void)
{
    sk_impair_config c = ge_cfg(0.01, 0.25, 1.0, 0.0);
    double want = stationary_bad(c.ge_p, c.ge_r); /* 0.03846 */
    double bound = loss_bound(&c, FRAMES);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        sk_impair_stats s;
        loss_trace t = run_link(&c, seed, &s);
        double rate = (double)t.lost / FRAMES;
        SK_CHECK_MSG(fabs(rate - want) < bound, "seed %llu: loss %.5f, want %.5f +- %.5f",
                     (unsigned long long)seed, rate, want, bound);
        /* Every frame seen in bad is lost and no other: the counters agree. */
        SK_CHECK_EQ(s.bad_frames, t.lost);
        SK_CHECK_EQ(s.burst_lost, t.lost);
        SK_CHECK_EQ(s.lost, t.lost);
        double mean = (double)t.run_total / (double)t.runs;
        double r = c.ge_r, sd = sqrt((1.0 - r) / (r * r) / (double)t.runs);
        SK_CHECK_MSG(fabs(mean - 1.0 / r) < 5.0 * sd, "seed %llu: burst %.3f, want %.3f +- %.3f",
                     (unsigned long long)seed, mean, 1.0 / r, 5.0 * sd);
    }
}

/* The general form: loss in both states, with their own probabilities. */
static void test_general_form_rate(void)
{
    sk_impair_config c = ge_cfg(0.05, 0.3, 0.6, 0.02);
    double pi = stationary_bad(c.ge_p, c.ge_r);
    double want = pi * c.ge_loss_bad + (1.0 - pi) * c.ge_loss_good; /* 0.1029 */
    double bound = loss_bound(&c, FRAMES);
    sk_impair_stats s;
    loss_trace t = run_link(&c, 11, &s);
    double rate = (double)t.lost / FRAMES;
    SK_CHECK_MSG(fabs(rate - want) < bound, "loss %.5f, want %.5f +- %.5f", rate, want, bound);
    /* Time in bad follows pi alone (a 0/1 chain: loss_bad 1, loss_good 0). */
    sk_impair_config states = ge_cfg(c.ge_p, c.ge_r, 1.0, 0.0);
    double bad = (double)s.bad_frames / FRAMES;
    SK_CHECK_MSG(fabs(bad - pi) < loss_bound(&states, FRAMES), "bad %.5f, want %.5f", bad, pi);
}

/* Uniform loss and the chain both apply: a frame survives only if both let
 * it through, and the counters say which one took it. */
static void test_with_uniform_loss(void)
{
    sk_impair_config c = ge_cfg(0.01, 0.25, 1.0, 0.0);
    c.loss = 0.05;
    double ge = stationary_bad(c.ge_p, c.ge_r);
    double want = 1.0 - (1.0 - c.loss) * (1.0 - ge);
    sk_impair_stats s;
    loss_trace t = run_link(&c, 5, &s);
    double rate = (double)t.lost / FRAMES;
    /* The uniform part adds at most a binomial 5 sigma. */
    double bound = loss_bound(&c, FRAMES) + 5.0 * sqrt(c.loss * (1.0 - c.loss) / FRAMES);
    SK_CHECK_MSG(fabs(rate - want) < bound, "loss %.5f, want %.5f +- %.5f", rate, want, bound);
    SK_CHECK(s.burst_lost < s.lost);
    SK_CHECK(s.burst_lost > 0);
    /* burst_lost counts the bad-state frames that the uniform draw spared. */
    double spared = (double)s.burst_lost / (double)s.bad_frames;
    SK_CHECK_MSG(fabs(spared - (1.0 - c.loss)) < 5.0 * sqrt(0.05 * 0.95 / (double)s.bad_frames),
                 "spared %.4f", spared);
}

/* Same seed, same losses; the chain really makes bursts (a uniform loss of
 * the same rate has far shorter runs). */
static void test_deterministic_and_bursty(void)
{
    sk_impair_config c = ge_cfg(0.01, 0.1, 1.0, 0.0);
    sk_impair_stats s1, s2;
    loss_trace a = run_link(&c, 9, &s1), b = run_link(&c, 9, &s2);
    SK_CHECK_EQ(a.lost, b.lost);
    SK_CHECK_EQ(a.runs, b.runs);
    sk_impair_config u;
    memset(&u, 0, sizeof u);
    u.loss = stationary_bad(c.ge_p, c.ge_r);
    loss_trace un = run_link(&u, 9, &s2);
    double ge_mean = (double)a.run_total / (double)a.runs;
    double u_mean = (double)un.run_total / (double)un.runs;
    SK_CHECK_MSG(ge_mean > 5.0 * u_mean, "ge bursts %.2f, uniform %.2f", ge_mean, u_mean);
    SK_CHECK_EQ(s2.burst_lost, 0);
    SK_CHECK_EQ(s2.bad_frames, 0);
}

static void test_init_rejects_bad_chain(void)
{
    sk_impair imp;
    sk_impair_config c = ge_cfg(0.1, 0.0, 1.0, 0.0); /* never leaves bad */
    SK_CHECK_EQ_I(sk_impair_init(&imp, &c, 1), -1);
    c = ge_cfg(0.1, 1.5, 1.0, 0.0);
    SK_CHECK_EQ_I(sk_impair_init(&imp, &c, 1), -1);
    c = ge_cfg(0.1, 0.5, (double)NAN, 0.0);
    SK_CHECK_EQ_I(sk_impair_init(&imp, &c, 1), -1);
    c = ge_cfg(0.1, 0.5, 1.0, -0.1);
    SK_CHECK_EQ_I(sk_impair_init(&imp, &c, 1), -1);
    c = ge_cfg(1.0, 1.0, 1.0, 1.0);
    SK_CHECK_EQ_I(sk_impair_init(&imp, &c, 1), 0);
    sk_impair_free(&imp);
}

static void test_parse_ge(void)
{
    sk_impair_config c;
    SK_CHECK_EQ_I(sk_impair_parse("ge=1%/25%", &c, NULL, 0), 0);
    SK_CHECK(c.ge_p == 0.01 && c.ge_r == 0.25);
    SK_CHECK(c.ge_loss_bad == 1.0 && c.ge_loss_good == 0.0); /* the defaults */
    SK_CHECK_EQ_I(sk_impair_parse("loss=1%, ge = 0.02 / 0.5 / 0.75 / 0.001", &c, NULL, 0), 0);
    SK_CHECK(c.ge_p == 0.02 && c.ge_r == 0.5 && c.ge_loss_bad == 0.75);
    SK_CHECK(c.ge_loss_good == 0.001 && c.loss == 0.01);
    SK_CHECK_EQ_I(sk_impair_parse("ge=0.1/1/50%", &c, NULL, 0), 0);
    SK_CHECK(c.ge_r == 1.0 && c.ge_loss_bad == 0.5 && c.ge_loss_good == 0.0);
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

static void test_parse_ge_errors(void)
{
    const char *form = "(p/r[/loss_bad[/loss_good]])";
    char want[200];
    expect_error("ge=", "ge: missing value");
    snprintf(want, sizeof want, "ge: '0.1' needs p/r, both above 0 %s", form);
    expect_error("ge=0.1", want);
    snprintf(want, sizeof want, "ge: '0/0.5' needs p/r, both above 0 %s", form);
    expect_error("ge=0/0.5", want);
    snprintf(want, sizeof want, "ge: '0.1/0%%' needs p/r, both above 0 %s", form);
    expect_error("ge=0.1/0%", want);
    snprintf(want, sizeof want, "ge: '0.1/0.2/0.3/0.4/0.5' has more than 4 parts %s", form);
    expect_error("ge=0.1/0.2/0.3/0.4/0.5", want);
    snprintf(want, sizeof want, "ge: r is missing in '0.1//0.5' %s", form);
    expect_error("ge=0.1//0.5", want);
    snprintf(want, sizeof want, "ge: loss_bad is missing in '0.1/0.2/' %s", form);
    expect_error("ge=0.1/0.2/", want);
    expect_error("ge=0.1/abc", "ge: r: 'abc' is not a probability (0..1 or 0%..100%)");
    expect_error("ge=0.1/1.5", "ge: r: '1.5' is above 1 (100%)");
    expect_error("ge=0.1/0.5/0.5/-1", "ge: loss_good: '-1' is not a probability (0..1 or 0%..100%)");
    expect_error("ge=0.1/0.2,ge=0.1/0.2", "ge given twice");
    expect_error("burst=1", "unknown key 'burst' (loss, dup, reorder, corrupt, delay, jitter, "
                            "reorder_delay, rate, queue, mtu, ge)");
}

int main(void)
{
    SK_RUN(test_simple_form_rate_and_bursts);
    SK_RUN(test_general_form_rate);
    SK_RUN(test_with_uniform_loss);
    SK_RUN(test_deterministic_and_bursty);
    SK_RUN(test_init_rejects_bad_chain);
    SK_RUN(test_parse_ge);
    SK_RUN(test_parse_ge_errors);
    return sk_test_finish();
}
