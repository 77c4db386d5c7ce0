/* DNS resolver in virtual time: the query on the wire, retries and backoff
 * to the microsecond across two servers, spoofed answers dropped and counted
 * by reason, RCODE handling, TC=1 -> TCP with the 2-byte length, both
 * families, handles. Answers are dnsmasq's (tests/support/golden_dns.h)
 * with the ID of the query patched in. */
#include "golden_dns.h"
#include "sk_test.h"
#include "synack/dns.h"
#include "synack/error.h"

#define S 1000000ull
#define T0 (5 * S)

static sk_dns_resolver res;

static sk_endpoint ep4(uint8_t last, uint16_t port)
{
    sk_endpoint e;
    memset(&e, 0, sizeof e);
    e.addr.family = SK_AF_INET4;
    e.addr.b[0] = 192, e.addr.b[1] = 0, e.addr.b[2] = 2, e.addr.b[3] = last;
    e.port = port;
    return e;
}

static void setup(uint8_t nserv, uint64_t seed)
{
    sk_dns_config c;
    memset(&c, 0, sizeof c);
    c.servers[0] = ep4(53, 0);
    c.servers[1] = ep4(54, 5353);
    c.server_count = nserv;
    c.seed = seed;
    SK_CHECK_EQ_I(sk_dns_init(&res, &c), SK_OK);
}

typedef struct {
    uint16_t port, id;
    sk_endpoint dst;
    uint8_t data[512];
    size_t len;
} sent;

static bool take(sent *s)
{
    sk_dns_datagram d;
    if (!sk_dns_next_datagram(&res, 0, &d))
        return false;
    s->port = d.src_port;
    s->dst = d.dst;
    s->len = d.len;
    memcpy(s->data, d.data, d.len);
    s->id = (uint16_t)(d.data[0] << 8 | d.data[1]);
    return true;
}

static void answer(const sent *s, const uint8_t *golden, size_t len, uint64_t now)
{
    uint8_t m[1024];
    memcpy(m, golden, len);
    m[0] = (uint8_t)(s->id >> 8), m[1] = (uint8_t)s->id;
    sk_dns_input(&res, now, &s->dst, s->port, m, len);
}

static int status_of(sk_dns_query q)
{
    sk_dns_result r;
    sk_dns_result_get(&res, q, &r);
    return r.status;
}

static void test_query_and_answer(void)
{
    sk_dns_query q;
    sent s;
    setup(2, 1);
    SK_CHECK_EQ_I(sk_dns_start(&res, "www.example.test", SK_DNS_WANT_A, T0, &q), SK_OK);
    SK_CHECK(take(&s));
    sent extra;
    SK_CHECK(!take(&extra)); /* one datagram per attempt */
    SK_CHECK_EQ(s.len, sizeof golden_dns_a_query);
    SK_CHECK_MEM(s.data + 2, golden_dns_a_query + 2, sizeof golden_dns_a_query - 2);
    SK_CHECK_EQ(s.dst.port, 53); /* port 0 in the config means 53 */
    SK_CHECK_EQ(s.dst.addr.b[3], 53);
    SK_CHECK(s.port >= 49152);
    SK_CHECK_EQ(sk_dns_poll_at(&res), T0 + S);
    sk_dns_result r;
    SK_CHECK_EQ_I(sk_dns_result_get(&res, q, &r), SK_EAGAIN);
    SK_CHECK_EQ_I(r.status, SK_DNS_PENDING);
    answer(&s, golden_dns_a, sizeof golden_dns_a, T0 + 1000);
    SK_CHECK_EQ_I(sk_dns_result_get(&res, q, &r), SK_OK);
    SK_CHECK_EQ_I(r.status, SK_DNS_OK);
    SK_CHECK_EQ(r.count, 2);
    SK_CHECK_EQ(r.ttl, 300);
    SK_CHECK_MEM(r.addrs[1].b, ((const uint8_t[]){192, 0, 2, 11}), 4);
    SK_CHECK(!take(&s));
    SK_CHECK_EQ(sk_dns_poll_at(&res), UINT64_MAX);
    SK_CHECK_EQ(sk_dns_get_stats(&res)->queries_sent, 1);
    /* the same seed draws the same ID and port; another seed others */
    sent s2, s3;
    setup(2, 1);
    sk_dns_start(&res, "www.example.test", SK_DNS_WANT_A, T0, &q);
    take(&s2);
    SK_CHECK(s2.id == s.id && s2.port == s.port);
    setup(2, 2);
    sk_dns_start(&res, "www.example.test", SK_DNS_WANT_A, T0, &q);
    take(&s3);
    SK_CHECK(s3.id != s.id || s3.port != s.port);
}

