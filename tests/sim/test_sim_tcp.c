/* Seeded simulation of two real synack stacks (layer 3 of the test plan):
 * bidirectional transfers over impaired links, verified byte for byte, with
 * clean closes and nothing left behind, plus many connections at once,
 * simultaneous close, a dying link, a long zero-window stall and a reset.
 *
 * Environment:
 *   SYNACK_SIM_SEEDS=N     seeds of the sweep (default 2000, N >= 1); the
 *                          other scenarios scale with it (N/2000 of their
 *                          default, at least one). The sweep's coverage
 *                          assertions hold for any N: below the seeds they
 *                          need, the sweep runs on (seeds N+1, ...) until
 *                          every impairment and recovery path was seen, at
 *                          most to the default 2000.
 *   SYNACK_SIM_SEED=S      run only seed S of each scenario (replays a
 *                          failure; the sweep's coverage is not asserted)
 *   SYNACK_SIM_ONLY=name   run only one scenario: sweep, many, simclose,
 *                          linkdies, stall, reset, rfc, tinymtu, churn,
 *                          determinism
 *   SYNACK_SIM_VERBOSE=1   print every frame on the link
 * A value that does not parse, N = 0, or a scenario name that is not in the
 * list fails the run before any seed: a misspelt variable must not turn
 * into a run of zero seeds that passes. */
#include "sim_pair.h"
#include "sk_test.h"

#include "base/rng.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define KB 1024u
#define MS 1000u
#define SEC 1000000u
#define MAX_FAILS 5 /* failing seeds reported per scenario before giving up */

#define DEFAULT_SEEDS 2000u

static uint32_t g_seeds = DEFAULT_SEEDS;
static bool g_seeds_given;
static bool g_one;
static uint64_t g_seed;
static const char *g_only;
static bool g_verbose;

typedef void (*make_fn)(sp_scenario *sc, uint64_t seed);

typedef struct {
    uint32_t runs, fails;
    sp_result sum;
} totals;

static void add_result(sp_result *sum, const sp_result *r)
{
    for (int d = 0; d < 2; d++) {
        sum->bytes[d] += r->bytes[d];
        sum->persist_fired[d] += r->persist_fired[d];
        sum->n_timedout[d] += r->n_timedout[d];
        sum->n_reset[d] += r->n_reset[d];
        sum->n_closing[d] += r->n_closing[d];
        sum->n_time_wait[d] += r->n_time_wait[d];
        sum->n_late_rst[d] += r->n_late_rst[d];
    }
    sum->retransmits += r->retransmits;
    sum->timeouts += r->timeouts;
    sum->fast_retransmits += r->fast_retransmits;
    sum->zero_wnd_acks += r->zero_wnd_acks;
    sum->ooo_segments += r->ooo_segments;
    sum->sack_blocks_out += r->sack_blocks_out;
    sum->dsack_out += r->dsack_out;
    sum->sack_recoveries += r->sack_recoveries;
    sum->rack_marks += r->rack_marks;
    sum->rack_reordering += r->rack_reordering;
    sum->sack_ranges_untold += r->sack_ranges_untold;
    sum->tlp_probes += r->tlp_probes;
    sum->sndbuf_grown += r->sndbuf_grown;
    sum->rcvbuf_grown += r->rcvbuf_grown;
    sum->ts_rtt_samples += r->ts_rtt_samples;
    sum->spurious_rtos += r->spurious_rtos;
    sum->spurious_frs += r->spurious_frs;
    sum->lost += r->lost;
    sum->dup += r->dup;
    sum->reordered += r->reordered;
    sum->corrupted += r->corrupted;
    sum->corrupt_dropped += r->corrupt_dropped;
    sum->queue_drops += r->queue_drops;
    if (r->end_us > sum->end_us)
        sum->end_us = r->end_us; /* the longest run */
}

/* Run seeds first .. first+count-1 (or only SYNACK_SIM_SEED) of a scenario
 * into *t; `check` adds the scenario's own expectations on each result.
 * Returns false once MAX_FAILS seeds failed. */
static bool run_range(const char *name, uint32_t count, uint64_t first, make_fn make,
                      void (*check)(const sp_scenario *, const sp_result *), totals *t)
{
    char replay[160];
    for (uint32_t i = 0; i < (g_one ? 1u : count); i++) {
        uint64_t seed = g_one ? g_seed : first + i;
        sp_scenario sc;
        make(&sc, seed);
        sc.name = name;
        sc.verbose = g_verbose;
        snprintf(replay, sizeof replay,
                 "SYNACK_SIM_ONLY=%s SYNACK_SIM_SEED=%llu ./test_sim_tcp "
                 "(SYNACK_SIM_VERBOSE=1 prints every frame)",
                 name, (unsigned long long)seed);
        sc.replay = replay;
        sp_result r;
        int before = sk_test_current_failed();
        bool ok = sp_run(&sc, &r);
        SK_CHECK_MSG(ok, "%s: seed %llu failed (see above)", name, (unsigned long long)seed);
        if (ok && check != NULL) {
            check(&sc, &r);
            if (sk_test_current_failed() && !before)
                printf("    replay: %s\n", replay);
        }
        t->runs++;
        add_result(&t->sum, &r);
        if (!ok || (sk_test_current_failed() && !before))
            t->fails++;
        if (t->fails >= MAX_FAILS) {
            printf("  %s: stopping after %u failing seeds\n", name, t->fails);
            return false;
        }
    }
    return true;
}

