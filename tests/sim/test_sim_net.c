/* sk_simnet: the event loop, driven by fake sans-I/O nodes. */
#include "simnet.h"
#include "sk_test.h"

#include <stdlib.h>

#define MS 1000u
#define PING_LEN 64u

/* ------------------------------------------------------------------------
 * Fake nodes
 * ---------------------------------------------------------------------- */

/* Sends frame i (its number in the first 4 bytes) at start + i * interval,
 * for i < count, and records what comes back. */
typedef struct {
    uint32_t next, count;
    uint64_t start, interval;
    uint32_t got;
    uint64_t got_at[512];
    uint32_t got_num[512];
} pinger;

static uint32_t get_num(const uint8_t *f)
{
    return (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 | (uint32_t)f[2] << 8 | f[3];
}

static void ping_frame(uint8_t *buf, uint32_t num)
{
    buf[0] = (uint8_t)(num >> 24);
    buf[1] = (uint8_t)(num >> 16);
    buf[2] = (uint8_t)(num >> 8);
    buf[3] = (uint8_t)num;
    for (uint32_t i = 4; i < PING_LEN; i++)
        buf[i] = (uint8_t)(num + i);
}

static uint64_t pinger_poll(void *n)
{
    pinger *p = n;
    return p->next < p->count ? p->start + p->next * p->interval : UINT64_MAX;
}

static size_t pinger_output(void *n, uint64_t now, uint8_t *buf, size_t cap)
{
    pinger *p = n;
    if (cap < PING_LEN || pinger_poll(p) > now)
        return 0;
    ping_frame(buf, p->next++);
    return PING_LEN;
}

static void pinger_input(void *n, uint64_t now, const uint8_t *frame, size_t len)
{
    pinger *p = n;
    if (len >= 4 && p->got < 512) {
        p->got_at[p->got] = now;
        p->got_num[p->got] = get_num(frame);
    }
    p->got++;
}

static const sk_sim_node_ops pinger_ops = {pinger_input, pinger_output, pinger_poll};

/* Returns each frame `proc` microseconds after it arrived (its own timer). */
typedef struct {
    uint64_t proc;
    uint32_t received;
    size_t head, n;
    struct {
        uint64_t ready;
        size_t len;
        uint8_t data[PING_LEN];
    } q[256];
} echo;

static void echo_input(void *e_, uint64_t now, const uint8_t *frame, size_t len)
{
    echo *e = e_;
    e->received++;
    if (e->n == 256 || len > PING_LEN)
        return;
    size_t i = (e->head + e->n++) % 256;
    e->q[i].ready = now + e->proc;
    e->q[i].len = len;
    memcpy(e->q[i].data, frame, len);
}

static uint64_t echo_poll(void *e_)
{
    echo *e = e_;
    return e->n ? e->q[e->head].ready : UINT64_MAX;
}

static size_t echo_output(void *e_, uint64_t now, uint8_t *buf, size_t cap)
{
    echo *e = e_;
    if (e->n == 0 || e->q[e->head].ready > now || cap < e->q[e->head].len)
        return 0;
    size_t len = e->q[e->head].len;
    memcpy(buf, e->q[e->head].data, len);
    e->head = (e->head + 1) % 256;
    e->n--;
    return len;
}

static const sk_sim_node_ops echo_ops = {echo_input, echo_output, echo_poll};

/* ------------------------------------------------------------------------
 * A tap that counts and logs
 * ---------------------------------------------------------------------- */
typedef struct {
    uint64_t count[6][2]; /* [what][from node 0/1] */
    uint64_t corrupted_seen, corrupted_checked;
    char *log;
    size_t log_len, log_cap;
    uint64_t last_now;
    int backwards;
    sk_sim_event first[8];
    int n_first;
} tap_rec;

static void tap_log(tap_rec *r, const sk_sim_event *ev)
{
    if (r->log == NULL)
        return;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < ev->len; i++)
        h = (h ^ ev->frame[i]) * 0x100000001b3ull;
    int n = snprintf(r->log + r->log_len, r->log_cap - r->log_len,
                     "%llu %s %d>%d l%d f%u %zu %016llx\n", (unsigned long long)ev->now,
                     sk_sim_what_name(ev->what), ev->from, ev->to, ev->link, ev->flags, ev->len,
                     (unsigned long long)h);
    if (n > 0 && r->log_len + (size_t)n < r->log_cap)
        r->log_len += (size_t)n;
}