static void test_retries_exact(void)
{
    /* two servers, 1 s, 1 s, 2 s, 2 s, 4 s, 4 s: sends at 0, 1, 2, 4, 6, 10;
     * the end at 14 s */
    static const uint64_t at[] = {0, 1, 2, 4, 6, 10};
    sk_dns_query q;
    sent s, prev;
    setup(2, 7);
    sk_dns_start(&res, "www.example.test", SK_DNS_WANT_A, T0, &q);
    SK_CHECK(take(&prev));
    for (size_t i = 1; i < 6; i++) {
        SK_CHECK_EQ(sk_dns_poll_at(&res), T0 + at[i] * S);
        sk_dns_run_timers(&res, T0 + at[i] * S - 1);
        SK_CHECK_MSG(!take(&s), "attempt %zu sent a microsecond early", i);
        sk_dns_run_timers(&res, T0 + at[i] * S);
        SK_CHECK(take(&s));
        SK_CHECK_EQ(s.dst.addr.b[3], i % 2 ? 54 : 53);
        SK_CHECK_EQ(s.dst.port, i % 2 ? 5353 : 53);
        SK_CHECK(s.id != prev.id || s.port != prev.port); /* new per attempt */
        SK_CHECK_EQ_I(status_of(q), SK_DNS_PENDING);
        prev = s;
    }
    SK_CHECK_EQ(sk_dns_poll_at(&res), T0 + 14 * S);
    sk_dns_run_timers(&res, T0 + 14 * S);
    SK_CHECK(!take(&s));
    SK_CHECK_EQ_I(status_of(q), SK_DNS_TIMEOUT);
    SK_CHECK_EQ(sk_dns_get_stats(&res)->retries, 5);
    SK_CHECK_EQ(sk_dns_poll_at(&res), UINT64_MAX);
}

static void test_spoofed_answers_dropped(void)
{
    sk_dns_query q;
    sent s, bad;
    uint8_t m[128];
    setup(2, 3);
    sk_dns_start(&res, "www.example.test", SK_DNS_WANT_A, T0, &q);
    take(&s);
    const uint64_t *d = sk_dns_get_stats(&res)->drops;
    bad = s;
    bad.dst.addr.b[3] = 99; /* another address */
    answer(&bad, golden_dns_a, sizeof golden_dns_a, T0);
    SK_CHECK_EQ(d[SK_DNS_DROP_WRONG_SOURCE], 1);
    bad = s;
    bad.dst.port = 54; /* the server's address, another port */
    answer(&bad, golden_dns_a, sizeof golden_dns_a, T0);
    SK_CHECK_EQ(d[SK_DNS_DROP_WRONG_SOURCE], 2);
    bad = s;
    bad.port = (uint16_t)(s.port ^ 1); /* to a port we do not wait on */
    answer(&bad, golden_dns_a, sizeof golden_dns_a, T0);
    SK_CHECK_EQ(d[SK_DNS_DROP_NO_PORT], 1);
    bad = s;
    bad.id = (uint16_t)(s.id + 1);
    answer(&bad, golden_dns_a, sizeof golden_dns_a, T0);
    SK_CHECK_EQ(d[SK_DNS_DROP_WRONG_ID], 1);
    answer(&s, golden_dns_aaaa, sizeof golden_dns_aaaa, T0); /* other qtype */
    answer(&s, golden_dns_nx, sizeof golden_dns_nx, T0);     /* other name */
    SK_CHECK_EQ(d[SK_DNS_DROP_WRONG_QUESTION], 2);
    memcpy(m, golden_dns_a, sizeof golden_dns_a);
    m[2] &= 0x7f; /* QR=0 */
    answer(&s, m, sizeof golden_dns_a, T0);
    m[2] = (uint8_t)(golden_dns_a[2] | 0x10); /* opcode 2 */
    answer(&s, m, sizeof golden_dns_a, T0);
    SK_CHECK_EQ(d[SK_DNS_DROP_NOT_RESPONSE], 2);
    answer(&s, golden_dns_a, 11, T0);
    SK_CHECK_EQ(d[SK_DNS_DROP_SHORT], 1);
    answer(&s, golden_dns_a, 30, T0); /* question cut */
    answer(&s, golden_dns_a, 60, T0); /* answers cut */
    SK_CHECK_EQ(d[SK_DNS_DROP_MALFORMED], 2);
    SK_CHECK_EQ_I(status_of(q), SK_DNS_PENDING);
    SK_CHECK(!take(&bad)); /* nothing sent because of them */
    answer(&s, golden_dns_a, sizeof golden_dns_a, T0);
    SK_CHECK_EQ_I(status_of(q), SK_DNS_OK);
}

