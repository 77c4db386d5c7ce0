/* udp/udp.c and udp/udp_queue.c alone (no interface, no stack): the socket
 * table and handles, binding and its conflicts, ephemeral ports, the
 * receive queue's bounds, lazily taken memory, truncating reads, checksum
 * and length rules, demultiplexing order, ICMP errors, the send queue and
 * its round robin, readiness and events.
 *
 * Golden datagrams, sent by Linux 6.x from a veth with tx checksum offload
 * off (`ethtool -K va tx off`), captured with tcpdump; tshark verifies both
 * checksums:
 *   v4: `echo synack | socat - UDP4-SENDTO:192.0.2.2:9999,sourceport=47390`
 *       from 192.0.2.1 (checksum 0x4c58);
 *   v6: `echo synack | socat - UDP6-SENDTO:[2001:db8::3]:9999,sourceport=47390`
 *       from 2001:db8::1 (checksum 0x74e6).
 * (The UDP datagram quoted in golden_ip.h's port_unreach was sent with
 * offload on: its checksum field holds only the pseudo-header sum, 0x8424,
 * which the stack must reject.) */
#include "base/bytes.h"
#include "base/checksum.h"
#include "golden_ip.h"
#include "sk_test.h"
#include "synack/error.h"
#include "udp/udp.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t gold4[15] = {0xb9, 0x1e, 0x27, 0x0f, 0x00, 0x0f, 0x4c, 0x58,
                                  's',  'y',  'n',  'a',  'c',  'k',  '\n'};
static const uint8_t gold6[15] = {0xb9, 0x1e, 0x27, 0x0f, 0x00, 0x0f, 0x74, 0xe6,
                                  's',  'y',  'n',  'a',  'c',  'k',  '\n'};

static size_t live_bytes;

static void *count_alloc(void *ctx, size_t n)
{
    (void)ctx;
    live_bytes += n;
    return malloc(n);
}

static void count_release(void *ctx, void *p, size_t n)
{
    (void)ctx;
    live_bytes -= n;
    free(p);
}

static sk_ctx ctx;
static sk_udp u;

static void setup(uint32_t socks, uint32_t rq_n, uint32_t rq_bytes, uint64_t seed)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.addr = sk_ip4_make(192, 0, 2, 2);
    cfg.alloc.allocate = count_alloc;
    cfg.alloc.release = count_release;
    cfg.udp_max_sockets = socks;
    cfg.udp_rcvq_datagrams = rq_n;
    cfg.udp_rcvq_bytes = rq_bytes;
    cfg.udp_sndq_datagrams = 2;
    cfg.seed = seed;
    SK_CHECK_EQ_I(sk_ctx_resolve_addrs(&cfg), 0);
    sk_ctx_init(&ctx, &cfg);
    SK_CHECK_EQ_I(sk_udp_init(&u, &ctx), 0);
}

static void teardown(void)
{
    sk_udp_free(&u);
    SK_CHECK_EQ(live_bytes, 0);
}

static sk_ipaddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    return sk_ipaddr_from_ip4(sk_ip4_make(a, b, c, d));
}

static sk_ipaddr v6(uint8_t last)
{
    sk_ipaddr a;
    memset(&a, 0, sizeof a);
    a.family = SK_AF_INET6;
    a.b[0] = 0x20, a.b[1] = 0x01, a.b[2] = 0x0d, a.b[3] = 0xb8;
    a.b[15] = last;
    return a;
}

static sk_endpoint ep(sk_ipaddr a, uint16_t port)
{
    sk_endpoint e = {a, port};
    return e;
}

static sk_endpoint any(uint16_t port)
{
    sk_endpoint e;
    memset(&e, 0, sizeof e);
    e.port = port;
    return e;
}

static sk_udp_sock *bound(uint16_t port)
{
    sk_udp_sock *k = sk_udp_alloc(&u);
    SK_CHECK(k != NULL);
    sk_endpoint e = any(port);
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, k, &e), 0);
    return k;
}