/* A corrupted copy of a ping differs from the original in exactly one bit
 * (pinger to echo only: the echo may send back a copy already corrupted). */
static void tap_check_corrupt(tap_rec *r, const sk_sim_event *ev)
{
    if (ev->what != SK_SIM_DELIVERED || !(ev->flags & SK_IMPAIR_F_CORRUPTED) ||
        ev->from != 0 || ev->len != PING_LEN)
        return;
    r->corrupted_seen++;
    uint8_t orig[PING_LEN];
    for (uint32_t num = 0; num < 512; num++) {
        ping_frame(orig, num);
        int bits = 0;
        for (size_t i = 0; i < PING_LEN; i++)
            for (uint8_t x = (uint8_t)(orig[i] ^ ev->frame[i]); x; x &= (uint8_t)(x - 1))
                bits++;
        if (bits == 1) {
            r->corrupted_checked++;
            return;
        }
    }
}

static void tap_fn(void *ctx, const sk_sim_event *ev)
{
    tap_rec *r = ctx;
    if (ev->from >= 0 && ev->from < 2)
        r->count[ev->what][ev->from]++;
    if (ev->now < r->last_now)
        r->backwards = 1;
    r->last_now = ev->now;
    if (r->n_first < 8)
        r->first[r->n_first++] = *ev;
    tap_log(r, ev);
    tap_check_corrupt(r, ev);
}

/* A pinger (node 0) and an echo (node 1) on one link (id 0). */
typedef struct {
    sk_simnet *net;
    pinger p;
    echo e;
    tap_rec tap;
} pair;

static void pair_init(pair *w, uint64_t seed, const sk_impair_config *cfg, uint32_t count)
{
    memset(w, 0, sizeof *w);
    w->net = sk_simnet_new(seed);
    w->p.count = count;
    w->p.interval = 10 * MS;
    w->e.proc = 1 * MS;
    SK_CHECK_EQ_I(sk_simnet_add_node(w->net, &pinger_ops, &w->p), 0);
    SK_CHECK_EQ_I(sk_simnet_add_node(w->net, &echo_ops, &w->e), 1);
    SK_CHECK_EQ_I(sk_simnet_link(w->net, 0, 1, cfg, cfg), 0);
    sk_simnet_set_tap(w->net, tap_fn, &w->tap);
}

/* ------------------------------------------------------------------------
 * Tests
 * ---------------------------------------------------------------------- */
static void test_pure_delay_exact_times(void)
{
    pair w;
    sk_impair_config c = {.delay_us = 5 * MS};
    pair_init(&w, 1, &c, 10);
    SK_CHECK(sk_simnet_run_until(w.net, 200 * MS));
    SK_CHECK_EQ(sk_simnet_now(w.net), 200 * MS);
    SK_CHECK_EQ(w.p.got, 10);
    SK_CHECK_EQ(w.e.received, 10);
    for (uint32_t i = 0; i < 10; i++) {
        SK_CHECK_EQ(w.p.got_num[i], i);
        /* sent at 10i ms, echoed at 10i + 5 + 1, back at 10i + 11 */
        SK_CHECK_EQ(w.p.got_at[i], i * 10 * MS + 11 * MS);
    }
    /* The first events: ping 0 sent at 0, delivered at 5 ms, echoed at 6 ms. */
    SK_CHECK_EQ_I(w.tap.n_first, 8);
    SK_CHECK_EQ(w.tap.first[0].what, SK_SIM_SENT);
    SK_CHECK_EQ(w.tap.first[0].now, 0);
    SK_CHECK_EQ_I(w.tap.first[0].from, 0);
    SK_CHECK_EQ_I(w.tap.first[0].to, 1);
    SK_CHECK_EQ(w.tap.first[1].what, SK_SIM_DELIVERED);
    SK_CHECK_EQ(w.tap.first[1].now, 5 * MS);
    SK_CHECK_EQ(w.tap.first[2].what, SK_SIM_SENT);
    SK_CHECK_EQ(w.tap.first[2].now, 6 * MS);
    SK_CHECK_EQ_I(w.tap.first[2].from, 1);
    SK_CHECK_EQ(w.tap.first[3].what, SK_SIM_SENT); /* ping 1 at 10 ms */
    SK_CHECK_EQ(w.tap.first[3].now, 10 * MS);
    SK_CHECK_EQ(w.tap.first[4].what, SK_SIM_DELIVERED); /* echo 0 back at 11 ms */
    SK_CHECK_EQ(w.tap.first[4].now, 11 * MS);
    SK_CHECK_EQ_I(w.tap.first[4].to, 0);
    SK_CHECK_EQ(sk_simnet_overruns(w.net), 0);
    sk_simnet_free(w.net);
}