static void print_totals(const char *name, const totals *t)
{
    printf("  %s: %u seed(s), %llu + %llu bytes verified, %llu retransmits (%llu fast, %llu SACK recoveries, %llu RACK marks, %llu TLPs, %llu RTOs), "
           "lost %llu dup %llu reordered %llu corrupted %llu (dropped %llu) queue drops %llu, "
           "zero-window ACKs %llu, persist %llu+%llu, buffers grown %llu send %llu receive, "
           "longest run %.1f s virtual\n",
           name, t->runs, (unsigned long long)t->sum.bytes[0], (unsigned long long)t->sum.bytes[1],
           (unsigned long long)t->sum.retransmits, (unsigned long long)t->sum.fast_retransmits,
           (unsigned long long)t->sum.sack_recoveries, (unsigned long long)t->sum.rack_marks,
           (unsigned long long)t->sum.tlp_probes, (unsigned long long)t->sum.timeouts, (unsigned long long)t->sum.lost,
           (unsigned long long)t->sum.dup, (unsigned long long)t->sum.reordered,
           (unsigned long long)t->sum.corrupted, (unsigned long long)t->sum.corrupt_dropped,
           (unsigned long long)t->sum.queue_drops, (unsigned long long)t->sum.zero_wnd_acks,
           (unsigned long long)t->sum.persist_fired[0], (unsigned long long)t->sum.persist_fired[1],
           (unsigned long long)t->sum.sndbuf_grown, (unsigned long long)t->sum.rcvbuf_grown,
           (double)t->sum.end_us / 1e6);
}

static bool selected(const char *name)
{
    return g_only == NULL || strcmp(g_only, name) == 0;
}

/* Run `count` seeds of a scenario (scaled with SYNACK_SIM_SEEDS, at least
 * one), or only SYNACK_SIM_SEED. A selected scenario that ran no seed fails. */
static totals run_seeds(const char *name, uint32_t count, uint64_t first, make_fn make,
                        void (*check)(const sp_scenario *, const sp_result *))
{
    totals t;
    memset(&t, 0, sizeof t);
    if (!selected(name))
        return t;
    if (g_seeds_given && strcmp(name, "sweep") != 0) /* scale with the sweep */
        count = (uint32_t)((uint64_t)count * g_seeds / DEFAULT_SEEDS) + 1u;
    run_range(name, count, first, make, check, &t);
    print_totals(name, &t);
    SK_CHECK_MSG(t.runs > 0, "%s: no seed ran", name);
    return t;
}

static double unit(sk_rng *r) { return sk_rng_unit(r); }
static uint32_t between(sk_rng *r, uint32_t lo, uint32_t hi)
{
    return lo + (uint32_t)sk_rng_below(r, (uint64_t)hi - lo + 1u);
}

/* ------------------------------------------------------------------------
 * The sweep: every impairment, MTU/MSS mixes, buffer sizes, I/O patterns
 * ---------------------------------------------------------------------- */
static double pick_loss(sk_rng *r)
{
    switch (sk_rng_below(r, 4)) {
    case 0: return 0.0;
    case 1: return unit(r) * 0.03;
    case 2: return 0.03 + unit(r) * 0.07;
    default: return 0.10 + unit(r) * 0.20;
    }
}

static void sweep_link(sk_impair_config *l, sk_rng *r, double loss, uint32_t mtu)
{
    memset(l, 0, sizeof *l);
    l->loss = loss * (0.7 + 0.3 * unit(r));
    l->delay_us = between(r, 200, 50 * MS);
    if (sk_rng_chance(r, 0.5))
        l->jitter_us = between(r, 0, l->delay_us / 2 + 100);
    if (sk_rng_chance(r, 0.3))
        l->reorder = unit(r) * 0.10;
    if (sk_rng_chance(r, 0.25))
        l->dup = unit(r) * 0.05;
    if (sk_rng_chance(r, 0.25))
        l->corrupt = unit(r) * 0.05;
    if (sk_rng_chance(r, 0.35)) { /* a bottleneck with a small queue */
        l->bandwidth_bps = (uint64_t)between(r, 1000, 20000) * 1000u;
        l->queue_limit_bytes = between(r, 2 * mtu, 32 * KB);
    }
    l->mtu = mtu;
}

static uint32_t pick_buf(sk_rng *r)
{
    static const uint32_t sizes[] = {4 * KB, 8 * KB, 16 * KB, 32 * KB, 64 * KB, 256 * KB};
    return sizes[sk_rng_below(r, sizeof sizes / sizeof sizes[0])];
}

static uint32_t pick_io(sk_rng *r)
{
    static const uint32_t sizes[] = {64, 536, 1460, 4096, 8192, 65536};
    return sizes[sk_rng_below(r, sizeof sizes / sizeof sizes[0])];
}

