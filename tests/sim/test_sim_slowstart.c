/* Slow start on the demo link (10 ms each way, perfect): two synack stacks
 * in the simulator, the client sending a bulk stream. The simulator
 * delivers a whole flight at one instant and the server's output runs
 * once after it, so this is the batch case of RFC 5681 §4.2: the server
 * must still send one ACK per two full-sized segments, each acknowledging
 * its own pair. Each such ACK lets the sender grow by L = 2 SMSS (RFC 3465
 * §2.3, sk_cc_slow_start_inc) and so send four segments: the flight
 * doubles each round trip, as it does with Linux (with L = 1 SMSS it grew
 * by half; with a stretch ACK per flight by one segment). The segments are
 * 1448 bytes, the SMSS congestion control counts (RFC 5681 §2: without the
 * 12 bytes of timestamps, sk_cc_smss): counted from the 1460-byte MSS, the
 * window would run ahead of the segments and the flights would not double
 * exactly. */
#include "sk_test.h"
#include "simnet.h"
#include "synack/stack.h"
#include "wire/ipv4.h"
#include "wire/tcp_hdr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000u
#define ROUNDS 6
#define MSS 1448u /* 1460 less the 12 bytes of timestamps (RFC 7323, on by default) */

typedef struct {
    uint64_t at;
    uint32_t n;
} round_t;

typedef struct {
    round_t data[ROUNDS]; /* client data segments per sending instant */
    uint32_t n_rounds;
    uint64_t ack_at[256]; /* server pure ACKs: when, and what they acknowledge */
    uint32_t ack_no[256];
    uint32_t n_acks;
    uint32_t rexmits;
} tally;

static void tap(void *ctx, const sk_sim_event *ev)
{
    tally *y = ctx;
    sk_ip4_repr ip;
    sk_tcp_repr seg;
    if (ev->what != SK_SIM_SENT || sk_ip4_parse(ev->frame, ev->len, &ip) != 0 ||
        sk_tcp_parse(ip.payload, ip.payload_len, &seg) != 0)
        return;
    if (ev->from == 0 && seg.payload_len > 0) {
        round_t *r = y->n_rounds > 0 ? &y->data[y->n_rounds - 1] : NULL;
        if (r != NULL && r->at == ev->now)
            r->n++;
        else if (y->n_rounds < ROUNDS)
            y->data[y->n_rounds++] = (round_t){ev->now, 1};
    } else if (ev->from == 1 && seg.payload_len == 0 && seg.flags == SK_TCP_ACK &&
               y->n_acks < 256) {
        y->ack_at[y->n_acks] = ev->now;
        y->ack_no[y->n_acks++] = seg.ack.v;
    }
}

static void node_input(void *s, uint64_t now, const uint8_t *f, size_t len)
{
    sk_stack_input(s, now, f, len);
}
static size_t node_output(void *s, uint64_t now, uint8_t *buf, size_t cap)
{
    return sk_stack_output(s, now, buf, cap);
}
static uint64_t node_poll_at(void *s)
{
    return sk_stack_poll_at(s);
}
static const sk_sim_node_ops ops = {node_input, node_output, node_poll_at};

static void *allocate(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}
static void release(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

static sk_stack *make_stack(uint8_t host)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.link = SK_LINK_IP;
    cfg.addr = sk_ip4_make(10, 0, 0, host);
    cfg.prefix_len = 24;
    cfg.seed = host;
    /* an initial window of 2 segments (RFC 6928's rule with N = 2), which
     * the rounds below count from: even flights pair up into ACKs exactly;
     * with the default 10 six rounds would outgrow the server's 256 KiB
     * receive buffer */
    cfg.initial_window_segments = 2;
    /* the pair rule this test is about: the stack's default quick ACKs
     * would ACK each of the first 15 segments at once (test_tcp_ackfreq.c
     * test_quick_acks_*) */
    cfg.quick_acks = 0;
    cfg.alloc.allocate = allocate;
    cfg.alloc.release = release;
    sk_stack *s = NULL;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    return s;
}

/* Run the transfer for 200 ms of virtual time: the client keeps its send
 * buffer full; the server does not read (its 256 KiB buffer holds the ~110
 * KB of six rounds), so no window update adds ACKs of its own. */