static void test_loss_counts_add_up(void)
{
    pair w;
    sk_impair_config c = {.loss = 0.2, .delay_us = 3 * MS};
    pair_init(&w, 21, &c, 400);
    SK_CHECK(sk_simnet_run_until(w.net, 10000 * MS));
    for (int from = 0; from < 2; from++) {
        const sk_impair_stats *s = sk_simnet_link_stats(w.net, 0, from);
        uint64_t sent = w.tap.count[SK_SIM_SENT][from];
        uint64_t delivered = w.tap.count[SK_SIM_DELIVERED][from];
        uint64_t lost = w.tap.count[SK_SIM_LOST][from];
        SK_CHECK(s != NULL);
        SK_CHECK_EQ(sent, delivered + lost);
        SK_CHECK_EQ(s->submitted, sent);
        SK_CHECK_EQ(s->delivered, delivered);
        SK_CHECK_EQ(s->lost, lost);
    }
    SK_CHECK_EQ(w.tap.count[SK_SIM_SENT][0], 400);
    SK_CHECK_EQ(w.e.received, w.tap.count[SK_SIM_DELIVERED][0]);
    SK_CHECK_EQ(w.tap.count[SK_SIM_SENT][1], w.e.received);
    SK_CHECK_EQ(w.p.got, w.tap.count[SK_SIM_DELIVERED][1]);
    /* Exact for seed 21; about 0.8 * 400 = 320 and 0.64 * 400 = 256. */
    SK_CHECK_EQ(w.e.received, 330);
    SK_CHECK_EQ(w.p.got, 265);
    SK_CHECK(w.e.received > 296 && w.e.received < 344); /* 3 sigma = 24 */
    SK_CHECK(w.p.got > 227 && w.p.got < 285);           /* 3 sigma = 29 */
    sk_simnet_free(w.net);
}

static void test_tap_sees_every_event(void)
{
    pair w;
    sk_impair_config c = {.loss = 0.1, .dup = 0.1, .corrupt = 0.2, .reorder = 0.1,
                          .delay_us = 2 * MS, .jitter_us = 3 * MS};
    pair_init(&w, 5, &c, 300);
    SK_CHECK(sk_simnet_run_until(w.net, 10000 * MS));
    for (int from = 0; from < 2; from++) {
        const sk_impair_stats *s = sk_simnet_link_stats(w.net, 0, from);
        SK_CHECK_EQ(s->submitted, w.tap.count[SK_SIM_SENT][from]);
        SK_CHECK_EQ(s->delivered, w.tap.count[SK_SIM_DELIVERED][from]);
        SK_CHECK_EQ(s->lost, w.tap.count[SK_SIM_LOST][from]);
        SK_CHECK_EQ(s->submitted + s->duplicated, s->delivered + s->lost);
        SK_CHECK(s->duplicated > 0 && s->reordered > 0 && s->corrupted > 0);
    }
    const sk_impair_stats *a = sk_simnet_link_stats(w.net, 0, 0);
    /* Every corrupted copy was seen as delivered, one bit off a ping. */
    SK_CHECK_EQ(w.tap.corrupted_seen, a->corrupted);
    SK_CHECK_EQ(w.tap.corrupted_checked, w.tap.corrupted_seen);
    SK_CHECK_EQ_I(w.tap.backwards, 0);
    sk_simnet_free(w.net);
}