static void sweep_stacks(sp_scenario *sc, sk_rng *r, bool rfc)
{
    for (int side = 0; side < 2; side++) {
        sk_stack_config *k = &sc->cfg[side];
        if (rfc) { /* the RFC defaults: RTO min 1 s, TIME-WAIT 60 s, 12/6 retries */
            sk_stack_config_default(k);
            k->max_sockets = 128;
        }
        k->mtu = sk_rng_chance(r, 0.5) ? 1500 : (uint16_t)between(r, 576, 1500);
        k->sndbuf = pick_buf(r);
        k->rcvbuf = pick_buf(r);
        k->window_scaling = sk_rng_chance(r, 0.8);
        sc->mss[side] = sk_rng_chance(r, 0.5) ? 0 : (uint16_t)between(r, 536, k->mtu - 40u);
    }
}

/* SACK and timestamps on or off per side (RFC 2018, RFC 7323): each side
 * offers what it is configured for, so all four negotiation outcomes
 * occur. A stream of its own, so the other choices of a seed stay what
 * they were before this dimension existed. */
static void sweep_options(sp_scenario *sc, uint64_t seed)
{
    sk_rng r;
    sk_rng_seed(&r, seed * 0x2545f4914f6cdd1dull + 0x5ac4ull);
    for (int side = 0; side < 2; side++) {
        sc->cfg[side].sack = sk_rng_chance(&r, 0.5);
        sc->cfg[side].timestamps = sk_rng_chance(&r, 0.5);
    }
}

static void make_sweep_rfc(sp_scenario *sc, uint64_t seed, bool rfc)
{
    sp_scenario_default(sc, seed);
    sk_rng r;
    sk_rng_seed(&r, seed * 0x9e3779b97f4a7c15ull + 0x5eedull);
    sweep_stacks(sc, &r, rfc);
    sweep_options(sc, seed);
    double loss = pick_loss(&r);
    if (rfc && loss > 0.05)
        loss = 0.05; /* 6 SYN retries are not meant for 30% loss */
    uint32_t mtu = sc->cfg[0].mtu < sc->cfg[1].mtu ? sc->cfg[0].mtu : sc->cfg[1].mtu;
    sweep_link(&sc->link[0], &r, loss, mtu);
    sweep_link(&sc->link[1], &r, loss, mtu);
    for (int d = 0; d < 2; d++) {
        sc->bytes[d] = between(&r, 20 * KB, 200 * KB);
        if (loss < 0.03 && sk_rng_chance(&r, 0.03))
            sc->bytes[d] = between(&r, 1024 * KB, 2048 * KB);
    }
    sc->write_max = pick_io(&r);
    sc->read_max = pick_io(&r);
    if (sk_rng_chance(&r, 0.4)) {
        sc->pause_chance = 0.005 + unit(&r) * 0.045;
        sc->pause_max_us = between(&r, 10 * MS, SEC);
    }
    uint64_t c = sk_rng_below(&r, 20);
    sc->close = c < 9 ? SP_CLOSE_CLIENT_FIRST : c < 18 ? SP_CLOSE_SERVER_FIRST : SP_CLOSE_SIMULTANEOUS;
    sc->time_limit_us = 3600ull * SEC;
    sc->second_closes = sk_rng_chance(&r, 0.3);
    sc->nodelay[0] = sk_rng_chance(&r, 0.3);
    sc->nodelay[1] = sk_rng_chance(&r, 0.3);
    if (sk_rng_chance(&r, 0.2))
        sc->keepalive_us = between(&r, 100 * MS, 2 * SEC);
    /* congestion control and initial window, drawn last so that the
     * draws above (and the runs they gave before) are unchanged */
    static const uint8_t iws[] = {10, 10, 0, 1, 64};
    for (int side = 0; side < 2; side++) {
        sc->cfg[side].congestion_control = sk_rng_chance(&r, 0.5) ? "newreno" : "cubic";
        sc->cfg[side].initial_window_segments = iws[sk_rng_below(&r, sizeof iws)];
    }
    /* send buffer auto-tuning on half the seeds (up to 8x the buffer),
     * drawn after everything else for the same reason; then the receive
     * buffer's */
    for (int side = 0; side < 2; side++)
        if (sk_rng_chance(&r, 0.5))
            sc->cfg[side].sndbuf_max = sc->cfg[side].sndbuf * 8u;
    for (int side = 0; side < 2; side++)
        if (sk_rng_chance(&r, 0.5))
            sc->cfg[side].rcvbuf_max = sc->cfg[side].rcvbuf * 8u;
}

static void make_sweep(sp_scenario *sc, uint64_t seed)
{
    make_sweep_rfc(sc, seed, false);
}

static void make_rfc(sp_scenario *sc, uint64_t seed)
{
    make_sweep_rfc(sc, seed, true);
}

/* runs check_clean held to "no reordering inferred" (the sweep asserts
 * there were some) */
static uint32_t g_no_reorder_runs;