/* A datagram src:sport -> dst:dport with a correct checksum (computed with
 * the RFC 1071 reference loop, not the module's own function). */
static size_t dgram(uint8_t *b, sk_ipaddr src, uint16_t sport, sk_ipaddr dst, uint16_t dport,
                    const char *text)
{
    size_t n = strlen(text), len = 8 + n;
    sk_store_be16(b, sport);
    sk_store_be16(b + 2, dport);
    sk_store_be16(b + 4, (uint16_t)len);
    sk_store_be16(b + 6, 0);
    memcpy(b + 8, text, n);
    uint32_t sum;
    if (src.family == SK_AF_INET4) {
        sum = sk_csum_pseudo4(src.b, dst.b, 17, (uint16_t)len);
    } else {
        uint8_t ph[40] = {0};
        memcpy(ph, src.b, 16);
        memcpy(ph + 16, dst.b, 16);
        sk_store_be32(ph + 32, (uint32_t)len);
        ph[39] = 17;
        sum = sk_csum_partial_ref(ph, sizeof ph, 0);
    }
    uint16_t c = sk_csum_fold(sk_csum_partial_ref(b, len, sum));
    sk_store_be16(b + 6, c == 0 ? 0xffff : c);
    return len;
}

static int input(sk_ipaddr src, sk_ipaddr dst, const uint8_t *d, size_t len)
{
    sk_udp_in in = {src, dst, false, d, len};
    return sk_udp_input(&u, 0, &in);
}

static uint64_t drops(int reason)
{
    return ctx.stats.drop[reason];
}

/* ---- table and handles ---- */

static void test_table_bounded_and_handles(void)
{
    setup(2, 4, 1000, 1);
    sk_udp_sock *a = sk_udp_alloc(&u), *b = sk_udp_alloc(&u);
    SK_CHECK(a != NULL && b != NULL && a != b);
    SK_CHECK(sk_udp_alloc(&u) == NULL); /* the table holds 2 */
    sk_sock ha = sk_udp_handle(&u, a);
    SK_CHECK(sk_sock_is_udp(ha));
    SK_CHECK(sk_udp_sock_of(&u, ha) == a);
    sk_sock tcpish = {ha.idx & ~SK_SOCK_UDP, ha.gen};
    SK_CHECK(sk_udp_sock_of(&u, tcpish) == NULL);
    sk_sock past = {SK_SOCK_UDP | 3u, 1};
    SK_CHECK(sk_udp_sock_of(&u, past) == NULL);
    sk_udp_release(&u, a);
    SK_CHECK(sk_udp_sock_of(&u, ha) == NULL); /* stale */
    sk_udp_sock *c = sk_udp_alloc(&u);
    SK_CHECK(c == a);
    sk_sock hc = sk_udp_handle(&u, c);
    SK_CHECK(hc.idx == ha.idx && hc.gen != ha.gen);
    SK_CHECK(sk_udp_sock_of(&u, ha) == NULL && sk_udp_sock_of(&u, hc) == c);
    teardown();
}

/* ---- binding ---- */

static void test_bind_conflicts(void)
{
    setup(6, 4, 1000, 1);
    sk_udp_sock *w = bound(5000);
    sk_udp_sock *k = sk_udp_alloc(&u);
    sk_endpoint e = ep(v4(192, 0, 2, 2), 5000);
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, k, &e), SK_EADDRINUSE); /* overlaps the wildcard */
    e = any(5000);
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, k, &e), SK_EADDRINUSE);
    e = ep(v4(192, 0, 2, 2), 5001);
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, k, &e), 0);
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, k, &e), SK_EINVAL); /* bound already */
    /* two specific addresses of different families do not overlap */
    sk_udp_sock *k6 = sk_udp_alloc(&u);
    e = ep(v6(2), 5001);
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, k6, &e), 0);
    /* SO_REUSEADDR shares a port only when both set it */
    sk_udp_sock *r = sk_udp_alloc(&u);
    r->reuse = true;
    e = any(5000);
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, r, &e), SK_EADDRINUSE); /* w did not set it */
    sk_udp_release(&u, w);
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, r, &e), 0);
    sk_udp_sock *r2 = sk_udp_alloc(&u);
    r2->reuse = true;
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, r2, &e), 0);
    teardown();
}