static void test_late_answer_to_earlier_attempt(void)
{
    sk_dns_query q;
    sent first, second;
    setup(1, 4);
    sk_dns_start(&res, "www.example.test", SK_DNS_WANT_A, T0, &q);
    take(&first);
    sk_dns_run_timers(&res, T0 + S);
    take(&second);
    SK_CHECK(first.port != second.port);
    answer(&first, golden_dns_a, sizeof golden_dns_a, T0 + S + 1);
    SK_CHECK_EQ(sk_dns_get_stats(&res)->drops[SK_DNS_DROP_NO_PORT], 1);
    SK_CHECK_EQ_I(status_of(q), SK_DNS_PENDING);
    /* one server: 1 s, 2 s, 4 s */
    SK_CHECK_EQ(sk_dns_poll_at(&res), T0 + 3 * S);
}

static void test_rcodes(void)
{
    sk_dns_query q;
    sent s;
    uint8_t m[128];
    setup(2, 5);
    sk_dns_start(&res, "nope.example.test", SK_DNS_WANT_A, T0, &q);
    take(&s);
    answer(&s, golden_dns_nx, sizeof golden_dns_nx, T0 + 10);
    SK_CHECK_EQ_I(status_of(q), SK_DNS_NXDOMAIN);
    SK_CHECK(!take(&s));
    /* SERVFAIL from the first server: the second at once; from both: SERVFAIL */
    sk_dns_release(&res, q);
    sk_dns_start(&res, "www.example.test", SK_DNS_WANT_A, T0, &q);
    take(&s);
    memcpy(m, golden_dns_a, sizeof golden_dns_a);
    m[3] = (uint8_t)((m[3] & 0xf0) | 2);
    answer(&s, m, sizeof golden_dns_a, T0 + 10);
    SK_CHECK(take(&s));
    SK_CHECK_EQ(s.dst.addr.b[3], 54);
    SK_CHECK_EQ(sk_dns_poll_at(&res), T0 + 10 + S);
    m[3] = (uint8_t)((m[3] & 0xf0) | 5); /* REFUSED */
    answer(&s, m, sizeof golden_dns_a, T0 + 20);
    SK_CHECK(!take(&s));
    SK_CHECK_EQ_I(status_of(q), SK_DNS_SERVFAIL);
    /* NOERROR without the address family: NODATA */
    sk_dns_release(&res, q);
    sk_dns_start(&res, "www.example.test", SK_DNS_WANT_A, T0, &q);
    take(&s);
    memcpy(m, golden_dns_a, 34);
    m[7] = 0; /* no answers */
    answer(&s, m, 34, T0 + 10);
    SK_CHECK_EQ_I(status_of(q), SK_DNS_NODATA);
}