static void check_clean(const sp_scenario *sc, const sp_result *r)
{
    SK_CHECK_EQ(r->bytes[0], (uint64_t)sc->bytes[0] * sc->n_conns);
    SK_CHECK_EQ(r->bytes[1], (uint64_t)sc->bytes[1] * sc->n_conns);
    SK_CHECK_EQ(r->corrupt_dropped, r->corrupted);
    SK_CHECK_EQ(r->conn_timeouts, 0);
    /* RFC 8985 §6.2 step 3 infers reordering from what arrived out of
     * order: a link that reordered nothing (jitter never lets a copy
     * overtake, sim/impair.c) gives no such ACK, whatever it lost, delayed,
     * duplicated or corrupted, unless a receiver held more out-of-order
     * ranges than an ACK's blocks can list (RFC 2018 §4: a range told
     * first later, below the highest SACKed, reads as reordering to RACK
     * as to Linux). Before 2026-12-06 about one seed in forty failed this
     * (zeroed RACK.fack, blocks delivered before the cumulative ranges,
     * owed ACKs' DSACK and stale blocks) */
    if (r->reordered == 0 && r->sack_ranges_untold == 0) {
        SK_CHECK_EQ(r->rack_reordering, 0);
        g_no_reorder_runs++;
    }
}

/* What the sweep must have exercised for its claim ("every impairment")
 * to hold; writes the names of what is missing into buf. */
static bool sweep_covered(const sp_result *s, char *buf, size_t cap)
{
    const struct {
        const char *what;
        bool seen;
    } need[] = {
        {"loss", s->lost > 0},
        {"duplication", s->dup > 0},
        {"reordering", s->reordered > 0},
        {"corruption", s->corrupted > 0},
        {"queue drops", s->queue_drops > 0},
        {"fast retransmit", s->fast_retransmits > 0},
        {"RTO", s->timeouts > 0},
        {"out-of-order segments", s->ooo_segments > 0},
        {"SACK blocks", s->sack_blocks_out > 0}, /* the SACK/timestamp dimension */
        {"DSACK blocks", s->dsack_out > 0},
        {"SACK-based recoveries (RFC 6675)", s->sack_recoveries > 0},
        /* and NewReno's, for the seeds without SACK: more fast
         * retransmits than SACK recoveries */
        {"NewReno recoveries", s->fast_retransmits > s->sack_recoveries},
        {"RACK loss marks (RFC 8985)", s->rack_marks > 0},
        {"tail loss probes", s->tlp_probes > 0},
        {"send buffers grown by auto-tuning", s->sndbuf_grown > 0},
        {"receive buffers grown by auto-tuning", s->rcvbuf_grown > 0},
        {"timestamp RTT samples", s->ts_rtt_samples > 0},
        {"zero-window ACKs", s->zero_wnd_acks > 0},
        {"persist timer", s->persist_fired[0] + s->persist_fired[1] > 0},
        {"client CLOSING", s->n_closing[0] > 0},
        {"server CLOSING", s->n_closing[1] > 0},
    };
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!need[i].seen && used < cap)
            used += (size_t)snprintf(buf + used, cap - used, " %s", need[i].what);
    return buf[0] == '\0';
}

static void test_sweep(void)
{
    if (!selected("sweep"))
        return;
    totals t;
    memset(&t, 0, sizeof t);
    bool go = run_range("sweep", g_seeds, 1, make_sweep, check_clean, &t);
    char missing[256];
    /* a reduced run tops up with the next seeds until the coverage holds,
     * so the assertions below mean the same for any seed count */
    uint32_t extra = 0;
    while (go && !g_one && t.runs < DEFAULT_SEEDS && !sweep_covered(&t.sum, missing, sizeof missing)) {
        go = run_range("sweep", 1, 1u + t.runs, make_sweep, check_clean, &t);
        extra++;
    }
    print_totals("sweep", &t);
    if (extra > 0)
        printf("  sweep: %u seed(s) beyond SYNACK_SIM_SEEDS=%u run for the coverage\n", extra,
               g_seeds);
    SK_CHECK_MSG(t.runs > 0, "sweep: no seed ran");
    if (g_one) {
        printf("  sweep: coverage not asserted (replay of seed %llu)\n",
               (unsigned long long)g_seed);
        return;
    }
    SK_CHECK_MSG(sweep_covered(&t.sum, missing, sizeof missing),
                 "sweep: %u seeds never exercised:%s", t.runs, missing);
    printf("  sweep: %u seed(s) reordered nothing and left no SACK range untold: "
           "RACK inferred no reordering in any\n", g_no_reorder_runs);
    SK_CHECK_MSG(g_no_reorder_runs > 0, "sweep: no seed without reordering to check RACK's inference");
}

/* The same seed gives the same run, event for event: every link event
 * (what happened, when, between whom, and the frame's bytes) hashes alike
 * in both runs, and every counter of the result is equal. Another seed for
 * the same scenario must change the hash, or the hash proves nothing. */