/* Port 0 picks a port from the seeded generator (the same seed, the same
 * port), in 49152-65535, and skips one that is taken. */
static void test_ephemeral(void)
{
    setup(3, 4, 1000, 7);
    sk_rng predict = u.rng;
    uint16_t want = (uint16_t)(49152 + sk_rng_below(&predict, 16384));
    sk_udp_sock *a = bound(0);
    SK_CHECK_EQ(a->local.port, want);
    teardown();

    setup(3, 4, 1000, 7);
    predict = u.rng;
    want = (uint16_t)(49152 + sk_rng_below(&predict, 16384));
    sk_udp_sock *blocker = bound(want);
    (void)blocker;
    sk_udp_sock *b = bound(0);
    SK_CHECK_EQ(b->local.port, want == 65535 ? 49152 : want + 1);
    /* connect binds an unbound socket */
    sk_udp_sock *c = sk_udp_alloc(&u);
    sk_endpoint r = ep(v4(192, 0, 2, 1), 53);
    SK_CHECK_EQ_I(sk_udp_set_remote(&u, c, &r), 0);
    SK_CHECK(c->bound && c->connected && c->local.port >= 49152);
    teardown();
}

/* ---- input ---- */

static void test_golden_checksums(void)
{
    setup(2, 4, 1000, 1);
    sk_udp_sock *k = bound(9999);
    SK_CHECK_EQ_I(input(v4(192, 0, 2, 1), v4(192, 0, 2, 2), gold4, 15), SK_UDP_DELIVERED);
    SK_CHECK_EQ_I(input(v6(1), v6(3), gold6, sizeof gold6), SK_UDP_DELIVERED);
    SK_CHECK_EQ(ctx.stats.udp_in, 2);
    SK_CHECK_EQ(ctx.stats.drops, 0);
    uint8_t buf[32];
    sk_udp_meta m;
    SK_CHECK_EQ_I(sk_udp_take(&u, k, buf, sizeof buf, &m), 7);
    SK_CHECK_MEM(buf, "synack\n", 7);
    SK_CHECK_EQ(m.from.port, 47390);
    SK_CHECK_EQ(m.to.port, 9999);
    sk_ipaddr want = v4(192, 0, 2, 1);
    SK_CHECK(sk_ipaddr_eq(&m.from.addr, &want));
    SK_CHECK_EQ_I(sk_udp_take(&u, k, buf, sizeof buf, &m), 7);
    want = v6(1);
    SK_CHECK(sk_ipaddr_eq(&m.from.addr, &want));
    want = v6(3);
    SK_CHECK(sk_ipaddr_eq(&m.to.addr, &want));
    /* the offloaded datagram quoted by Linux's port unreachable (partial
     * checksum) is dropped */
    SK_CHECK_EQ_I(input(v4(192, 0, 2, 1), v4(192, 0, 2, 2), port_unreach + 62, 15),
                  SK_UDP_DELIVERED);
    SK_CHECK_EQ(drops(SK_DROP_UDP_CHECKSUM), 1);
    SK_CHECK_EQ(k->rxq.n, 0);
    /* the frame checksum we send is the interface's (test_udp_api checks it
     * against the reference loop; test_wire_udp against Linux's goldens) */
    teardown();
}