static void test_drops_reach_the_tap(void)
{
    pair w;
    sk_impair_config c = {.mtu = 63}; /* pings are 64 bytes */
    pair_init(&w, 5, &c, 3);
    SK_CHECK(sk_simnet_run_until(w.net, 100 * MS));
    SK_CHECK_EQ(w.tap.count[SK_SIM_MTU_DROP][0], 3);
    SK_CHECK_EQ(w.e.received, 0);
    sk_simnet_free(w.net);

    sk_impair_config q = {.bandwidth_bps = 64000, .queue_limit_bytes = 128};
    pair_init(&w, 5, &q, 3);
    w.p.interval = 0; /* all three at once: 2 fit, 1 is tail-dropped */
    SK_CHECK(sk_simnet_run_until(w.net, 100 * MS));
    SK_CHECK_EQ(w.tap.count[SK_SIM_QUEUE_DROP][0], 1);
    SK_CHECK_EQ(w.e.received, 2);
    /* 64 bytes at 64 kbit/s = 8 ms each: the second arrives at 16 ms. */
    SK_CHECK_EQ(w.p.got_at[1], 16 * MS + 1 * MS + 8 * MS);
    sk_simnet_free(w.net);
}

static void test_run_until_stops_at_limit(void)
{
    pair w;
    sk_impair_config c = {.delay_us = 5 * MS};
    pair_init(&w, 1, &c, 10);
    SK_CHECK(sk_simnet_run_until(w.net, 35 * MS));
    SK_CHECK_EQ(sk_simnet_now(w.net), 35 * MS);
    SK_CHECK_EQ(w.p.next, 4); /* 0, 10, 20, 30 ms */
    SK_CHECK_EQ(w.p.got, 3);  /* 11, 21, 31 ms */
    /* Nothing before 36 ms (the echo of ping 3 is due at 36 ms). */
    SK_CHECK(!sk_simnet_step(w.net, 35 * MS + 999));
    SK_CHECK_EQ(sk_simnet_now(w.net), 35 * MS + 999);
    /* The clock never goes backwards. */
    SK_CHECK(!sk_simnet_step(w.net, 1 * MS));
    SK_CHECK(sk_simnet_run_until(w.net, 1 * MS));
    SK_CHECK_EQ(sk_simnet_now(w.net), 35 * MS + 999);
    /* One step moves to exactly the next event. */
    SK_CHECK(sk_simnet_step(w.net, 1000 * MS));
    SK_CHECK_EQ(sk_simnet_now(w.net), 36 * MS);
    SK_CHECK(sk_simnet_run_until(w.net, 40 * MS));
    SK_CHECK_EQ(w.p.next, 5); /* an event exactly at the limit is run */
    SK_CHECK_EQ(sk_simnet_now(w.net), 40 * MS);
    /* UINT64_MAX: run until idle; the clock stays at the last event. */
    SK_CHECK(sk_simnet_run_until(w.net, UINT64_MAX));
    SK_CHECK_EQ(sk_simnet_now(w.net), 101 * MS);
    SK_CHECK_EQ(w.p.got, 10);
    sk_simnet_free(w.net);
}

/* A deadline in the past is "now": a node whose timer was set behind the
 * clock (as an application write between steps would) runs at once. */
static void test_past_deadline_runs_now(void)
{
    pair w;
    pair_init(&w, 1, NULL, 0);
    SK_CHECK(sk_simnet_run_until(w.net, 50 * MS));
    SK_CHECK_EQ(w.tap.n_first, 0);
    w.p.count = 1; /* ping 0 was due at 0 */
    SK_CHECK(sk_simnet_step(w.net, 60 * MS));
    SK_CHECK_EQ(sk_simnet_now(w.net), 50 * MS);
    SK_CHECK_EQ(w.tap.first[0].what, SK_SIM_SENT);
    SK_CHECK_EQ(w.tap.first[0].now, 50 * MS);
    SK_CHECK_EQ(w.e.received, 1);
    SK_CHECK(sk_simnet_run_until(w.net, 60 * MS));
    SK_CHECK_EQ(w.p.got_at[0], 51 * MS);
    sk_simnet_free(w.net);
}

static void run_chaos(uint64_t seed, tap_rec *rec)
{
    pair w;
    sk_impair_config c = {.loss = 0.05, .dup = 0.05, .corrupt = 0.05, .reorder = 0.1,
                          .delay_us = 4 * MS, .jitter_us = 6 * MS, .bandwidth_bps = 100000,
                          .queue_limit_bytes = 300};
    pair_init(&w, seed, &c, 300);
    w.p.interval = 3 * MS;
    w.tap.log_cap = 1u << 20;
    w.tap.log = calloc(1, w.tap.log_cap);
    SK_CHECK(sk_simnet_run_until(w.net, 5000 * MS));
    SK_CHECK(w.tap.log_len + 100 < w.tap.log_cap);
    *rec = w.tap;
    sk_simnet_free(w.net);
}