static void test_determinism(void)
{
    if (!selected("determinism"))
        return;
    uint64_t n = g_one ? 1 : 20;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t seed = g_one ? g_seed : 1 + i;
        sp_scenario sc;
        make_sweep(&sc, seed);
        sc.name = "determinism";
        sp_result a, b, c;
        bool ok_a = sp_run(&sc, &a);
        bool ok_b = sp_run(&sc, &b);
        sc.seed = seed ^ 0x8000000000000000ull; /* stacks' keys, data, link faults */
        bool ok_c = sp_run(&sc, &c);
        SK_CHECK(ok_a && ok_b && ok_c);
        SK_CHECK(a.frames > 0);
        SK_CHECK_MSG(a.frames == b.frames && a.frame_hash == b.frame_hash,
                     "seed %llu: two runs differ on the link (%llu events, hash %016llx; "
                     "%llu events, hash %016llx)",
                     (unsigned long long)seed, (unsigned long long)a.frames,
                     (unsigned long long)a.frame_hash, (unsigned long long)b.frames,
                     (unsigned long long)b.frame_hash);
        SK_CHECK_MSG(memcmp(&a, &b, sizeof a) == 0, "seed %llu: two runs' results differ",
                     (unsigned long long)seed);
        SK_CHECK_MSG(c.frame_hash != a.frame_hash,
                     "seed %llu: another seed gives the same link hash %016llx",
                     (unsigned long long)seed, (unsigned long long)a.frame_hash);
    }
    printf("  determinism: %llu seed(s), each run twice plus once perturbed\n",
           (unsigned long long)n);
}

/* The RFC defaults (RTO min 1 s, TIME-WAIT 60 s, 12 retries). */
static void test_rfc_defaults(void)
{
    run_seeds("rfc", 60, 100001, make_rfc, check_clean);
}

/* ------------------------------------------------------------------------
 * Many connections at once on one stack pair, under loss
 * ---------------------------------------------------------------------- */
static void make_many(sp_scenario *sc, uint64_t seed)
{
    sp_scenario_default(sc, seed);
    sk_rng r;
    sk_rng_seed(&r, seed ^ 0x3a11ull);
    sc->n_conns = 50;
    double loss = 0.01 + unit(&r) * 0.04;
    for (int d = 0; d < 2; d++) {
        sc->link[d].loss = loss;
        sc->link[d].delay_us = between(&r, 1 * MS, 20 * MS);
        sc->link[d].jitter_us = between(&r, 0, 2 * MS);
        sc->link[d].bandwidth_bps = 50000000;
        sc->link[d].queue_limit_bytes = 128 * KB;
        sc->bytes[d] = between(&r, 10 * KB, 40 * KB);
        sc->cfg[d].sndbuf = sc->cfg[d].rcvbuf = 16 * KB;
    }
    sc->connect_spread_us = 200 * MS;
    sc->pause_chance = 0.01;
    sc->pause_max_us = 100 * MS;
    sc->close = (enum sp_close)sk_rng_below(&r, 2);
}

static void test_many_connections(void)
{
    run_seeds("many", 10, 200001, make_many, check_clean);
}

/* ------------------------------------------------------------------------
 * Simultaneous close: both FINs cross, both sides go through CLOSING and
 * wait in TIME-WAIT
 * ---------------------------------------------------------------------- */
static void make_simclose(sp_scenario *sc, uint64_t seed)
{
    sp_scenario_default(sc, seed);
    sk_rng r;
    sk_rng_seed(&r, seed ^ 0x51c1ull);
    bool lossy = seed % 2 == 0;
    for (int d = 0; d < 2; d++) {
        sc->link[d].delay_us = between(&r, 1 * MS, 30 * MS);
        sc->link[d].loss = lossy ? 0.02 + unit(&r) * 0.1 : 0.0;
        sc->bytes[d] = between(&r, 1, 100 * KB);
    }
    sc->n_conns = between(&r, 1, 4);
    sc->close = SP_CLOSE_SIMULTANEOUS;
}

static void check_simclose(const sp_scenario *sc, const sp_result *r)
{
    check_clean(sc, r);
    /* both are active closers: each goes through TIME-WAIT, unless its
     * FIN went unanswered until the peer's TIME-WAIT had ended */
    SK_CHECK_EQ(r->n_time_wait[0] + r->n_late_rst[0], sc->n_conns);
    SK_CHECK_EQ(r->n_time_wait[1] + r->n_late_rst[1], sc->n_conns);
    if (sc->link[0].loss == 0.0 && sc->link[1].loss == 0.0) {
        SK_CHECK_EQ(r->n_closing[0], sc->n_conns);
        SK_CHECK_EQ(r->n_closing[1], sc->n_conns);
    }
}

static void test_simultaneous_close(void)
{
    run_seeds("simclose", 60, 300001, make_simclose, check_simclose);
}

/* ------------------------------------------------------------------------
 * The link dies mid-transfer: both applications get SK_ETIMEDOUT from the
 * retry limit, and nothing leaks
 * ---------------------------------------------------------------------- */
