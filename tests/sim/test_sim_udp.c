/* UDP between two synack stacks in the deterministic simulator, under loss,
 * duplication, reordering, jitter and corruption, over many seeds.
 *
 * The client (10.0.0.1) sends datagrams numbered 0..n-1, each of a length
 * and content that are functions of the seed and its number; the server
 * (10.0.0.2) echoes every datagram it reads. Per seed:
 *  - every datagram either application reads is byte for byte one that was
 *    sent (its number, length and every byte checked): nothing corrupted,
 *    truncated or invented gets through;
 *  - every copy the link delivered is accounted for at the receiving stack:
 *    read by the application (udp_in), dropped by a checksum (IPv4 header or
 *    UDP), or dropped because the receive queue was full; nothing else;
 *  - the "slow reader" scenario (bursts into a 16-datagram queue read a few
 *    at a time) overflows, counts exactly the datagrams it dropped, and the
 *    server keeps serving: later datagrams are echoed;
 *  - the same seed gives the same run, frame for frame (hash of the link's
 *    events), and after destroy both allocators are back to zero.
 * A failure prints the seed: SK_SIM_UDP_SEED=N replays that one alone. */
#include "simnet.h"
#include "sk_test.h"
#include "synack/synack.h"

#include <stdlib.h>
#include <string.h>

#define N_SEEDS 60
#define MAX_DGRAMS 400
#define MAX_LEN 1200

typedef struct {
    size_t live; /* bytes allocated */
} counter;

static void *c_alloc(void *ctx, size_t n)
{
    ((counter *)ctx)->live += n;
    return malloc(n);
}

static void c_release(void *ctx, void *p, size_t n)
{
    ((counter *)ctx)->live -= n;
    free(p);
}

static void node_in(void *n, uint64_t now, const uint8_t *f, size_t len)
{
    sk_stack_input(n, now, f, len);
}

static size_t node_out(void *n, uint64_t now, uint8_t *buf, size_t cap)
{
    return sk_stack_output(n, now, buf, cap);
}

static uint64_t node_poll(void *n)
{
    return sk_stack_poll_at(n);
}

static const sk_sim_node_ops stack_ops = {node_in, node_out, node_poll};

/* Datagram i of a seed: 4 bytes of its number, then bytes from the seed. */
static size_t dgram_len(uint64_t seed, uint32_t i)
{
    return 4 + (size_t)((seed * 2654435761u + i * 40503u) % (MAX_LEN - 4));
}

static uint8_t dgram_byte(uint64_t seed, uint32_t i, size_t k)
{
    return (uint8_t)((seed >> (k % 8)) + i * 31u + k * 7u);
}

static size_t make_dgram(uint64_t seed, uint32_t i, uint8_t *buf)
{
    size_t len = dgram_len(seed, i);
    buf[0] = (uint8_t)(i >> 24), buf[1] = (uint8_t)(i >> 16);
    buf[2] = (uint8_t)(i >> 8), buf[3] = (uint8_t)i;
    for (size_t k = 4; k < len; k++)
        buf[k] = dgram_byte(seed, i, k);
    return len;
}

/* A datagram is one that was sent: its number below n, then its length and
 * content. */
static bool dgram_ok(uint64_t seed, uint32_t n, const uint8_t *d, size_t len)
{
    if (len < 4)
        return false;
    uint32_t i = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    if (i >= n || len != dgram_len(seed, i))
        return false;
    for (size_t k = 4; k < len; k++)
        if (d[k] != dgram_byte(seed, i, k))
            return false;
    return true;
}

typedef struct {
    uint64_t seed;
    sk_impair_config link;
    uint32_t n;          /* datagrams the client sends */
    uint32_t burst;      /* sent at one instant, every interval_us */
    uint64_t interval_us;
    uint32_t server_rcvq; /* the server's receive queue, datagrams */
    uint32_t read_max;   /* datagrams the server reads per ms; 0: all */
} scenario;

typedef struct {
    uint64_t hash;
    uint64_t echoed, replies, bad, overflow, last_echoed_num;
    uint64_t lost, duplicated, corrupted; /* the link, both directions */
} outcome;

static void tap(void *ctx, const sk_sim_event *ev)
{
    uint64_t *h = ctx;
    *h = (*h ^ (uint64_t)ev->what ^ ev->now ^ ev->len) * 1099511628211ull;
    for (size_t i = 0; i < ev->len; i++)
        *h = (*h ^ ev->frame[i]) * 1099511628211ull;
}

static sk_stack *make_stack(counter *c, sk_ip4 addr, uint64_t seed, uint32_t rcvq)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.addr = addr;
    cfg.alloc.allocate = c_alloc;
    cfg.alloc.release = c_release;
    cfg.alloc.ctx = c;
    cfg.max_sockets = 4;
    cfg.udp_max_sockets = 4;
    cfg.udp_rcvq_datagrams = rcvq;
    cfg.seed = seed;
    sk_stack *s = NULL;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    return s;
}

