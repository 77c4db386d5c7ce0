/* The resolver over the stack's sockets (include/synack/resolve.h), in
 * virtual time: the client stack (10.0.0.2) runs sk_resolve, a second
 * synack stack (10.0.0.1) is the DNS server, answering with dnsmasq's
 * golden responses (tests/support/golden_dns.h, the ID patched in) from a
 * UDP socket on port 53 and a TCP listener on port 53. Frames cross a raw
 * IP link that the test can make drop the next client datagram. */
#include "golden_dns.h"
#include "sk_test.h"
#include "synack/resolve.h"
#include "synack/synack.h"
#include "udp_fixture.h"

#include <string.h>

#define S 1000000ull

static sk_stack *cli, *srv;
static sk_resolve res;
static sk_sock srv_udp, srv_lis, srv_conn;
static int drop_next_query; /* datagrams client -> server to lose */
static uint32_t udp_queries, tcp_queries;
static const uint8_t *udp_reply;
static size_t udp_reply_len;

static void setup(uint64_t seed)
{
    sk_stack_config c, s;
    ufx_config(&c);
    c.seed = seed;
    ufx_config(&s);
    s.addr = sk_ip4_make(10, 0, 0, 1);
    s.seed = seed + 100;
    SK_CHECK_EQ_I(sk_stack_create(&c, &cli), 0);
    SK_CHECK_EQ_I(sk_stack_create(&s, &srv), 0);
    SK_CHECK_EQ_I(sk_udp_open(srv, &srv_udp), 0);
    sk_endpoint any;
    memset(&any, 0, sizeof any);
    any.port = 53;
    SK_CHECK_EQ_I(sk_udp_bind(srv, srv_udp, &any), 0);
    SK_CHECK_EQ_I(sk_tcp_listen(srv, 53, NULL, &srv_lis), 0);
    srv_conn.idx = srv_conn.gen = 0;
    sk_dns_config dc;
    memset(&dc, 0, sizeof dc);
    dc.servers[0] = ufx_ep(sk_ip4_make(10, 0, 0, 1), 53);
    dc.server_count = 1;
    dc.seed = seed;
    SK_CHECK_EQ_I(sk_resolve_init(&res, &dc), 0);
    drop_next_query = 0;
    udp_queries = tcp_queries = 0;
    udp_reply = golden_dns_a;
    udp_reply_len = sizeof golden_dns_a;
}

static void teardown(void)
{
    sk_resolve_close(&res, cli);
    sk_stack_destroy(cli);
    sk_stack_destroy(srv);
}

/* The server application: every UDP query is answered with udp_reply, its
 * ID set to the query's; a TCP query with the TCP golden. */
static void serve(sk_time_us now)
{
    uint8_t q[600], a[800];
    sk_udp_meta m;
    ptrdiff_t n;
    while ((n = sk_udp_recvfrom(srv, now, srv_udp, q, sizeof q, &m)) >= 2) {
        udp_queries++;
        memcpy(a, udp_reply, udp_reply_len);
        a[0] = q[0], a[1] = q[1];
        SK_CHECK_EQ_I(sk_udp_sendto(srv, now, srv_udp, a, udp_reply_len, &m.from),
                      (ptrdiff_t)udp_reply_len);
    }
    if (srv_conn.gen == 0 && sk_tcp_accept(srv, srv_lis, &srv_conn, NULL) != 0)
        return;
    n = sk_tcp_recv(srv, now, srv_conn, q, sizeof q);
    if (n < 4)
        return; /* the test's queries come in one segment */
    tcp_queries++;
    size_t len = sizeof golden_dns_many_tcp;
    a[0] = (uint8_t)(len >> 8), a[1] = (uint8_t)len;
    memcpy(a + 2, golden_dns_many_tcp, len);
    a[2] = q[2], a[3] = q[3];
    SK_CHECK_EQ_I(sk_tcp_send(srv, now, srv_conn, a, len + 2), (ptrdiff_t)(len + 2));
}

/* Move frames both ways until both stacks are quiet at `now`. */
static void exchange(sk_time_us now)
{
    uint8_t f[2048];
    bool quiet = false;
    for (int round = 0; round < 100 && !quiet; round++) {
        bool moved = false;
        sk_resolve_step(&res, cli, now);
        size_t n;
        while ((n = sk_stack_output(cli, now, f, sizeof f)) > 0) {
            moved = true;
            bool udp_query = f[9] == 17;
            if (udp_query && drop_next_query > 0) {
                drop_next_query--;
                continue;
            }
            sk_stack_input(srv, now, f, n);
        }
        serve(now);
        while ((n = sk_stack_output(srv, now, f, sizeof f)) > 0) {
            moved = true;
            sk_stack_input(cli, now, f, n);
        }
        quiet = !moved;
    }
    SK_CHECK(quiet); /* else the link never went quiet */
}

/* Run virtual time from t to `until`, jumping to the next deadline. */
static sk_time_us run(sk_time_us t, sk_time_us until)
{
    for (int i = 0; i < 1000 && t <= until; i++) {
        exchange(t);
        sk_time_us next = sk_resolve_poll_at(&res);
        sk_time_us a = sk_stack_poll_at(cli), b = sk_stack_poll_at(srv);
        next = a < next ? a : next;
        next = b < next ? b : next;
        if (next == SK_NEVER)
            return t;
        t = next > t ? next : t + 1;
    }
    return t;
}

static sk_dns_result result_of(sk_dns_query q)
{
    sk_dns_result r;
    memset(&r, 0, sizeof r);
    sk_dns_result_get(&res.dns, q, &r);
    return r;
}