static void make_linkdies(sp_scenario *sc, uint64_t seed)
{
    sp_scenario_default(sc, seed);
    sk_rng r;
    sk_rng_seed(&r, seed ^ 0xdeadull);
    for (int d = 0; d < 2; d++) {
        sc->link[d].delay_us = between(&r, 1 * MS, 30 * MS);
        sc->link[d].loss = unit(&r) * 0.05;
        sc->link[d].bandwidth_bps = 10000000;
        sc->link[d].queue_limit_bytes = 64 * KB;
        sc->bytes[d] = 8192 * KB;
        sc->cfg[d].max_retries = (uint8_t)between(&r, 3, 12);
    }
    sc->n_conns = between(&r, 1, 3);
    sc->cut_at_us = between(&r, 300 * MS, 3 * SEC);
}

static void check_linkdies(const sp_scenario *sc, const sp_result *r)
{
    SK_CHECK_EQ(r->n_timedout[0], sc->n_conns);
    /* a connection still half-open at the cut never reached the server
     * application: its SYN,ACK retries time it out silently */
    SK_CHECK_EQ(r->n_timedout[1], r->n_accepted);
    SK_CHECK(r->conn_timeouts >= (uint64_t)r->n_timedout[0] + r->n_timedout[1]);
    SK_CHECK(r->bytes[0] < (uint64_t)sc->bytes[0] * sc->n_conns);
    SK_CHECK(r->done_us > sc->cut_at_us);
}

static void test_link_dies(void)
{
    run_seeds("linkdies", 30, 400001, make_linkdies, check_linkdies);
}

/* ------------------------------------------------------------------------
 * A receiver stops reading for 10 s: the window closes, the sender probes
 * on its persist timer, the transfer completes and nothing is aborted
 * ---------------------------------------------------------------------- */
static void make_stall(sp_scenario *sc, uint64_t seed)
{
    sp_scenario_default(sc, seed);
    sk_rng r;
    sk_rng_seed(&r, seed ^ 0x57a1ull);
    int side = (int)sk_rng_below(&r, 2);
    for (int d = 0; d < 2; d++) {
        sc->link[d].delay_us = between(&r, 1 * MS, 30 * MS);
        sc->link[d].loss = seed % 3 == 0 ? 0.0 : unit(&r) * 0.03;
        sc->bytes[d] = between(&r, 100 * KB, 300 * KB);
    }
    sc->cfg[side].rcvbuf = 16 * KB;
    sc->stall_side = side;
    sc->stall_at = between(&r, 1, 60 * KB);
    sc->stall_us = 10ull * SEC;
    sc->close = (enum sp_close)sk_rng_below(&r, 3);
}

static void check_stall(const sp_scenario *sc, const sp_result *r)
{
    check_clean(sc, r);
    int sender = 1 - sc->stall_side;
    SK_CHECK_MSG(r->persist_fired[sender] > 0, "the %s never probed the zero window",
                 sender == SP_CLIENT ? "client" : "server");
    SK_CHECK(r->zero_wnd_acks > 0);
    SK_CHECK(r->done_us > sc->stall_us);
}

static void test_zero_window_stall(void)
{
    run_seeds("stall", 30, 500001, make_stall, check_stall);
}

/* ------------------------------------------------------------------------
 * One side aborts mid-transfer: the other gets SK_ECONNRESET
 * ---------------------------------------------------------------------- */
static void make_reset(sp_scenario *sc, uint64_t seed)
{
    sp_scenario_default(sc, seed);
    sk_rng r;
    sk_rng_seed(&r, seed ^ 0x4e5eull);
    for (int d = 0; d < 2; d++) {
        sc->link[d].delay_us = between(&r, 1 * MS, 30 * MS);
        sc->link[d].loss = seed % 2 == 0 ? 0.0 : unit(&r) * 0.05;
        sc->bytes[d] = 1024 * KB;
    }
    sc->n_conns = between(&r, 1, 3);
    sc->abort_side = (int)sk_rng_below(&r, 2);
    sc->abort_after = between(&r, 1, 200 * KB);
}

static void check_reset(const sp_scenario *sc, const sp_result *r)
{
    int other = 1 - sc->abort_side;
    SK_CHECK_EQ(r->n_reset[other], sc->n_conns);
    SK_CHECK_EQ(r->n_reset[sc->abort_side], 0);
    SK_CHECK_EQ(r->conn_timeouts, 0);
}

static void test_reset_mid_transfer(void)
{
    run_seeds("reset", 60, 600001, make_reset, check_reset);
}

/* ------------------------------------------------------------------------
 * Churn: 64 short connections opened over 10 s, some with nothing to send
 * (the client then shuts down in SYN-SENT, before the handshake is done)
 * ---------------------------------------------------------------------- */