static void test_tc_falls_back_to_tcp(void)
{
    sk_dns_query q;
    sent s;
    sk_dns_tcp_intent w;
    uint8_t out[600], in[700];
    setup(2, 6);
    sk_dns_start(&res, "many.example.test", SK_DNS_WANT_A, T0, &q);
    take(&s);
    answer(&s, golden_dns_many_udp, sizeof golden_dns_many_udp, T0 + 100);
    SK_CHECK(!take(&s)); /* no datagram: TCP now */
    SK_CHECK(sk_dns_tcp_want(&res, &w));
    SK_CHECK_EQ_I(w.op, SK_DNS_TCP_OPEN);
    SK_CHECK_EQ(w.server.addr.b[3], 53);
    SK_CHECK_EQ(w.server.port, 53);
    SK_CHECK(!sk_dns_tcp_want(&res, &w));
    SK_CHECK_EQ(sk_dns_poll_at(&res), T0 + 100 + S); /* the timer restarts */
    SK_CHECK_EQ(sk_dns_tcp_output(&res, w.conn, out, sizeof out), 0); /* not yet open */
    sk_dns_tcp_opened(&res, T0 + 200, w.conn);
    size_t n = sk_dns_tcp_output(&res, w.conn, out, 1);
    n += sk_dns_tcp_output(&res, w.conn, out + 1, sizeof out - 1);
    SK_CHECK_EQ(n, 2 + 35);
    SK_CHECK_EQ(out[0], 0);
    SK_CHECK_EQ(out[1], 35);
    SK_CHECK_EQ(sk_dns_tcp_output(&res, w.conn, out, sizeof out), 0); /* all taken */
    uint16_t id = (uint16_t)(out[2] << 8 | out[3]);
    SK_CHECK_EQ(id, s.id); /* RFC 7766 §6.2.1.1: the ID stays */
    in[0] = (uint8_t)(sizeof golden_dns_many_tcp >> 8), in[1] = (uint8_t)sizeof golden_dns_many_tcp;
    memcpy(in + 2, golden_dns_many_tcp, sizeof golden_dns_many_tcp);
    in[2] = (uint8_t)(id >> 8), in[3] = (uint8_t)id;
    sk_dns_tcp_input(&res, T0 + 300, w.conn, in, 1); /* half the length */
    sk_dns_tcp_input(&res, T0 + 300, w.conn, in + 1, 300);
    SK_CHECK_EQ_I(status_of(q), SK_DNS_PENDING);
    sk_dns_tcp_input(&res, T0 + 300, w.conn, in + 301, 2 + sizeof golden_dns_many_tcp - 301);
    sk_dns_result r;
    sk_dns_result_get(&res, q, &r);
    SK_CHECK_EQ_I(r.status, SK_DNS_OK);
    SK_CHECK_EQ(r.count, SK_DNS_MAX_ADDRS);
    uint32_t conn = w.conn;
    SK_CHECK(sk_dns_tcp_want(&res, &w));
    SK_CHECK_EQ_I(w.op, SK_DNS_TCP_CLOSE);
    SK_CHECK_EQ(w.conn, conn);
    SK_CHECK_EQ(sk_dns_get_stats(&res)->tcp_fallbacks, 1);
    sk_dns_tcp_input(&res, T0 + 400, conn, in, 10); /* after the end */
    SK_CHECK_EQ(sk_dns_get_stats(&res)->drops[SK_DNS_DROP_TCP_UNEXPECTED], 1);
}