/* The server: read (at most read_max), echo each to its source. */
static void server_app(sk_stack *s, sk_sock h, uint64_t now, const scenario *sc, outcome *o)
{
    uint8_t buf[2048];
    for (uint32_t k = 0; sc->read_max == 0 || k < sc->read_max; k++) {
        sk_udp_meta m;
        ptrdiff_t r = sk_udp_recvfrom(s, now, h, buf, sizeof buf, &m);
        if (r < 0)
            break;
        if (!dgram_ok(sc->seed, sc->n, buf, (size_t)r))
            o->bad++;
        if (sk_udp_sendto(s, now, h, buf, (size_t)r, &m.from) == r) {
            o->echoed++;
            o->last_echoed_num = (uint64_t)buf[2] << 8 | buf[3];
        }
    }
}

static void client_app(sk_stack *s, sk_sock h, uint64_t now, const scenario *sc, uint32_t *next,
                       outcome *o)
{
    uint8_t buf[2048];
    ptrdiff_t r;
    while ((r = sk_udp_recv(s, now, h, buf, sizeof buf)) >= 0) {
        o->replies++;
        if (!dgram_ok(sc->seed, sc->n, buf, (size_t)r))
            o->bad++;
    }
    while (*next < sc->n && now >= (*next / sc->burst) * sc->interval_us) {
        size_t len = make_dgram(sc->seed, *next, buf);
        ptrdiff_t w = sk_udp_send(s, now, h, buf, len);
        if (w == SK_EAGAIN)
            break; /* the send queue is full: the next tick */
        SK_CHECK_EQ_I(w, (ptrdiff_t)len);
        (*next)++;
    }
}

/* Every copy delivered to `s` is accounted for: read by the application,
 * or dropped under exactly one reason; reasons other than a full queue
 * only for corrupted copies. */
static void check_accounting(const char *who, uint64_t seed, sk_stack *s,
                             const sk_impair_stats *link)
{
    const sk_stats *st = sk_stack_stats(s);
    uint64_t full = st->drop[SK_DROP_UDP_QUEUE_FULL];
    SK_CHECK_MSG(st->udp_in + st->drops == link->delivered && full == st->udp_rcvq_full &&
                     st->drops - full <= link->corrupted,
                 "seed %llu: %s: %llu copies delivered (%llu corrupted): %llu read, %llu dropped "
                 "(%llu queue full, %llu IP checksum, %llu UDP checksum)",
                 (unsigned long long)seed, who, (unsigned long long)link->delivered,
                 (unsigned long long)link->corrupted, (unsigned long long)st->udp_in,
                 (unsigned long long)st->drops, (unsigned long long)full,
                 (unsigned long long)st->drop[SK_DROP_IP_CHECKSUM],
                 (unsigned long long)st->drop[SK_DROP_UDP_CHECKSUM]);
}

static sk_sock udp_sock(sk_stack *s, uint16_t port, const sk_endpoint *remote)
{
    sk_sock h;
    SK_CHECK_EQ_I(sk_udp_open(s, &h), 0);
    sk_endpoint any;
    memset(&any, 0, sizeof any);
    any.port = port;
    SK_CHECK_EQ_I(sk_udp_bind(s, h, &any), 0);
    if (remote != NULL)
        SK_CHECK_EQ_I(sk_udp_connect(s, h, remote), 0);
    return h;
}

static outcome run(const scenario *sc)
{
    outcome o;
    memset(&o, 0, sizeof o);
    counter cc = {0}, cs = {0};
    sk_ip4 ca = sk_ip4_make(10, 0, 0, 1), sa = sk_ip4_make(10, 0, 0, 2);
    sk_stack *cli = make_stack(&cc, ca, sc->seed, 64);
    sk_stack *srv = make_stack(&cs, sa, sc->seed + 1, sc->server_rcvq);
    sk_simnet *net = sk_simnet_new(sc->seed);
    SK_CHECK(cli != NULL && srv != NULL && net != NULL);
    if (cli == NULL || srv == NULL || net == NULL)
        return o;
    o.hash = 14695981039346656037ull;
    sk_simnet_set_tap(net, tap, &o.hash);
    sk_simnet_add_node(net, &stack_ops, cli);
    sk_simnet_add_node(net, &stack_ops, srv);
    int link = sk_simnet_link(net, 0, 1, &sc->link, &sc->link);
    SK_CHECK(link >= 0);
    sk_endpoint to = {sk_ipaddr_from_ip4(sa), 7};
    sk_sock hs = udp_sock(srv, 7, NULL), hc = udp_sock(cli, 5000, &to);
    uint32_t next = 0;
    uint64_t last_send = (uint64_t)((sc->n - 1) / sc->burst) * sc->interval_us;
    /* the applications run every millisecond until a second after the
     * last datagram was sent (every copy has landed by then) */
    for (uint64_t t = 0; t <= last_send + 1000000u; t += 1000u) {
        sk_simnet_run_until(net, t);
        server_app(srv, hs, t, sc, &o);
        client_app(cli, hc, t, sc, &next, &o);
        sk_simnet_flush(net);
    }
    sk_simnet_run_until(net, UINT64_MAX);
    SK_CHECK_EQ(next, sc->n);
    SK_CHECK_EQ(sk_simnet_overruns(net), 0);
    for (int d = 0; d < 2; d++) {
        const sk_impair_stats *ls = sk_simnet_link_stats(net, link, d);
        o.lost += ls->lost;
        o.duplicated += ls->duplicated;
        o.corrupted += ls->corrupted;
    }
    check_accounting("server", sc->seed, srv, sk_simnet_link_stats(net, link, 0));
    check_accounting("client", sc->seed, cli, sk_simnet_link_stats(net, link, 1));
    SK_CHECK_EQ(sk_stack_stats(srv)->icmp_out + sk_stack_stats(cli)->icmp_out, 0);
    o.overflow = sk_stack_stats(srv)->udp_rcvq_full;
    SK_CHECK_EQ(sk_stack_stats(cli)->udp_out, sc->n);
    SK_CHECK_EQ(sk_stack_stats(srv)->udp_out, o.echoed);
    SK_CHECK_EQ(o.replies, sk_stack_stats(cli)->udp_in);
    sk_simnet_free(net);
    sk_stack_destroy(cli);
    sk_stack_destroy(srv);
    SK_CHECK_EQ(cc.live, 0);
    SK_CHECK_EQ(cs.live, 0);
    return o;
}