static void test_determinism_event_log(void)
{
    tap_rec a, b, c;
    run_chaos(99, &a);
    run_chaos(99, &b);
    run_chaos(100, &c);
    SK_CHECK(a.log_len > 10000);
    SK_CHECK_EQ(a.log_len, b.log_len);
    SK_CHECK(strcmp(a.log, b.log) == 0);
    SK_CHECK(strcmp(a.log, c.log) != 0);
    SK_CHECK(a.count[SK_SIM_QUEUE_DROP][0] > 0);
    free(a.log);
    free(b.log);
    free(c.log);
}

static size_t chatty_output(void *n, uint64_t now, uint8_t *buf, size_t cap)
{
    (void)n;
    (void)now;
    (void)cap;
    buf[0] = 0x42;
    return 1;
}

static void test_flush_cap_stops_endless_output(void)
{
    sk_simnet *net = sk_simnet_new(1);
    tap_rec rec;
    memset(&rec, 0, sizeof rec);
    sk_sim_node_ops ops = {NULL, chatty_output, NULL};
    SK_CHECK_EQ_I(sk_simnet_add_node(net, &ops, NULL), 0);
    sk_simnet_set_tap(net, tap_fn, &rec);
    sk_simnet_flush(net);
    SK_CHECK_EQ(sk_simnet_overruns(net), 1);
    SK_CHECK_EQ(rec.count[SK_SIM_UNLINKED][0], SK_SIM_FLUSH_CAP);
    SK_CHECK_EQ_I(rec.first[0].to, -1);
    SK_CHECK_EQ_I(rec.first[0].link, -1);
    sk_simnet_free(net);
}

/* The same node under sk_simnet_run_until: the overrun ends the run (it
 * returned true once the node had nothing scheduled, and a node whose
 * output is due again at the same instant was drained without end). */
static size_t chatty_due_output(void *n, uint64_t now, uint8_t *buf, size_t cap)
{
    (void)now;
    (void)cap;
    (*(uint64_t *)n)++;
    buf[0] = 0x42;
    return 1;
}

static uint64_t chatty_due_poll(void *n)
{
    (void)n;
    return 0; /* always due: a stack that never stops sending */
}

static void test_flush_cap_ends_the_run(void)
{
    for (int due = 0; due < 2; due++) {
        sk_simnet *net = sk_simnet_new(1);
        uint64_t sent = 0;
        sk_sim_node_ops ops = {NULL, chatty_due_output, due ? chatty_due_poll : NULL};
        SK_CHECK_EQ_I(sk_simnet_add_node(net, &ops, &sent), 0);
        SK_CHECK(!sk_simnet_run_until(net, 1 * MS));
        SK_CHECK_EQ(sk_simnet_overruns(net), 1);
        SK_CHECK_EQ(sent, SK_SIM_FLUSH_CAP);
        SK_CHECK(!sk_simnet_step(net, 1 * MS)); /* and again at once */
        SK_CHECK_EQ(sk_simnet_overruns(net), 2);
        SK_CHECK_EQ(sent, 2 * (uint64_t)SK_SIM_FLUSH_CAP);
        sk_simnet_free(net);
    }
}

/* Two echo nodes with no delay anywhere bounce one frame forever at t = 0. */
static void test_instant_cap_stops_livelock(void)
{
    sk_simnet *net = sk_simnet_new(1);
    echo *e = calloc(2, sizeof *e);
    e[0].n = 1;
    e[0].q[0].len = 4;
    SK_CHECK_EQ_I(sk_simnet_add_node(net, &echo_ops, &e[0]), 0);
    SK_CHECK_EQ_I(sk_simnet_add_node(net, &echo_ops, &e[1]), 1);
    SK_CHECK_EQ_I(sk_simnet_link(net, 0, 1, NULL, NULL), 0);
    SK_CHECK(!sk_simnet_run_until(net, 1 * MS));
    SK_CHECK_EQ(sk_simnet_now(net), 0);
    SK_CHECK_EQ(sk_simnet_overruns(net), 1);
    SK_CHECK_EQ(e[0].received + e[1].received, SK_SIM_INSTANT_CAP);
    free(e);
    sk_simnet_free(net);
}