static void test_tcp_failures(void)
{
    sk_dns_query q;
    sent s;
    sk_dns_tcp_intent w;
    setup(2, 8);
    sk_dns_start(&res, "many.example.test", SK_DNS_WANT_A, T0, &q);
    take(&s);
    answer(&s, golden_dns_many_udp, sizeof golden_dns_many_udp, T0);
    sk_dns_tcp_want(&res, &w);
    sk_dns_tcp_opened(&res, T0, w.conn);
    uint8_t big[2] = {0x08, 0x01}; /* 2049 > SK_DNS_TCP_MSG_MAX */
    sk_dns_tcp_input(&res, T0 + 5, w.conn, big, 2);
    SK_CHECK_EQ(sk_dns_get_stats(&res)->drops[SK_DNS_DROP_TCP_TOO_LONG], 1);
    uint32_t c1 = w.conn;
    SK_CHECK(sk_dns_tcp_want(&res, &w));
    SK_CHECK(w.op == SK_DNS_TCP_CLOSE && w.conn == c1);
    SK_CHECK(take(&s)); /* UDP again, to the other server */
    SK_CHECK_EQ(s.dst.addr.b[3], 54);
    answer(&s, golden_dns_many_udp, sizeof golden_dns_many_udp, T0 + 10);
    SK_CHECK(sk_dns_tcp_want(&res, &w));
    SK_CHECK(w.op == SK_DNS_TCP_OPEN && w.conn != c1 && w.server.port == 5353);
    /* the TCP attempt times out: CLOSE, and the next attempt by UDP */
    SK_CHECK_EQ(sk_dns_poll_at(&res), T0 + 10 + S);
    sk_dns_run_timers(&res, T0 + 10 + S);
    uint32_t c2 = w.conn;
    SK_CHECK(sk_dns_tcp_want(&res, &w));
    SK_CHECK(w.op == SK_DNS_TCP_CLOSE && w.conn == c2);
    /* the first server failed (too long) and is skipped; a timeout does not
     * mark the second one failed: attempt 3 goes to it, 2 s in round two */
    SK_CHECK(take(&s));
    SK_CHECK_EQ(s.dst.addr.b[3], 54);
    SK_CHECK_EQ(sk_dns_poll_at(&res), T0 + 10 + 3 * S);
    SK_CHECK_EQ_I(status_of(q), SK_DNS_PENDING);
    /* the peer closes an open TCP connection: that server failed too, and
     * with both failed the query ends in SERVFAIL */
    answer(&s, golden_dns_many_udp, sizeof golden_dns_many_udp, T0 + 20);
    SK_CHECK(sk_dns_tcp_want(&res, &w));
    sk_dns_tcp_opened(&res, T0 + 30, w.conn);
    sk_dns_tcp_closed(&res, T0 + 40, w.conn);
    SK_CHECK(!sk_dns_tcp_want(&res, &w)); /* closed already: no CLOSE */
    SK_CHECK(!take(&s));
    SK_CHECK_EQ_I(status_of(q), SK_DNS_SERVFAIL);
}

static void test_both_families_and_handles(void)
{
    sk_dns_query q, more[SK_DNS_MAX_QUERIES];
    sent a, b;
    setup(1, 9);
    SK_CHECK_EQ_I(sk_dns_start(&res, "www.example.test", SK_DNS_WANT_BOTH, T0, &q), SK_OK);
    SK_CHECK(take(&a) && take(&b));
    SK_CHECK(a.port != b.port);
    SK_CHECK_EQ(a.data[a.len - 3], 1);  /* A */
    SK_CHECK_EQ(b.data[b.len - 3], 28); /* AAAA */
    answer(&b, golden_dns_aaaa, sizeof golden_dns_aaaa, T0 + 1);
    SK_CHECK_EQ_I(status_of(q), SK_DNS_PENDING);
    answer(&a, golden_dns_a, sizeof golden_dns_a, T0 + 2);
    sk_dns_result r;
    SK_CHECK_EQ_I(sk_dns_result_get(&res, q, &r), SK_OK);
    SK_CHECK_EQ(r.count, 3);
    SK_CHECK_EQ(r.addrs[0].family, SK_AF_INET4);
    SK_CHECK_EQ(r.addrs[2].family, SK_AF_INET6);
    SK_CHECK_EQ_I(sk_dns_release(&res, q), SK_OK);
    SK_CHECK_EQ_I(sk_dns_release(&res, q), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_dns_result_get(&res, q, &r), SK_EBADHANDLE);
    SK_CHECK_EQ_I(sk_dns_result_get(&res, 0, &r), SK_EBADHANDLE);
    for (size_t i = 0; i < SK_DNS_MAX_QUERIES; i++)
        SK_CHECK_EQ_I(sk_dns_start(&res, "a.test", SK_DNS_WANT_A, T0, &more[i]), SK_OK);
    SK_CHECK(more[0] != q); /* the slot came back with a new generation */
    SK_CHECK_EQ_I(sk_dns_start(&res, "a.test", SK_DNS_WANT_A, T0, &q), SK_ENOSPC);
    SK_CHECK_EQ_I(sk_dns_start(&res, "a..test", SK_DNS_WANT_A, T0, &q), SK_EINVAL);
    SK_CHECK_EQ_I(sk_dns_start(&res, "a.test", 0, T0, &q), SK_EINVAL);
    sk_dns_config c;
    memset(&c, 0, sizeof c);
    SK_CHECK_EQ_I(sk_dns_init(&res, &c), SK_EINVAL); /* no server */
    c.server_count = 1;
    SK_CHECK_EQ_I(sk_dns_init(&res, &c), SK_EINVAL); /* no family */
}