static void make_churn(sp_scenario *sc, uint64_t seed)
{
    sp_scenario_default(sc, seed);
    sk_rng r;
    sk_rng_seed(&r, seed ^ 0xc4c4ull);
    double loss = unit(&r) * 0.1;
    for (int d = 0; d < 2; d++) {
        sc->link[d].loss = loss;
        sc->link[d].delay_us = between(&r, 1 * MS, 50 * MS);
        sc->link[d].jitter_us = between(&r, 0, 5 * MS);
        sc->link[d].dup = unit(&r) * 0.02;
        sc->link[d].reorder = unit(&r) * 0.05;
        sc->bytes[d] = sk_rng_chance(&r, 0.3) ? 0 : between(&r, 1, 4 * KB);
    }
    sc->n_conns = SP_MAX_CONNS;
    sc->connect_spread_us = 10 * SEC;
    sc->close = (enum sp_close)sk_rng_below(&r, 3);
    sc->second_closes = sk_rng_chance(&r, 0.5);
}

static void test_churn(void)
{
    run_seeds("churn", 20, 800001, make_churn, check_clean);
}

/* ------------------------------------------------------------------------
 * Small MTUs (68..576 bytes): every stack keeps its segments within its own
 * link MTU. Each direction of the link carries what its sender's MTU
 * allows: a peer announcing an MSS below 64 is sent 64-byte segments (the
 * stack's floor), which a link of the receiver's MTU would drop.
 * ---------------------------------------------------------------------- */
static void make_tinymtu(sp_scenario *sc, uint64_t seed)
{
    make_sweep(sc, seed);
    sk_rng r;
    sk_rng_seed(&r, seed ^ 0x7171ull);
    for (int d = 0; d < 2; d++) {
        sc->cfg[d].mtu = (uint16_t)between(&r, 68, 576);
        sc->mss[d] = 0;
        sc->link[d].mtu = sc->cfg[d].mtu;
        if (sc->link[d].queue_limit_bytes != 0)
            sc->link[d].queue_limit_bytes += 2u * sc->cfg[d].mtu;
        sc->bytes[d] /= 4;
    }
}

static void test_small_mtu(void)
{
    run_seeds("tinymtu", 100, 700001, make_tinymtu, check_clean);
}

/* ------------------------------------------------------------------------
 * Spurious retransmissions, nothing lost: 3% of the client's data segments
 * arrive 15 ms late (after the segments behind them have drawn three
 * duplicate ACKs, before the fast retransmission arrives) and 5% of the
 * server's 210 ms late (a late last segment of a flight outlasts the 200 ms
 * RTO counted from the last ACK, yet arrives before the retransmission:
 * its ACK echoes the original's TSval; a longer delay would make the
 * timeout "late spurious", RFC 4015, which Eifel cannot see). Timeouts and
 * fast retransmits fire for segments that were not lost; they are found
 * (Eifel with timestamps, F-RTO and DSACK without) and undone, and every
 * byte arrives.
 * ---------------------------------------------------------------------- */
static void make_spurious_common(sp_scenario *sc, uint64_t seed, bool tstamps)
{
    sp_scenario_default(sc, seed);
    sc->bytes[0] = 96 * 1024;
    sc->bytes[1] = 32 * 1024;
    sc->link[0].delay_us = 10000;
    sc->link[0].reorder = 0.03;
    sc->link[0].reorder_extra_us = 15000;
    sc->link[1].delay_us = 10000;
    sc->link[1].reorder = 0.05;
    sc->link[1].reorder_extra_us = 210000;
    /* RACK-TLP off: its probe would answer a late tail before the RTO
     * fires, and this scenario is about the timeouts (test_tcp_rack.c
     * covers the probes) */
    for (int side = 0; side < 2; side++) {
        sc->cfg[side].timestamps = tstamps;
        sc->cfg[side].rack_tlp = false;
    }
}

static void make_spurious(sp_scenario *sc, uint64_t seed)
{
    make_spurious_common(sc, seed, true);
}

static void make_frto(sp_scenario *sc, uint64_t seed)
{
    make_spurious_common(sc, seed, false);
}

static void test_spurious(void)
{
    totals t = run_seeds("spurious", 20, 800001, make_spurious, check_clean);
    if (t.runs > 0 && !g_one) {
        SK_CHECK_MSG(t.sum.spurious_rtos > 0, "spurious: no timeout found spurious by Eifel");
        SK_CHECK_MSG(t.sum.spurious_frs > 0, "spurious: no fast retransmit found spurious");
        printf("  spurious (Eifel): %llu timeouts and %llu fast retransmits undone\n",
               (unsigned long long)t.sum.spurious_rtos, (unsigned long long)t.sum.spurious_frs);
    }
    t = run_seeds("frto", 20, 810001, make_frto, check_clean);
    if (t.runs > 0 && !g_one) {
        SK_CHECK_MSG(t.sum.spurious_frs > 0, "frto: no fast retransmit found spurious by DSACK");
        SK_CHECK_EQ(t.sum.ts_rtt_samples, 0); /* no timestamps: not Eifel's */
        printf("  frto: %llu timeouts (F-RTO) and %llu fast retransmits (DSACK) undone\n",
               (unsigned long long)t.sum.spurious_rtos, (unsigned long long)t.sum.spurious_frs);
    }
}