static void run(tally *y)
{
    memset(y, 0, sizeof *y);
    sk_stack *c = make_stack(1), *s = make_stack(2);
    sk_simnet *net = sk_simnet_new(1);
    SK_CHECK(c != NULL && s != NULL && net != NULL);
    if (c == NULL || s == NULL || net == NULL) {
        sk_simnet_free(net);
        sk_stack_destroy(c);
        sk_stack_destroy(s);
        return;
    }
    SK_CHECK_EQ_I(sk_simnet_add_node(net, &ops, c), 0);
    SK_CHECK_EQ_I(sk_simnet_add_node(net, &ops, s), 1);
    sk_impair_config link = {.delay_us = 10 * MS};
    SK_CHECK_EQ_I(sk_simnet_link(net, 0, 1, &link, &link), 0);
    sk_simnet_set_tap(net, tap, y);
    sk_sock l, cs, ss;
    SK_CHECK_EQ_I(sk_tcp_listen(s, 5050, NULL, &l), 0);
    sk_endpoint peer;
    memset(&peer, 0, sizeof peer);
    peer.addr = sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 2));
    peer.port = 5050;
    SK_CHECK_EQ_I(sk_tcp_connect(c, 0, &peer, NULL, &cs), 0);
    static uint8_t buf[65536];
    bool accepted = false;
    for (int steps = 0; steps < 100000 && sk_simnet_now(net) < 200 * MS; steps++) {
        uint64_t now = sk_simnet_now(net);
        while (sk_tcp_send(c, now, cs, buf, sizeof buf) > 0) {
        }
        if (!accepted)
            accepted = sk_tcp_accept(s, l, &ss, NULL) == 0;
        if (!sk_simnet_step(net, 200 * MS))
            break;
    }
    SK_CHECK(accepted);
    SK_CHECK_EQ(sk_simnet_overruns(net), 0);
    y->rexmits = (uint32_t)sk_stack_stats(c)->retransmits;
    sk_simnet_free(net);
    sk_stack_destroy(c);
    sk_stack_destroy(s);
}

/* The server's pure ACKs sent at `at`: how many, and each acknowledging
 * two segments more than the one before, starting from `from`. */
static uint32_t acks_at(const tally *y, uint64_t at, uint32_t *from)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < y->n_acks; i++) {
        if (y->ack_at[i] != at)
            continue;
        SK_CHECK_MSG(y->ack_no[i] == *from + 2 * MSS, "ACK %u at %llu us: %u, want %u", n,
                     (unsigned long long)at, y->ack_no[i], *from + 2 * MSS);
        *from = y->ack_no[i];
        n++;
    }
    return n;
}

static void test_ack_per_pair_and_growth(void)
{
    tally y;
    run(&y);
    SK_CHECK_EQ(y.rexmits, 0);
    SK_CHECK_EQ(y.n_rounds, ROUNDS);
    SK_CHECK_EQ(y.data[0].n, 2); /* IW: 2 segments (2 * 1448 <= 2920) */
    /* the first ACK number: the client's ISN + 1, from the first ACK seen */
    SK_CHECK(y.n_acks > 0);
    uint32_t acked = y.n_acks > 0 ? y.ack_no[0] - 2 * MSS : 0;
    uint32_t carry = 0; /* a segment of the last flight not yet ACKed */
    for (uint32_t k = 0; k + 1 < y.n_rounds; k++) {
        const round_t *r = &y.data[k];
        /* the flight arrives 10 ms later, all at once, and is answered at
         * that instant: one ACK per pair (an odd segment pairs with the
         * first of the next flight, which comes before the delayed-ACK
         * timer) */
        uint32_t a = acks_at(&y, r->at + 10 * MS, &acked);
        SK_CHECK_MSG(a == (r->n + carry) / 2, "round %u: %u segments (+%u) at %llu us, %u ACKs",
                     k, r->n, carry, (unsigned long long)r->at, a);
        carry = (r->n + carry) % 2;
        /* each ACK releases the two segments it acknowledged and two SMSS
         * of slow-start growth: the next flight is twice this one */
        SK_CHECK_MSG(y.data[k + 1].n == 4 * a, "round %u: %u segments after %u ACKs", k + 1,
                     y.data[k + 1].n, a);
        SK_CHECK_MSG(y.data[k + 1].n == 2 * r->n, "round %u: %u segments, round %u: %u", k + 1,
                     y.data[k + 1].n, k, r->n);
        printf("      round %u at %5.1f ms: %2u segments, %2u ACKs\n", k,
               (double)r->at / 1000.0, r->n, a);
    }
}

int main(void)
{
    SK_RUN(test_ack_per_pair_and_growth);
    return sk_test_finish();
}