static uint64_t seed_from_env(void)
{
    const char *e = getenv("SK_SIM_UDP_SEED");
    return e != NULL ? strtoull(e, NULL, 10) : 0;
}

static scenario lossy(uint64_t seed)
{
    scenario sc;
    memset(&sc, 0, sizeof sc);
    sc.seed = seed;
    sc.link.loss = 0.05;
    sc.link.dup = 0.02;
    sc.link.reorder = 0.05;
    sc.link.corrupt = 0.02;
    sc.link.delay_us = 5000;
    sc.link.jitter_us = 2000;
    sc.n = 300;
    sc.burst = 3;
    sc.interval_us = 2000;
    sc.server_rcvq = 64;
    return sc;
}

/* Loss, duplication, reordering, jitter and corruption: only intact
 * datagrams are read, every copy is accounted for, seeds replay. */
static void test_lossy_echo(void)
{
    uint64_t one = seed_from_env();
    uint64_t lost = 0, dup = 0, corrupted = 0, replies = 0, seeds = 0;
    for (uint64_t seed = one ? one : 1; seed <= (one ? one : N_SEEDS); seed++) {
        scenario sc = lossy(seed);
        outcome o = run(&sc);
        SK_CHECK_MSG(o.bad == 0, "seed %llu: %llu datagrams read were not ones sent",
                     (unsigned long long)seed, (unsigned long long)o.bad);
        SK_CHECK_MSG(o.overflow == 0, "seed %llu: %llu overflowed", (unsigned long long)seed,
                     (unsigned long long)o.overflow);
        seeds++;
        replies += o.replies;
        lost += o.lost;
        dup += o.duplicated;
        corrupted += o.corrupted;
        if (seed == 1) {
            outcome again = run(&sc);
            SK_CHECK_EQ(again.hash, o.hash);
            SK_CHECK_EQ(again.replies, o.replies);
        }
        if (sk_test_current_failed()) {
            printf("  replay: SK_SIM_UDP_SEED=%llu %s\n", (unsigned long long)seed,
                   "build/dev/tests/test_sim_udp");
            break;
        }
    }
    printf("  %llu seeds: %llu replies read byte for byte; the link lost %llu frames, duplicated "
           "%llu, corrupted %llu (all dropped or harmless)\n", (unsigned long long)seeds,
           (unsigned long long)replies, (unsigned long long)lost, (unsigned long long)dup,
           (unsigned long long)corrupted);
    SK_CHECK(lost > 0 && dup > 0 && corrupted > 0); /* the faults did happen */
}

/* A slow reader: bursts of 40 into a 16-datagram queue, 4 read per ms.
 * The overflow is counted exactly (the accounting check), and the server
 * keeps serving: the last burst's datagrams are echoed too. */
static void test_slow_reader_overflows(void)
{
    uint64_t one = seed_from_env();
    for (uint64_t seed = one ? one : 1; seed <= (one ? one : 20); seed++) {
        scenario sc = lossy(seed);
        sc.n = 200;
        sc.burst = 40;
        sc.interval_us = 50000;
        sc.server_rcvq = 16;
        sc.read_max = 4;
        outcome o = run(&sc);
        SK_CHECK_MSG(o.overflow > 0, "seed %llu: no overflow", (unsigned long long)seed);
        SK_CHECK_MSG(o.bad == 0, "seed %llu: bad datagrams", (unsigned long long)seed);
        SK_CHECK_MSG(o.last_echoed_num >= 160, "seed %llu: the last burst was not served "
                     "(last echoed %llu)", (unsigned long long)seed,
                     (unsigned long long)o.last_echoed_num);
        if (sk_test_current_failed()) {
            printf("  replay: SK_SIM_UDP_SEED=%llu build/dev/tests/test_sim_udp\n",
                   (unsigned long long)seed);
            break;
        }
    }
}

int main(void)
{
    SK_RUN(test_lossy_echo);
    SK_RUN(test_slow_reader_overflows);
    return sk_test_finish();
}