static void test_checksum_rules(void)
{
    setup(2, 8, 1000, 1);
    sk_udp_sock *k = bound(9999);
    uint8_t d[15];
    /* a wrong checksum: dropped and counted */
    memcpy(d, gold4, 15);
    d[14] ^= 1;
    SK_CHECK_EQ_I(input(v4(192, 0, 2, 1), v4(192, 0, 2, 2), d, 15), SK_UDP_DELIVERED);
    SK_CHECK_EQ(drops(SK_DROP_UDP_CHECKSUM), 1);
    SK_CHECK_EQ(ctx.stats.udp_bad_checksum, 1);
    /* zero: no checksum over IPv4 (RFC 768), even with the payload changed */
    sk_store_be16(d + 6, 0);
    SK_CHECK_EQ_I(input(v4(192, 0, 2, 1), v4(192, 0, 2, 2), d, 15), SK_UDP_DELIVERED);
    SK_CHECK_EQ(k->rxq.n, 1);
    /* zero over IPv6: an error (RFC 8200 §8.1) */
    memcpy(d, gold6, 15);
    sk_store_be16(d + 6, 0);
    SK_CHECK_EQ_I(input(v6(1), v6(3), d, 15), SK_UDP_DELIVERED);
    SK_CHECK_EQ(drops(SK_DROP_UDP_ZERO_CHECKSUM6), 1);
    SK_CHECK_EQ(ctx.stats.udp_bad_checksum, 2);
    /* the address is under the checksum: the v6 golden to another address */
    SK_CHECK_EQ_I(input(v6(1), v6(4), gold6, 15), SK_UDP_DELIVERED);
    SK_CHECK_EQ(drops(SK_DROP_UDP_CHECKSUM), 2);
    SK_CHECK_EQ(k->rxq.n, 1);
    SK_CHECK_EQ(ctx.stats.udp_in, 1);
    teardown();
}

static void test_lengths(void)
{
    setup(2, 8, 1000, 1);
    sk_udp_sock *k = bound(9999);
    sk_ipaddr s = v4(192, 0, 2, 1), d = v4(192, 0, 2, 2);
    SK_CHECK_EQ_I(input(s, d, gold4, 7), SK_UDP_DELIVERED);
    SK_CHECK_EQ(drops(SK_DROP_UDP_TRUNCATED), 1);
    uint8_t b[64];
    size_t n = dgram(b, s, 1000, d, 9999, "hello");
    sk_store_be16(b + 4, 7); /* below the header */
    SK_CHECK_EQ_I(input(s, d, b, n), SK_UDP_DELIVERED);
    sk_store_be16(b + 4, (uint16_t)(n + 1)); /* past the IP payload */
    SK_CHECK_EQ_I(input(s, d, b, n), SK_UDP_DELIVERED);
    SK_CHECK_EQ(drops(SK_DROP_UDP_LENGTH), 2);
    SK_CHECK_EQ(ctx.stats.udp_bad_length, 3);
    SK_CHECK_EQ(k->rxq.n, 0);
    /* a length field shorter than the IP payload ends the datagram: the
     * bytes after it (padding) are not delivered */
    n = dgram(b, s, 1000, d, 9999, "abc");
    memcpy(b + n, "PAD", 3);
    SK_CHECK_EQ_I(input(s, d, b, n + 3), SK_UDP_DELIVERED);
    uint8_t out[16];
    SK_CHECK_EQ_I(sk_udp_take(&u, k, out, sizeof out, NULL), 3);
    SK_CHECK_MEM(out, "abc", 3);
    /* an empty datagram is a datagram */
    n = dgram(b, s, 1000, d, 9999, "");
    SK_CHECK_EQ_I(input(s, d, b, n), SK_UDP_DELIVERED);
    sk_udp_meta m;
    SK_CHECK_EQ_I(sk_udp_take(&u, k, out, sizeof out, &m), 0);
    SK_CHECK_EQ(m.len, 0);
    SK_CHECK_EQ_I(sk_udp_take(&u, k, out, sizeof out, &m), SK_EAGAIN);
    /* destination port 0 */
    n = dgram(b, s, 1000, d, 0, "x");
    SK_CHECK_EQ_I(input(s, d, b, n), SK_UDP_DELIVERED);
    SK_CHECK_EQ(drops(SK_DROP_UDP_BAD_PORT), 1);
    teardown();
}