/* A decimal number that is the whole of `v` (no sign, no trailing text). */
static bool parse_u64(const char *v, uint64_t *out)
{
    if (v[0] < '0' || v[0] > '9')
        return false;
    char *end = NULL;
    unsigned long long x = strtoull(v, &end, 10);
    if (end == NULL || *end != '\0' || x == ULLONG_MAX)
        return false;
    *out = x;
    return true;
}

static const char *const scenario_names[] = {"sweep", "many",    "simclose", "linkdies",
                                             "stall", "reset",   "rfc",      "tinymtu",
                                             "churn", "determinism", "spurious", "frto",
                                             "ipv6"};

/* Reads the environment; false (with a message) when a value is unusable. */
static bool read_env(void)
{
    uint64_t x;
    const char *v = getenv("SYNACK_SIM_SEEDS");
    if (v != NULL && *v != '\0') {
        if (!parse_u64(v, &x) || x == 0 || x > UINT32_MAX) {
            printf("test_sim_tcp: SYNACK_SIM_SEEDS=\"%s\" is not a seed count (1 .. 2^32-1)\n", v);
            return false;
        }
        g_seeds = (uint32_t)x;
        g_seeds_given = true;
    }
    v = getenv("SYNACK_SIM_SEED");
    if (v != NULL && *v != '\0') {
        if (!parse_u64(v, &g_seed)) {
            printf("test_sim_tcp: SYNACK_SIM_SEED=\"%s\" is not a seed (a decimal number)\n", v);
            return false;
        }
        g_one = true;
    }
    g_only = getenv("SYNACK_SIM_ONLY");
    if (g_only != NULL && *g_only == '\0')
        g_only = NULL;
    if (g_only != NULL) {
        bool known = false;
        for (size_t i = 0; i < sizeof scenario_names / sizeof scenario_names[0]; i++)
            known = known || strcmp(g_only, scenario_names[i]) == 0;
        if (!known) {
            printf("test_sim_tcp: SYNACK_SIM_ONLY=\"%s\" names no scenario; one of:", g_only);
            for (size_t i = 0; i < sizeof scenario_names / sizeof scenario_names[0]; i++)
                printf(" %s", scenario_names[i]);
            printf("\n");
            return false;
        }
    }
    v = getenv("SYNACK_SIM_VERBOSE");
    g_verbose = v != NULL && *v != '\0' && strcmp(v, "0") != 0;
    return true;
}

/* ------------------------------------------------------------------------
 * TCP over IPv6: the sweep's links (loss, delay, jitter, reordering,
 * duplication, bottleneck queues) and stacks, dual-stack, the client
 * connecting to the server's IPv6 address; MTUs of 1280-1500 (RFC 8200
 * §5). No corruption: the IPv6 header has no checksum (RFC 8200 §8.1
 * leaves integrity to the upper layer's pseudo-header), so a flipped bit
 * in the traffic class, flow label or hop limit is delivered by design,
 * and a flipped next header draws a parameter problem. Every byte must
 * arrive, and every frame on the link must be IPv6.
 * ---------------------------------------------------------------------- */
static void make_ipv6(sp_scenario *sc, uint64_t seed)
{
    make_sweep(sc, seed);
    sc->ipv6 = true;
    for (int side = 0; side < 2; side++) {
        sk_stack_config *k = &sc->cfg[side];
        if (k->mtu < 1280)
            k->mtu = (uint16_t)(1280 + (k->mtu % 221));
        if (sc->mss[side] > k->mtu - 60u)
            sc->mss[side] = (uint16_t)(k->mtu - 60u);
    }
    uint32_t mtu = sc->cfg[0].mtu < sc->cfg[1].mtu ? sc->cfg[0].mtu : sc->cfg[1].mtu;
    for (int d = 0; d < 2; d++) {
        sc->link[d].corrupt = 0;
        sc->link[d].mtu = mtu;
        if (sc->link[d].queue_limit_bytes != 0 && sc->link[d].queue_limit_bytes < 2 * mtu)
            sc->link[d].queue_limit_bytes = 2 * mtu;
    }
}

static void check_ipv6(const sp_scenario *sc, const sp_result *r)
{
    check_clean(sc, r);
    SK_CHECK(r->ip6_frames > 0);
    SK_CHECK_EQ(r->ip4_frames, 0); /* every frame sent was IPv6 */
}

static void test_ipv6(void)
{
    totals t = run_seeds("ipv6", 150, 900001, make_ipv6, check_ipv6);
    if (t.runs == 0)
        return;
    SK_CHECK(t.sum.lost > 0 && t.sum.retransmits > 0 && t.sum.reordered > 0 && t.sum.dup > 0);
}

int main(void)
{
    if (!read_env())
        return 2;
    SK_RUN(test_sweep);
    SK_RUN(test_determinism);
    SK_RUN(test_rfc_defaults);
    SK_RUN(test_many_connections);
    SK_RUN(test_simultaneous_close);
    SK_RUN(test_link_dies);
    SK_RUN(test_zero_window_stall);
    SK_RUN(test_reset_mid_transfer);
    SK_RUN(test_small_mtu);
    SK_RUN(test_churn);
    SK_RUN(test_spurious);
    SK_RUN(test_ipv6);
    return sk_test_finish();
}
