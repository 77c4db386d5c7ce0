/* sk_impair: the fault-injecting delay line and its spec parser. */
#include "impair.h"
#include "sk_test.h"

#include <math.h>

/* A frame carrying its number in the first four bytes, then a pattern. */
static size_t make_frame(uint8_t *buf, uint32_t num, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(num * 7u + i);
    if (len >= 4) {
        buf[0] = (uint8_t)(num >> 24);
        buf[1] = (uint8_t)(num >> 16);
        buf[2] = (uint8_t)(num >> 8);
        buf[3] = (uint8_t)num;
    }
    return len;
}

static uint32_t frame_num(const uint8_t *f)
{
    return (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 | (uint32_t)f[2] << 8 | f[3];
}

static void submit_num(sk_impair *imp, uint64_t now, uint32_t num, size_t len)
{
    uint8_t f[2048];
    make_frame(f, num, len);
    sk_impair_submit(imp, now, f, len);
}

/* Pop the next copy at its own delivery time. */
typedef struct {
    uint64_t time;
    uint32_t num;
    size_t len;
    unsigned flags;
    uint8_t data[2048];
} popped;

static int pop_next(sk_impair *imp, popped *p)
{
    p->time = sk_impair_next_time(imp);
    if (p->time == UINT64_MAX)
        return 0;
    if (!sk_impair_pop(imp, p->time, p->data, sizeof p->data, &p->len, &p->flags))
        return 0;
    p->num = p->len >= 4 ? frame_num(p->data) : 0;
    return 1;
}

static sk_impair_config cfg_zero(void)
{
    sk_impair_config c = {0};
    return c;
}

static void check_balance(const sk_impair *imp)
{
    const sk_impair_stats *s = &imp->stats;
    SK_CHECK_EQ(s->submitted + s->duplicated, s->delivered + s->lost + s->queue_dropped +
                                                  s->mtu_dropped + sk_impair_pending(imp));
}

/* ------------------------------------------------------------------------
 * Timing without faults
 * ---------------------------------------------------------------------- */
static void test_perfect_link_is_instant(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    SK_CHECK_EQ_I(sk_impair_init(&imp, &c, 1), 0);
    SK_CHECK_EQ(sk_impair_next_time(&imp), UINT64_MAX);
    uint8_t f[100], out[100];
    size_t len = 0;
    unsigned flags = 99;
    make_frame(f, 42, sizeof f);
    SK_CHECK_EQ(sk_impair_submit(&imp, 500, f, sizeof f), SK_IMPAIR_QUEUED);
    SK_CHECK_EQ(sk_impair_next_time(&imp), 500);
    SK_CHECK_EQ(sk_impair_pending(&imp), 1);
    SK_CHECK_EQ_I(sk_impair_pop(&imp, 500, out, sizeof out, &len, &flags), 1);
    SK_CHECK_EQ(len, sizeof f);
    SK_CHECK_EQ(flags, 0);
    SK_CHECK_MEM(out, f, sizeof f);
    SK_CHECK_EQ_I(sk_impair_pop(&imp, 500, out, sizeof out, &len, NULL), 0);
    SK_CHECK_EQ(sk_impair_next_time(&imp), UINT64_MAX);
    SK_CHECK_EQ(imp.stats.submitted, 1);
    SK_CHECK_EQ(imp.stats.delivered, 1);
    sk_impair_free(&imp);
}

static void test_delay_keeps_order_and_timing(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.delay_us = 20000;
    sk_impair_init(&imp, &c, 1);
    for (uint32_t i = 0; i < 50; i++)
        submit_num(&imp, (uint64_t)i * 300u, i, 60 + i);
    uint8_t want[2048], out[2048];
    size_t len;
    for (uint32_t i = 0; i < 50; i++) {
        uint64_t t = (uint64_t)i * 300u + 20000u;
        SK_CHECK_EQ(sk_impair_next_time(&imp), t);
        SK_CHECK_EQ_I(sk_impair_pop(&imp, t - 1, out, sizeof out, &len, NULL), 0);
        SK_CHECK_EQ_I(sk_impair_pop(&imp, t, out, sizeof out, &len, NULL), 1);
        SK_CHECK_EQ(len, 60 + i);
        make_frame(want, i, len);
        SK_CHECK_MEM(out, want, len);
    }
    SK_CHECK_EQ(imp.stats.delivered, 50);
    sk_impair_free(&imp);
}

static void test_equal_times_are_fifo(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.delay_us = 10;
    sk_impair_init(&imp, &c, 1);
    for (uint32_t i = 0; i < 100; i++)
        submit_num(&imp, 0, i, 8);
    popped p;
    for (uint32_t i = 0; i < 100; i++) {
        SK_CHECK(pop_next(&imp, &p));
        SK_CHECK_EQ(p.time, 10);
        SK_CHECK_EQ(p.num, i);
    }
    sk_impair_free(&imp);
}

static void test_bandwidth_serialization(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.bandwidth_bps = 12000000; /* 1500 bytes = 12000 bits = 1 ms */
    sk_impair_init(&imp, &c, 1);
    for (uint32_t i = 0; i < 5; i++)
        submit_num(&imp, 0, i, 1500);
    submit_num(&imp, 10000, 5, 1500);   /* idle link: 10000 + 1000 */
    submit_num(&imp, 10500, 6, 1500);   /* behind #5: 11000 + 1000 */
    submit_num(&imp, 10600, 7, 150);    /* behind #6: 12000 + 100 */
    static const uint64_t want[] = {1000, 2000, 3000, 4000, 5000, 11000, 12000, 12100};
    popped p;
    for (uint32_t i = 0; i < 8; i++) {
        SK_CHECK(pop_next(&imp, &p));
        SK_CHECK_EQ(p.num, i);
        SK_CHECK_EQ(p.time, want[i]);
    }
    sk_impair_free(&imp);
}

/* 1 byte at 3 Mbit/s is 8/3 us: the fractions add up, no per-frame rounding. */
static void test_bandwidth_keeps_fractions(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.bandwidth_bps = 3000000;
    c.delay_us = 100;
    sk_impair_init(&imp, &c, 1);
    for (uint32_t i = 0; i < 4; i++)
        submit_num(&imp, 0, i, 1);
    static const uint64_t want[] = {103, 106, 108, 111};
    popped p;
    for (int i = 0; i < 4; i++) {
        SK_CHECK(pop_next(&imp, &p));
        SK_CHECK_EQ(p.time, want[i]);
    }
    sk_impair_free(&imp);
}

static void test_pop_cuts_to_cap(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    sk_impair_init(&imp, &c, 1);
    uint8_t f[64], out[16];
    size_t len;
    make_frame(f, 3, sizeof f);
    memset(out, 0xEE, sizeof out);
    sk_impair_submit(&imp, 0, f, sizeof f);
    SK_CHECK_EQ_I(sk_impair_pop(&imp, 0, out, 10, &len, NULL), 1);
    SK_CHECK_EQ(len, 64);
    SK_CHECK_MEM(out, f, 10);
    SK_CHECK_EQ(out[10], 0xEE);
    sk_impair_free(&imp);
}

static void test_init_rejects_bad_config(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.loss = 1.5;
    SK_CHECK_EQ_I(sk_impair_init(&imp, &c, 1), -1);
    c.loss = -0.1;
    SK_CHECK_EQ_I(sk_impair_init(&imp, &c, 1), -1);
    c.loss = 0;
    c.corrupt = (double)NAN;
    SK_CHECK_EQ_I(sk_impair_init(&imp, &c, 1), -1);
    c.corrupt = 0;
    c.bandwidth_bps = SK_IMPAIR_RATE_MAX + 1;
    SK_CHECK_EQ_I(sk_impair_init(&imp, &c, 1), -1);
    sk_impair_free(&imp);
    c.bandwidth_bps = SK_IMPAIR_RATE_MAX;
    c.dup = 1.0;
    SK_CHECK_EQ_I(sk_impair_init(&imp, &c, 1), 0);
    sk_impair_free(&imp);
}

/* ------------------------------------------------------------------------
 * Faults
 * ---------------------------------------------------------------------- */
static void test_loss_rate(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.loss = 0.1;
    c.delay_us = 1000;
    sk_impair_init(&imp, &c, 7);
    for (uint32_t i = 0; i < 100000; i++)
        submit_num(&imp, i, i, 64);
    /* Exact for seed 7, and within 3 sigma (sigma = 95) of 10%. */
    SK_CHECK_EQ(imp.stats.lost, 9971);
    SK_CHECK(imp.stats.lost > 9715 && imp.stats.lost < 10285);
    popped p;
    uint32_t last = 0, n = 0;
    while (pop_next(&imp, &p)) {
        SK_CHECK_MSG(n == 0 || p.num > last, "order broken at %u", p.num);
        SK_CHECK_EQ(p.time, p.num + 1000u);
        last = p.num;
        n++;
    }
    SK_CHECK_EQ(n + imp.stats.lost, 100000);
    check_balance(&imp);
    sk_impair_free(&imp);
}

static void test_loss_all(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.loss = 1.0;
    sk_impair_init(&imp, &c, 7);
    uint8_t f[10] = {0};
    for (int i = 0; i < 10; i++)
        SK_CHECK_EQ(sk_impair_submit(&imp, 0, f, sizeof f), SK_IMPAIR_LOST);
    SK_CHECK_EQ(sk_impair_pending(&imp), 0);
    SK_CHECK_EQ(imp.stats.lost, 10);
    sk_impair_free(&imp);
}

static void test_dup_always(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.dup = 1.0;
    c.delay_us = 50;
    sk_impair_init(&imp, &c, 3);
    for (uint32_t i = 0; i < 20; i++)
        submit_num(&imp, (uint64_t)i * 10u, i, 40);
    popped p;
    uint8_t want[40];
    for (uint32_t i = 0; i < 40; i++) {
        SK_CHECK(pop_next(&imp, &p));
        SK_CHECK_EQ(p.num, i / 2);
        SK_CHECK_EQ(p.flags, (i % 2) ? SK_IMPAIR_F_DUP : 0u);
        SK_CHECK_EQ(p.time, (uint64_t)(i / 2) * 10u + 50u);
        make_frame(want, i / 2, sizeof want);
        SK_CHECK_MEM(p.data, want, sizeof want);
    }
    SK_CHECK_EQ(imp.stats.duplicated, 20);
    SK_CHECK_EQ(imp.stats.delivered, 40);
    check_balance(&imp);
    sk_impair_free(&imp);
}

static void test_dup_rate(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.dup = 0.25;
    sk_impair_init(&imp, &c, 11);
    for (uint32_t i = 0; i < 10000; i++)
        submit_num(&imp, i, i, 20);
    /* Exact for seed 11, and within 3 sigma (sigma = 43) of 25%. */
    SK_CHECK_EQ(imp.stats.duplicated, 2482);
    SK_CHECK(imp.stats.duplicated > 2370 && imp.stats.duplicated < 2630);
    SK_CHECK_EQ(sk_impair_pending(&imp), 10000 + imp.stats.duplicated);
    sk_impair_free(&imp);
}

static void test_reorder_reorders(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.delay_us = 10000;
    c.reorder = 0.3;
    c.reorder_extra_us = 25000;
    sk_impair_init(&imp, &c, 5);
    for (uint32_t i = 0; i < 200; i++)
        submit_num(&imp, (uint64_t)i * 1000u, i, 30);
    popped p;
    int seen[200] = {0}, inversions = 0, n_reordered = 0;
    uint32_t max_num = 0, last_in_order = 0;
    while (pop_next(&imp, &p)) {
        seen[p.num]++;
        inversions += p.num < max_num;
        max_num = p.num > max_num ? p.num : max_num;
        uint64_t sent = (uint64_t)p.num * 1000u;
        if (p.flags & SK_IMPAIR_F_REORDERED) {
            n_reordered++;
            SK_CHECK_EQ(p.time, sent + 35000u);
        } else {
            SK_CHECK_EQ(p.time, sent + 10000u);
            SK_CHECK(p.num >= last_in_order);
            last_in_order = p.num;
        }
    }
    for (int i = 0; i < 200; i++)
        SK_CHECK_EQ_I(seen[i], 1);
    SK_CHECK_EQ_I(n_reordered, (int)imp.stats.reordered);
    SK_CHECK_EQ(imp.stats.reordered, 65); /* seed 5; 60 expected */
    SK_CHECK(inversions > 0);
    sk_impair_free(&imp);
}

static void test_reorder_default_extra(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    popped p;
    c.reorder = 1.0;
    c.delay_us = 20000; /* extra = 2 * delay */
    sk_impair_init(&imp, &c, 5);
    submit_num(&imp, 0, 1, 10);
    SK_CHECK(pop_next(&imp, &p));
    SK_CHECK_EQ(p.time, 60000);
    sk_impair_free(&imp);
    c.delay_us = 1000; /* extra = the 5 ms minimum */
    sk_impair_init(&imp, &c, 5);
    submit_num(&imp, 0, 1, 10);
    SK_CHECK(pop_next(&imp, &p));
    SK_CHECK_EQ(p.time, 6000);
    sk_impair_free(&imp);
}

static void test_jitter_bounded_and_in_order(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.delay_us = 10000;
    c.jitter_us = 5000;
    sk_impair_init(&imp, &c, 9);
    for (uint32_t i = 0; i < 500; i++)
        submit_num(&imp, (uint64_t)i * 1000u, i, 30);
    popped p;
    uint32_t n = 0;
    uint64_t last = 0;
    while (pop_next(&imp, &p)) {
        SK_CHECK_EQ(p.num, n);
        SK_CHECK(p.time >= last);
        SK_CHECK(p.time >= (uint64_t)n * 1000u + 10000u);
        SK_CHECK(p.time <= (uint64_t)n * 1000u + 15000u);
        last = p.time;
        n++;
    }
    SK_CHECK_EQ(n, 500);
    sk_impair_free(&imp);
}

/* Far-apart frames show the raw jitter: it spans the range, ends included. */
static void test_jitter_spans_range(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.delay_us = 100;
    c.jitter_us = 3;
    sk_impair_init(&imp, &c, 9);
    int hist[4] = {0};
    popped p;
    for (uint32_t i = 0; i < 400; i++) {
        submit_num(&imp, (uint64_t)i * 1000u, i, 8);
        SK_CHECK(pop_next(&imp, &p));
        uint64_t extra = p.time - (uint64_t)i * 1000u - 100u;
        SK_CHECK(extra <= 3);
        if (extra <= 3)
            hist[extra]++;
    }
    for (int k = 0; k < 4; k++)
        SK_CHECK_MSG(hist[k] > 50, "jitter %d us seen %d times", k, hist[k]);
    sk_impair_free(&imp);
}

static int popcount8(uint8_t x)
{
    int n = 0;
    for (; x; x &= (uint8_t)(x - 1))
        n++;
    return n;
}

static void test_corrupt_flips_one_bit(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.corrupt = 1.0;
    sk_impair_init(&imp, &c, 13);
    popped p;
    uint8_t want[300];
    for (uint32_t i = 0; i < 1000; i++) {
        size_t len = 1 + i % 300;
        make_frame(want, i, len);
        sk_impair_submit(&imp, i, want, len);
        SK_CHECK(pop_next(&imp, &p));
        SK_CHECK_EQ(p.len, len);
        SK_CHECK_EQ(p.flags, SK_IMPAIR_F_CORRUPTED);
        int bits = 0;
        for (size_t k = 0; k < len; k++)
            bits += popcount8((uint8_t)(p.data[k] ^ want[k]));
        SK_CHECK_EQ_I(bits, 1);
    }
    SK_CHECK_EQ(imp.stats.corrupted, 1000);
    /* An empty frame has no bit to flip. */
    sk_impair_submit(&imp, 2000, want, 0);
    SK_CHECK(pop_next(&imp, &p));
    SK_CHECK_EQ(p.len, 0);
    SK_CHECK_EQ(p.flags, 0);
    SK_CHECK_EQ(imp.stats.corrupted, 1000);
    sk_impair_free(&imp);
}

static void test_queue_limit_tail_drops(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.bandwidth_bps = 12000000; /* 1 ms per 1500 bytes */
    c.queue_limit_bytes = 3000;
    sk_impair_init(&imp, &c, 1);
    uint8_t f[1500] = {0};
    SK_CHECK_EQ(sk_impair_submit(&imp, 0, f, 1500), SK_IMPAIR_QUEUED);
    SK_CHECK_EQ(sk_impair_submit(&imp, 0, f, 1500), SK_IMPAIR_QUEUED);
    SK_CHECK_EQ(sk_impair_submit(&imp, 0, f, 1500), SK_IMPAIR_QUEUE_DROP);
    SK_CHECK_EQ(sk_impair_submit(&imp, 0, f, 1), SK_IMPAIR_QUEUE_DROP);
    SK_CHECK_EQ(sk_impair_submit(&imp, 999, f, 1500), SK_IMPAIR_QUEUE_DROP);
    /* The first frame is on the wire at 1000: room for one more. */
    SK_CHECK_EQ(sk_impair_submit(&imp, 1000, f, 1500), SK_IMPAIR_QUEUED);
    SK_CHECK_EQ(sk_impair_submit(&imp, 1000, f, 1), SK_IMPAIR_QUEUE_DROP);
    SK_CHECK_EQ(imp.stats.queue_dropped, 4);
    popped p;
    static const uint64_t want[] = {1000, 2000, 3000};
    for (int i = 0; i < 3; i++) {
        SK_CHECK(pop_next(&imp, &p));
        SK_CHECK_EQ(p.time, want[i]);
    }
    /* Drained: a frame larger than the whole queue never fits. */
    SK_CHECK_EQ(sk_impair_submit(&imp, 9000, f, 1500), SK_IMPAIR_QUEUED);
    c.queue_limit_bytes = 1000;
    sk_impair_free(&imp);
    sk_impair_init(&imp, &c, 1);
    SK_CHECK_EQ(sk_impair_submit(&imp, 0, f, 1500), SK_IMPAIR_QUEUE_DROP);
    check_balance(&imp);
    sk_impair_free(&imp);
}

static void test_queue_ring_grows(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.bandwidth_bps = 8000000; /* 1 byte per us */
    c.queue_limit_bytes = 100000;
    sk_impair_init(&imp, &c, 1);
    uint8_t f[100] = {0};
    int queued = 0;
    for (uint64_t t = 0; t < 3000; t += 10)
        for (int k = 0; k < 10; k++)
            queued += sk_impair_submit(&imp, t, f, 100) == SK_IMPAIR_QUEUED;
    /* 1000 bytes come per 10 us and 10 leave: the backlog (whole frames
     * not yet serialized) sits at the limit. The ring wraps and grows. */
    SK_CHECK_EQ(imp.backlog_bytes, 100000);
    SK_CHECK_EQ_I(queued, (int)imp.stats.submitted - (int)imp.stats.queue_dropped);
    check_balance(&imp);
    sk_impair_free(&imp);
}

static void test_mtu_drop(void)
{
    sk_impair imp;
    sk_impair_config c = cfg_zero();
    c.mtu = 1500;
    sk_impair_init(&imp, &c, 1);
    uint8_t f[1501] = {0};
    SK_CHECK_EQ(sk_impair_submit(&imp, 0, f, 1500), SK_IMPAIR_QUEUED);
    SK_CHECK_EQ(sk_impair_submit(&imp, 0, f, 1501), SK_IMPAIR_MTU_DROP);
    SK_CHECK_EQ(imp.stats.mtu_dropped, 1);
    SK_CHECK_EQ(sk_impair_pending(&imp), 1);
    check_balance(&imp);
    sk_impair_free(&imp);
}

/* ------------------------------------------------------------------------
 * Determinism
 * ---------------------------------------------------------------------- */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* Everything on; a hash of every fate and every delivered copy. */
static uint64_t chaos_run(uint64_t seed, sk_impair_stats *stats)
{
    sk_impair imp;
    sk_impair_config c = {.loss = 0.05, .dup = 0.05, .reorder = 0.05, .corrupt = 0.05,
                          .delay_us = 2000, .jitter_us = 700, .bandwidth_bps = 30000000,
                          .queue_limit_bytes = 20000, .mtu = 1400};
    sk_impair_init(&imp, &c, seed);
    uint64_t h = 0xcbf29ce484222325ull;
    uint8_t f[1500], out[1500];
    size_t len;
    unsigned flags;
    for (uint32_t i = 0; i < 5000; i++) {
        uint64_t now = (uint64_t)i * 150u;
        size_t flen = make_frame(f, i, 40 + (i * 37u) % 1420u);
        enum sk_impair_fate fate = sk_impair_submit(&imp, now, f, flen);
        h = fnv(h, &fate, sizeof fate);
        while (sk_impair_pop(&imp, now, out, sizeof out, &len, &flags)) {
            h = fnv(h, &now, sizeof now);
            h = fnv(h, &flags, sizeof flags);
            h = fnv(h, out, len);
        }
        check_balance(&imp);
    }
    *stats = imp.stats;
    sk_impair_free(&imp);
    return h;
}

static void test_same_seed_same_output(void)
{
    sk_impair_stats a, b;
    uint64_t ha = chaos_run(77, &a), hb = chaos_run(77, &b);
    SK_CHECK_EQ(ha, hb);
    SK_CHECK_MEM(&a, &b, sizeof a);
    /* Every fault fired. */
    SK_CHECK(a.lost > 0 && a.duplicated > 0 && a.reordered > 0 && a.corrupted > 0);
    SK_CHECK(a.queue_dropped > 0 && a.mtu_dropped > 0);
}

static void test_seeds_differ(void)
{
    sk_impair_stats a, b;
    SK_CHECK(chaos_run(77, &a) != chaos_run(78, &b));
    SK_CHECK(a.lost != b.lost || a.duplicated != b.duplicated || a.corrupted != b.corrupted);
    /* Drops decided before any draw do not depend on the seed. */
    SK_CHECK_EQ(a.mtu_dropped, b.mtu_dropped);
}

/* ------------------------------------------------------------------------
 * Parsing
 * ---------------------------------------------------------------------- */
static void test_parse_full_spec(void)
{
    sk_impair_config c;
    char err[200] = "";
    SK_CHECK_EQ_I(sk_impair_parse("loss=0.1,delay=20ms,jitter=5ms,reorder=0.05,dup=0.01,"
                                  "corrupt=0.001,rate=10mbit,queue=64k,mtu=1500",
                                  &c, err, sizeof err), 0);
    SK_CHECK_STR(err, "");
    SK_CHECK(c.loss == 0.1);
    SK_CHECK(c.reorder == 0.05);
    SK_CHECK(c.dup == 0.01);
    SK_CHECK(c.corrupt == 0.001);
    SK_CHECK_EQ(c.delay_us, 20000);
    SK_CHECK_EQ(c.jitter_us, 5000);
    SK_CHECK_EQ(c.reorder_extra_us, 0);
    SK_CHECK_EQ(c.bandwidth_bps, 10000000);
    SK_CHECK_EQ(c.queue_limit_bytes, 65536);
    SK_CHECK_EQ(c.mtu, 1500);
}

static void test_parse_units_and_forms(void)
{
    sk_impair_config c;
    SK_CHECK_EQ_I(sk_impair_parse(" loss = 10% , delay=1.5ms, jitter=250us, "
                                  "reorder_delay=2s, rate=1.5gbit, queue=1m, dup=100%",
                                  &c, NULL, 0), 0);
    SK_CHECK(c.loss == 0.1);
    SK_CHECK(c.dup == 1.0);
    SK_CHECK_EQ(c.delay_us, 1500);
    SK_CHECK_EQ(c.jitter_us, 250);
    SK_CHECK_EQ(c.reorder_extra_us, 2000000);
    SK_CHECK_EQ(c.bandwidth_bps, 1500000000);
    SK_CHECK_EQ(c.queue_limit_bytes, 1048576);
    SK_CHECK_EQ_I(sk_impair_parse("rate=64kbit,queue=3000,mtu=9k", &c, NULL, 0), 0);
    SK_CHECK_EQ(c.bandwidth_bps, 64000);
    SK_CHECK_EQ(c.queue_limit_bytes, 3000);
    SK_CHECK_EQ(c.mtu, 9216);
    SK_CHECK_EQ_I(sk_impair_parse("rate=500bit,delay=0.0004ms,corrupt=1", &c, NULL, 0), 0);
    SK_CHECK_EQ(c.bandwidth_bps, 500);
    SK_CHECK_EQ(c.delay_us, 0); /* 0.4 us rounds to 0 */
    SK_CHECK(c.corrupt == 1.0);
    SK_CHECK_EQ_I(sk_impair_parse("delay=4294967295us", &c, NULL, 0), 0);
    SK_CHECK_EQ(c.delay_us, 4294967295u);
}

/* Field by field: the struct has padding, which memcmp would compare. */
static int cfg_equal(const sk_impair_config *a, const sk_impair_config *b)
{
    return memcmp(&a->loss, &b->loss, sizeof a->loss) == 0 &&
           memcmp(&a->dup, &b->dup, sizeof a->dup) == 0 &&
           memcmp(&a->reorder, &b->reorder, sizeof a->reorder) == 0 &&
           memcmp(&a->corrupt, &b->corrupt, sizeof a->corrupt) == 0 &&
           a->delay_us == b->delay_us && a->jitter_us == b->jitter_us &&
           a->reorder_extra_us == b->reorder_extra_us && a->bandwidth_bps == b->bandwidth_bps &&
           a->queue_limit_bytes == b->queue_limit_bytes && a->mtu == b->mtu;
}

static void test_parse_empty_is_perfect(void)
{
    sk_impair_config c;
    const sk_impair_config zero = {0};
    memset(&c, 0xFF, sizeof c);
    SK_CHECK_EQ_I(sk_impair_parse("", &c, NULL, 0), 0);
    SK_CHECK(cfg_equal(&c, &zero));
    memset(&c, 0xFF, sizeof c);
    SK_CHECK_EQ_I(sk_impair_parse("  ", &c, NULL, 0), 0);
    SK_CHECK(cfg_equal(&c, &zero));
}

/* A rejected spec returns -1, names the problem and leaves *out alone. */
static void expect_error(const char *spec, const char *msg)
{
    sk_impair_config c, before;
    memset(&c, 0xA5, sizeof c);
    memset(&before, 0xA5, sizeof before);
    char err[256] = "";
    SK_CHECK_MSG(sk_impair_parse(spec, &c, err, sizeof err) == -1, "accepted '%s'", spec);
    SK_CHECK_STR(err, msg);
    SK_CHECK(cfg_equal(&c, &before));
}

static void test_parse_errors(void)
{
    expect_error("lost=0.1", "unknown key 'lost' (loss, dup, reorder, corrupt, delay, jitter, "
                             "reorder_delay, rate, queue, mtu, ge)");
    expect_error("loss", "'loss': expected key=value");
    expect_error("loss=", "loss: missing value");
    expect_error("loss=0.1,", "empty item in 'loss=0.1,' (a stray comma?)");
    expect_error(",loss=0.1", "empty item in ',loss=0.1' (a stray comma?)");
    expect_error("loss=0.1,loss=0.2", "loss given twice");
    expect_error("loss=abc", "loss: 'abc' is not a probability (0..1 or 0%..100%)");
    expect_error("loss=-0.1", "loss: '-0.1' is not a probability (0..1 or 0%..100%)");
    expect_error("loss=0.1x", "loss: '0.1x' is not a probability (0..1 or 0%..100%)");
    expect_error("loss=1.5", "loss: '1.5' is above 1 (100%)");
    expect_error("dup=150%", "dup: '150%' is above 1 (100%)");
    expect_error("delay=20", "delay: '20' needs a unit (us, ms, s)");
    expect_error("delay=20min", "delay: unknown unit 'min' (us, ms, s)");
    expect_error("delay=ms", "delay: 'ms' is not a number");
    expect_error("delay=5000s", "delay: '5000s' is too large");
    expect_error("jitter=1.2.3ms", "jitter: unknown unit '.3ms' (us, ms, s)");
    expect_error("rate=10mbps", "rate: unknown unit 'mbps' (bit, kbit, mbit, gbit)");
    expect_error("rate=10", "rate: '10' needs a unit (bit, kbit, mbit, gbit)");
    expect_error("rate=2000gbit", "rate: '2000gbit' is too large");
    expect_error("rate=1mbit,queue=64x", "queue: unknown unit 'x' (k, m)");
    expect_error("rate=1mbit,queue=5000m", "queue: '5000m' is too large");
    expect_error("mtu=12345678901234567890", "mtu: '12345678901234567890' is not a number");
    expect_error("queue=64k", "queue needs rate (the queue fills only behind a rate limit)");
}

/* In the config 0 means "no limit": a rate, queue or MTU written in the spec
 * that rounds to 0 must be refused, not turned into an unlimited link. */
static void test_parse_zero_limit_rejected(void)
{
    expect_error("rate=0.4bit", "rate: '0.4bit' rounds to 0 (0 means no limit: leave the key out)");
    expect_error("rate=0mbit", "rate: '0mbit' rounds to 0 (0 means no limit: leave the key out)");
    expect_error("rate=1mbit,queue=0",
                 "queue: '0' rounds to 0 (0 means no limit: leave the key out)");
    expect_error("mtu=0.4", "mtu: '0.4' rounds to 0 (0 means no limit: leave the key out)");
    sk_impair_config c;
    SK_CHECK_EQ_I(sk_impair_parse("rate=0.5bit,mtu=0.5", &c, NULL, 0), 0); /* rounds to 1 */
    SK_CHECK_EQ(c.bandwidth_bps, 1);
    SK_CHECK_EQ(c.mtu, 1);
    SK_CHECK_EQ_I(sk_impair_parse("delay=0.4us", &c, NULL, 0), 0); /* a time of 0 is fine */
    SK_CHECK_EQ(c.delay_us, 0);
}

static void test_parse_error_buffer(void)
{
    sk_impair_config c;
    char err[8];
    memset(err, 'x', sizeof err);
    SK_CHECK_EQ_I(sk_impair_parse("nope=1", &c, err, sizeof err), -1);
    SK_CHECK_STR(err, "unknown"); /* cut to the buffer, always terminated */
    SK_CHECK_EQ_I(sk_impair_parse("nope=1", &c, NULL, 0), -1);
    SK_CHECK_EQ_I(sk_impair_parse("nope=1", &c, err, 0), -1);
}

int main(void)
{
    SK_RUN(test_perfect_link_is_instant);
    SK_RUN(test_delay_keeps_order_and_timing);
    SK_RUN(test_equal_times_are_fifo);
    SK_RUN(test_bandwidth_serialization);
    SK_RUN(test_bandwidth_keeps_fractions);
    SK_RUN(test_pop_cuts_to_cap);
    SK_RUN(test_init_rejects_bad_config);
    SK_RUN(test_loss_rate);
    SK_RUN(test_loss_all);
    SK_RUN(test_dup_always);
    SK_RUN(test_dup_rate);
    SK_RUN(test_reorder_reorders);
    SK_RUN(test_reorder_default_extra);
    SK_RUN(test_jitter_bounded_and_in_order);
    SK_RUN(test_jitter_spans_range);
    SK_RUN(test_corrupt_flips_one_bit);
    SK_RUN(test_queue_limit_tail_drops);
    SK_RUN(test_queue_ring_grows);
    SK_RUN(test_mtu_drop);
    SK_RUN(test_same_seed_same_output);
    SK_RUN(test_seeds_differ);
    SK_RUN(test_parse_full_spec);
    SK_RUN(test_parse_units_and_forms);
    SK_RUN(test_parse_empty_is_perfect);
    SK_RUN(test_parse_errors);
    SK_RUN(test_parse_zero_limit_rejected);
    SK_RUN(test_parse_error_buffer);
    return sk_test_finish();
}