static void test_no_port(void)
{
    setup(2, 8, 1000, 1);
    bound(9999);
    uint8_t b[64];
    sk_ipaddr s = v4(192, 0, 2, 1), d = v4(192, 0, 2, 2);
    size_t n = dgram(b, s, 1000, d, 9998, "x");
    SK_CHECK_EQ_I(input(s, d, b, n), SK_UDP_NO_PORT);
    SK_CHECK_EQ(ctx.stats.udp_no_port, 1);
    SK_CHECK_EQ(drops(SK_DROP_UDP_NO_SOCKET), 1);
    /* a socket bound to a specific address does not take another's */
    sk_udp_sock *k = sk_udp_alloc(&u);
    sk_endpoint e = ep(v4(192, 0, 2, 2), 7000);
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, k, &e), 0);
    n = dgram(b, s, 1000, v4(192, 0, 2, 255), 7000, "x");
    SK_CHECK_EQ_I(input(s, v4(192, 0, 2, 255), b, n), SK_UDP_NO_PORT);
    n = dgram(b, s, 1000, d, 7000, "x");
    SK_CHECK_EQ_I(input(s, d, b, n), SK_UDP_DELIVERED);
    SK_CHECK_EQ(k->rxq.n, 1);
    teardown();
}

/* A connected socket's exact match beats a specific local address, which
 * beats the wildcard; a connected socket takes nothing from others. */
static void test_demux_order(void)
{
    setup(4, 8, 1000, 1);
    sk_ipaddr peer = v4(192, 0, 2, 1), other = v4(192, 0, 2, 9), us = v4(192, 0, 2, 2);
    sk_udp_sock *w = sk_udp_alloc(&u), *sp = sk_udp_alloc(&u), *c = sk_udp_alloc(&u);
    w->reuse = sp->reuse = c->reuse = true;
    /* connected first, wildcard last: the table order must not decide */
    sk_endpoint e = any(5000);
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, c, &e), 0);
    sk_endpoint r = ep(peer, 6000);
    SK_CHECK_EQ_I(sk_udp_set_remote(&u, c, &r), 0);
    e = ep(us, 5000);
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, sp, &e), 0);
    e = any(5000);
    SK_CHECK_EQ_I(sk_udp_bind_local(&u, w, &e), 0);
    uint8_t b[64];
    size_t n = dgram(b, peer, 6000, us, 5000, "to-c");
    SK_CHECK_EQ_I(input(peer, us, b, n), SK_UDP_DELIVERED);
    n = dgram(b, peer, 6001, us, 5000, "to-sp"); /* another port of the peer */
    SK_CHECK_EQ_I(input(peer, us, b, n), SK_UDP_DELIVERED);
    n = dgram(b, other, 6000, us, 5000, "to-sp");
    SK_CHECK_EQ_I(input(other, us, b, n), SK_UDP_DELIVERED);
    sk_ipaddr bc = v4(192, 0, 2, 255);
    n = dgram(b, other, 6000, bc, 5000, "to-w");
    SK_CHECK_EQ_I(input(other, bc, b, n), SK_UDP_DELIVERED);
    SK_CHECK_EQ(c->rxq.n, 1);
    SK_CHECK_EQ(sp->rxq.n, 2);
    SK_CHECK_EQ(w->rxq.n, 1);
    uint8_t out[8];
    SK_CHECK_EQ_I(sk_udp_take(&u, c, out, sizeof out, NULL), 4);
    SK_CHECK_MEM(out, "to-c", 4);
    SK_CHECK_EQ_I(sk_udp_take(&u, w, out, sizeof out, NULL), 4);
    SK_CHECK_MEM(out, "to-w", 4);
    /* alone, the connected socket refuses strangers: no port */
    sk_udp_release(&u, sp);
    sk_udp_release(&u, w);
    n = dgram(b, other, 6000, us, 5000, "x");
    SK_CHECK_EQ_I(input(other, us, b, n), SK_UDP_NO_PORT);
    /* disconnecting (AF_UNSPEC) takes everyone's again */
    sk_endpoint none;
    memset(&none, 0, sizeof none);
    SK_CHECK_EQ_I(sk_udp_set_remote(&u, c, &none), 0);
    SK_CHECK(!c->connected && c->bound && c->local.port == 5000);
    SK_CHECK_EQ_I(input(other, us, b, n), SK_UDP_DELIVERED);
    teardown();
}