static void test_ipv6_server(void)
{
    sk_dns_query q;
    sent s, bad;
    sk_dns_config c;
    memset(&c, 0, sizeof c);
    c.servers[0].addr.family = SK_AF_INET6;
    c.servers[0].addr.b[0] = 0x20, c.servers[0].addr.b[1] = 0x01;
    c.servers[0].addr.b[2] = 0x0d, c.servers[0].addr.b[3] = 0xb8, c.servers[0].addr.b[15] = 0x53;
    c.server_count = 1;
    SK_CHECK_EQ_I(sk_dns_init(&res, &c), SK_OK);
    sk_dns_start(&res, "www.example.test", SK_DNS_WANT_A, T0, &q);
    SK_CHECK(take(&s));
    SK_CHECK_EQ(s.dst.addr.family, SK_AF_INET6);
    SK_CHECK_EQ(s.dst.port, 53);
    bad = s;
    bad.dst.addr.family = SK_AF_INET4; /* the same first bytes, IPv4 */
    answer(&bad, golden_dns_a, sizeof golden_dns_a, T0);
    bad = s;
    bad.dst.addr.b[14] = 1; /* differs only past the first 4 bytes */
    answer(&bad, golden_dns_a, sizeof golden_dns_a, T0);
    SK_CHECK_EQ(sk_dns_get_stats(&res)->drops[SK_DNS_DROP_WRONG_SOURCE], 2);
    answer(&s, golden_dns_a, sizeof golden_dns_a, T0);
    SK_CHECK_EQ_I(status_of(q), SK_DNS_OK);
    c.timeout_us = 60000001;
    SK_CHECK_EQ_I(sk_dns_init(&res, &c), SK_EINVAL);
    c.timeout_us = 0, c.rounds = 6;
    SK_CHECK_EQ_I(sk_dns_init(&res, &c), SK_EINVAL);
}

static void test_cache_honours_ttl(void)
{
    sk_dns_query q;
    sent s;
    sk_dns_result r;
    setup(1, 12);
    sk_dns_start(&res, "www.example.test", SK_DNS_WANT_A, T0, &q);
    take(&s);
    answer(&s, golden_dns_a, sizeof golden_dns_a, T0 + 5000); /* TTL 300 */
    sk_dns_release(&res, q);
    /* asked again (other case) a microsecond before the TTL runs out: no
     * datagram, the answer at once, 1 s left */
    uint64_t t = T0 + 5000 + 300 * S - 1;
    SK_CHECK_EQ_I(sk_dns_start(&res, "WWW.example.test.", SK_DNS_WANT_A, t, &q), SK_OK);
    SK_CHECK(!take(&s));
    SK_CHECK_EQ_I(sk_dns_result_get(&res, q, &r), SK_OK);
    SK_CHECK_EQ_I(r.status, SK_DNS_OK);
    SK_CHECK_EQ(r.count, 2);
    SK_CHECK_EQ(r.ttl, 1);
    SK_CHECK_EQ(sk_dns_get_stats(&res)->cache_hits, 1);
    SK_CHECK_EQ(sk_dns_poll_at(&res), UINT64_MAX);
    sk_dns_release(&res, q);
    /* both families: A from the cache, AAAA asked */
    sk_dns_start(&res, "www.example.test", SK_DNS_WANT_BOTH, t, &q);
    SK_CHECK(take(&s));
    SK_CHECK_EQ(s.data[s.len - 3], 28);
    SK_CHECK(!take(&s));
    answer(&s, golden_dns_aaaa, sizeof golden_dns_aaaa, t);
    sk_dns_result_get(&res, q, &r);
    SK_CHECK_EQ(r.count, 3);
    SK_CHECK_EQ(r.ttl, 1); /* the smaller of the two */
    sk_dns_release(&res, q);
    /* at the TTL: asked again */
    sk_dns_start(&res, "www.example.test", SK_DNS_WANT_A, T0 + 5000 + 300 * S, &q);
    SK_CHECK(take(&s));
    sk_dns_release(&res, q);
    /* NXDOMAIN is not cached (no negative caching) */
    sk_dns_start(&res, "nope.example.test", SK_DNS_WANT_A, T0, &q);
    take(&s);
    answer(&s, golden_dns_nx, sizeof golden_dns_nx, T0);
    sk_dns_release(&res, q);
    sk_dns_start(&res, "nope.example.test", SK_DNS_WANT_A, T0, &q);
    SK_CHECK(take(&s));
    sk_dns_release(&res, q);
    /* flushed, or turned off: asked again */
    sk_dns_cache_flush(&res);
    sk_dns_start(&res, "www.example.test", SK_DNS_WANT_AAAA, t, &q);
    SK_CHECK(take(&s));
}