/* A name resolved over a UDP socket bound to the resolver's port. */
static void test_answer_over_udp(void)
{
    setup(1);
    sk_dns_query q;
    SK_CHECK_EQ_I(sk_dns_start(&res.dns, "www.example.test", SK_DNS_WANT_A, S, &q), 0);
    run(S, S + 10);
    sk_dns_result r = result_of(q);
    SK_CHECK_EQ_I(r.status, SK_DNS_OK);
    SK_CHECK_EQ(r.count, 2);
    SK_CHECK_MEM(r.addrs[1].b, ((const uint8_t[]){192, 0, 2, 11}), 4);
    SK_CHECK_EQ(udp_queries, 1);
    SK_CHECK_EQ(sk_dns_get_stats(&res.dns)->queries_sent, 1);
    SK_CHECK_EQ(res.send_errors, 0);
    /* the glue's socket is bound to the port the resolver chose */
    int bound = 0;
    for (int i = 0; i < SK_RESOLVE_UDP_SOCKS; i++) {
        if (res.udp[i].port == 0)
            continue;
        sk_udp_info in;
        SK_CHECK_EQ_I(sk_udp_get_info(cli, res.udp[i].sock, &in), 0);
        SK_CHECK_EQ(in.local.port, res.udp[i].port);
        SK_CHECK(res.udp[i].port >= 49152);
        bound++;
    }
    SK_CHECK_EQ_I(bound, 1);
    SK_CHECK_EQ(sk_resolve_poll_at(&res), SK_NEVER);
    /* closing releases it */
    sk_resolve_close(&res, cli);
    SK_CHECK_EQ_I(res.udp[0].port, 0);
    teardown();
}

/* The first query is lost on the link: the resolver's timer resends it
 * (RFC 1035 §4.2.1) from a new socket, and the answer to that one counts. */
static void test_retry_after_loss(void)
{
    setup(2);
    drop_next_query = 1;
    sk_dns_query q;
    SK_CHECK_EQ_I(sk_dns_start(&res.dns, "www.example.test", SK_DNS_WANT_A, S, &q), 0);
    exchange(S);
    SK_CHECK_EQ(udp_queries, 0);
    SK_CHECK_EQ_I(result_of(q).status, SK_DNS_PENDING);
    SK_CHECK_EQ(sk_resolve_poll_at(&res), 2 * S); /* 1 s for the first attempt */
    run(S, 3 * S);
    SK_CHECK_EQ_I(result_of(q).status, SK_DNS_OK);
    SK_CHECK_EQ(udp_queries, 1);
    SK_CHECK_EQ(sk_dns_get_stats(&res.dns)->retries, 1);
    teardown();
}

/* Every query lost: TIMEOUT after the resolver's three rounds, and the
 * sockets are reused (at most one per question), never exhausted. */
static void test_timeout_when_all_lost(void)
{
    setup(3);
    drop_next_query = 1000;
    sk_dns_query q;
    SK_CHECK_EQ_I(sk_dns_start(&res.dns, "www.example.test", SK_DNS_WANT_A, S, &q), 0);
    run(S, 60 * S);
    SK_CHECK_EQ_I(result_of(q).status, SK_DNS_TIMEOUT);
    SK_CHECK_EQ(sk_dns_get_stats(&res.dns)->queries_sent, 3);
    SK_CHECK_EQ(res.send_errors, 0);
    teardown();
}

/* TC=1 over UDP: the glue opens TCP to the server's port 53, the query goes
 * with its length, the 675-byte answer comes back in several segments
 * (RFC 7766 §5, §8), and the connection is closed after. */
static void test_truncated_falls_back_to_tcp(void)
{
    setup(4);
    udp_reply = golden_dns_many_udp;
    udp_reply_len = sizeof golden_dns_many_udp;
    sk_dns_query q;
    SK_CHECK_EQ_I(sk_dns_start(&res.dns, "many.example.test", SK_DNS_WANT_A, S, &q), 0);
    run(S, 2 * S);
    sk_dns_result r = result_of(q);
    SK_CHECK_EQ_I(r.status, SK_DNS_OK);
    SK_CHECK_EQ(r.count, SK_DNS_MAX_ADDRS);
    SK_CHECK_EQ(udp_queries, 1);
    SK_CHECK_EQ(tcp_queries, 1);
    SK_CHECK_EQ(sk_dns_get_stats(&res.dns)->tcp_fallbacks, 1);
    for (int i = 0; i < SK_RESOLVE_TCP_SOCKS; i++)
        SK_CHECK(!res.tcp[i].used); /* closed once answered */
    teardown();
}

/* No server listening on TCP: the connection is refused (RST), the
 * resolver is told and ends the query as failed instead of waiting. */
static void test_tcp_refused(void)
{
    setup(5);
    sk_tcp_close(srv, 0, srv_lis);
    udp_reply = golden_dns_many_udp;
    udp_reply_len = sizeof golden_dns_many_udp;
    sk_dns_query q;
    SK_CHECK_EQ_I(sk_dns_start(&res.dns, "many.example.test", SK_DNS_WANT_A, S, &q), 0);
    run(S, 2 * S);
    SK_CHECK_EQ_I(result_of(q).status, SK_DNS_SERVFAIL);
    SK_CHECK_EQ(tcp_queries, 0);
    for (int i = 0; i < SK_RESOLVE_TCP_SOCKS; i++)
        SK_CHECK(!res.tcp[i].used);
    teardown();
}

int main(void)
{
    SK_RUN(test_answer_over_udp);
    SK_RUN(test_retry_after_loss);
    SK_RUN(test_timeout_when_all_lost);
    SK_RUN(test_truncated_falls_back_to_tcp);
    SK_RUN(test_tcp_refused);
    return sk_test_finish();
}