/* The receive queue is bounded in datagrams and bytes; overflow is
 * dropped and counted; memory is taken with the first datagram and given
 * back when the queue empties. */
static void test_rcvq_bounds_and_memory(void)
{
    setup(2, 3, 10, 1);
    sk_udp_sock *k = bound(9999);
    size_t idle = live_bytes;
    sk_ipaddr s = v4(192, 0, 2, 1), d = v4(192, 0, 2, 2);
    uint8_t b[64];
    size_t n = dgram(b, s, 1, d, 9999, "0123456789A"); /* 11 bytes: over the byte bound */
    SK_CHECK_EQ_I(input(s, d, b, n), SK_UDP_DELIVERED);
    SK_CHECK_EQ(k->overflows, 1);
    SK_CHECK_EQ(live_bytes, idle); /* nothing was taken for it */
    const char *msgs[] = {"aaaa", "bbbb", "cc", "d"};
    for (int i = 0; i < 4; i++) {
        n = dgram(b, s, 1, d, 9999, msgs[i]);
        SK_CHECK_EQ_I(input(s, d, b, n), SK_UDP_DELIVERED);
    }
    /* "cc" fits (10 bytes), "d" does not: 3 datagrams is the count bound */
    SK_CHECK_EQ(k->rxq.n, 3);
    SK_CHECK_EQ(sk_udpq_bytes(&k->rxq), 10);
    SK_CHECK_EQ(k->overflows, 2);
    SK_CHECK_EQ(ctx.stats.udp_rcvq_full, 2);
    SK_CHECK_EQ(drops(SK_DROP_UDP_QUEUE_FULL), 2);
    SK_CHECK(live_bytes > idle);
    /* a short read truncates and discards the rest of that datagram */
    uint8_t out[16];
    sk_udp_meta m;
    SK_CHECK_EQ_I(sk_udp_take(&u, k, out, 2, &m), 2);
    SK_CHECK_MEM(out, "aa", 2);
    SK_CHECK_EQ(m.len, 4);
    /* room again: the next one is taken */
    n = dgram(b, s, 1, d, 9999, "e");
    SK_CHECK_EQ_I(input(s, d, b, n), SK_UDP_DELIVERED);
    SK_CHECK_EQ(k->rxq.n, 3);
    const char *want[] = {"bbbb", "cc", "e"};
    for (int i = 0; i < 3; i++) {
        ptrdiff_t got = sk_udp_take(&u, k, out, sizeof out, NULL);
        SK_CHECK_EQ_I(got, (ptrdiff_t)strlen(want[i]));
        SK_CHECK_MEM(out, want[i], strlen(want[i]));
    }
    SK_CHECK_EQ(live_bytes, idle);
    teardown();
}