static void test_link_validation(void)
{
    sk_simnet *net = sk_simnet_new(1);
    pinger p = {0};
    sk_impair_config bad = {.loss = 2.0};
    SK_CHECK_EQ_I(sk_simnet_link(net, 0, 1, NULL, NULL), -1); /* no nodes */
    sk_simnet_add_node(net, &pinger_ops, &p);
    sk_simnet_add_node(net, &pinger_ops, &p);
    SK_CHECK_EQ_I(sk_simnet_link(net, 0, 0, NULL, NULL), -1);
    SK_CHECK_EQ_I(sk_simnet_link(net, 0, 2, NULL, NULL), -1);
    SK_CHECK_EQ_I(sk_simnet_link(net, -1, 1, NULL, NULL), -1);
    SK_CHECK_EQ_I(sk_simnet_link(net, 0, 1, NULL, &bad), -1);
    SK_CHECK_EQ_I(sk_simnet_link(net, 0, 1, NULL, NULL), 0);
    SK_CHECK(sk_simnet_link_stats(net, 0, 0) != NULL);
    SK_CHECK(sk_simnet_link_stats(net, 0, 1) != sk_simnet_link_stats(net, 0, 0));
    SK_CHECK(sk_simnet_link_stats(net, 0, 2) == NULL);
    SK_CHECK(sk_simnet_link_stats(net, 1, 0) == NULL);
    SK_CHECK(sk_simnet_link_stats(net, -1, 0) == NULL);
    SK_CHECK_STR(sk_sim_what_name(SK_SIM_QUEUE_DROP), "queue-drop");
    sk_simnet_free(net);
}

/* A node with two links sends every frame on both; sinks may have no ops. */
static void test_hub_node_sends_on_every_link(void)
{
    sk_simnet *net = sk_simnet_new(1);
    pinger p = {0};
    p.count = 2;
    p.interval = 10 * MS;
    echo e1 = {0}, e2 = {0};
    sk_sim_node_ops none = {NULL, NULL, NULL};
    tap_rec rec;
    memset(&rec, 0, sizeof rec);
    sk_simnet_add_node(net, &pinger_ops, &p);
    sk_simnet_add_node(net, &echo_ops, &e1);
    sk_simnet_add_node(net, &echo_ops, &e2);
    sk_simnet_add_node(net, &none, NULL);
    sk_impair_config slow = {.delay_us = 7 * MS};
    SK_CHECK_EQ_I(sk_simnet_link(net, 0, 1, NULL, NULL), 0);
    SK_CHECK_EQ_I(sk_simnet_link(net, 2, 0, &slow, &slow), 1);
    SK_CHECK_EQ_I(sk_simnet_link(net, 3, 2, NULL, NULL), 2);
    sk_simnet_set_tap(net, tap_fn, &rec);
    SK_CHECK(sk_simnet_run_until(net, 100 * MS));
    SK_CHECK_EQ(e1.received, 2);
    SK_CHECK_EQ(e2.received, 2);
    /* Echoes come back from both; e2 also sends its echoes to the sink. */
    SK_CHECK_EQ(p.got, 4);
    SK_CHECK_EQ(p.got_at[0], 0);       /* ping 0 via node 1 */
    SK_CHECK_EQ(p.got_at[1], 10 * MS);  /* ping 1 via node 1 */
    SK_CHECK_EQ(p.got_at[2], 14 * MS);  /* ping 0 via node 2, 7 ms each way */
    SK_CHECK_EQ(p.got_at[3], 24 * MS);
    SK_CHECK_EQ(sk_simnet_link_stats(net, 2, 2)->delivered, 2);
    SK_CHECK_EQ(sk_simnet_link_stats(net, 1, 0)->submitted, 2);
    sk_simnet_free(net);
}

int main(void)
{
    SK_RUN(test_pure_delay_exact_times);
    SK_RUN(test_loss_counts_add_up);
    SK_RUN(test_tap_sees_every_event);
    SK_RUN(test_drops_reach_the_tap);
    SK_RUN(test_run_until_stops_at_limit);
    SK_RUN(test_past_deadline_runs_now);
    SK_RUN(test_determinism_event_log);
    SK_RUN(test_flush_cap_stops_endless_output);
    SK_RUN(test_flush_cap_ends_the_run);
    SK_RUN(test_instant_cap_stops_livelock);
    SK_RUN(test_link_validation);
    SK_RUN(test_hub_node_sends_on_every_link);
    return sk_test_finish();
}