static void test_cache_bounded(void)
{
    /* SK_DNS_CACHE_ENTRIES + 1 names with TTLs 100..108 s: the one expiring
     * first (TTL 100) makes room for the last */
    sk_dns_query q;
    sent s;
    char name[32];
    uint8_t m[128];
    setup(1, 13);
    for (int i = 0; i <= SK_DNS_CACHE_ENTRIES; i++) {
        snprintf(name, sizeof name, "n%d.test", i);
        sk_dns_start(&res, name, SK_DNS_WANT_A, T0, &q);
        SK_CHECK(take(&s));
        /* the query itself, as a response with one A record of TTL 100 + i */
        memcpy(m, s.data, s.len);
        m[2] = 0x81, m[3] = 0x80, m[7] = 1;
        static const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 192, 0, 2, 1};
        memcpy(m + s.len, rr, sizeof rr);
        m[s.len + 9] = (uint8_t)(100 + i);
        answer(&s, m, s.len + sizeof rr, T0);
        SK_CHECK_EQ_I(status_of(q), SK_DNS_OK);
        sk_dns_release(&res, q);
    }
    for (int i = 0; i <= SK_DNS_CACHE_ENTRIES; i++) {
        snprintf(name, sizeof name, "n%d.test", i);
        sk_dns_start(&res, name, SK_DNS_WANT_A, T0 + S, &q);
        SK_CHECK_MSG(take(&s) == (i == 0), "n%d: %s", i, i == 0 ? "cached" : "asked again");
        sk_dns_release(&res, q);
    }
    SK_CHECK_EQ(sk_dns_get_stats(&res)->cache_hits, SK_DNS_CACHE_ENTRIES);
    /* turned off */
    sk_dns_config c = res.cfg;
    c.no_cache = true;
    sk_dns_init(&res, &c);
    sk_dns_start(&res, "n1.test", SK_DNS_WANT_A, T0, &q);
    take(&s);
    memcpy(m, s.data, s.len);
    m[2] = 0x81, m[3] = 0x80, m[7] = 1;
    static const uint8_t rr2[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4, 192, 0, 2, 1};
    memcpy(m + s.len, rr2, sizeof rr2);
    answer(&s, m, s.len + sizeof rr2, T0);
    sk_dns_release(&res, q);
    sk_dns_start(&res, "n1.test", SK_DNS_WANT_A, T0, &q);
    SK_CHECK(take(&s));
}

int main(void)
{
    SK_RUN(test_query_and_answer);
    SK_RUN(test_retries_exact);
    SK_RUN(test_spoofed_answers_dropped);
    SK_RUN(test_late_answer_to_earlier_attempt);
    SK_RUN(test_rcodes);
    SK_RUN(test_tc_falls_back_to_tcp);
    SK_RUN(test_tcp_failures);
    SK_RUN(test_both_families_and_handles);
    SK_RUN(test_ipv6_server);
    SK_RUN(test_cache_honours_ttl);
    SK_RUN(test_cache_bounded);
    return sk_test_finish();
}