/* The datagrams wrap around the payload ring and stay byte-exact. */
static void test_rcvq_wraps(void)
{
    setup(2, 4, 25, 1);
    sk_udp_sock *k = bound(9999);
    sk_ipaddr s = v4(192, 0, 2, 1), d = v4(192, 0, 2, 2);
    uint8_t b[64], out[16];
    char text[12];
    for (int i = 0; i < 40; i++) {
        int len = 1 + i % 9;
        for (int j = 0; j < len; j++)
            text[j] = (char)('a' + (i + j) % 26);
        text[len] = 0;
        size_t n = dgram(b, s, 1, d, 9999, text);
        SK_CHECK_EQ_I(input(s, d, b, n), SK_UDP_DELIVERED);
        if (i % 2 == 1 || i == 39) { /* two in, one or two out */
            while (k->rxq.n > 1)
                SK_CHECK(sk_udp_take(&u, k, out, sizeof out, NULL) > 0);
        }
        SK_CHECK_EQ(k->overflows, 0);
    }
    SK_CHECK_EQ_I(sk_udp_take(&u, k, out, sizeof out, NULL), (ptrdiff_t)strlen(text));
    SK_CHECK_MEM(out, text, strlen(text));
    teardown();
}

/* ICMP hard errors reach a connected socket with exactly those ends as a
 * pending error and readiness; no one else's. */
static void test_icmp_error(void)
{
    setup(3, 4, 1000, 1);
    sk_udp_sock *c = bound(5000), *w = bound(5001);
    sk_endpoint r = ep(v4(192, 0, 2, 1), 53);
    SK_CHECK_EQ_I(sk_udp_set_remote(&u, c, &r), 0);
    sk_endpoint l = ep(v4(192, 0, 2, 2), 5000);
    sk_endpoint wrong = ep(v4(192, 0, 2, 1), 54);
    SK_CHECK_EQ_I(sk_udp_icmp_error(&u, &l, &wrong, SK_ECONNREFUSED), SK_DROP_ICMP_NO_CONN);
    sk_endpoint lw = ep(v4(192, 0, 2, 2), 5001);
    SK_CHECK_EQ_I(sk_udp_icmp_error(&u, &lw, &r, SK_ECONNREFUSED), SK_DROP_ICMP_NO_CONN);
    SK_CHECK_EQ(w->error, 0);
    SK_CHECK_EQ(c->error, 0);
    SK_CHECK_EQ_I(sk_udp_icmp_error(&u, &l, &r, SK_ECONNREFUSED), 0);
    SK_CHECK_EQ_I(c->error, SK_ECONNREFUSED);
    SK_CHECK(sk_udp_readiness(&u, c) & SK_EV_ERROR);
    sk_event ev;
    SK_CHECK(sk_udp_next_event(&u, &ev));
    SK_CHECK(ev.sock.idx == sk_udp_handle(&u, c).idx && (ev.events & SK_EV_ERROR));
    teardown();
}

/* The send queue: bounded, FIFO per socket, round robin across sockets;
 * the header written is the datagram's, and a full queue turning writable
 * is an event. */
static void test_send_queue_and_output(void)
{
    setup(3, 4, 1000, 1);
    sk_udp_sock *a = bound(1000), *b = bound(2000);
    sk_ipaddr us = v4(192, 0, 2, 2);
    sk_endpoint to = ep(v4(192, 0, 2, 1), 7);
    SK_CHECK_EQ_I(sk_udp_queue_send(&u, a, &us, &to, "a1", 2), 0);
    SK_CHECK_EQ_I(sk_udp_queue_send(&u, a, &us, &to, "a2", 2), 0);
    SK_CHECK_EQ_I(sk_udp_queue_send(&u, a, &us, &to, "a3", 2), SK_EAGAIN); /* 2 datagrams */
    sk_event ev;
    while (sk_udp_next_event(&u, &ev)) { /* nothing reported yet */
    }
    SK_CHECK(!(sk_udp_readiness(&u, a) & SK_EV_WRITABLE));
    SK_CHECK_EQ_I(sk_udp_queue_send(&u, b, &us, &to, "b1", 2), 0);
    const char *order[] = {"a1", "b1", "a2"};
    uint8_t seg[64];
    for (int i = 0; i < 3; i++) {
        sk_udp_out o;
        SK_CHECK(sk_udp_next_out(&u, &o));
        SK_CHECK_EQ(sk_udp_out_write(&o, seg, sizeof seg), 10);
        SK_CHECK_MEM(seg + 8, order[i], 2);
        SK_CHECK_EQ(sk_load_be16(seg), order[i][0] == 'a' ? 1000 : 2000);
        SK_CHECK_EQ(sk_load_be16(seg + 2), 7);
        SK_CHECK_EQ(sk_load_be16(seg + 4), 10);
        sk_udp_out_done(&u, &o);
    }
    sk_udp_out o;
    SK_CHECK(!sk_udp_next_out(&u, &o));
    SK_CHECK(!sk_udp_has_output(&u));
    SK_CHECK(sk_udp_next_event(&u, &ev)); /* a was refused, now writable */
    SK_CHECK(ev.sock.idx == sk_udp_handle(&u, a).idx && (ev.events & SK_EV_WRITABLE));
    SK_CHECK(!sk_udp_next_event(&u, &ev));
    /* the byte bound refuses a big datagram while the count has room: its
     * room is an event too */
    sk_udpq_init(&b->txq, 8, 10);
    SK_CHECK_EQ_I(sk_udp_queue_send(&u, b, &us, &to, "12345678", 8), 0);
    SK_CHECK_EQ_I(sk_udp_queue_send(&u, b, &us, &to, "abc", 3), SK_EAGAIN);
    SK_CHECK(sk_udp_next_out(&u, &o) && o.sock == b);
    sk_udp_out_done(&u, &o);
    SK_CHECK(sk_udp_next_event(&u, &ev));
    SK_CHECK(ev.sock.idx == sk_udp_handle(&u, b).idx && (ev.events & SK_EV_WRITABLE));
    SK_CHECK(!sk_udp_next_event(&u, &ev));
    /* a socket closed with datagrams queued leaves the output list */
    SK_CHECK_EQ_I(sk_udp_queue_send(&u, a, &us, &to, "x", 1), 0);
    SK_CHECK_EQ_I(sk_udp_queue_send(&u, b, &us, &to, "y", 1), 0);
    sk_udp_release(&u, a);
    SK_CHECK(sk_udp_next_out(&u, &o) && o.sock == b);
    sk_udp_out_done(&u, &o);
    SK_CHECK(!sk_udp_next_out(&u, &o));
    teardown();
}

/* A datagram arriving queues one READABLE event until it is popped. */
static void test_events(void)
{
    setup(2, 4, 1000, 1);
    sk_udp_sock *k = bound(9999);
    sk_ipaddr s = v4(192, 0, 2, 1), d = v4(192, 0, 2, 2);
    uint8_t b[64];
    size_t n = dgram(b, s, 1, d, 9999, "one");
    input(s, d, b, n);
    input(s, d, b, n);
    sk_event ev;
    SK_CHECK(sk_udp_next_event(&u, &ev));
    SK_CHECK_EQ(ev.sock.idx, sk_udp_handle(&u, k).idx);
    SK_CHECK_EQ(ev.events & SK_EV_READABLE, SK_EV_READABLE);
    SK_CHECK(!sk_udp_next_event(&u, &ev)); /* one entry for both */
    teardown();
}

int main(void)
{
    SK_RUN(test_table_bounded_and_handles);
    SK_RUN(test_bind_conflicts);
    SK_RUN(test_ephemeral);
    SK_RUN(test_golden_checksums);
    SK_RUN(test_checksum_rules);
    SK_RUN(test_lengths);
    SK_RUN(test_no_port);
    SK_RUN(test_demux_order);
    SK_RUN(test_rcvq_bounds_and_memory);
    SK_RUN(test_rcvq_wraps);
    SK_RUN(test_icmp_error);
    SK_RUN(test_send_queue_and_output);
    SK_RUN(test_events);
    return sk_test_finish();
}
